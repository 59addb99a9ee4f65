import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import vaebook
from vaebook import Config, TrainingDiverged, train, training
from vaebook.cache import load_arrays
from vaebook.training import _run_path, is_cached

SMALL = Config(n_points=1000, batch_size=100, epochs=30, hidden_units=32, eval_every=10)


def same(a, b) -> bool:
    return np.array_equal(a.vfe, b.vfe) and all(
        np.array_equal(a.snapshots[e].reconstructions, b.snapshots[e].reconstructions)
        and np.array_equal(a.snapshots[e].prior_samples, b.snapshots[e].prior_samples)
        for e in a.snapshots
    )


def test_run_contents_and_the_loss_falls():
    run = train(SMALL, progress=False)
    assert run.vfe.shape == (SMALL.epochs * SMALL.steps_per_epoch,)
    assert run.reconstruction.shape == run.kl.shape == (SMALL.epochs,)
    assert list(run.snapshots) == [1, 5, 9, 13, 30]
    for snap in run.snapshots.values():
        assert snap.reconstructions.shape == snap.prior_samples.shape == (1000, 3)
    assert list(run.distances["epoch"]) == [1, 5, 9, 10, 13, 20, 30]
    assert set(run.snapshot_distances) >= {"epoch", "recon_energy_distance", "prior_coverage"}
    first, last = run.vfe[:10].mean(), run.vfe[-10:].mean()
    assert last < 0.5 * first
    d = run.distances["recon_sliced_wasserstein"]
    assert d[-1] < d[0]
    mu, _ = run.model.encode(np.zeros((2, 3), np.float32))
    assert mu.shape == (2, 2)


def test_deterministic_in_process_and_seed_matters(cache, monkeypatch, tmp_path):
    a = train(SMALL, progress=False)
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "other"))
    b = train(SMALL, progress=False)
    assert b.seconds > 0 and same(a, b)
    c = train(SMALL.replace(seed=1), progress=False)
    assert not np.array_equal(a.vfe, c.vfe)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_deterministic_across_processes_and_thread_counts(tmp_path, threads):
    a = train(SMALL, progress=False)
    out = tmp_path / "vfe.npy"
    run = f"vaebook.train(vaebook.{SMALL!r}, progress=False)"
    code = f"import numpy as np, vaebook; np.save({str(out)!r}, {run}.vfe)"
    env = dict(os.environ, VAEBOOK_CACHE=str(tmp_path / "fresh"), VAEBOOK_TF_THREADS=threads)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert np.array_equal(np.load(out), a.vfe)


def test_cache_round_trip_is_fast_and_equal(cache):
    a = train(SMALL, progress=False)
    assert is_cached(SMALL) and _run_path(SMALL).parent.parent == cache
    start = time.perf_counter()
    b = train(SMALL, progress=False)
    assert time.perf_counter() - start < 2 and b.seconds == 0 and same(a, b)
    assert [w.shape for w in a.weights] == [w.shape for w in b.weights]


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_cache_is_detected_and_recomputed(damage):
    a = train(SMALL, progress=False)
    path = _run_path(SMALL)
    blob = bytearray(path.read_bytes())
    if damage == "truncate":
        blob = blob[: len(blob) // 2]
    else:
        blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.warns(UserWarning, match="unreadable"):
        b = train(SMALL, progress=False)
    assert b.seconds > 0 and same(a, b)


def test_interrupted_run_leaves_nothing_trusted_and_resumes(cache, tmp_path, monkeypatch):
    config = SMALL.replace(epochs=60)
    script = textwrap.dedent(f"""
        import vaebook
        vaebook.train(vaebook.{config!r}, progress=False, checkpoint_seconds=0.0)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ))
    partial = _run_path(config, ".partial")
    deadline = time.time() + 120
    while not partial.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert partial.exists(), "the run never checkpointed"
    assert not _run_path(config).exists(), "a killed run must not leave a finished run in the cache"
    done_before = int(load_arrays(partial)["epoch"])
    assert 0 < done_before < config.epochs
    resumed = train(config, progress=False)
    assert not partial.exists() and _run_path(config).exists()
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "clean"))
    assert same(resumed, train(config, progress=False))


@pytest.mark.skipif(training.fcntl is None, reason="no advisory file locks on this platform")
def test_a_run_asked_for_twice_at_once_is_trained_once(tmp_path):
    """Two processes start the same Config together: one trains, the other waits for it and
    loads the result (without the run's lock, both would train: both report seconds > 0)."""
    config = SMALL.replace(epochs=300)
    code = f"import vaebook; print(vaebook.train(vaebook.{config!r}, progress=False).seconds)"
    pipes = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs = [subprocess.Popen([sys.executable, "-c", code], **pipes) for _ in range(2)]
    results = [proc.communicate(timeout=300) for proc in procs]
    seconds = sorted(float(out) for out, _ in results)
    assert seconds[0] == 0.0 < seconds[1]
    assert any("waiting for another process" in err for _, err in results)


def test_divergence_names_the_epoch_and_setting_and_writes_nothing(cache):
    config = SMALL.replace(learning_rate=1e4)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+ of 30.*learning_rate=10000"):
        train(config, progress=False)
    assert not list(cache.rglob("*.npz"))


def test_adam_step_matches_keras():
    """One epoch of the trainer's hand-written Adam against keras.optimizers.Adam driven by the
    same gradients: a toy check that the update rule is Adam's."""
    import keras
    import tensorflow as tf

    from vaebook.loss import batch_loss, loss_terms
    from vaebook.training import ADAM_EPSILON, _compile_epochs, _forward, _normal, build_model

    config = Config(n_points=300, batch_size=100, epochs=1, hidden_units=8)
    model = build_model(config)
    x = vaebook.swiss_roll(300).reshape(3, 100, 3)
    params = [tf.constant(v) for v in model.trainable_variables]
    zeros = [tf.zeros_like(p) for p in params]
    # Eagerly, so that both sides draw eps with the same kernel (XLA's Philox in a loop differs).
    tf.config.run_functions_eagerly(True)
    try:
        epochs = _compile_epochs(model, config)
        ours, _, _, _ = epochs(params, zeros, zeros, tf.constant(0, tf.int64), 1, tf.constant(x), config.seed)
    finally:
        tf.config.run_functions_eagerly(False)

    variables = [tf.Variable(p) for p in params]
    optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=0.9, beta_2=0.999, epsilon=ADAM_EPSILON)
    for step in range(3):
        eps = _normal((100, 2), config.seed, 0, tf.constant(step, tf.int64))
        with tf.GradientTape() as tape:
            x_hat, mu, logvar = _forward(model, [v.value() for v in variables], x[step], eps)
            loss = batch_loss(*loss_terms(x[step], x_hat, mu, logvar))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    for a, b in zip(ours, variables):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-7)


def test_initial_weights_are_keras_own_and_ignore_other_threads_drawing_from_random():
    # Keras seeds each Dense kernel's initializer from Python's global `random`, which other threads
    # (a dask worker's event loop) draw from too; build_model must give Keras's draws regardless.
    import random
    import threading

    import keras

    keras.utils.set_random_seed(SMALL.seed)
    keras_own = vaebook.VAE(SMALL)
    keras_own.encoder.build((None, 3))
    keras_own.decoder.build((None, SMALL.latent_dim))
    expected = keras_own.get_weights()
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
            weights = training.build_model(SMALL).get_weights()
            assert all(np.array_equal(a, b) for a, b in zip(weights, expected))
    finally:
        stop.set()
        other.join()
        sys.setswitchinterval(switch)
