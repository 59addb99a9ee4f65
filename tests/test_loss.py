import numpy as np
import pytest
import tensorflow as tf

from vaebook import loss_terms, negative_elbo
from vaebook.loss import objective, reparameterize


def equation_1(x, x_hat, mu, logvar):
    """The report's eq. (1), written out in float64 numpy."""
    m = len(x)
    return 0.5 / m * (np.sum((x - x_hat) ** 2) - np.sum(1 + logvar - mu**2 - np.exp(logvar)))


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    return (
        rng.normal(size=(64, 3)) * 10,
        rng.normal(size=(64, 3)) * 10,
        rng.normal(size=(64, 2)) * 2,
        rng.uniform(-30, 30, size=(64, 2)),  # extreme log-variances both ways
    )


@pytest.mark.quick
def test_negative_elbo_is_equation_1_in_float64(batch):
    assert float(negative_elbo(*batch)) == pytest.approx(equation_1(*batch), rel=1e-12)


def test_negative_elbo_accepts_tensors_and_float32(batch):
    as32 = [tf.constant(a, tf.float32) for a in batch]
    assert negative_elbo(*as32).dtype == tf.float32
    assert float(negative_elbo(*as32)) == pytest.approx(equation_1(*batch), rel=1e-5)


def test_loss_terms_per_sample(batch):
    """Each sample's squared error and KL divergence, against numpy, the KL never negative."""
    x, x_hat, mu, logvar = batch
    recon, kl = (np.asarray(t) for t in loss_terms(*batch))
    assert recon.shape == kl.shape == (64,)
    assert np.allclose(recon, 0.5 * ((x - x_hat) ** 2).sum(1))
    assert np.allclose(kl, -0.5 * (1 + logvar - mu**2 - np.exp(logvar)).sum(1))
    assert np.all(kl >= 0)


@pytest.mark.quick
def test_code_objective_sums_the_squared_errors(batch):
    recon, kl = loss_terms(*batch)
    x, x_hat, _, _ = batch
    expected = 0.5 * np.sum((x - x_hat) ** 2) + np.mean(np.asarray(kl))
    assert float(objective(recon, kl, "code")) == pytest.approx(expected, rel=1e-12)
    assert float(objective(recon, kl)) == pytest.approx(equation_1(*batch), rel=1e-12)


@pytest.mark.parametrize(
    ("mu", "logvar"), [([0.0, 0.0], [0.0, 0.0]), ([1.0, -2.0], [0.5, -1.0]), ([3.0, 0.0], [-3.0, 2.0])]
)
def test_kl_closed_form_against_monte_carlo(mu, logvar):
    mu, logvar = np.array(mu), np.array(logvar)
    rng = np.random.default_rng(1)
    n = 400_000
    z = mu + np.exp(0.5 * logvar) * rng.standard_normal((n, 2))
    log_q = -0.5 * np.sum(np.log(2 * np.pi) + logvar + (z - mu) ** 2 / np.exp(logvar), 1)
    log_p = -0.5 * np.sum(np.log(2 * np.pi) + z**2, 1)
    ratio = log_q - log_p
    closed = float(loss_terms(np.zeros(3), np.zeros(3), mu, logvar)[1])
    assert abs(ratio.mean() - closed) <= 5 * ratio.std() / np.sqrt(n) + 1e-12


def test_reparameterize_has_the_posterior_moments():
    mu, logvar = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    n = 200_000
    z = np.asarray(reparameterize(mu, logvar, np.random.default_rng(2).standard_normal((n, 2))))
    assert np.all(np.abs(z.mean(0) - mu) < 5 * np.exp(0.5 * logvar) / np.sqrt(n))
    assert np.allclose(z.var(0), np.exp(logvar), rtol=5 * np.sqrt(2 / n))
