"""``train(config) -> Run``: the fast, deterministic, cached and resumable training loop.

Every random draw is stateless in (seed, step) (``vaebook.draws``), so a run depends on its
Config alone: rerunning it, or resuming it from a checkpoint, gives the same bits. The steps run
in ``vaebook.step``'s compiled loop, up to the next epoch that is evaluated; the snapshots and
their distances, a pure function of (parameters, epoch), are computed on a second thread meanwhile
(``vaebook.evaluation``). The run's files are its ``RunFile``'s (``vaebook.store``): the loop
hands it each new state.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from tqdm import tqdm

from vaebook.backend import tf
from vaebook.config import Config
from vaebook.data import DATA_DIM
from vaebook.draws import TrainingPoints
from vaebook.errors import ClimbingLoss, TrainingDiverged, TrainingInterrupted
from vaebook.evaluation import Evaluator
from vaebook.model import initial_params
from vaebook.results import Run, Snapshot
from vaebook.state import State
from vaebook.step import EPOCHS_PER_CALL, StepSettings, Tensors, epochs_program
from vaebook.store import RunFile

__all__ = ["CLIMB_FACTOR", "Run", "Snapshot", "TrainingDiverged", "TrainingInterrupted", "train"]

# A finished run whose last epoch's mean loss is more than CLIMB_FACTOR times the lowest epoch
# mean it reached has climbed instead of settling: it is kept, with a ClimbingLoss warning.
# The factor is fastai's: its learning-rate finder takes a (smoothed) loss above 4 times the
# best one as diverged (LRFinder's stop_div); an epoch's mean over its steps is the smoothing.
CLIMB_FACTOR = 4.0

LoopTensors = list[Tensors]  # the compiled loop's (params, m, v)


def train(config: Config, progress: bool = True, checkpoint_seconds: float = 15.0) -> Run:
    """Train ``config``, or load it from the cache when it was trained before.

    A run in progress is checkpointed to the cache every ``checkpoint_seconds`` and when it is
    interrupted (Ctrl-C: ``TrainingInterrupted``); an interrupted run resumes from its last
    checkpoint. Raises ``TrainingDiverged`` if the loss stops being finite (nothing of the run is
    kept), ``CacheUnusable`` if the cache folder cannot be written. Warns with ``ClimbingLoss``
    if the loss ends far above its lowest.
    """
    run_file = RunFile.of(config)
    state, seconds = run_file.load(), 0.0
    if state is None:
        with run_file.lock():
            state = run_file.load()  # another process may have trained it meanwhile
            if state is None:
                state, seconds = Training(run_file, progress).run(checkpoint_seconds)
    run = state.to_run(seconds)
    warn_if_climbing(run)
    return run


class Training:
    """One run being trained, its lock held: its state (from its checkpoint, if it has one), the
    compiled loop's tensors, and its evaluations, on a thread beside the loop."""

    def __init__(self, run_file: RunFile, progress: bool) -> None:
        self.run_file, config = run_file, run_file.config
        self.state = run_file.load_checkpoint() or State.initial(config, initial_params(config))
        points = TrainingPoints.of(config)
        self.loop, self.evaluator = EpochLoop(config, points), Evaluator(config, points)
        arrays = (self.state.params, self.state.m, self.state.v)
        self.tensors = [list(map(tf.constant, group)) for group in arrays]
        self.bar = tqdm(
            total=config.epochs,
            initial=self.state.epoch,
            disable=not progress,
            unit="epoch",
            desc=f"training {run_file.key}",
            leave=False,
        )

    def run(self, checkpoint_seconds: float) -> tuple[State, float]:
        """Train to the last epoch, checkpointing every ``checkpoint_seconds`` and on Ctrl-C: the
        finished state, stored, and the seconds it took."""
        epochs, start = self.run_file.config.epochs, time.perf_counter()
        saved = start
        with self.bar, self.evaluator:
            try:
                while self.state.epoch < epochs:
                    self.advance()
                    if time.perf_counter() - saved > checkpoint_seconds and self.state.epoch < epochs:
                        self.run_file.checkpoint(self.whole_state())
                        saved = time.perf_counter()
            except KeyboardInterrupt:
                if self.state.epoch:
                    self.run_file.checkpoint(self.whole_state())
                raise TrainingInterrupted(self.state.epoch, epochs) from None
            state = self.whole_state()
        self.run_file.finish(state)
        return state, time.perf_counter() - start

    def advance(self) -> None:
        """One call of the compiled loop, to the next stop; its last epoch's evaluation submitted."""
        first = self.state.epoch
        try:
            self.state, self.tensors = self.loop.train(self.state, self.tensors)
        except TrainingDiverged:
            self.run_file.discard()
            raise
        self.evaluator.submit(self.tensors[0], self.state.epoch)
        self.bar.update(self.state.epoch - first)

    def whole_state(self) -> State:
        """The state with every evaluation submitted so far and the loop's parameters and Adam's
        moments, as numpy arrays (Ctrl-C may come before the last epoch's evaluation was
        submitted: it is submitted here)."""
        if self.state.epoch not in self.state.distances:
            self.evaluator.submit(self.tensors[0], self.state.epoch)
        params, m, v = (tuple(t.numpy() for t in group) for group in self.tensors)
        self.state = self.evaluator.collect(self.state).replace(params=params, m=m, v=v)
        return self.state


def warn_if_climbing(run: Run) -> None:
    """Warn (``ClimbingLoss``) if the run's last epoch's mean loss is more than CLIMB_FACTOR
    times the lowest epoch mean it reached, giving both."""
    config = run.config
    means = run.objective.astype(np.float64).reshape(config.epochs, -1).mean(axis=1)
    lowest = int(np.argmin(means))
    if means[lowest] > 0 and means[-1] > CLIMB_FACTOR * means[lowest]:
        warnings.warn(
            f"vaebook: the loss climbed: its last epoch's mean is {means[-1]:,.4g}, "
            f"{means[-1] / means[lowest]:,.1f} times its lowest ({means[lowest]:,.4g}, epoch "
            f"{lowest + 1} of {config.epochs}), with learning_rate={config.learning_rate:g}; the run "
            "is kept, but it did not settle: try a smaller learning_rate",
            ClimbingLoss,
            stacklevel=3,
        )


class EpochLoop:
    """The compiled loop with one run's data: its batches, and what the encoder reads of them
    before each step's noise (``TrainingPoints.inputs``), as constants reshaped once."""

    def __init__(self, config: Config, points: TrainingPoints) -> None:
        self.config, self.seed, steps = config, points.seed, config.steps_per_epoch
        self.batches = tf.reshape(points.points, (steps, config.batch_size, DATA_DIM))
        same = points.inputs is points.points
        self.input_batches = self.batches if same else tf.reshape(points.inputs, self.batches.shape)
        self.program = epochs_program(StepSettings.of(config))

    def train(self, state: State, tensors: LoopTensors) -> tuple[State, LoopTensors]:
        """Train from ``state.epoch`` to the next stop (``next_stop``): the new state (its epoch
        and the steps' losses) and the new (params, m, v). A loss that is not finite raises
        TrainingDiverged."""
        first, steps = state.epoch, self.config.steps_per_epoch
        last = self.next_stop(first)
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

    def next_stop(self, epoch: int) -> int:
        """Where one call of the compiled loop from ``epoch`` ends: at most EPOCHS_PER_CALL epochs
        on, and at the next epoch whose distances are recorded, so that its parameters are at
        hand."""
        return min(epoch + EPOCHS_PER_CALL, self.config.next_recorded_epoch(epoch))
