import numpy as np
import pytest
import tensorflow as tf

from vaebook import VAE, Config
from vaebook.model import affine
from vaebook.training import _forward, build_model


def test_shapes_and_parameter_count():
    model = build_model(Config())
    x = np.zeros((7, 3), np.float32)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (7, 2)
    assert model.decode(mu).shape == (7, 3) and model.reconstruct(x).shape == (7, 3)
    assert model.sample(11, seed=0).shape == (11, 3)
    encoder = (3 * 100 + 100) + (100 * 100 + 100) + (100 * 4 + 4)
    decoder = (2 * 100 + 100) + (100 * 100 + 100) + (100 * 3 + 3)
    assert model.encoder.count_params() == encoder and model.decoder.count_params() == decoder


def test_sample_is_deterministic_in_seed():
    model = build_model(Config(latent_dim=3))
    assert np.array_equal(model.sample(5, seed=1), model.sample(5, seed=1))
    assert not np.array_equal(model.sample(5, seed=1), model.sample(5, seed=2))


def test_initial_weights_depend_on_the_seed_only():
    a, b, c = (build_model(Config(seed=s)).get_weights()[0] for s in (0, 0, 1))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_trainer_forward_is_the_keras_model():
    """The trainer's functional path and the Keras model give the same numbers on the same weights."""
    model = build_model(Config(hidden_layers=1, activation="relu"))
    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    eps = np.random.default_rng(1).normal(size=(20, 2)).astype(np.float32)
    params = [tf.constant(v) for v in model.trainable_variables]
    x_hat, mu, logvar = _forward(model, params, x, eps)
    mu_k, logvar_k = model.encode(x)
    np.testing.assert_allclose(mu, mu_k, rtol=1e-6)
    np.testing.assert_allclose(logvar, logvar_k, rtol=1e-6)
    z = mu_k + np.exp(0.5 * logvar_k) * eps
    np.testing.assert_allclose(x_hat, model.decode(z), rtol=1e-5, atol=1e-6)


def test_keras_fit_runs_the_same_loss():
    config = Config(n_points=200, epochs=1)
    model = VAE(config)
    model.compile(optimizer="adam")
    history = model.fit(np.zeros((200, 3), np.float32), batch_size=100, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("width", [3, 100])
def test_affine_gradients_are_the_hand_derived_ones(width):
    """The custom gradients of ``affine`` (broadcast sums for thin layers, dots for wide ones)
    against numpy's float64 dy W^T, x^T dy and the column sums of dy."""
    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(50, 100)), rng.normal(size=(100, width))
    bias, dy = rng.normal(size=width), rng.normal(size=(50, width))
    inputs = [tf.constant(a, tf.float32) for a in (x, kernel, bias)]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        y = affine(*inputs)
        loss = tf.reduce_sum(y * tf.constant(dy, tf.float32))
    dx, dkernel, dbias = tape.gradient(loss, inputs)
    np.testing.assert_allclose(y, x @ kernel + bias, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx, dy @ kernel.T, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dkernel, x.T @ dy, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dbias, dy.sum(axis=0), rtol=1e-4, atol=1e-4)
