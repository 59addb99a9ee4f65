"""``train(config) -> Run``: the fast, deterministic, cached and resumable training loop.

Every random draw is stateless in (seed, step) (``vaebook.draws``), so a run depends on its
Config alone: rerunning it, or resuming it from a checkpoint, gives the same bits. The steps run
in ``vaebook.step``'s compiled loop, up to the next epoch that is evaluated; the snapshots and
their distances, a pure function of (parameters, epoch), are computed on a second thread meanwhile.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from tqdm import tqdm

from vaebook import draws, metrics
from vaebook.backend import tf
from vaebook.config import Config
from vaebook.data import DATA_DIM, reference_roll, swiss_roll
from vaebook.model import VAE, compiled, initial_params
from vaebook.results import Run, Snapshot
from vaebook.step import EPOCHS_PER_CALL, epochs_program
from vaebook.store import State, is_cached, load_state, run_key, run_lock, run_path, save_state

__all__ = ["Run", "Snapshot", "TrainingDiverged", "build_model", "is_cached", "train"]

# Recorded every eval epoch: cheap. At snapshot epochs: every metric of vaebook.metrics.
EVERY_EVAL, AT_SNAPSHOTS = ("sliced_wasserstein",), tuple(metrics.METRICS)


def build_model(config: Config) -> VAE:
    """``VAE(config)``, the network with its initial parameters (its name in vaebook 0.1)."""
    return VAE(config)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def train(config: Config, progress: bool = True, checkpoint_seconds: float = 15.0) -> Run:
    """Train ``config``, or load it from the cache when it was trained before.

    A run in progress is checkpointed to the cache every ``checkpoint_seconds``; an interrupted
    run resumes from its last checkpoint. Raises ``TrainingDiverged`` if the loss stops being
    finite; nothing of a diverged run is written.
    """
    with run_lock(config):
        done = load_state(config)
        if done is not None:
            return done.to_run(seconds=0.0)
        return _train(config, progress, checkpoint_seconds)


def _train(config: Config, progress: bool, checkpoint_seconds: float) -> Run:
    state = load_state(config, partial=True) or State(config, initial_params(config))
    loop, tensors = EpochLoop(config), [list(map(tf.constant, g)) for g in (state.params, state.m, state.v)]
    start = saved = time.perf_counter()
    desc = f"training {run_key(config)}"
    bar = tqdm(
        total=config.epochs, initial=state.epoch, disable=not progress, unit="epoch", desc=desc, leave=False
    )
    with bar, Evaluator(config) as evaluator:
        while state.epoch < config.epochs:
            first = state.epoch
            try:
                tensors = loop.train(state, tensors, next_stop(config, first))
            except TrainingDiverged:  # nothing of a diverged run stays, not even its checkpoint
                run_path(config, partial=True).unlink(missing_ok=True)
                raise
            if state.epoch in config.eval_epochs:
                evaluator.submit(tensors[0], state.epoch)
            bar.update(state.epoch - first)
            if time.perf_counter() - saved > checkpoint_seconds and state.epoch < config.epochs:
                evaluator.collect(state)
                save_state(with_tensors(state, tensors), partial=True)
                saved = time.perf_counter()
        evaluator.collect(state)
    save_state(with_tensors(state, tensors))
    run_path(config, partial=True).unlink(missing_ok=True)
    return state.to_run(seconds=time.perf_counter() - start)


def next_stop(config: Config, epoch: int) -> int:
    """Where one call of the compiled loop ends: at most EPOCHS_PER_CALL epochs on, and at the
    next epoch that is evaluated, so that its parameters are at hand."""
    return min(epoch + EPOCHS_PER_CALL, config.epochs, min(e for e in config.eval_epochs if e > epoch))


def with_tensors(state: State, tensors: list[list[tf.Tensor]]) -> State:
    """``state`` with the parameters and Adam's moments of the compiled loop, as numpy arrays."""
    state.params, state.m, state.v = ([t.numpy() for t in group] for group in tensors)
    return state


class EpochLoop:
    """The compiled loop with one run's data: its batches (and their one noisy copy, if the
    noise is drawn once) as constants, reshaped once."""

    def __init__(self, config: Config) -> None:
        self.config, steps = config, config.steps_per_epoch
        points = tf.constant(swiss_roll(config.n_points, config.seed, config.data))
        self.batches = tf.reshape(points, (steps, config.batch_size, DATA_DIM))
        self.input_batches = None  # noise_draw "step": the loop draws each step's noise itself
        if config.noise_draw == "once" and draws.has_noise(config):
            self.input_batches = tf.reshape(draws.noisy_copy(config, points), self.batches.shape)
        self.program, self.seed = epochs_program(config), tf.constant(config.seed, tf.int64)

    def train(self, state: State, tensors: list[list[tf.Tensor]], last: int) -> list[list[tf.Tensor]]:
        """Train from ``state.epoch`` to ``last``, recording the steps' losses in ``state``; the
        new (params, m, v). A loss that is not finite raises TrainingDiverged."""
        first, steps = state.epoch, self.config.steps_per_epoch
        *tensors, record = self.program(
            *tensors,
            tf.constant(first * steps, tf.int64),
            tf.constant(last - first),
            self.batches,
            self.input_batches,
            self.seed,
        )
        losses = record.numpy()[: (last - first) * steps].reshape(last - first, steps, 3)
        finite = np.isfinite(losses).all(axis=(1, 2))
        if not finite.all():
            raise TrainingDiverged(
                f"training diverged in epoch {first + 1 + int(np.argmin(finite))} of {self.config.epochs}: "
                f"the loss became {losses[~np.isfinite(losses)][0]} with "
                f"learning_rate={self.config.learning_rate}; try a smaller learning_rate"
            )
        state.losses[first:last], state.epoch = losses, last
        return tensors


class Evaluator:
    """The snapshots and distances of the evaluation epochs, on a thread beside the compiled loop."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.reference = reference_roll(config.n_points, config.seed, config.data)
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: dict[int, Future] = {}

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc) -> None:
        self.pool.shutdown()

    def submit(self, params: list[tf.Tensor], epoch: int) -> None:
        """Evaluate ``params``, the parameters at the end of ``epoch``, on the evaluation thread."""
        self.pending[epoch] = self.pool.submit(self.evaluate, params, epoch)

    def evaluate(self, params: list[tf.Tensor], epoch: int) -> tuple[Snapshot, dict[tuple[str, str], float]]:
        """The model's points at the end of ``epoch`` and their distances to the reference sample."""
        d, programs = draws.snapshot_draws(self.config, epoch), compiled(self.config)
        snap = Snapshot(
            programs.reconstruct(params, tf.constant(d.inputs), tf.constant(d.eps)).numpy(),
            programs.decode(params, tf.constant(d.z)).numpy(),
        )
        return snap, snap.distances(
            self.reference, AT_SNAPSHOTS if epoch in self.config.snapshot_epochs else EVERY_EVAL
        )

    def collect(self, state: State) -> None:
        """Wait for the submitted evaluations and record them in ``state``."""
        for e, job in sorted(self.pending.items()):
            snap, state.distances[e] = job.result()
            if e in self.config.snapshot_epochs:
                state.snapshots[e] = snap
        self.pending.clear()
