"""The training step's pieces against independent computations."""

import numpy as np
import pytest
import tensorflow as tf
from small_runs import noisy

from vaebook import Config, draws
from vaebook.backend import xla_program
from vaebook.data import swiss_roll
from vaebook.loss import loss_terms, objective
from vaebook.model import Network, forward, initial_params
from vaebook.step import ADAM_EPSILON, StepSettings, adam_update, gradients


def numpy_adam(params, grads_per_step, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Kingma and Ba's Algorithm 1 in float64, with TF 1's placement of epsilon (outside the
    bias-corrected square root: lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t))."""
    params = [p.astype(np.float64) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t, grads in enumerate(grads_per_step, start=1):
        lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
        for i, g in enumerate(grads):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            params[i] = params[i] - lr_t * m[i] / (np.sqrt(v[i]) + eps)
    return params


@pytest.mark.quick
def test_adam_update_is_adam():
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)]
    # Gradients of very different scales: Adam's steps do not depend on the scale, SGD's would.
    grads = [[rng.normal(size=p.shape) * scale for p, scale in zip(params, (1e-3, 1e2))] for _ in range(6)]
    ours = [tf.constant(p) for p in params]
    m = [tf.zeros_like(p) for p in ours]
    v = [tf.zeros_like(p) for p in ours]
    for step, g in enumerate(grads):
        ours, m, v = adam_update(ours, m, v, [tf.constant(gi, tf.float32) for gi in g], step, 1e-2)
    expected = numpy_adam(params, grads, lr=1e-2, eps=ADAM_EPSILON)
    for a, b in zip(ours, expected):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-5, atol=1e-6)
    # The first step moves every parameter by about the learning rate, whatever its gradient's scale.
    first, _, _ = adam_update(
        [tf.constant(p) for p in params],
        [tf.zeros_like(tf.constant(p)) for p in params],
        [tf.zeros_like(tf.constant(p)) for p in params],
        [tf.constant(g, tf.float32) for g in grads[0]],
        0,
        1e-2,
    )
    for a, p in zip(first, params):
        np.testing.assert_allclose(np.abs(a.numpy() - p), 1e-2, rtol=0.05)


@pytest.mark.parametrize("kind", ["report", "code"])
def test_the_half_batches_give_the_whole_batch_gradient(kind):
    config = Config(hidden_units=8, batch_size=10, n_points=10, loss=kind)
    params = [tf.constant(p) for p in initial_params(config)]
    x = tf.constant(swiss_roll(10, seed=1))
    inputs = x + 0.5
    eps = tf.constant(np.random.default_rng(2).standard_normal((10, 2)), tf.float32)
    grads, losses = gradients(StepSettings.of(config), params, x, inputs, eps)
    with tf.GradientTape() as tape:
        tape.watch(params)
        recon, kl = loss_terms(x, *forward(params, inputs, eps, Network.of(config)))
        whole = objective(recon, kl, kind)
    for a, b in zip(grads, tape.gradient(whole, params)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(losses, [whole, tf.reduce_mean(recon), tf.reduce_mean(kl)], rtol=1e-6)


@pytest.mark.parametrize("noise_draw", ["step", "once"])
def test_the_first_step_reads_the_noise_that_noise_draw_names(noise_draw, trained):
    """The first step's objective, recomputed from its parts: the first batch, the encoder's
    input (the first step's own noise draw, or the one noisy copy) and the step's eps."""
    config = noisy(noise_draw)
    assert (config.noise_mean, config.noise_std, config.seed) == (2.0, 4.0, 4)
    run, batch = trained(config), config.batch_size
    points, seed = tf.constant(swiss_roll(config.n_points, seed=4)), tf.constant(4, tf.int64)
    # Compiled with the seed as an input, as the trainer's draws are (a constant seed would be
    # folded by TensorFlow's own Philox kernel, whose numbers differ from XLA's).
    noise = draws.Noise.of(config)
    if noise_draw == "once":
        copy = xla_program(lambda x, s: noise.added(x, s, 0, draws.ONCE_NOISE_STREAM))(points, seed)
        inputs = copy[:batch]
    else:
        inputs = xla_program(lambda x, s: noise.added(x, s, 0))(points[:batch], seed)
    eps = xla_program(lambda s: draws.normal((batch, 2), s, draws.EPS_STREAM, 0))(seed)
    params = [tf.constant(p) for p in initial_params(config)]
    expected = objective(*loss_terms(points[:batch], *forward(params, inputs, eps, Network.of(config))))
    assert run.objective[0] == pytest.approx(float(expected), rel=1e-5)
