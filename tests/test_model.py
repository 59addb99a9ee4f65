import keras
import numpy as np
import pytest
import tensorflow as tf
from small_runs import noisy

from vaebook import VAE, Config, snapshot_draws
from vaebook.model import Network, affine, decode, encode, initial_params, layer_shapes


def numpy_mlp(params, x, activation):
    """The network in float64 numpy: dense layers, ``activation`` between them, the last linear."""
    act = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0)}[activation]
    x = np.asarray(x, np.float64)
    for i in range(0, len(params), 2):
        x = x @ params[i] + params[i + 1]
        if i + 2 < len(params):
            x = act(x)
    return x


def test_shapes_and_parameter_count():
    """Table 1's network: its outputs' shapes, and its parameters counted by hand (Keras's layers
    and the functional parameters alike)."""
    model = VAE(Config())
    x = np.zeros((7, 3), np.float32)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (7, 2)
    assert model.decode(mu).shape == (7, 3) and model.reconstruct(x).shape == (7, 3)
    assert model.sample(11, seed=0).shape == (11, 3)
    encoder = (3 * 100 + 100) + (100 * 100 + 100) + (100 * 4 + 4)
    decoder = (2 * 100 + 100) + (100 * 100 + 100) + (100 * 3 + 3)
    assert model.encoder.count_params() == encoder and model.decoder.count_params() == decoder
    assert sum(p.size for p in initial_params(Config())) == encoder + decoder


def test_sample_and_reconstruct_are_deterministic_in_seed():
    model = VAE(Config(latent_dim=3))
    assert np.array_equal(model.sample(5, seed=1), model.sample(5, seed=1))
    assert not np.array_equal(model.sample(5, seed=1), model.sample(5, seed=2))
    x = np.ones((4, 3), np.float32)
    assert np.array_equal(model.reconstruct(x, seed=1), model.reconstruct(x, seed=1))
    assert not np.array_equal(model.reconstruct(x, seed=1), model.reconstruct(x, seed=2))


@pytest.mark.parametrize("seed", [0, 7])
def test_initial_params_are_keras_glorot_uniform_under_the_seed(seed):
    """The values Keras's Dense layers draw after keras.utils.set_random_seed(seed), built here
    layer by layer as the original code (and this package until now) built them."""
    config = Config(seed=seed, hidden_layers=1, hidden_units=16)
    keras.utils.set_random_seed(seed)
    layers = [keras.layers.Dense(units) for _, units in layer_shapes(Network.of(config))]
    for layer, (inputs, _) in zip(layers, layer_shapes(Network.of(config))):
        layer.build((None, inputs))
    expected = [w for layer in layers for w in layer.get_weights()]
    ours = initial_params(config)
    assert all(np.array_equal(a, b) for a, b in zip(ours, expected)) and len(ours) == len(expected)
    for kernel, (fan_in, fan_out) in zip(ours[::2], layer_shapes(Network.of(config))):
        assert np.abs(kernel).max() <= np.sqrt(6 / (fan_in + fan_out))
    assert not np.array_equal(ours[0], initial_params(config.replace(seed=seed + 1))[0])


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_encode_and_decode_are_the_network_of_table_1(activation):
    config = Config(hidden_layers=2, hidden_units=16, activation=activation)
    params = initial_params(config)
    params = [
        p + np.random.default_rng(i).normal(scale=0.1, size=p.shape).astype(np.float32)
        for i, p in enumerate(params)
    ]
    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    network = Network.of(config)
    mu, logvar = encode([tf.constant(p) for p in params], tf.constant(x), network)
    out = numpy_mlp(params[:6], x, activation)
    np.testing.assert_allclose(mu, out[:, :2], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(logvar, out[:, 2:], rtol=1e-5, atol=1e-5)
    z = np.random.default_rng(1).normal(size=(20, 2)).astype(np.float32)
    np.testing.assert_allclose(
        decode([tf.constant(p) for p in params], tf.constant(z), network),
        numpy_mlp(params[6:], z, activation),
        rtol=1e-5,
        atol=1e-5,
    )
    model = VAE(config, params)
    eps = np.random.default_rng(2).normal(size=(20, 2)).astype(np.float32)
    expected = numpy_mlp(params[6:], out[:, :2] + np.exp(0.5 * out[:, 2:]) * eps, activation)
    np.testing.assert_allclose(model.reconstruct(x, eps=eps), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("noise_draw", ["step", "once"])
def test_the_trained_model_reproduces_the_last_snapshot_exactly(noise_draw, trained):
    config = noisy(noise_draw)  # test_step's runs: one epoch, its last snapshot
    run = trained(config)
    draws = snapshot_draws(config, config.epochs)
    snapshot = run.snapshots[config.epochs]
    assert np.array_equal(run.model.reconstruct(draws.inputs, eps=draws.eps), snapshot.reconstructions)
    assert np.array_equal(run.model.decode(draws.z), snapshot.prior_samples)


def test_keras_fit_save_and_load(tmp_path):
    """The Keras wrapper (the benchmark's baseline) trains with fit, and saves and loads with its
    Config and weights."""
    config = Config(n_points=200, epochs=1, hidden_units=8)
    model = VAE(config)
    model.compile(optimizer="adam")
    history = model.fit(np.zeros((200, 3), np.float32), batch_size=100, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    trained = [w.copy() for w in model.get_weights()]
    assert not all(np.array_equal(a, b) for a, b in zip(trained, initial_params(config)))
    model.save(tmp_path / "vae.keras")
    loaded = keras.models.load_model(tmp_path / "vae.keras")
    assert isinstance(loaded, VAE) and loaded.config == config
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), trained))
    x = np.ones((3, 3), np.float32)
    assert np.array_equal(loaded.encode(x)[0], model.encode(x)[0])


@pytest.mark.parametrize("width", [3, 100])
@pytest.mark.quick
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


def test_separate_heads_are_drawn_as_the_script_s_two_heads():
    # The script initialised mu's and log sigma^2's kernels as two Glorot-uniform (h, k) layers:
    # each has the variance of Glorot-uniform over (h, k), 2 / (h + k), wider than one (h, 2k)
    # layer's 2 / (h + 2k); the other layers are drawn as before.
    config = Config(latent_dim=30, hidden_units=100)
    joint, separate = initial_params(config), initial_params(config.replace(head_init="separate"))
    head = 2 * config.hidden_layers
    assert separate[head].shape == joint[head].shape == (100, 60)
    for half in (separate[head][:, :30], separate[head][:, 30:]):
        assert np.abs(half).max() <= np.sqrt(6 / 130)
        assert half.var() == pytest.approx(2 / 130, rel=0.05)  # 3,000 draws: about 2.6% standard error
    assert joint[head].var() == pytest.approx(2 / 160, rel=0.05)
    assert all(np.array_equal(a, b) for a, b in zip(joint[:head], separate[:head]))
    with pytest.raises(ValueError, match="head_init must be one of 'joint', 'separate'"):
        Config(head_init="split")
