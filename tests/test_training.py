import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from small_runs import SMALL, noisy

from vaebook import Config, Run, TrainingDiverged, train
from vaebook.cache import load_arrays
from vaebook.errors import ClimbingLoss, TrainingInterrupted, VaebookError
from vaebook.evaluation import Evaluator
from vaebook.store import RunFile, is_cached
from vaebook.training import EpochLoop, warn_if_climbing


def test_run_contents_and_the_loss_falls(trained):
    """A run holds every array at its size, the epochs' records agree with the steps', its
    evaluations sit at the epochs Config lists, and the loss falls."""
    run = trained(SMALL)
    assert run.objective.shape == (SMALL.epochs * SMALL.steps_per_epoch,)
    assert run.reconstruction_loss.shape == run.kl_loss.shape == (SMALL.epochs,)
    # Per epoch, eq. (1)'s objective is the mean reconstruction term plus the mean KL term.
    epoch_means = run.objective.reshape(SMALL.epochs, -1).mean(axis=1)
    np.testing.assert_allclose(epoch_means, run.reconstruction_loss + run.kl_loss, rtol=1e-5)
    assert list(run.snapshots) == [1, 5, 9, 13, 30]
    for snap in run.snapshots.values():
        assert snap.reconstructions.shape == snap.prior_samples.shape == (SMALL.n_points, 3)
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
def test_a_bad_distance_name_is_named(metric, source, words, trained):
    run = trained(SMALL)
    with pytest.raises(ValueError, match=words):
        run.distance(metric, source)


def test_a_config_trained_again_gives_the_same_bits_and_another_seed_does_not(trained):
    """SMALL trained afresh in this test's empty cache equals the session's SMALL; seed 1 differs."""
    b = train(SMALL, progress=False)
    assert b.seconds > 0 and trained(SMALL) == b  # a Run compares by value: every array, seconds aside
    c = trained(SMALL.replace(seed=1))
    assert not np.array_equal(b.objective, c.objective) and b != c and b != "a run"


@pytest.mark.integration
def test_deterministic_across_processes_and_thread_counts(tmp_path, trained):
    """The run trained again in a new process with another TensorFlow thread count (two if this
    process has one, as pytest's workers do, else one) gives the same bits."""
    import tensorflow as tf

    a = trained(SMALL)
    threads = "2" if tf.config.threading.get_intra_op_parallelism_threads() == 1 else "1"
    out = tmp_path / "vfe.npy"
    run = f"vaebook.train(vaebook.{SMALL!r}, progress=False)"
    code = f"import numpy as np, vaebook; np.save({str(out)!r}, {run}.objective)"
    env = dict(os.environ, VAEBOOK_CACHE=str(tmp_path / "fresh"), VAEBOOK_TF_THREADS=threads)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert np.array_equal(np.load(out), a.objective)


@pytest.mark.quick
def test_a_trained_run_is_written_to_the_cache_and_loads_equal(cache):
    a = train(SMALL, progress=False)
    assert is_cached(SMALL) and RunFile.of(SMALL).path.parent.parent == cache
    b = train(SMALL, progress=False)
    assert b.seconds == 0 and a == b  # every array, the weights included


def interrupt_once(monkeypatch, owner, name: str, before: bool = True, call: int = 2):
    """Make ``owner.name`` raise KeyboardInterrupt (as Ctrl-C does) on its ``call``-th call:
    before the call runs, or just after it returns."""
    original, calls = getattr(owner, name), []

    def hooked(*args, **kwargs):
        calls.append(name)
        if len(calls) == call and before:
            raise KeyboardInterrupt
        result = original(*args, **kwargs)
        if len(calls) == call:
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(owner, name, hooked)


@pytest.mark.parametrize(
    ("owner", "name", "before"),
    [
        (EpochLoop, "train", True),  # within a compiled call: its epochs are not kept
        (Evaluator, "submit", True),  # after a call, before its evaluation was submitted
        (RunFile, "checkpoint", False),  # just after a checkpoint
    ],
)
def test_ctrl_c_keeps_a_checkpoint_and_the_run_resumes_to_the_bit(owner, name, before, trained):
    config = SMALL.replace(epochs=40)
    seconds = 0.0 if name == "checkpoint" else 1e9  # a checkpoint at every call, or none but Ctrl-C's
    with pytest.MonkeyPatch.context() as patch, pytest.raises(TrainingInterrupted) as raised:
        interrupt_once(patch, owner, name, before)
        train(config, progress=False, checkpoint_seconds=seconds)
    assert isinstance(raised.value, KeyboardInterrupt)
    assert "of 40; the checkpoint is kept: run the same command to resume" in str(raised.value)
    run_file = RunFile.of(config)
    assert not run_file.path.exists(), "an interrupted run must not leave a finished run in the cache"
    kept = int(load_arrays(run_file.checkpoint_path)["epoch"])
    assert 0 < kept < config.epochs and f"interrupted at epoch {kept} of 40" in str(raised.value)
    resumed = train(config, progress=False)
    assert resumed.seconds > 0 and not run_file.checkpoint_path.exists()
    assert resumed == trained(config)  # the run never interrupted: every array, the evaluations included


