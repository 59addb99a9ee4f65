"""The VAE of the report's Table 1 as a Keras model: MLP encoder to (mu, log sigma^2), MLP decoder."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from vaebook.config import Config
from vaebook.loss import batch_loss, loss_terms, reparameterize

DATA_DIM = 3
# Layers at most this wide are "thin" (the 2-, 3- and 4-wide ends of the networks): products
# over a thin dimension are written as broadcast sums, which XLA fuses into one cheap loop,
# where a dot with a 3-wide dimension runs about ten times slower on the CPU.
THIN = 8


def _mlp(config: Config, inputs: int, outputs: int, name: str) -> keras.Sequential:
    """hidden_layers Dense layers of hidden_units, then a linear output layer.

    Keras's defaults (Glorot-uniform weights, zero biases) are the original code's initialisers.
    """
    layers = [keras.Input((inputs,))]
    layers += [
        keras.layers.Dense(config.hidden_units, activation=config.activation, name=f"{name}_hidden{i + 1}")
        for i in range(config.hidden_layers)
    ]
    layers.append(keras.layers.Dense(outputs, name=f"{name}_out"))
    return keras.Sequential(layers, name=name)


@tf.custom_gradient
def affine(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) -> tf.Tensor:
    """``x @ kernel + bias``, a Dense layer before its activation, with its gradients spelled in
    the forms XLA runs fastest: broadcast sums where the layer is thin, dots elsewhere."""

    def grad(dy):
        if kernel.shape[1] <= THIN:
            dx = tf.reduce_sum(dy[:, None, :] * kernel[None, :, :], axis=-1)
            dkernel = tf.reduce_sum(x[:, :, None] * dy[:, None, :], axis=0)
        else:
            dx = tf.matmul(dy, kernel, transpose_b=True)
            dkernel = tf.matmul(x, dy, transpose_a=True)
        return dx, dkernel, tf.reduce_sum(dy, axis=0)

    return tf.matmul(x, kernel) + bias, grad


def mlp(params: list[tf.Tensor], x: tf.Tensor, activation: str) -> tf.Tensor:
    """The network ``_mlp`` builds, as a pure function of its (kernel, bias, kernel, bias, ...)
    tensors: the trainer differentiates this inside one XLA program."""
    act = keras.activations.get(activation)
    for i in range(0, len(params), 2):
        x = affine(x, params[i], params[i + 1])
        if i + 2 < len(params):
            x = act(x)
    return x


class Sampling(keras.layers.Layer):
    """Draws z ~ N(mu, exp(logvar)) by the reparameterisation z = mu + sigma * eps."""

    def __init__(self, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, mu, logvar):
        eps = keras.random.normal(tf.shape(mu), seed=self.seed_generator)
        return reparameterize(mu, logvar, eps)


class VAE(keras.Model):
    """Encoder 3 -> hidden -> 2 * latent_dim (mu and log sigma^2); decoder latent_dim -> hidden -> 3."""

    def __init__(self, config: Config, **kwargs) -> None:
        super().__init__(name="vae", **kwargs)
        self.config = config
        self.encoder = _mlp(config, DATA_DIM, 2 * config.latent_dim, "encoder")
        self.decoder = _mlp(config, config.latent_dim, DATA_DIM, "decoder")
        self.sampling = Sampling(seed=config.seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def encode(self, x) -> tuple[tf.Tensor, tf.Tensor]:
        """The posterior's mean and log-variance for each input point."""
        out = self.encoder(tf.convert_to_tensor(x, tf.float32))
        return out[:, : self.config.latent_dim], out[:, self.config.latent_dim :]

    def decode(self, z) -> tf.Tensor:
        """The decoder's output (the mean of p(x|z)) for each latent point."""
        return self.decoder(tf.convert_to_tensor(z, tf.float32))

    def reconstruct(self, x) -> tf.Tensor:
        """Encode, sample z as in training, decode: what the report plotted as "generated"."""
        mu, logvar = self.encode(x)
        return self.decode(self.sampling(mu, logvar))

    def sample(self, n: int, seed: int = 0) -> tf.Tensor:
        """Decodes n draws of z ~ N(0, I): generation proper."""
        z = np.random.default_rng(seed).standard_normal((n, self.config.latent_dim))
        return self.decode(z.astype(np.float32))

    def call(self, x):
        return self.reconstruct(x)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        """One Adam step on eq. (1), for plain ``model.fit`` (the benchmark's baseline)."""
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            mu, logvar = self.encode(x)
            x_hat = self.decode(self.sampling(mu, logvar))
            loss = batch_loss(*loss_terms(x, x_hat, mu, logvar), self.config.loss)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}
