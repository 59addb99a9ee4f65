"""The network as a Keras model, ``VAE``: what a run gives back (``Run.model``), with Keras's
summary, saving and ``fit``. Its ``fit`` (one Adam step of the objective per batch) is the
baseline the benchmark measures the trainer against; nothing here computes a run, so editing it
trains no cached run again (``vaebook.digest`` does not read this module)."""

from __future__ import annotations

import numpy as np

from vaebook.backend import keras, tf
from vaebook.config import Config
from vaebook.loss import loss_terms, objective
from vaebook.model import Network, affine, compiled, encoder_size, forward, initial_params, layer_shapes


def _float32(points) -> tf.Tensor:
    return tf.convert_to_tensor(np.asarray(points, np.float32))


@keras.saving.register_keras_serializable(package="vaebook")
class Dense(keras.layers.Dense):
    """Keras's Dense layer (its variables, summary and saving) computing ``affine``."""

    def call(self, inputs):
        return self.activation(affine(inputs, self.kernel, self.bias))


def _sequential(name: str, shapes: list[tuple[int, int]], activation: str) -> keras.Sequential:
    layers = [keras.Input((shapes[0][0],))]
    for i, (_, units) in enumerate(shapes):
        last = i == len(shapes) - 1
        layers.append(
            Dense(
                units,
                activation=None if last else activation,
                kernel_initializer="zeros",  # the parameters are set from initial_params or a run
                name=f"{name}_out" if last else f"{name}_hidden{i + 1}",
            )
        )
    return keras.Sequential(layers, name=name)


@keras.saving.register_keras_serializable(package="vaebook")
class VAE(keras.Model):
    """The network and its parameters (``initial_params(config)`` unless given, e.g. a run's
    weights). ``encode``, ``decode``, ``reconstruct`` and ``sample`` run ``compiled(network)`` on
    them and return numpy arrays. As a Keras model it has ``summary()``, ``save`` and ``fit``
    (one Adam step of the objective per batch: the benchmark's baseline)."""

    def __init__(self, config: Config, params: list[np.ndarray] | None = None, **kwargs) -> None:
        super().__init__(name=kwargs.pop("name", "vae"), **kwargs)
        self.config, self.network = config, Network.of(config)
        shapes, layers = layer_shapes(self.network), encoder_size(self.network) // 2  # two per layer
        self.encoder = _sequential("encoder", shapes[:layers], config.activation)
        self.decoder = _sequential("decoder", shapes[layers:], config.activation)
        self.set_weights(initial_params(config) if params is None else params)
        self.built = True  # every variable exists: Keras may save and summarise it as it is
        self.seed_generator = keras.random.SeedGenerator(config.seed)  # fit's eps draws
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def _params(self) -> list[tf.Tensor]:
        return [tf.convert_to_tensor(v) for v in self.trainable_variables]

    def encode(self, x) -> tuple[np.ndarray, np.ndarray]:
        """The posterior's mean and log-variance for each input point."""
        mu, logvar = compiled(self.network).encode(self._params(), _float32(x))
        return mu.numpy(), logvar.numpy()

    def decode(self, z) -> np.ndarray:
        """The decoder's output for each latent point; ``decode(snapshot_draws(...).z)`` gives a
        snapshot's prior samples."""
        return compiled(self.network).decode(self._params(), _float32(z)).numpy()

    def reconstruct(self, x, seed: int = 0, eps=None) -> np.ndarray:
        """Encode, draw z as in training, decode: what the report plotted as "generated". ``eps``
        (one standard normal row per point) defaults to numpy draws from ``seed``; a snapshot's
        draws (``vaebook.draws.snapshot_draws``) give that snapshot's reconstructions."""
        x = _float32(x)
        if eps is None:
            eps = np.random.default_rng(seed).standard_normal((x.shape[0], self.config.latent_dim))
        return compiled(self.network).reconstruct(self._params(), x, _float32(eps)).numpy()

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """Decodes n draws of z ~ N(0, I) from numpy's generator seeded with ``seed``: generation proper."""
        return self.decode(np.random.default_rng(seed).standard_normal((n, self.config.latent_dim)))

    def call(self, x):
        eps = keras.random.normal((tf.shape(x)[0], self.config.latent_dim), seed=self.seed_generator)
        return forward(self._params(), x, eps, self.network)[0]

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        """One Adam step of the objective, for plain ``model.fit`` (the benchmark's baseline)."""
        x = data[0] if isinstance(data, tuple) else data
        eps = keras.random.normal((tf.shape(x)[0], self.config.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            x_hat, mu, logvar = forward(self._params(), x, eps, self.network)
            value = objective(*loss_terms(x, x_hat, mu, logvar), self.config.loss)
        grads = tape.gradient(value, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(value)
        return {"loss": self.loss_tracker.result()}

    def get_config(self) -> dict:
        return {"config": self.config.to_dict()}

    @classmethod
    def from_config(cls, values: dict) -> VAE:
        return cls(Config.from_dict(values["config"]))