def test_ctrl_c_before_the_first_epoch_ends_keeps_nothing():
    with pytest.MonkeyPatch.context() as patch, pytest.raises(TrainingInterrupted) as raised:
        interrupt_once(patch, EpochLoop, "train", call=1)
        train(SMALL, progress=False)
    assert str(raised.value) == "interrupted before the first of 30 epochs ended: nothing was kept"
    assert not list(RunFile.of(SMALL).path.parent.glob("*.npz"))


@pytest.mark.integration
def test_a_run_killed_after_a_checkpoint_resumes_to_the_bit(trained):
    """A process killed (SIGKILL, no clean-up) right after its first checkpoint: the checkpoint is
    whole, no finished run is left, and training again resumes from it to the same bits."""
    config = SMALL.replace(epochs=60)
    script = textwrap.dedent(f"""
        import os, signal
        import vaebook
        from vaebook.store import RunFile

        write = RunFile.checkpoint

        def write_then_die(self, state):
            write(self, state)
            os.kill(os.getpid(), signal.SIGKILL)

        RunFile.checkpoint = write_then_die
        vaebook.train(vaebook.{config!r}, progress=False, checkpoint_seconds=0.0)
    """)
    killed = subprocess.run([sys.executable, "-c", script], env=dict(os.environ))
    assert killed.returncode == -signal.SIGKILL
    run_file = RunFile.of(config)
    assert not run_file.path.exists(), "a killed run must not leave a finished run in the cache"
    assert 0 < int(load_arrays(run_file.checkpoint_path)["epoch"]) < config.epochs
    resumed = train(config, progress=False)
    assert not run_file.checkpoint_path.exists() and run_file.path.exists()
    assert resumed == trained(config)  # the run never killed: every array, the evaluations included
    assert list(resumed.snapshots) == list(config.snapshot_epochs)


@pytest.mark.integration
def test_a_run_asked_for_while_another_process_trains_it_is_loaded(trained):
    """Another process asks for a run whose lock this one holds: it waits (and says so); this one
    finishes the run meanwhile; the other then loads it instead of training it again."""
    config = SMALL.replace(epochs=5)
    run_file = RunFile.of(config)
    code = f"import vaebook; print(vaebook.train(vaebook.{config!r}, progress=False).seconds)"
    with run_file.lock():
        other = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        said = ""
        while "waiting for another process" not in said and (line := other.stderr.readline()):
            said += line
        assert "waiting for another process" in said, said
        run_file.path.write_bytes(trained.file(config))  # as if this process had trained it
    out, err = other.communicate(timeout=300)
    assert other.returncode == 0 and float(out.split()[-1]) == 0.0, err


def test_divergence_names_the_epoch_and_setting_and_writes_nothing(cache):
    config = SMALL.replace(learning_rate=1e4)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+ of 30.*learning_rate=10000") as raised:
        train(config, progress=False)
    assert isinstance(raised.value, VaebookError)
    assert not list(cache.rglob("*.npz"))


def test_the_training_points_are_built_once_per_run(monkeypatch):
    """A run with 3 snapshots and 100 evaluations builds its roll once (and its real reference
    sample once), its noisy copy once, and never lists its evaluation epochs."""
    import vaebook.data
    from vaebook.draws import Noise

    config = noisy("once", epochs=100).replace(eval_every=1, snapshots=(10, 50))
    assert len(config.snapshot_epochs) == 3 and len(config.eval_epochs) == 100
    builds = {"rolls": 0, "noisy copies": 0}

    def counted(function, what):
        def count(*args, **kwargs):
            builds[what] += 1
            return function(*args, **kwargs)

        return count

    monkeypatch.setattr(vaebook.data, "roll_parameters", counted(vaebook.data.roll_parameters, "rolls"))
    monkeypatch.setattr(Noise, "fixed_inputs", counted(Noise.fixed_inputs, "noisy copies"))
    monkeypatch.setattr(Config, "eval_epochs", property(lambda self: pytest.fail("listed every epoch")))
    run = train(config, progress=False)
    assert len(run.distance("sliced_wasserstein")[0]) == 100 and list(run.snapshots) == [10, 50, 100]
    assert builds == {"rolls": 2, "noisy copies": 1}  # the training roll and the reference sample


def climbing(epoch_means: list[float]) -> Run:
    """A run whose epochs' mean objective is ``epoch_means`` (two steps an epoch)."""
    config = Config(n_points=200, epochs=len(epoch_means), hidden_units=8)
    objective = np.repeat(np.asarray(epoch_means, np.float32), 2)
    return Run(config, objective, objective[::2], objective[::2] * 0, {}, {}, [])


@pytest.mark.quick
def test_a_loss_that_ends_far_above_its_lowest_is_named_with_its_numbers():
    with pytest.warns(ClimbingLoss, match=r"last epoch's mean is 41, 4.1 times its lowest \(10, epoch 2 of"):
        warn_if_climbing(climbing([50.0, 10.0, 20.0, 41.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_climbing(climbing([50.0, 10.0, 20.0, 39.0]))  # 3.9 times: within the factor
        warn_if_climbing(climbing([50.0, 30.0, 20.0, 10.0]))


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
