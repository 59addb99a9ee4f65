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
    named explicitly: under XLA on the CPU, "auto_select" is about 8x slower per number."""
    key = tf.stack([tf.cast(seed, tf.int64) * 8 + stream, tf.cast(counter, tf.int64)])
    return tf.random.stateless_normal(shape, seed=key, alg="philox")


def has_noise(config: Config) -> bool:
    """Whether the encoder reads noisy points (the original code's denoising set-up)."""
    return not (config.noise_std == 0 and config.noise_mean == 0)


def noisy(
    config: Config, seed: int | tf.Tensor, x: tf.Tensor, counter: int | tf.Tensor, stream: int = NOISE_STREAM
) -> tf.Tensor:
    """The original code's denoising input: one N(noise_mean, noise_std) draw per point, added
    to all three coordinates. The identity when there is no noise."""
    if not has_noise(config):
        return x
    shift = normal((tf.shape(x)[0], 1), seed, stream, counter)
    return x + config.noise_mean + config.noise_std * shift


@dataclass(frozen=True)
class SnapshotDraws:
    """What a snapshot at one epoch decodes: ``reconstructions`` are
    ``VAE.reconstruct(inputs, eps=eps)``, ``prior_samples`` are ``VAE.decode(z)``."""

    inputs: np.ndarray  # the training points as the encoder reads them (with this epoch's noise)
    eps: np.ndarray  # the reparameterisation's standard normal draw for each of them
    z: np.ndarray  # draws of z ~ N(0, I), one per training point


def snapshot_draws(config: Config, epoch: int) -> SnapshotDraws:
    """The draws of the snapshot at the end of ``epoch`` (1-based), from (config.seed, epoch)."""
    x = tf.constant(swiss_roll(config.n_points, config.seed, config.data))
    inputs, eps, z = _draw_program(_draw_settings(config))(
        x, tf.constant(epoch, tf.int64), tf.constant(config.seed, tf.int64)
    )
    if config.noise_draw == "once":
        inputs = noisy_copy(config, x)
    return SnapshotDraws(inputs.numpy(), eps.numpy(), z.numpy())


def noisy_copy(config: Config, x: tf.Tensor) -> tf.Tensor:
    """``noise_draw="once"``: the one noisy copy of the training points ``x``, drawn before
    training, that every epoch feeds (and the snapshots reconstruct), as the original script did."""
    return _once_program(_draw_settings(config))(x, tf.constant(config.seed, tf.int64))


def _draw_settings(config: Config) -> Config:
    """Only what the draws depend on besides their inputs: a compiled program per kind of run."""
    return Config(
        latent_dim=config.latent_dim,
        n_points=config.n_points,
        batch_size=config.n_points,
        noise_mean=config.noise_mean,
        noise_std=config.noise_std,
        noise_draw=config.noise_draw,
    )


@functools.lru_cache(maxsize=8)
def _once_program(config: Config):
    return xla_program(lambda x, seed: noisy(config, seed, x, 0, ONCE_NOISE_STREAM))


@functools.lru_cache(maxsize=8)
def _draw_program(config: Config):
    n, latent = config.n_points, config.latent_dim

    @xla_program
    def draw(x, epoch, seed):
        inputs = x if config.noise_draw == "once" else noisy(config, seed, x, -1 - epoch)
        eps = normal((n, latent), seed, EVAL_STREAM, 2 * epoch)
        return inputs, eps, normal((n, latent), seed, EVAL_STREAM, 2 * epoch + 1)

    return draw
