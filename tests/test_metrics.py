"""Each distance against a case whose answer is known in closed form."""

import math

import numpy as np
import pytest

from vaebook import metrics


def gaussian(n, mean, scale, dim=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, dim)) * scale + np.asarray(mean, float)


def test_sliced_wasserstein_of_a_set_with_itself_is_zero():
    a = gaussian(1000, 0, 1)
    assert metrics.sliced_wasserstein(a, a) == 0.0


@pytest.mark.quick
def test_sliced_wasserstein_of_gaussians_has_its_closed_form():
    # Projected on a unit u, N(m1, s1^2 I) vs N(m2, s2^2 I) are N(u.m1, s1^2) vs N(u.m2, s2^2), whose
    # W2^2 is (u.(m1 - m2))^2 + (s1 - s2)^2; averaged over isotropic u in d dims: |m1-m2|^2/d + (s1-s2)^2.
    n, shift, s2 = 40_000, np.array([3.0, 0.0, 4.0]), 2.0
    a, b = gaussian(n, 0, 1, seed=1), gaussian(n, shift, s2, seed=2)
    expected = math.sqrt(shift @ shift / 3 + (s2 - 1) ** 2)
    got = metrics.sliced_wasserstein(a, b, n_projections=500)
    assert got == pytest.approx(expected, rel=0.05)


def test_sliced_wasserstein_handles_unequal_sizes_and_seeds():
    a, b = gaussian(3000, 0, 1, seed=3), gaussian(1000, 0, 1, seed=4)
    assert metrics.sliced_wasserstein(a, b) < 0.15
    assert metrics.sliced_wasserstein(a, b, seed=1) == metrics.sliced_wasserstein(a, b, seed=1)


@pytest.mark.quick
def test_energy_distance_of_shifted_normals_has_its_closed_form():
    # In 1-D, X ~ N(0,1), Y ~ N(mu,1): E|X-Y| = E|N(mu, 2)| = 2/sqrt(pi) exp(-mu^2/4) + mu erf(mu/2),
    # E|X-X'| = E|Y-Y'| = 2/sqrt(pi); the statistic is 2E|X-Y| - E|X-X'| - E|Y-Y'|.
    mu = 1.5
    cross = 2 / math.sqrt(math.pi) * math.exp(-(mu**2) / 4) + mu * math.erf(mu / 2)
    expected = 2 * cross - 2 * (2 / math.sqrt(math.pi))
    a, b = gaussian(4000, 0, 1, dim=1, seed=5), gaussian(4000, mu, 1, dim=1, seed=6)
    got = metrics.energy_distance(a, b, max_points=4000)
    assert got == pytest.approx(expected, abs=0.05)


def test_energy_distance_of_identical_subsampled_sets_is_zero():
    # 4,000 points are subsampled to 2,000: with a different draw for each argument this was 0.0013.
    a = gaussian(4000, 0, 1, seed=10)
    assert metrics.energy_distance(a, a) == 0.0
    assert metrics.energy_distance(a, a.copy(), max_points=1000, seed=3) == 0.0


def test_energy_distance_bias_is_what_the_docstring_says():
    # Two independent samples of n points from one distribution: the statistic's mean is
    # (E|X-X'| + E|Y-Y'|) / n = 2 (2 / sqrt(pi)) / n for N(0, 1), not the distributions' distance 0.
    n, rng = 100, np.random.default_rng(11)
    values = [metrics.energy_distance(rng.normal(size=(n, 1)), rng.normal(size=(n, 1))) for _ in range(1000)]
    assert np.mean(values) == pytest.approx(2 * (2 / math.sqrt(math.pi)) / n, rel=0.1)


def test_energy_distance_is_symmetric_and_zero_on_itself():
    a, b = gaussian(500, 0, 1, seed=7), gaussian(500, 1, 1, seed=8)
    assert metrics.energy_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    assert metrics.energy_distance(a, b) == pytest.approx(metrics.energy_distance(b, a))
    assert metrics.energy_distance(a, b) > 0.3


def test_precision_and_coverage_known_cases():
    real = gaussian(2000, 0, 1, seed=9)
    assert metrics.knn_precision_coverage(real, real) == (1.0, 1.0)
    assert metrics.knn_precision_coverage(real, real + 1e3) == (0.0, 0.0)
    precision, coverage = metrics.knn_precision_coverage(real, real[: len(real) // 10])
    assert precision == 1.0 and coverage < 0.8


@pytest.mark.quick
def test_precision_and_coverage_against_brute_force():
    """Every pair's distance and every real point's k-NN radius by plain loops."""
    rng = np.random.default_rng(12)
    real, generated = rng.normal(size=(60, 3)), rng.normal(size=(40, 3)) * 1.5
    d_real = np.array([[np.linalg.norm(a - b) for b in real] for a in real])
    radii = np.sort(d_real, axis=1)[:, 5]  # the 5th nearest other point (column 0 is the point)
    d = np.array([[np.linalg.norm(g - r) for r in real] for g in generated])
    precision = np.mean([any(d[i, j] <= radii[j] for j in range(60)) for i in range(40)])
    coverage = np.mean([any(d[i, j] <= radii[j] for i in range(40)) for j in range(60)])
    assert metrics.knn_precision_coverage(real, generated, k=5) == pytest.approx((precision, coverage))


def test_the_distances_keep_the_bits_of_the_book_whatever_the_blas_kernel():
    """Distances of float32 point sets, as the book's are, equal to the last bit to those the
    committed chapters were computed with (products through OpenBLAS's SkylakeX kernel)."""
    real = metrics.reference_roll(3000, 11, "report")
    fake = (0.9 * real + np.random.default_rng(0).normal(0, 0.5, real.shape)).astype(np.float32)
    assert metrics.distances(fake, real) == {
        "sliced_wasserstein": 0.8537435822369713,
        "energy_distance": 0.13204513233268855,
        "precision": 0.564,
        "coverage": 0.652,
    }
    assert metrics.noise_floor("report", 2000, "energy_distance", seed=3) == 0.022422614576822042


def test_pairwise_distances_are_numpy_s():
    rng = np.random.default_rng(13)
    a, b = rng.normal(size=(300, 3)) * 5, rng.normal(size=(200, 3)) * 5
    expected = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)
    assert np.allclose(metrics._pairwise_distances(a, b), expected, rtol=1e-12, atol=1e-6)


def test_noise_floor_reads_sampling_noise():
    small, large = (metrics.noise_floor("report", n) for n in (500, 8000))
    assert 0 < large < small
    assert metrics.noise_floor("report", 2000, seed=3) == metrics.noise_floor("report", 2000, seed=3)
    roll = metrics.reference_roll(2000, 0, "report")
    assert metrics.sliced_wasserstein(roll + 2.0, roll) > 4 * metrics.noise_floor("report", 2000)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: metrics.noise_floor("report", 100, metric="kl"), "metric must be one of"),
        (lambda: metrics.noise_floor("moons", 100), "kind must be one of"),
        (lambda: metrics.sliced_wasserstein(np.zeros(3), np.zeros((3, 3))), "(n, d) array"),
        (lambda: metrics.sliced_wasserstein(np.zeros((3, 2)), np.zeros((3, 3))), "same dimension"),
        (lambda: metrics.energy_distance(np.full((3, 3), np.nan), np.zeros((3, 3))), "non-finite"),
    ],
)
def test_bad_input_is_named(call, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()
