"""Train many configurations at once, each run exactly ``train(config)``: on a local process pool
(one process per core, the default) or on any ``concurrent.futures.Executor``, such as a dask
cluster's ``client.get_executor()``.

The local pool's workers train whole runs into the shared cache. An executor's workers may be
other machines, whose disks are not the caller's: each trains into a private temporary cache and
sends the finished run's checksummed file back, which the caller verifies and saves atomically.
Either way a run is bit-identical to the same Config trained alone (the trainer's numbers depend
on the Config only), and the caller reads every result back from its cache.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from vaebook import transport
from vaebook.backend import set_tf_threads
from vaebook.config import Config
from vaebook.store import is_cached
from vaebook.training import Run, train

# One run at a time in a process (a dask worker with several threads, a thread pool): the
# process's TensorFlow threads are sized for one run, which two at once would only share.
_ONE_RUN_AT_A_TIME = threading.Lock()


class RunFailed(RuntimeError):
    """Training one of ``train_many``'s Configs raised an exception: ``config`` is that Config,
    and the exception, with the worker's traceback, is this one's cause."""

    def __init__(self, config: Config, error: BaseException) -> None:
        super().__init__(f"training {config!r} raised {type(error).__name__}: {error}")
        self.config = config


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker, as text (tracebacks do not travel)."""

    def __str__(self) -> str:
        return f"\n{self.args[0]}"


@dataclass(frozen=True)
class _Failure:
    """A run's exception and its traceback, sent back by a worker as a result: whatever the
    executor itself raises is then the executor's failure, not a run's."""

    error: BaseException
    traceback: str


def _outcome(function: Callable[[Config], object], config: Config) -> object:
    """``function(config)``, or its exception as a ``_Failure``."""
    try:
        return function(config)
    except Exception as err:
        try:
            pickle.dumps(err)
        except Exception:  # an exception that cannot travel: its text does
            err = RuntimeError(f"{type(err).__name__}: {err}")
        return _Failure(err, traceback.format_exc())


def _raise_failure(config: Config, failure: _Failure) -> None:
    failure.error.__cause__ = _RemoteTraceback(failure.traceback)
    raise RunFailed(config, failure.error) from failure.error


def _train_quietly(config: Config) -> None:
    train(config, progress=False)


def _one_tf_thread() -> None:
    """A local pool worker's set-up: one TensorFlow thread, since the pool has one worker a core."""
    set_tf_threads(1)


def default_workers() -> int:
    """One worker per core, unless VAEBOOK_WORKERS says otherwise."""
    return int(os.environ.get("VAEBOOK_WORKERS", os.cpu_count() or 1))


