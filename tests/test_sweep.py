"""Sweeps on the local process pool and on a dask cluster give exactly the runs of ``train``."""

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import tensorflow as tf
from dask.distributed import Client, LocalCluster, get_task_stream

from vaebook import Config, TrainingDiverged, train
from vaebook.cache import load_arrays
from vaebook.sweep import RunFailed, train_many


def tiny(seed: int) -> Config:
    return Config(n_points=500, epochs=12, hidden_units=16, seed=seed, snapshots=(12,))


def assert_only_whole_runs(folder, n: int):
    """n finished runs and their lock files: no checkpoint, no temporary file, each intact."""
    files = sorted(p.name for p in folder.rglob("*") if p.is_file())
    runs = [f for f in files if f.endswith(".npz")]
    assert len(runs) == n and all(f.endswith(".lock") for f in files if f not in runs), files
    assert not any(".partial" in f or f.endswith(".tmp") for f in files), files
    assert all(load_arrays(p) is not None for p in folder.rglob("*.npz"))  # a damaged one raises


@pytest.mark.integration
def test_a_sweep_gives_exactly_the_runs_of_train(cache, tmp_path, monkeypatch):
    configs = [tiny(seed) for seed in (0, 1)]
    swept = train_many(configs, workers=2, progress=False)  # two worker processes
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "alone"))
    assert swept == [train(config, progress=False) for config in configs]  # Run compares every array


def test_any_executor_trains_into_private_folders_and_the_caller_saves(cache, tmp_path, monkeypatch):
    configs = [tiny(seed) for seed in (2, 3)]
    with ThreadPoolExecutor(2) as threads:  # in this process: the private folders are per thread
        swept = train_many(configs, executor=threads, progress=False)
    assert_only_whole_runs(cache, len(configs))
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "alone"))
    assert swept == [train(config, progress=False) for config in configs]  # Run compares every array


class Corrupting(ThreadPoolExecutor):
    """Workers whose run files arrive with one byte flipped in the middle."""

    def submit(self, fn, *args, **kwargs):
        def corrupted():
            name, blob = fn(*args, **kwargs)
            middle = len(blob) // 2
            return name, blob[:middle] + bytes([blob[middle] ^ 1]) + blob[middle + 1 :]

        return super().submit(corrupted)


def test_a_run_file_that_arrives_damaged_is_refused_and_not_saved(cache):
    with Corrupting(1) as corrupting, pytest.raises(ValueError, match="refusing to save .*npz"):
        train_many([tiny(4)], executor=corrupting, progress=False)
    assert not list(cache.rglob("*.npz")) and not list(cache.rglob("*.tmp"))


@pytest.mark.parametrize(
    "where",
    [
        "executor",
        pytest.param("pool", marks=pytest.mark.integration),
        pytest.param("here", marks=pytest.mark.quick),
    ],
)
def test_a_run_that_fails_is_named_with_its_config_and_traceback(where, cache):
    """A diverging run among good ones: RunFailed names its Config; its cause is the trainer's
    own exception, with the traceback of where it was raised (in another process for the pool)."""
    import traceback

    bad = tiny(5).replace(learning_rate=1e4)
    configs = [bad] if where == "here" else [bad, bad.replace(seed=6)]
    kwargs = {"executor": ThreadPoolExecutor(1)} if where == "executor" else {"workers": 2}
    with pytest.raises(RunFailed) as raised:
        train_many(configs, progress=False, **(kwargs if where != "here" else {"workers": 1}))
    assert raised.value.config in configs and repr(raised.value.config) in str(raised.value)
    cause = raised.value.__cause__
    assert isinstance(cause, TrainingDiverged) and "learning_rate=10000" in str(cause)
    shown = "".join(traceback.format_exception(raised.value))
    assert "vaebook/training.py" in shown and "raise TrainingDiverged(" in shown
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
def test_a_sweep_on_a_dask_cluster_is_train_alone_in_the_callers_cache(cluster, cache, tmp_path, monkeypatch):
    _, client, workers_cache = cluster
    configs = [tiny(seed) for seed in (0, 1)]
    with get_task_stream(client) as tasks:
        swept = train_many(configs, executor=client.get_executor(), progress=False)
    assert_only_whole_runs(cache, len(configs))
    assert not any(workers_cache.iterdir())
    trained_on = list({task["worker"] for task in tasks.data})
    threads = client.run(tf_threads, workers=trained_on)
    assert trained_on and all(t == (1, 1) for t in threads.values()), threads  # 1-thread workers: 1 each
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "alone"))
    assert swept == [train(config, progress=False) for config in configs]  # Run compares every array


def _when_a_task_runs(client: Client, action) -> threading.Thread:
    """A thread that waits until a worker is executing a task, then does action(its address)."""

    def watch():
        while True:
            busy = client.run(lambda dask_worker: dask_worker.state.executing_count > 0)
            if any(busy.values()):
                action(min(a for a, b in busy.items() if b))
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.integration
def test_a_sweep_survives_a_worker_killed_in_the_middle(cluster, cache, tmp_path, monkeypatch):
    _, client, _ = cluster
    configs = [tiny(seed).replace(epochs=40) for seed in range(10, 14)]  # long enough to be killed in
    pids = client.run(os.getpid)
    killed = []

    def kill(address):
        os.kill(pids[address], signal.SIGKILL)
        killed.append(address)

    watcher = _when_a_task_runs(client, kill)
    swept = train_many(configs, executor=client.get_executor(), progress=False)
    watcher.join(timeout=1)
    assert killed and pids[killed[0]] not in client.run(os.getpid, on_error="ignore").values()  # it died
    assert_only_whole_runs(cache, len(configs))
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "alone"))
    assert swept == [train(config, progress=False) for config in configs]  # Run compares every array


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
def test_a_cluster_lost_mid_sweep_is_named_and_only_finished_runs_are_saved(cluster, cache):
    local, client, _ = cluster  # the last test of the module: it closes the cluster
    configs = [tiny(seed).replace(epochs=300) for seed in range(30, 34)]  # outlasting the watcher
    _when_a_task_runs(client, lambda address: local.close())
    lost = "executor .* could not run the sweep .*CancelledError.*: the cluster or a worker process was lost"
    with pytest.raises(RuntimeError, match=lost):
        train_many(configs, executor=client.get_executor(), progress=False)
    assert_only_whole_runs(cache, len(list(cache.rglob("*.npz"))))
