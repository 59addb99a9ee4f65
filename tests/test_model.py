import numpy as np
import tensorflow as tf

from vaebook import VAE, Config
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
