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
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from vaebook import cache
from vaebook.config import Config
from vaebook.threads import one_thread_each, set_tf_threads
from vaebook.training import Run, TrainingDiverged, is_cached, train

# One run at a time in a process (a dask worker with several threads, a thread pool): the
# process's TensorFlow threads are sized for one run, which two at once would only share.
_ONE_RUN_AT_A_TIME = threading.Lock()


def _train_quietly(config: Config) -> None:
    train(config, progress=False)


def default_workers() -> int:
    """One worker per core (at most 2 on the book's target laptop unless told otherwise)."""
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
    Raises TypeError for an executor that is not one, RuntimeError when the executor cannot run
    the runs (a closed client, a cluster that is gone); runs that did not finish are not saved."""
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
        with one_thread_each(), ProcessPoolExecutor(min(workers, len(missing)), mp_context=context) as pool:
            for job in as_completed([pool.submit(_train_quietly, c) for c in missing]):
                job.result()
                bar.update()
    else:
        for config in missing:
            train(config, progress=False)
            bar.update()


def _train_on(executor: Executor, missing: list[Config], bar: tqdm) -> None:
    """Train on ``executor``'s workers; save each finished run's file in this process's cache as
    it arrives. On any failure the runs still queued are cancelled."""
    jobs: dict[Future, Config] = {}
    try:
        for config in missing:
            try:
                jobs[executor.submit(run_file, config)] = config
            except Exception as err:
                raise _unusable(executor, err) from err
        for job in as_completed(jobs):
            try:
                name, blob = job.result()
            except TrainingDiverged:
                raise
            except Exception as err:
                raise _unusable(executor, err) from err
            _save_run_file(jobs[job], name, blob)
            bar.update()
    finally:
        for job in jobs:
            job.cancel()


def _unusable(executor: Executor, err: Exception) -> RuntimeError:
    return RuntimeError(
        f"train_many's executor {executor!r} could not run the sweep ({type(err).__name__}: {err}); "
        "is its cluster still up, its client open, and vaebook installed on its workers?"
    )


def _save_run_file(config: Config, name: str, blob: bytes) -> None:
    """Save a run's file sent by a worker into this process's cache, if its bytes are intact and
    it is the file this process's trainer reads for ``config``; nothing else is left there."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".npz":
        raise RuntimeError(f"a worker sent a run file named {name!r}, which is not a file inside a cache")
    path = cache.cache_dir().joinpath(*relative.parts)
    cache.save_bytes(path, blob)
    if not is_cached(config):
        path.unlink()
        raise RuntimeError(
            f"a worker sent {name} for {config!r}, a file this process's vaebook does not read for it: "
            "do the workers run the same vaebook version?"
        )


def run_file(config: Config) -> tuple[str, bytes]:
    """Train ``config`` in a private temporary cache and return the finished run's cache file:
    its path relative to the cache folder, and its checksummed bytes. This is what an executor's
    worker runs; the caller saves the file with ``vaebook.cache.save_bytes``."""
    worker = _dask_worker()
    scratch = worker.local_directory if worker is not None else None  # dask cleans it if the worker dies
    with _ONE_RUN_AT_A_TIME, tempfile.TemporaryDirectory(prefix="vaebook-run-", dir=scratch) as folder:
        if worker is not None:
            _use_threads(worker.state.nthreads)
        with cache.redirected(Path(folder)):
            train(config, progress=False)
        # The trainer leaves one file for a finished run (its checkpoint is removed).
        [path] = Path(folder).rglob("*.npz")
        return path.relative_to(folder).as_posix(), path.read_bytes()


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
