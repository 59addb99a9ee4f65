import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from vaebook import Config, TrainingDiverged, train
from vaebook.cache import load_arrays
from vaebook.store import is_cached, run_path

SMALL = Config(n_points=1000, batch_size=100, epochs=30, hidden_units=32, eval_every=10)


def test_run_contents_and_the_loss_falls():
    run = train(SMALL, progress=False)
    assert run.objective.shape == (SMALL.epochs * SMALL.steps_per_epoch,)
    assert run.reconstruction_loss.shape == run.kl_loss.shape == (SMALL.epochs,)
    # Per epoch, eq. (1)'s objective is the mean reconstruction term plus the mean KL term.
    epoch_means = run.objective.reshape(SMALL.epochs, -1).mean(axis=1)
    np.testing.assert_allclose(epoch_means, run.reconstruction_loss + run.kl_loss, rtol=1e-5)
    assert list(run.snapshots) == [1, 5, 9, 13, 30]
    for snap in run.snapshots.values():
        assert snap.reconstructions.shape == snap.prior_samples.shape == (1000, 3)
    epochs, sw = run.distance("sliced_wasserstein")
    assert list(epochs) == [1, 5, 9, 10, 13, 20, 30] and sw[-1] < sw[0]
    epochs, coverage = run.snapshot_distance("coverage", source="prior")
    assert list(epochs) == [1, 5, 9, 13, 30] and np.all((0 <= coverage) & (coverage <= 1))
    assert list(run.distance("energy_distance")[0]) == [1, 5, 9, 13, 30]  # recorded at snapshots only
    first, last = run.objective[:10].mean(), run.objective[-10:].mean()
    assert last < 0.5 * first
    mu, _ = run.model.encode(np.zeros((2, 3), np.float32))
    assert mu.shape == (2, 2)


@pytest.mark.parametrize(
    ("metric", "source", "words"),
    [("kl", "recon", "metric must be one of"), ("sliced_wasserstein", "real", "source must be one of")],
)
def test_a_bad_distance_name_is_named(metric, source, words):
    run = train(SMALL.replace(epochs=2), progress=False)
    with pytest.raises(ValueError, match=words):
        run.distance(metric, source)


def test_deterministic_in_process_and_seed_matters(cache, monkeypatch, tmp_path):
    a = train(SMALL, progress=False)
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "other"))
    b = train(SMALL, progress=False)
    assert b.seconds > 0 and a == b  # a Run compares by value: every array, seconds aside
    c = train(SMALL.replace(seed=1), progress=False)
    assert not np.array_equal(a.objective, c.objective) and a != c and a != "a run"


def test_deterministic_across_processes_and_thread_counts(tmp_path):
    """The run trained again in a new process with another TensorFlow thread count (two if this
    process has one, as pytest's workers do, else one) gives the same bits."""
    import tensorflow as tf

    a = train(SMALL, progress=False)
    threads = "2" if tf.config.threading.get_intra_op_parallelism_threads() == 1 else "1"
    out = tmp_path / "vfe.npy"
    run = f"vaebook.train(vaebook.{SMALL!r}, progress=False)"
    code = f"import numpy as np, vaebook; np.save({str(out)!r}, {run}.objective)"
    env = dict(os.environ, VAEBOOK_CACHE=str(tmp_path / "fresh"), VAEBOOK_TF_THREADS=threads)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert np.array_equal(np.load(out), a.objective)


@pytest.mark.quick
def test_cache_round_trip_is_fast_and_equal(cache):
    a = train(SMALL, progress=False)
    assert is_cached(SMALL) and run_path(SMALL).parent.parent == cache
    start = time.perf_counter()
    b = train(SMALL, progress=False)
    assert time.perf_counter() - start < 2 and b.seconds == 0 and a == b
    assert [w.shape for w in a.weights] == [w.shape for w in b.weights]


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_cache_is_detected_and_recomputed(damage):
    a = train(SMALL, progress=False)
    path = run_path(SMALL)
    blob = bytearray(path.read_bytes())
    if damage == "truncate":
        blob = blob[: len(blob) // 2]
    else:
        blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.warns(UserWarning, match="unreadable"):
        b = train(SMALL, progress=False)
    assert b.seconds > 0 and a == b


def test_interrupted_run_leaves_nothing_trusted_and_resumes(cache, tmp_path, monkeypatch):
    config = SMALL.replace(epochs=60)
    script = textwrap.dedent(f"""
        import vaebook
        vaebook.train(vaebook.{config!r}, progress=False, checkpoint_seconds=0.0)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ))
    partial = run_path(config, partial=True)
    deadline = time.time() + 120
    while not partial.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert partial.exists(), "the run never checkpointed"
    assert not run_path(config).exists(), "a killed run must not leave a finished run in the cache"
    done_before = int(load_arrays(partial)["epoch"])
    assert 0 < done_before < config.epochs
    resumed = train(config, progress=False)
    assert not partial.exists() and run_path(config).exists()
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "clean"))
    assert resumed == train(config, progress=False)  # every array, the evaluations included
    assert list(resumed.snapshots) == list(config.snapshot_epochs)


def test_a_run_asked_for_twice_at_once_is_trained_once(capsys):
    """Another process and this one ask for the same Config together (this one as soon as the
    other has loaded vaebook): one trains, the other waits for it and loads the result (without
    the run's lock, both would train: both report seconds > 0)."""
    config = SMALL.replace(epochs=150)
    run = f"vaebook.train(vaebook.{config!r}, progress=False)"
    code = f"import vaebook.training; print('ready', flush=True); print({run}.seconds)"
    other = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert other.stdout.readline() == "ready\n"
    here = train(config, progress=False).seconds
    out, err = other.communicate(timeout=300)
    assert min(here, float(out)) == 0.0 < max(here, float(out))
    assert "waiting for another process" in err + capsys.readouterr().err


def test_divergence_names_the_epoch_and_setting_and_writes_nothing(cache):
    config = SMALL.replace(learning_rate=1e4)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+ of 30.*learning_rate=10000"):
        train(config, progress=False)
    assert not list(cache.rglob("*.npz"))


def test_initial_weights_ignore_other_threads_drawing_from_random():
    """Keras seeds a Dense kernel's initializer from Python's global `random`, which other threads
    (a dask worker's event loop) draw from at any time; the initial parameters must not move."""
    import random
    import threading

    from vaebook.model import initial_params

    expected = initial_params(SMALL)
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that the draws interleave
    other = threading.Thread(target=draw)
    other.start()
    try:
        for _ in range(5):
            assert all(np.array_equal(a, b) for a, b in zip(initial_params(SMALL), expected))
    finally:
        stop.set()
        other.join()
        sys.setswitchinterval(switch)
