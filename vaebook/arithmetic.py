"""Arithmetic whose rounding no BLAS kernel decides: numpy's element-wise operations and its own
(pairwise) sums, each rounded as IEEE 754 says, in an order fixed here.

A matrix product (``@``, ``np.dot``, ``np.cov``) goes through BLAS, whose kernel is chosen by the
CPU model (or ``OPENBLAS_CORETYPE``): kernels with fused multiply-adds round differently from the
others, and a long sum's order is the kernel's. The book's products are over a thin dimension
(its points are 3-D), so they are written out here, accumulated as the fused kernels that made the
committed numbers accumulate them: the first product rounded, then one correctly rounded
multiply-add per coordinate (``fma_dot``). numpy has no fused multiply-add; ``fma`` computes its
correctly rounded result from element-wise operations (Boldo and Melquiond, "Emulation of FMA and
correctly rounded sums: proved algorithms using rounding to odd", IEEE Trans. Computers, 2008).
"""

from __future__ import annotations

import numpy as np

_SPLIT = 2.0**27 + 1  # Veltkamp's splitter: a double's top 26 bits and the rest
_UNIT = 2.0**-53  # the unit roundoff of a double
# Element-wise work on a large matrix goes by blocks of rows of about this many entries (256 KB
# of float64), which stay in the CPU's cache between operations: several times faster.
BLOCK_ENTRIES = 1 << 15


def row_blocks(rows: int, columns: int) -> list[slice]:
    """Consecutive slices of ``rows`` rows, each of about BLOCK_ENTRIES entries of ``columns``."""
    step = max(1, BLOCK_ENTRIES // max(columns, 1))
    return [slice(start, start + step) for start in range(0, rows, step)]


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, e): s = a + b rounded, and its rounding error e, exactly (s + e = a + b)."""
    s = a + b
    b_virtual = s - a
    return s, (a - (s - b_virtual)) + (b - b_virtual)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(high, low): a = high + low exactly, each with at most 26 significant bits."""
    c = _SPLIT * a
    high = c - (c - a)
    return high, a - high


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p, e): p = a * b rounded, and its rounding error e, exactly (Dekker)."""
    p = a * b
    (ah, al), (bh, bl) = _split(a), _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _sum_rounded_to_odd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b rounded to odd: exact if representable, else whichever neighbour has an odd last bit."""
    s, e = _two_sum(a, b)
    inexact_even = (e != 0) & ((s.view(np.int64) & 1) == 0)
    return np.where(inexact_even, np.nextafter(s, np.copysign(np.inf, e)), s)


def fma(a, b, c) -> np.ndarray:
    """a * b + c rounded once, element-wise, as a fused multiply-add instruction computes it
    (float64; exact barring overflow, and underflow of a * b's rounding error)."""
    a, b, c = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (a, b, c)))
    product, product_error = _two_product(a, b)
    high, low = _two_sum(c, product)
    return high + _sum_rounded_to_odd(low, product_error)


def fma_dot(x, y) -> np.ndarray:
    """The sum over the last axis of x * y as a fused BLAS kernel accumulates it: x0 y0 rounded,
    then fma(xk, yk, sum) for each next coordinate k. Broadcasts like ``x * y``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    total = x[..., 0] * y[..., 0]
    for k in range(1, max(x.shape[-1], y.shape[-1])):
        total = fma(x[..., k], y[..., k], total)
    return total


def fma_matmul_float32(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a @ b).astype(np.float32)`` for a (m, d) and b (d, n) with d small, each entry
    ``fma_dot``'s, rounded to float32. The products are summed in plain float64 first, which is
    within a few units of the last place of the fused sum; only the entries where that margin
    straddles a float32 rounding boundary (about one in a hundred million) are computed fused."""
    a, b = np.asarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64)
    # Both sums are within (d + 1) units of roundoff of sum_k |a_ik b_kj| of the exact one; the
    # margin is 16 (d + 1) units of a bound of that sum, each row's. Where total - margin and
    # total + margin round to one float32, so does every value between them.
    bound = (np.abs(a) * np.max(np.abs(b), axis=1)).sum(axis=1)
    margin = (16 * (a.shape[1] + 1) * _UNIT * bound)[:, None]
    out = np.empty((a.shape[0], b.shape[1]), np.float32)
    for block in row_blocks(*out.shape):
        x = a[block]
        total, term = x[:, :1] * b[:1, :], np.empty((len(x), b.shape[1]))
        for k in range(1, a.shape[1]):
            total += np.multiply(x[:, k : k + 1], b[k : k + 1, :], out=term)
        high = np.empty(total.shape, np.float32)
        np.subtract(total, margin[block], out=out[block], casting="same_kind")
        np.add(total, margin[block], out=high, casting="same_kind")
        straddling = out[block] != high
        if straddling.any():
            rows, columns = np.nonzero(straddling)
            out[block][rows, columns] = fma_dot(x[rows], b[:, columns].T).astype(np.float32)
    return out


def covariance(sample) -> np.ndarray:
    """The sample covariance of the rows of ``sample`` (n, d), as ``np.cov(sample.T)`` defines
    it (centred by the mean, scaled by 1 / (n - 1)), each entry a numpy sum of the centred
    products rather than ``np.cov``'s matrix product through BLAS."""
    sample = np.asarray(sample, dtype=np.float64)
    if sample.ndim != 2 or len(sample) < 2:
        raise ValueError(f"sample must be an (n, d) array of at least 2 rows, got shape {sample.shape}")
    centred = sample - sample.mean(axis=0)
    d, scale = sample.shape[1], 1 / (len(sample) - 1)
    out = np.empty((d, d))
    for i in range(d):
        for j in range(i, d):
            out[i, j] = out[j, i] = (centred[:, i] * centred[:, j]).sum() * scale
    return out
