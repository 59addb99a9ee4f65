"""The training step: the objective's gradients and Adam's update, up to ten epochs of steps
compiled as one XLA loop.

Parameters and Adam's moments are passed through ``tf.while_loop`` as plain tensors (pure
functions, no variable updates), so one call runs many steps without returning to Python.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from vaebook.backend import tf, xla_program
from vaebook.config import Config
from vaebook.draws import EPS_STREAM, Noise, normal
from vaebook.loss import loss_terms, objective
from vaebook.model import Network, forward

# TF 1's AdamOptimizer defaults, which the original code used.
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8
# Epochs per call of the compiled loop, at most: each call pays Python's and TensorFlow's
# dispatch for every parameter and moment tensor, which several epochs a call share.
EPOCHS_PER_CALL = 10

Tensors = list[tf.Tensor]  # one tensor per parameter array: the parameters, a moment, gradients


@dataclass(frozen=True)
class StepSettings:
    """What the compiled training loop depends on besides its inputs (a run's seed, length and
    data are inputs, so that a sweep compiles once per network); the programs are cached by it."""

    network: Network
    batch_size: int
    steps_per_epoch: int
    learning_rate: float
    loss: str
    noise: Noise

    @classmethod
    def of(cls, config: Config) -> StepSettings:
        """The step settings of a run of ``config``."""
        return cls(
            Network.of(config),
            config.batch_size,
            config.steps_per_epoch,
            config.learning_rate,
            config.loss,
            Noise.of(config),
        )


def adam_update(
    params: Tensors,
    m: Tensors,
    v: Tensors,
    grads: Tensors,
    step: tf.Tensor,
    learning_rate: float,
) -> tuple[Tensors, Tensors, Tensors]:
    """Adam's update number ``step`` (0-based) of params and moments: Kingma and
    Ba's Algorithm 1, with the bias corrections folded into the step size and
    epsilon outside the square root, as TF 1's AdamOptimizer has it. The new
    (params, m, v)."""
    t = tf.cast(step + 1, tf.float32)
    alpha = (
        learning_rate * tf.sqrt(1.0 - ADAM_BETA2**t) / (1.0 - ADAM_BETA1**t)
    )
    m = [mi + (1.0 - ADAM_BETA1) * (g - mi) for mi, g in zip(m, grads)]
    v = [
        vi + (1.0 - ADAM_BETA2) * (tf.square(g) - vi) for vi, g in zip(v, grads)
    ]
    params = [
        p - alpha * mi / (tf.sqrt(vi) + ADAM_EPSILON)
        for p, mi, vi in zip(params, m, v)
    ]
    return params, m, v


def gradients(
    settings: StepSettings,
    params: Tensors,
    x: tf.Tensor,
    inputs: tf.Tensor,
    eps: tf.Tensor,
) -> tuple[Tensors, tf.Tensor]:
    """The gradients of one batch's objective, and its (objective, mean
    reconstruction term, mean KL term). ``inputs`` is what the encoder reads
    (``x`` with its noise), ``eps`` the draws of z.

    The batch runs as two half-batches whose passes are independent until
    their gradients are summed: XLA runs them on two cores at once; the
    numbers do not depend on the cores."""
    batch = settings.batch_size
    sizes = [batch // 2, batch - batch // 2] if batch > 1 else [batch]
    with tf.GradientTape() as tape:
        tape.watch(params)
        halves = zip(*(tf.split(t, sizes) for t in (x, inputs, eps)))
        terms = [
            loss_terms(xi, *forward(params, ci, ei, settings.network))
            for xi, ci, ei in halves
        ]
        recon, kl = (tf.concat(t, axis=0) for t in zip(*terms))
        value = objective(recon, kl, settings.loss)
    record = tf.stack([value, tf.reduce_mean(recon), tf.reduce_mean(kl)])
    return tape.gradient(value, params), record


def train_step(
    settings: StepSettings,
    params: Tensors,
    m: Tensors,
    v: Tensors,
    step: tf.Tensor,
    x: tf.Tensor,
    inputs: tf.Tensor,
    seed: tf.Tensor,
) -> tuple[Tensors, Tensors, Tensors, tf.Tensor]:
    """One Adam step on the batch ``x``, which the encoder reads as ``inputs``,
    with the step's own noise draw if the noise is drawn afresh: the new
    (params, m, v) and the step's losses."""
    shape = (settings.batch_size, settings.network.latent_dim)
    eps = normal(shape, seed, EPS_STREAM, step)
    inputs = settings.noise.fresh_inputs(inputs, seed, step)
    grads, losses = gradients(settings, params, x, inputs, eps)
    new = adam_update(params, m, v, grads, step, settings.learning_rate)
    return (*new, losses)


@functools.lru_cache(maxsize=8)
def epochs_program(settings: StepSettings) -> tf.types.experimental.PolymorphicFunction:
    """Up to EPOCHS_PER_CALL epochs of Adam steps as one XLA computation: (params, m, v, first
    step, number of epochs, one epoch's batches, what the encoder reads of them before each
    step's noise (``Noise.fixed_inputs``), seed) -> the next params and moments, and the losses
    of every step (rows past the last epoch are zeros)."""
    steps = settings.steps_per_epoch

    @xla_program
    def run_epochs(params, m, v, step0, n_epochs, batches, input_batches, seed):
        def body(i, params, m, v, record):
            step = step0 + tf.cast(i, tf.int64)
            batch, inputs = batches[i % steps], input_batches[i % steps]
            params, m, v, losses = train_step(settings, params, m, v, step, batch, inputs, seed)
            return i + 1, params, m, v, record.write(i, losses)

        record = tf.TensorArray(tf.float32, size=EPOCHS_PER_CALL * steps, element_shape=(3,))
        _, params, m, v, record = tf.while_loop(
            lambda i, *_: i < n_epochs * steps, body, (tf.constant(0), params, m, v, record)
        )
        return params, m, v, record.stack()

    return run_epochs
