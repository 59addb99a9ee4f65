"""Sweeps on the local process pool and on a dask cluster give exactly the runs of ``train``."""

import contextlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import tensorflow as tf
from dask.distributed import Client, LocalCluster, get_task_stream
from small_runs import BASE

from vaebook import Config, TrainingDiverged
from vaebook.cache import load_arrays
from vaebook.store import RunFile
from vaebook.sweep import RunFailed, train_many
from vaebook.transport import redirected


def tiny(seed: int) -> Config:
    return BASE.replace(epochs=12, seed=seed, snapshots=(12,))


def assert_only_whole_runs(folder, n: int):
    """n finished runs and their lock files: no checkpoint, no temporary file, each intact."""
    files = sorted(p.name for p in folder.rglob("*") if p.is_file())
    runs = [f for f in files if f.endswith(".npz")]
    assert len(runs) == n and all(f.endswith(".lock") for f in files if f not in runs), files
    assert not any(".partial" in f or f.endswith(".tmp") for f in files), files
    assert all(load_arrays(p) is not None for p in folder.rglob("*.npz"))  # a damaged one raises


@pytest.mark.integration
def test_a_sweep_gives_exactly_the_runs_of_train(cache, trained):
    configs = [tiny(seed) for seed in (0, 1)]
    swept = train_many(configs, workers=2, progress=False)  # two worker processes
    assert swept == [trained(config) for config in configs]  # train alone; Run compares every array


def test_any_executor_trains_into_private_folders_and_the_caller_saves(cache, trained):
    configs = [tiny(seed) for seed in (2, 3)]
    with ThreadPoolExecutor(2) as threads:  # in this process: the private folders are per thread
        swept = train_many(configs, executor=threads, progress=False)
    assert_only_whole_runs(cache, len(configs))
    assert swept == [trained(config) for config in configs]  # train alone; Run compares every array


class Corrupting(ThreadPoolExecutor):
    """Workers that send back the run's real file (``trained``'s) with one byte flipped in the
    middle, instead of training it."""

    def __init__(self, trained) -> None:
        super().__init__(1)
        self.trained = trained

    def submit(self, fn, *args, **kwargs):
        _, config = args  # fn(train_and_export, config): the trained file stands for the worker's
        with redirected(self.trained.folder):
            name = RunFile.of(config).path.relative_to(self.trained.folder).as_posix()
        blob = self.trained.file(config)
        middle = len(blob) // 2
        return super().submit(lambda: (name, blob[:middle] + bytes([blob[middle] ^ 1]) + blob[middle + 1 :]))


def test_a_run_file_that_arrives_damaged_is_refused_and_not_saved(cache, trained):
    with Corrupting(trained) as corrupting, pytest.raises(ValueError, match="refusing to save .*npz"):
        train_many([tiny(4)], executor=corrupting, progress=False)
    assert not list(cache.rglob("*.npz")) and not list(cache.rglob("*.tmp"))


def diverging(config: Config, progress: bool = True):
    """A trainer whose every run diverges: the sweep's own failures, without training one (the
    trainer's divergence is test_training's)."""
    raise TrainingDiverged(f"training diverged in epoch 1 of {config.epochs} (learning_rate=10000)")


@pytest.mark.parametrize(
    "where",
    [
        "executor",
        pytest.param("pool", marks=pytest.mark.integration),
        pytest.param("here", marks=pytest.mark.quick),
    ],
)
def test_a_run_that_fails_is_named_with_its_config_and_traceback(where, cache, monkeypatch):
    """A diverging run among good ones: RunFailed names its Config; its cause is the trainer's
    own exception, with the traceback of where it was raised (in another process for the pool,
    whose workers train for real; in this process the trainer is one that always diverges)."""
    import traceback

    bad = tiny(5).replace(learning_rate=1e4)
    configs = [bad] if where == "here" else [bad, bad.replace(seed=6)]
    kwargs = {"executor": ThreadPoolExecutor(1)} if where == "executor" else {"workers": 2}
    if where != "pool":
        monkeypatch.setattr("vaebook.sweep.train", diverging)
    with pytest.raises(RunFailed) as raised:
        train_many(configs, progress=False, **(kwargs if where != "here" else {"workers": 1}))
    assert raised.value.config in configs and repr(raised.value.config) in str(raised.value)
    cause = raised.value.__cause__
    assert isinstance(cause, TrainingDiverged) and "learning_rate=10000" in str(cause)
    shown = "".join(traceback.format_exception(raised.value))
    raiser = "vaebook/training.py" if where == "pool" else "tests/test_sweep.py"
    assert raiser in shown and "raise TrainingDiverged(" in shown
    assert not [p for p in cache.rglob("*.npz") if ".partial" in p.name]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A LocalCluster of 2 worker processes with 1 thread each. Its workers start without
    VAEBOOK_TF_THREADS (so their thread count is train_many's doing) and with a cache folder
    of their own, which must stay empty: runs reach the caller's cache only through it."""
    workers_cache = tmp_path_factory.mktemp("workers-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("VAEBOOK_TF_THREADS", raising=False)
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                env={"VAEBOOK_CACHE": str(workers_cache)},
            ) as local,
            Client(local) as client,
        ):
            yield local, client, workers_cache


def tf_threads() -> tuple[int, int]:
    threads = tf.config.threading
    return threads.get_intra_op_parallelism_threads(), threads.get_inter_op_parallelism_threads()


