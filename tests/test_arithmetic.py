"""The BLAS-free arithmetic, against exact rational arithmetic (Python's Fraction: every sum and
product exact, one rounding at the end) and against numpy's own BLAS-backed results."""

from fractions import Fraction

import numpy as np
import pytest

from vaebook import arithmetic

pytestmark = pytest.mark.quick


def exact_fma(a: float, b: float, c: float) -> float:
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def exact_fma_dot(x, y) -> float:
    """x0 y0 rounded, then each next coordinate's product added to it with one rounding."""
    total = float(Fraction(x[0]) * Fraction(y[0]))
    for a, b in zip(x[1:], y[1:]):
        total = exact_fma(a, b, total)
    return total


def hard_fma_cases(n: int, rng: np.random.Generator) -> list[tuple[np.ndarray, ...]]:
    """Triples (a, b, c) where a fused multiply-add and a product then a sum disagree most: plain,
    c cancelling a * b to a few units of its last place, c far below a * b (its bits decide
    ties), wide exponent ranges, and exact zeros."""
    a, b, c = rng.standard_normal((3, n))
    near = -(a * b) * (1 + rng.integers(-4, 5, n) * 2.0**-52)
    return [(a, b, c), (a, b, near), (a, b, c * 2.0**-60), (a * 1e150, b * 1e-140, c * 1e10), (a, b, -a * b)]


def test_fma_is_the_correctly_rounded_a_times_b_plus_c():
    rng = np.random.default_rng(0)
    for a, b, c in hard_fma_cases(4000, rng):
        got = arithmetic.fma(a, b, c)
        assert [g.hex() for g in got] == [exact_fma(*t).hex() for t in zip(a, b, c)]
    # The cases where rounding the product first gives another answer: fma must not.
    a, b, near = hard_fma_cases(4000, rng)[1]
    assert np.any(a * b + near != arithmetic.fma(a, b, near))


def test_fma_dot_accumulates_as_a_fused_kernel():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((500, 3)), rng.standard_normal((500, 3)) * 7
    got = arithmetic.fma_dot(x, y)
    assert [g.hex() for g in got] == [exact_fma_dot(a, b).hex() for a, b in zip(x, y)]
    assert np.allclose(got, np.einsum("ij,ij->i", x, y), rtol=1e-14, atol=1e-14)  # numpy's own


def test_fma_matmul_float32_is_the_fused_products_rounded_to_float32():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((40, 3))
    b = rng.standard_normal((3, 300)).astype(np.float32).astype(np.float64) * 10
    expected = np.array([[exact_fma_dot(a[i], b[:, j]) for j in range(300)] for i in range(40)], np.float32)
    got = arithmetic.fma_matmul_float32(a, b)
    assert got.dtype == np.float32 and np.array_equal(got, expected)
    assert np.allclose(got, (a @ b).astype(np.float32), rtol=1e-6, atol=1e-6)  # numpy's own


def test_fma_matmul_float32_computes_the_straddling_entries_fused():
    """Entries at a float32 rounding tie, where the plain and the fused sums round to either side:
    m + a1 b1, m a float32 midpoint, a1 b1 just above half a unit of m's last float64 place, which
    rounding the product first brings down onto that half, and the plain sum rounds to even."""
    rng = np.random.default_rng(3)
    midpoints = rng.uniform(1, 2, 200).astype(np.float32).astype(np.float64) + 2.0**-24
    a = np.array([[1.0, 2.0**-53 * (1 + 2.0**-52)]])
    b = np.vstack([midpoints, np.full(200, 1 - 2.0**-53)])
    expected = np.array([exact_fma_dot(a[0], b[:, j]) for j in range(200)], np.float32)
    plain = (a[:, :1] * b[:1] + a[:, 1:] * b[1:]).astype(np.float32)[0]
    assert np.any(plain != expected)  # the case is a hard one
    assert np.array_equal(arithmetic.fma_matmul_float32(a, b)[0], expected)


def test_covariance_is_numpy_s_without_blas():
    rng = np.random.default_rng(4)
    sample = rng.multivariate_normal([10.0, -10.0], [[10.0, -5.0], [-5.0, 10.0]], size=5000)
    assert np.allclose(arithmetic.covariance(sample), np.cov(sample.T), rtol=1e-13, atol=0)
    cov = arithmetic.covariance(rng.standard_normal((50, 4)))
    assert cov.shape == (4, 4) and np.array_equal(cov, cov.T)
    with pytest.raises(ValueError, match="at least 2 rows"):
        arithmetic.covariance(np.zeros((1, 2)))
