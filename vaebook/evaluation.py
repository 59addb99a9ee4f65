"""A run's evaluations: its snapshots (the model's points at the end of an epoch) and their
distances to the real roll, computed on a thread beside the trainer's compiled loop."""

from __future__ import annotations

import contextlib
import functools
import os
from concurrent.futures import Future, ThreadPoolExecutor

from vaebook import metrics
from vaebook.backend import tf
from vaebook.config import Config
from vaebook.data import reference_roll
from vaebook.draws import TrainingPoints, snapshot_draws
from vaebook.model import Network, compiled
from vaebook.results import Snapshot
from vaebook.state import State

# Recorded every eval epoch: cheap. At snapshot epochs: every metric of vaebook.metrics.
EVERY_EVAL, AT_SNAPSHOTS = ("sliced_wasserstein",), tuple(metrics.METRICS)


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
    """The snapshots and distances of the evaluation epochs of a run, whose ``TrainingPoints``
    it is given, on a thread beside the compiled loop, with one BLAS thread: the trainer keeps
    the cores busy."""

    def __init__(self, config: Config, points: TrainingPoints) -> None:
        self.config, self.points, self.network = config, points, Network.of(config)
        self.reference = reference_roll(config.n_points, config.seed, config.data)
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending: dict[int, Future] = {}

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc) -> None:
        self.pool.shutdown()

    def submit(self, params: list[tf.Tensor], epoch: int) -> None:
        """Evaluate ``params``, the parameters at the end of ``epoch``, on the evaluation thread,
        if the run records that epoch and it is not already submitted."""
        if self.config.records_distances(epoch) and epoch not in self.pending:
            self.pending[epoch] = self.pool.submit(self.evaluate, params, epoch)

    def evaluate(self, params: list[tf.Tensor], epoch: int) -> tuple[Snapshot, dict[tuple[str, str], float]]:
        """The model's points at the end of ``epoch`` and their distances to the reference sample."""
        d, programs = snapshot_draws(self.config, epoch, self.points), compiled(self.network)
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
