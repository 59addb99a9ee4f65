"""The VAE of the report's Table 1, defined once: pure functions of an explicit parameter list.

The parameters are a flat list ``[kernel, bias, kernel, bias, ...]``, the encoder's layers, then
the decoder's. The trainer differentiates ``forward`` inside its XLA loop; the snapshots and
``vaebook.keras_model.VAE``, the model a run gives back, run ``compiled(network)``, the same
functions compiled once per network, so that ``VAE`` reproduces a run's snapshots bit for bit.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from vaebook.backend import keras, tf, xla_program
from vaebook.config import Config
from vaebook.data import DATA_DIM
from vaebook.loss import reparameterize

# Layers at most this wide are "thin" (the 2-, 3- and 4-wide ends of the networks): products
# over a thin dimension are written as broadcast sums, which XLA fuses into one cheap loop,
# where a dot with a 3-wide dimension runs several times slower on the CPU.
THIN = 8


@dataclass(frozen=True)
class Network:
    """The settings that define the network: its compiled programs are cached by them."""

    latent_dim: int
    hidden_units: int
    hidden_layers: int
    activation: str

    @classmethod
    def of(cls, config: Config) -> Network:
        """The network of a run of ``config``."""
        return cls(config.latent_dim, config.hidden_units, config.hidden_layers, config.activation)


def layer_shapes(network: Network) -> list[tuple[int, int]]:
    """(inputs, outputs) of every dense layer: encoder 3 -> hidden -> 2 * latent_dim (mu and
    log sigma^2), then decoder latent_dim -> hidden -> 3."""
    hidden = [network.hidden_units] * network.hidden_layers
    encoder = [DATA_DIM, *hidden, 2 * network.latent_dim]
    decoder = [network.latent_dim, *hidden, DATA_DIM]
    return [*zip(encoder[:-1], encoder[1:]), *zip(decoder[:-1], decoder[1:])]


def encoder_size(network: Network) -> int:
    """How many of the parameters (kernels and biases) are the encoder's."""
    return 2 * (network.hidden_layers + 1)


def initial_params(config: Config) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases, the original code's initialisers, with the values
    Keras's Dense layers draw after ``keras.utils.set_random_seed(config.seed)``: each kernel's
    seed is the next ``randint(1, 1e9)`` of Python's generator seeded with ``config.seed``. With
    ``head_init="separate"`` the encoder's output layer is drawn as the script's two heads, the
    mean's kernel then the log-variance's, each over ``latent_dim`` outputs."""
    seeds = random.Random(config.seed)

    def glorot(shape: tuple[int, int]) -> np.ndarray:
        return np.asarray(keras.initializers.GlorotUniform(seed=seeds.randint(1, int(1e9)))(shape))

    params = []
    for index, shape in enumerate(layer_shapes(Network.of(config))):
        if config.head_init == "separate" and index == config.hidden_layers:  # the encoder's heads
            head = (shape[0], config.latent_dim)
            kernel = np.concatenate([glorot(head), glorot(head)], axis=1)
        else:
            kernel = glorot(shape)
        params += [kernel, np.zeros(shape[1], np.float32)]
    return params


@tf.custom_gradient
def affine(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) -> tf.Tensor:
    """``x @ kernel + bias``, a Dense layer before its activation, with its
    gradients spelled in the forms XLA runs fastest: broadcast sums where the
    layer is thin, dots elsewhere."""

    def grad(dy):
        if kernel.shape[1] <= THIN:
            dx = tf.reduce_sum(
                dy[:, None, :] * kernel[None, :, :], axis=-1
            )
            dkernel = tf.reduce_sum(
                x[:, :, None] * dy[:, None, :], axis=0
            )
        else:
            dx = tf.matmul(dy, kernel, transpose_b=True)
            dkernel = tf.matmul(x, dy, transpose_a=True)
        return dx, dkernel, tf.reduce_sum(dy, axis=0)

    return tf.matmul(x, kernel) + bias, grad


def mlp(
    params: list[tf.Tensor], x: tf.Tensor, activation: str
) -> tf.Tensor:
    """Dense layers of (kernel, bias) pairs, ``activation`` between them, the
    last one linear."""
    act = keras.activations.get(activation)
    for i in range(0, len(params), 2):
        x = affine(x, params[i], params[i + 1])
        if i + 2 < len(params):
            x = act(x)
    return x


def encode(
    params: list[tf.Tensor], x: tf.Tensor, network: Network
) -> tuple[tf.Tensor, tf.Tensor]:
    """The posterior's mean and log-variance for each input point."""
    out = mlp(params[: encoder_size(network)], x, network.activation)
    return out[:, : network.latent_dim], out[:, network.latent_dim :]


def decode(
    params: list[tf.Tensor], z: tf.Tensor, network: Network
) -> tf.Tensor:
    """The decoder's output (the mean of p(x|z)) for each latent point."""
    return mlp(params[encoder_size(network) :], z, network.activation)


def forward(
    params: list[tf.Tensor], x: tf.Tensor, eps: tf.Tensor, network: Network
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """The reparameterised pass: encode x, draw z = mu + sigma * eps, decode
    z; the decoder's output x_hat, and mu and logvar for the KL term."""
    mu, logvar = encode(params, x, network)
    z = reparameterize(mu, logvar, eps)
    return decode(params, z, network), mu, logvar


class Programs(NamedTuple):
    """``encode``, ``decode`` and the reconstruction of ``forward`` as XLA programs of (params, ...)."""

    encode: tf.types.experimental.PolymorphicFunction
    decode: tf.types.experimental.PolymorphicFunction
    reconstruct: tf.types.experimental.PolymorphicFunction


@functools.lru_cache(maxsize=8)
def compiled(network: Network) -> Programs:
    """The network's functions compiled by XLA, shared by every run of the same network: the
    trainer's snapshots and ``VAE`` run these, so their numbers agree to the bit."""
    return Programs(
        encode=xla_program(lambda params, x: encode(params, x, network)),
        decode=xla_program(lambda params, z: decode(params, z, network)),
        reconstruct=xla_program(lambda params, x, eps: forward(params, x, eps, network)[0]),
    )
