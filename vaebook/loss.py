"""The report's eq. (1): a Gaussian negative ELBO with a closed-form KL to N(0, I)."""

from __future__ import annotations

from vaebook.backend import tf


def _as_tensors(*arrays):
    """Tensors of one dtype: float64 if any input is float64 (numpy's default), else float32."""
    wide = any(getattr(a, "dtype", None) in ("float64", tf.float64) for a in arrays)
    dtype = tf.float64 if wide else tf.float32
    return [tf.convert_to_tensor(a, dtype=dtype) for a in arrays]


def loss_terms(x, x_hat, mu, logvar) -> tuple[tf.Tensor, tf.Tensor]:
    """Each point's two terms, each summed over its coordinates: the
    reconstruction term 0.5 * ||x - x_hat||^2 and the KL divergence
    KL(N(mu, exp(logvar)) || N(0, I))."""
    x, x_hat, mu, logvar = _as_tensors(x, x_hat, mu, logvar)
    reconstruction = 0.5 * tf.reduce_sum(tf.square(x - x_hat), axis=-1)
    kl = -0.5 * tf.reduce_sum(
        1.0 + logvar - tf.square(mu) - tf.exp(logvar), axis=-1
    )
    return reconstruction, kl


def objective(
    reconstruction: tf.Tensor, kl: tf.Tensor, kind: str = "report"
) -> tf.Tensor:
    """The quantity training minimises, from the terms of ``loss_terms``: eq.
    (1) ("report"), the batch mean of reconstruction plus KL, or the original
    script's total ("code"), which sums the squared errors over the batch
    instead of averaging them. The report calls it the Variational Free
    Energy."""
    if kind == "code":
        return tf.reduce_sum(reconstruction) + tf.reduce_mean(kl)
    return tf.reduce_mean(reconstruction + kl)


def negative_elbo(x, x_hat, mu, logvar) -> tf.Tensor:
    """Eq. (1) of the report from the points: ``objective(*loss_terms(x, x_hat, mu, logvar))``,
    under the name of its derivation (the negative evidence lower bound)."""
    return objective(*loss_terms(x, x_hat, mu, logvar))


def reparameterize(
    mu: tf.Tensor, logvar: tf.Tensor, eps: tf.Tensor
) -> tf.Tensor:
    """z = mu + sigma * eps with sigma = exp(logvar / 2): a draw that gradients
    pass through."""
    return mu + tf.exp(0.5 * logvar) * eps
