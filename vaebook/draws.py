"""Every random draw of a run, a pure function of (seed, stream, counter).

The draws are stateless Philox numbers, so a run depends on its Config alone: rerunning it, or
resuming it from a checkpoint, gives the same bits. They are made inside XLA programs, whose
Philox kernel gives other numbers than TensorFlow's eager one; ``snapshot_draws`` therefore
runs a compiled program too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from vaebook.backend import tf, xla_program
from vaebook.config import Config
from vaebook.data import swiss_roll

# Independent streams of the stateless generator, one per kind of draw (at most 8 a seed).
EPS_STREAM, NOISE_STREAM, EVAL_STREAM, ONCE_NOISE_STREAM = 0, 1, 2, 3


def normal(
    shape: tuple | tf.Tensor, seed: int | tf.Tensor, stream: int, counter: int | tf.Tensor
) -> tf.Tensor:
    """Standard normal draws that are a pure function of (seed, stream, counter). Philox is
    named explicitly: under XLA on the CPU, "auto_select" is several times slower per number."""
    pair = tf.stack([tf.cast(seed, tf.int64) * 8 + stream, tf.cast(counter, tf.int64)])
    return tf.random.stateless_normal(shape, seed=pair, alg="philox")


@dataclass(frozen=True)
class Noise:
    """The original code's denoising input: one N(mean, std^2) draw per point, added to all
    three coordinates; drawn ``once`` before training (the one noisy copy every epoch feeds, as
    the original script did) or afresh at every use. What ``noise_draw`` means is decided here."""

    mean: float
    std: float
    once: bool

    @classmethod
    def of(cls, config: Config) -> Noise:
        """The noise of a run of ``config``."""
        return cls(config.noise_mean, config.noise_std, config.noise_draw == "once")

    @property
    def present(self) -> bool:
        """Whether the encoder reads noisy points at all."""
        return not (self.std == 0 and self.mean == 0)

    def added(
        self, x: tf.Tensor, seed: int | tf.Tensor, counter: int | tf.Tensor, stream: int = NOISE_STREAM
    ) -> tf.Tensor:
        """``x`` with the draw of (seed, stream, counter) added; ``x`` itself without noise."""
        if not self.present:
            return x
        shift = normal((tf.shape(x)[0], 1), seed, stream, counter)
        return x + self.mean + self.std * shift

    def fixed_inputs(self, x: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """What the encoder reads of the points ``x`` before any fresh draw: their one noisy copy
        if the noise is drawn once, else the points."""
        return _once_program(self)(x, seed) if self.once and self.present else x

    def fresh_inputs(self, inputs: tf.Tensor, seed: int | tf.Tensor, counter: int | tf.Tensor) -> tf.Tensor:
        """What the encoder reads at one use (a step, a snapshot) of ``fixed_inputs``: with that
        use's own draw added, unless the noise was drawn once."""
        return inputs if self.once else self.added(inputs, seed, counter)


@dataclass(frozen=True)
class TrainingPoints:
    """A run's training points and what the encoder reads of them before any fresh draw (their
    one noisy copy if the noise is drawn once, else the points), as tensors: built once per run
    for the training loop and every snapshot."""

    points: tf.Tensor
    inputs: tf.Tensor
    seed: tf.Tensor  # the run's seed, as the programs take it

    @classmethod
    def of(cls, config: Config) -> TrainingPoints:
        """The training points of a run of ``config``."""
        seed = tf.constant(config.seed, tf.int64)
        points = tf.constant(swiss_roll(config.n_points, config.seed, config.data))
        return cls(points, Noise.of(config).fixed_inputs(points, seed), seed)


@dataclass(frozen=True)
class SnapshotDraws:
    """What a snapshot at one epoch decodes: ``reconstructions`` are
    ``VAE.reconstruct(inputs, eps=eps)``, ``prior_samples`` are ``VAE.decode(z)``."""

    inputs: np.ndarray  # the training points as the encoder reads them (with this epoch's noise)
    eps: np.ndarray  # the reparameterisation's standard normal draw for each of them
    z: np.ndarray  # draws of z ~ N(0, I), one per training point


@dataclass(frozen=True)
class DrawSettings:
    """What the snapshot draws' compiled program depends on besides its inputs: the compiled
    programs are cached by it."""

    n_points: int
    latent_dim: int
    noise: Noise


def snapshot_draws(config: Config, epoch: int, points: TrainingPoints | None = None) -> SnapshotDraws:
    """The draws of the snapshot at the end of ``epoch`` (1-based), from (config.seed, epoch);
    ``points`` are the run's ``TrainingPoints`` (built here if not given)."""
    points = points or TrainingPoints.of(config)
    program = _draw_program(DrawSettings(config.n_points, config.latent_dim, Noise.of(config)))
    inputs, eps, z = program(points.inputs, tf.constant(epoch, tf.int64), points.seed)
    return SnapshotDraws(inputs.numpy(), eps.numpy(), z.numpy())


@functools.lru_cache(maxsize=8)
def _once_program(noise: Noise):
    return xla_program(lambda x, seed: noise.added(x, seed, 0, ONCE_NOISE_STREAM))


@functools.lru_cache(maxsize=8)
def _draw_program(settings: DrawSettings):
    n, latent = settings.n_points, settings.latent_dim

    @xla_program
    def draw(fixed, epoch, seed):
        inputs = settings.noise.fresh_inputs(fixed, seed, -1 - epoch)
        eps = normal((n, latent), seed, EVAL_STREAM, 2 * epoch)
        return inputs, eps, normal((n, latent), seed, EVAL_STREAM, 2 * epoch + 1)

    return draw