@pytest.mark.integration
def test_a_sweep_on_a_dask_cluster_is_train_alone_in_the_callers_cache(cluster, cache, trained):
    _, client, workers_cache = cluster
    configs = [tiny(seed) for seed in (0, 1)]
    with get_task_stream(client) as tasks:
        swept = train_many(configs, executor=client.get_executor(), progress=False)
    assert_only_whole_runs(cache, len(configs))
    assert not any(workers_cache.iterdir())
    trained_on = list({task["worker"] for task in tasks.data})
    threads = client.run(tf_threads, workers=trained_on)
    assert trained_on and all(t == (1, 1) for t in threads.values()), threads  # 1-thread workers: 1 each
    assert swept == [trained(config) for config in configs]  # train alone; Run compares every array


# Faults injected into the workers' trainer at its first compiled call (``EpochLoop.train``), the
# middle of a run: code run in each worker process (``client.run(exec, ...)``), since the workers
# cannot import this module. MARKER is a file the first worker to get there creates.
AT_FIRST_CALL = """
import os, signal, threading
from vaebook.training import EpochLoop

def at_first_call(self, *args):
    try:
        os.close(os.open({marker!r}, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:  # another worker got there first
        return untouched(self, *args)
    with open({marker!r}, "w") as f:
        f.write(str(os.getpid()))
    {fault}

untouched = getattr(EpochLoop.train, "__wrapped__", EpochLoop.train)
at_first_call.__wrapped__ = untouched
EpochLoop.train = at_first_call
"""
DIE = "os.kill(os.getpid(), signal.SIGKILL)"
# Says so through a named pipe the test reads, then waits for the cluster to be closed.
HANG = "open({ready!r}, 'w').close()\n    threading.Event().wait()"
UNTOUCHED = """
from vaebook.training import EpochLoop
EpochLoop.train = getattr(EpochLoop.train, "__wrapped__", EpochLoop.train)
"""


@contextlib.contextmanager
def fault_at_first_call(client: Client, marker: Path, fault: str) -> Iterator[None]:
    """Within the block, the first worker to reach its first compiled call writes its pid into
    ``marker`` and does ``fault``; the others train as they would."""
    client.run(exec, AT_FIRST_CALL.format(marker=str(marker), fault=fault), {})
    try:
        yield
    finally:
        client.run(exec, UNTOUCHED, {}, on_error="ignore")


@pytest.mark.integration
def test_a_sweep_survives_a_worker_killed_in_the_middle(cluster, cache, trained, tmp_path):
    _, client, _ = cluster
    configs = [tiny(seed) for seed in range(10, 14)]
    pids = set(client.run(os.getpid).values())
    marker = tmp_path / "killed"
    with fault_at_first_call(client, marker, DIE):
        swept = train_many(configs, executor=client.get_executor(), progress=False)
    killed = int(marker.read_text())
    assert killed in pids and killed not in client.run(os.getpid, on_error="ignore").values()  # it died
    assert_only_whole_runs(cache, len(configs))
    assert swept == [trained(config) for config in configs]  # train alone; Run compares every array


@pytest.mark.integration
def test_an_executor_that_is_not_one_is_named(cluster, cache):
    _, client, _ = cluster
    with pytest.raises(TypeError, match=r"executor must be a concurrent.futures.Executor.*get_executor\(\)"):
        train_many([tiny(0)], executor=client)
    with pytest.raises(TypeError, match="executor must be .* got int 2; to size the local .* pass workers="):
        train_many([tiny(0)], 2)
    with pytest.raises(ValueError, match="either executor or workers"):
        train_many([tiny(0)], executor=ThreadPoolExecutor(1), workers=2)
    assert not cache.exists()


@pytest.mark.integration
def test_a_closed_client_is_named_and_nothing_is_saved(cluster, cache):
    _, client, _ = cluster
    with Client(client.scheduler.address) as other:
        executor = other.get_executor()
    with pytest.raises(RuntimeError, match="executor .* could not run the sweep .*ClosedClientError"):
        train_many([tiny(20)], executor=executor, progress=False)
    assert not list(cache.rglob("*.npz"))


@pytest.mark.integration
def test_a_cluster_lost_mid_sweep_is_named_and_only_finished_runs_are_saved(cluster, cache, tmp_path):
    """The cluster is closed while a worker is in the middle of a run, which it cannot finish."""
    local, client, _ = cluster  # the last test of the module: it closes the cluster
    configs = [tiny(seed) for seed in range(30, 34)]
    ready = tmp_path / "under-way"
    os.mkfifo(ready)

    def close_when_a_run_is_under_way():
        ready.read_bytes()  # returns once a worker has opened and closed the pipe
        local.close()

    threading.Thread(target=close_when_a_run_is_under_way, daemon=True).start()
    hang = AT_FIRST_CALL.format(marker=str(tmp_path / "hung"), fault=HANG.format(ready=str(ready)))
    client.run(exec, hang, {})  # not put back: the cluster is closed
    lost = "executor .* could not run the sweep .*CancelledError.*: the cluster or a worker process was lost"
    with pytest.raises(RuntimeError, match=lost):
        train_many(configs, executor=client.get_executor(), progress=False)
    assert_only_whole_runs(cache, len(list(cache.rglob("*.npz"))))
