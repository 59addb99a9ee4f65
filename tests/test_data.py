import hashlib

import numpy as np
import pytest

from vaebook import swiss_roll
from vaebook.data import FLOOR, REPORT_COV, REPORT_FACTOR, real_sample_seed, reference_roll, roll_parameters

pytestmark = pytest.mark.quick


def recover(points):
    """(t, y) from (t cos t, y, t sin t), independently of the package: |t| is the radius in the
    x-z plane, and the angle atan2(z, x) equals t mod 2 pi for t > 0 and t + pi for t < 0."""
    x, y, z = points.astype(np.float64).T
    r = np.hypot(x, z)
    angle = np.arctan2(z, x)
    positive = np.abs(np.angle(np.exp(1j * (angle - r)))) < 1e-3
    return np.where(positive, r, -r), y


def test_shape_dtype_and_determinism():
    a = swiss_roll(500, seed=3)
    assert a.shape == (500, 3) and a.dtype == np.float32
    assert np.array_equal(a, swiss_roll(500, seed=3))
    assert not np.array_equal(a, swiss_roll(500, seed=4))


def test_report_roll_is_the_transformation():
    n = 20_000
    points = swiss_roll(n, seed=1)
    t, y = recover(points)
    assert np.allclose(np.stack([t * np.cos(t), y, t * np.sin(t)], 1), points, atol=1e-3)
    mean, cov = np.array([10.0, -10.0]), np.array([[10.0, -5.0], [-5.0, 10.0]])
    sample = np.stack([t, y], 1)
    se_mean = np.sqrt(np.diag(cov) / n)
    se_cov = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    assert np.all(np.abs(sample.mean(0) - mean) < 5 * se_mean)
    assert np.all(np.abs(np.cov(sample.T) - cov) < 5 * se_cov)


def test_sklearn_roll_is_uniform():
    n = 20_000
    t, height = recover(swiss_roll(n, seed=2, kind="sklearn"))
    assert t.min() >= 1.5 * np.pi - 1e-3 and t.max() <= 4.5 * np.pi + 1e-3
    assert height.min() >= 0 and height.max() <= 21
    # Uniform: each of 10 equal bins holds n/10 points within 5 binomial standard deviations.
    for values, lo, hi in ((t, 1.5 * np.pi, 4.5 * np.pi), (height, 0, 21)):
        counts, _ = np.histogram(values, bins=10, range=(lo, hi))
        assert np.all(np.abs(counts - n / 10) < 5 * np.sqrt(n * 0.1 * 0.9))


def test_the_training_data_is_numpy_s_stream_of_the_seed():
    """numpy's multivariate_normal of the seed, to its last bits but for BLAS's rounding."""
    rng = np.random.default_rng(7)
    t, height = rng.multivariate_normal([10.0, -10.0], [[10.0, -5.0], [-5.0, 10.0]], size=5000).T
    ours = roll_parameters(5000, seed=7)
    assert np.allclose(ours, (t, height), rtol=0, atol=1e-14)  # a few units of the last place
    expected = np.stack([t * np.cos(t), height, t * np.sin(t)], axis=1).astype(np.float32)
    assert np.allclose(swiss_roll(5000, seed=7), expected, rtol=1e-6, atol=0)


def test_the_roll_keeps_the_bits_of_the_book_whatever_the_blas_kernel():
    """The points the committed chapters were computed from (numpy's multivariate_normal through
    OpenBLAS's SkylakeX kernel), which no BLAS kernel now changes."""
    digest = hashlib.sha256(np.stack(roll_parameters(10_000, seed=0)).tobytes()).hexdigest()
    assert digest == "3929e3af0ad629d434d7548eadd5c14b48a37d2c3810e3ee6bb01e69ffa2d407"
    reference = hashlib.sha256(reference_roll(10_000, 7).tobytes()).hexdigest()
    assert reference == "e09aefdde815d18c0eed17d41c150c6a488daf4b94ecce0a7d47c712a487fc9d"


def test_the_report_s_factor_is_a_square_root_of_its_covariance():
    assert np.allclose(REPORT_FACTOR @ REPORT_FACTOR.T, REPORT_COV, rtol=1e-15, atol=4e-15)
    u, s, _ = np.linalg.svd(REPORT_COV)  # what multivariate_normal factors it with
    assert np.allclose(REPORT_FACTOR, u * np.sqrt(s), rtol=4e-16, atol=0)


def test_no_seed_draws_another_seed_s_reference_or_floor_sample():
    """The real samples are drawn from spawned children of a run's seed: not the training data of
    any seed (the sums of the seed and an offset included)."""
    n = 100
    samples = {("train", s): swiss_roll(n, s) for s in (0, 1, 10_000, 20_000)}
    for s in (0, 10_000):
        samples["reference", s] = reference_roll(n, s)
        samples["floor", s] = swiss_roll(n, real_sample_seed(s, FLOOR))
    blobs = [a.tobytes() for a in samples.values()]
    assert len(set(blobs)) == len(blobs)
    assert np.array_equal(reference_roll(n, 3), reference_roll(n, 3))


def test_bad_kind_and_size():
    with pytest.raises(ValueError, match="kind must be one of"):
        swiss_roll(10, kind="moons")
    with pytest.raises(ValueError, match="n must be a positive integer"):
        swiss_roll(0)