def train_many(
    configs: Iterable[Config],
    executor: Executor | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> list[Run]:
    """The runs of ``configs``, in order. Those not in the cache are trained on ``executor``
    (any ``concurrent.futures.Executor``, e.g. dask's ``client.get_executor()``) and saved in
    this process's cache, or by default on a local pool of ``workers`` processes (one per core).
    Raises RunFailed, naming the Config, when training a run raised (the worker's exception and
    traceback are its cause); TypeError for an executor that is not one; RuntimeError when the
    executor cannot run the runs (a closed client, a cluster or worker process that is gone).
    Runs that did not finish are not saved."""
    configs = list(configs)
    _check_executor(executor, workers)
    missing = list(dict.fromkeys(c for c in configs if not is_cached(c)))
    bar = tqdm(total=len(missing), disable=not progress, unit="run", desc="training runs", leave=False)
    with bar:
        if executor is not None:
            _train_on(executor, missing, bar)
        else:
            _train_locally(missing, workers or default_workers(), bar)
    return [train(c, progress=False) for c in configs]


def _check_executor(executor: object, workers: int | None) -> None:
    if executor is None or isinstance(executor, Executor):
        if executor is not None and workers is not None:
            raise ValueError("give train_many either executor or workers (the local pool's size), not both")
        return
    hint = ""
    if hasattr(executor, "get_executor"):
        hint = "; for a dask Client, pass client.get_executor()"
    elif isinstance(executor, int):
        hint = "; to size the local process pool, pass workers="
    raise TypeError(
        f"executor must be a concurrent.futures.Executor or None (a local pool), "
        f"got {type(executor).__name__} {executor!r}{hint}"
    )


def _train_locally(missing: list[Config], workers: int, bar: tqdm) -> None:
    """Train into the shared cache: in ``workers`` fresh processes with one TensorFlow thread
    each, or in this process for a single run or worker."""
    if workers > 1 and len(missing) > 1:
        context = multiprocessing.get_context("spawn")  # a fresh TensorFlow per worker
        pool = ProcessPoolExecutor(min(workers, len(missing)), mp_context=context, initializer=_one_tf_thread)
        with pool:
            jobs = {pool.submit(_outcome, _train_quietly, c): c for c in missing}
            try:
                for job in as_completed(jobs):
                    _result(jobs[job], job, f"train_many's local pool of {workers} processes")
                    bar.update()
            finally:
                pool.shutdown(cancel_futures=True)
    else:
        for config in missing:
            try:
                train(config, progress=False)
            except Exception as err:
                raise RunFailed(config, err) from err
            bar.update()


def _train_on(executor: Executor, missing: list[Config], bar: tqdm) -> None:
    """Train on ``executor``'s workers; save each finished run's file in this process's cache as
    it arrives. On any failure the runs still queued are cancelled."""
    jobs: dict[Future, Config] = {}
    try:
        for config in missing:
            try:
                jobs[executor.submit(_outcome, train_and_export, config)] = config
            except Exception as err:
                raise _unusable(f"train_many's executor {executor!r}", err) from err
        for job in as_completed(jobs):
            name, blob = _result(jobs[job], job, f"train_many's executor {executor!r}")
            transport.import_run(jobs[job], name, blob)
            bar.update()
    finally:
        for job in jobs:
            job.cancel()


def _result(config: Config, job: Future, runner: str) -> object:
    """A finished job's result; RunFailed if the run raised, RuntimeError if ``runner`` failed."""
    try:
        result = job.result()
    except Exception as err:  # the executor's own failure: the run's comes back as a _Failure
        raise _unusable(runner, err) from err
    if isinstance(result, _Failure):
        _raise_failure(config, result)
    return result


def _unusable(runner: str, err: Exception) -> RuntimeError:
    return RuntimeError(
        f"{runner} could not run the sweep ({type(err).__name__}: {err}): the cluster or a worker "
        "process was lost, or the client closed. Is the cluster still up, its client open, and "
        "vaebook installed on its workers?"
    )


def train_and_export(config: Config) -> tuple[str, bytes]:
    """Train ``config`` in a private temporary cache and return the finished run's cache file:
    its path relative to the cache folder, and its checksummed bytes (``transport.export_run``).
    This is what an executor's worker runs; the caller saves the file with
    ``transport.import_run``."""
    worker = _dask_worker()
    scratch = worker.local_directory if worker is not None else None  # dask cleans it if the worker dies
    with _ONE_RUN_AT_A_TIME, tempfile.TemporaryDirectory(prefix="vaebook-run-", dir=scratch) as folder:
        if worker is not None:
            _use_threads(worker.state.nthreads)
        with transport.redirected(Path(folder)):
            train(config, progress=False)
            return transport.export_run(config)


def _dask_worker():
    """The dask worker running this task, or None (not in a dask task, or dask is not installed)."""
    try:
        from distributed import get_worker
    except ImportError:
        return None
    try:
        return get_worker()
    except ValueError:
        return None


def _use_threads(threads: int) -> None:
    """TensorFlow gets as many threads as the dask worker has (`--nthreads`), so that workers
    sharing a machine split its cores as dask was told (one each for 1-thread workers), unless
    VAEBOOK_TF_THREADS says otherwise. Possible only before the process's first TensorFlow
    operation, i.e. in its first run; the numbers do not depend on the count."""
    if "VAEBOOK_TF_THREADS" not in os.environ:
        set_tf_threads(threads)
