"""``train(config) -> Run``: the fast, deterministic, cached and resumable training loop.

Every random draw is stateless in (seed, step) (``vaebook.draws``), so a run depends on its
Config alone: rerunning it, or resuming it from a checkpoint, gives the same bits. The steps run
in ``vaebook.step``'s compiled loop, up to the next epoch that is evaluated; the snapshots and
their distances, a pure function of (parameters, epoch), are computed on a second thread meanwhile.
The run's files are the store's (``vaebook.store``): the loop hands it each new state.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from tqdm import tqdm

from vaebook import metrics, store
from vaebook.backend import tf
from vaebook.config import Config
from vaebook.data import DATA_DIM, reference_roll, swiss_roll
from vaebook.draws import Noise, snapshot_draws
from vaebook.model import Network, compiled, initial_params
from vaebook.results import Run, Snapshot
from vaebook.step import EPOCHS_PER_CALL, StepKey, epochs_program
from vaebook.store import State

__all__ = ["Run", "Snapshot", "TrainingDiverged", "train"]

# Recorded every eval epoch: cheap. At snapshot epochs: every metric of vaebook.metrics.
EVERY_EVAL, AT_SNAPSHOTS = ("sliced_wasserstein",), tuple(metrics.METRICS)

Tensors = list[list[tf.Tensor]]  # the compiled loop's (params, m, v)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def train(config: Config, progress: bool = True, checkpoint_seconds: float = 15.0) -> Run:
    """Train ``config``, or load it from the cache when it was trained before.

    A run in progress is checkpointed to the cache every ``checkpoint_seconds``; an interrupted
    run resumes from its last checkpoint. Raises ``TrainingDiverged`` if the loss stops being
    finite; nothing of a diverged run is kept.
    """
    with store.run_lock(config):
        done = store.load(config)
        if done is not None:
            return done.to_run(seconds=0.0)
        return _train(config, progress, checkpoint_seconds)


def _train(config: Config, progress: bool, checkpoint_seconds: float) -> Run:
    state = store.load_checkpoint(config) or State.initial(config, initial_params(config))
    loop, tensors = EpochLoop(config), [list(map(tf.constant, g)) for g in (state.params, state.m, state.v)]
    start = saved = time.perf_counter()
    desc = f"training {store.run_key(config)}"
    bar = tqdm(
        total=config.epochs, initial=state.epoch, disable=not progress, unit="epoch", desc=desc, leave=False
    )
    with bar, Evaluator(config) as evaluator:
        while state.epoch < config.epochs:
            first = state.epoch
            try:
                state, tensors = loop.train(state, tensors, next_stop(config, first))
            except TrainingDiverged:
                store.discard(config)
                raise
            if state.epoch in config.eval_epochs:
                evaluator.submit(tensors[0], state.epoch)
            bar.update(state.epoch - first)
            if time.perf_counter() - saved > checkpoint_seconds and state.epoch < config.epochs:
                state = evaluator.collect(state)
                store.checkpoint(with_tensors(state, tensors))
                saved = time.perf_counter()
        state = with_tensors(evaluator.collect(state), tensors)
    store.finish(state)
    return state.to_run(seconds=time.perf_counter() - start)


def next_stop(config: Config, epoch: int) -> int:
    """Where one call of the compiled loop ends: at most EPOCHS_PER_CALL epochs on, and at the
    next epoch that is evaluated, so that its parameters are at hand."""
    return min(epoch + EPOCHS_PER_CALL, config.epochs, min(e for e in config.eval_epochs if e > epoch))


def with_tensors(state: State, tensors: Tensors) -> State:
    """``state`` with the parameters and Adam's moments of the compiled loop, as numpy arrays."""
    params, m, v = (tuple(t.numpy() for t in group) for group in tensors)
    return state.replace(params=params, m=m, v=v)


class EpochLoop:
    """The compiled loop with one run's data: its batches, and what the encoder reads of them
    before each step's noise (``Noise.fixed_inputs``), as constants reshaped once."""

    def __init__(self, config: Config) -> None:
        self.config, steps = config, config.steps_per_epoch
        self.seed = tf.constant(config.seed, tf.int64)
        points = tf.constant(swiss_roll(config.n_points, config.seed, config.data))
        self.batches = tf.reshape(points, (steps, config.batch_size, DATA_DIM))
        inputs = Noise.of(config).fixed_inputs(points, self.seed)
        self.input_batches = self.batches if inputs is points else tf.reshape(inputs, self.batches.shape)
        self.program = epochs_program(StepKey.of(config))

    def train(self, state: State, tensors: Tensors, last: int) -> tuple[State, Tensors]:
        """Train from ``state.epoch`` to ``last``: the new state (its epoch and the steps' losses)
        and the new (params, m, v). A loss that is not finite raises TrainingDiverged."""
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
        return state.replace(epoch=last, losses=np.concatenate([state.losses, losses])), tensors


@contextlib.contextmanager
def _environment_kept():
    """The environment as it was before the block, whatever the block's imports set."""
    before = dict(os.environ)
    try:
        yield
    finally:
        for name in set(os.environ) - set(before):
            del os.environ[name]
        os.environ.update({name: value for name, value in before.items() if os.environ.get(name) != value})


@functools.cache
def _blas():
    """threadpoolctl's controller of the BLAS libraries numpy loaded. Its import sets an OpenMP
    variable for Intel's runtime, which vaebook does not load: the environment stays the caller's."""
    with _environment_kept():
        from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


class Evaluator:
    """The snapshots and distances of the evaluation epochs, on a thread beside the compiled loop,
    with one BLAS thread: the trainer keeps the cores busy."""

    def __init__(self, config: Config) -> None:
        self.config, self.network = config, Network.of(config)
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
        d, programs = snapshot_draws(self.config, epoch), compiled(self.network)
        snap = Snapshot(
            programs.reconstruct(params, tf.constant(d.inputs), tf.constant(d.eps)).numpy(),
            programs.decode(params, tf.constant(d.z)).numpy(),
        )
        names = AT_SNAPSHOTS if epoch in self.config.snapshot_epochs else EVERY_EVAL
        with _blas().limit(limits=1, user_api="blas"):
            return snap, snap.distances(self.reference, names)

    def collect(self, state: State) -> State:
        """Wait for the submitted evaluations: ``state`` with their snapshots and distances."""
        snapshots, distances = dict(state.snapshots), dict(state.distances)
        for e, job in sorted(self.pending.items()):
            snap, distances[e] = job.result()
            if e in self.config.snapshot_epochs:
                snapshots[e] = snap
        self.pending.clear()
        return state.replace(snapshots=snapshots, distances=distances)
