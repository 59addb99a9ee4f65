"""Distances between point sets, read against the noise floor of two real samples.

No distance goes through BLAS, whose rounding depends on the CPU kernel it picks: the products
of point coordinates are written out (``vaebook.arithmetic``), in the order that gives the bits a
BLAS kernel with fused multiply-adds gives."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from vaebook.arithmetic import fma_matmul_float32, row_blocks
from vaebook.config import NEIGHBOURS
from vaebook.data import FLOOR, real_sample_seed, reference_roll, swiss_roll

# The pairwise metrics (energy distance, k-NN precision and coverage) are O(n^2): they use a
# seeded subsample of at most this many points of each set.
MAX_POINTS = 2000


def _points(name: str, a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or len(a) == 0:
        raise ValueError(f"{name} must be a non-empty (n, d) array, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} has non-finite values")
    return a


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = _points("a", a), _points("b", b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must have the same dimension, got {a.shape[1]} and {b.shape[1]}")
    return a, b


def _subsample(a: np.ndarray, max_points: int, rng: np.random.Generator) -> np.ndarray:
    return a if len(a) <= max_points else a[rng.choice(len(a), max_points, replace=False)]


def _memoised(function):
    """``function(points, *args)`` memoised on the points' bytes (float64, as ``_points`` makes
    them): a trainer measures many point sets against one real sample, whose own terms are then
    computed once."""
    cached = functools.lru_cache(maxsize=8)(
        lambda blob, shape, *args: function(np.frombuffer(blob).reshape(shape), *args)
    )
    return lambda points, *args: cached(points.tobytes(), points.shape, *args)


def sliced_wasserstein(a, b, n_projections: int = 50, seed: int = 0) -> float:
    """Sliced 2-Wasserstein distance: the root mean, over random unit directions, of the squared
    1-D W2 between the projections (compared as quantile functions, so sizes may differ)."""
    a, b = _pair(a, b)
    pa, pb = (_sorted_projections(p, n_projections, seed) for p in (a, b))
    if pa.shape[1] != pb.shape[1]:
        levels = (np.arange(max(pa.shape[1], pb.shape[1])) + 0.5) / max(pa.shape[1], pb.shape[1])
        pa, pb = (np.quantile(p, levels, axis=1) for p in (pa, pb))
    return float(np.sqrt(np.mean((pa.astype(np.float64) - pb) ** 2)))


@_memoised
def _sorted_projections(points: np.ndarray, n_projections: int, seed: int) -> np.ndarray:
    """The sorted projections of a point set on the seeded directions, one row per direction.
    Sorting is the whole cost, so it is done in float32 (faster, and SW moves only in its last
    float32 digits) and memoised: a trainer compares many point sets with the same real sample."""
    directions = np.random.default_rng(seed).standard_normal((points.shape[1], n_projections))
    directions /= np.linalg.norm(directions, axis=0)
    projections = np.sort(fma_matmul_float32(directions.T, points.T), axis=1)
    projections.flags.writeable = False  # shared between callers through the cache
    return projections


def _pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of a and b, by |a|^2 + |b|^2 - 2 a.b, the dot products
    summed coordinate by coordinate. For points that are float32 values (the book's), every
    product is exact in float64, so these are the bits of ``2.0 * a @ b.T`` through any BLAS
    kernel that sums in coordinate order, fused or not."""
    twice_a, norms_a, norms_b = 2.0 * a, (a * a).sum(1), (b * b).sum(1)
    out = np.empty((len(a), len(b)))
    for block in row_blocks(*out.shape):
        x, d2 = twice_a[block], out[block]
        dots, term = np.multiply.outer(x[:, 0], b[:, 0]), np.empty_like(d2)
        for k in range(1, a.shape[1]):
            dots += np.multiply.outer(x[:, k], b[:, k], out=term)
        np.subtract(np.add.outer(norms_a[block], norms_b, out=d2), dots, out=d2)
        np.sqrt(np.maximum(d2, 0.0, out=d2), out=d2)
    return out


def _mean_pairwise(a: np.ndarray, b: np.ndarray) -> float:
    return float(_pairwise_distances(a, b).mean())


@_memoised
def _self_mean_pairwise(a: np.ndarray) -> float:
    """E|X - X'| over a point set, the energy distance's term of one sample alone."""
    return _mean_pairwise(a, a)


def energy_distance(a, b, max_points: int = MAX_POINTS, seed: int = 0) -> float:
    """Energy distance statistic 2E|X-Y| - E|X-X'| - E|Y-Y'| (Székely), clipped at 0 (rounding).

    The means run over every pair, a point with itself included: the energy distance between
    the two sets' empirical distributions, exactly 0 for identical sets. A set of more than
    ``max_points`` rows is replaced by a seeded subsample of ``max_points`` rows (which bounds
    the O(n^2) cost); the rows drawn depend on the set's size and ``seed`` only, so sets of
    equal size keep the same rows and identical sets still give 0. As an estimate of the
    distance between the distributions the sets were drawn from, the statistic on n and m
    points (after subsampling) is too large by E|X-X'|/n + E|Y-Y'|/m on average, so subsampling
    raises it by that much and adds the variance of a smaller sample.
    """
    a, b = _pair(a, b)
    a, b = (_subsample(p, max_points, np.random.default_rng(seed)) for p in (a, b))
    stat = 2 * _mean_pairwise(a, b) - _self_mean_pairwise(a) - _self_mean_pairwise(b)
    return float(max(stat, 0.0))


@_memoised
def _neighbour_radii(a: np.ndarray, k: int) -> np.ndarray:
    """For each point of a, the distance to its k-th nearest other point of a."""
    radii = np.partition(_pairwise_distances(a, a), k, axis=1)[:, k]  # index 0 is the point itself
    radii.flags.writeable = False  # shared between callers through the cache
    return radii


def knn_precision_coverage(
    real, generated, k: int = NEIGHBOURS, max_points: int = MAX_POINTS, seed: int = 0
) -> tuple[float, float]:
    """(precision, coverage) from each real point's k-NN radius: the k-NN precision of
    Kynkäänniemi et al. (2019), the share of generated points inside some real point's ball; and
    the coverage of Naeem et al. (2020), the share of real points whose ball holds at least one
    generated point."""
    real, generated = _pair(real, generated)
    rng = np.random.default_rng(seed)
    real, generated = _subsample(real, max_points, rng), _subsample(generated, max_points, rng)
    radii = _neighbour_radii(real, k)
    inside = _pairwise_distances(generated, real) <= radii[None, :]  # generated i in real j's ball
    return float(inside.any(axis=1).mean()), float(inside.any(axis=0).mean())


def _precision(a, b) -> float:
    return knn_precision_coverage(b, a)[0]


def _coverage(a, b) -> float:
    return knn_precision_coverage(b, a)[1]


# Each metric as f(model points, real points) -> float.
METRICS: dict[str, Callable[..., float]] = {
    "sliced_wasserstein": sliced_wasserstein,
    "energy_distance": energy_distance,
    "precision": _precision,
    "coverage": _coverage,
}


def distances(points, real, names: tuple[str, ...] = tuple(METRICS)) -> dict[str, float]:
    """The named metrics of ``points`` against ``real``; precision and coverage share one pass."""
    out: dict[str, float] = {}
    if {"precision", "coverage"} & set(names):
        out["precision"], out["coverage"] = knn_precision_coverage(real, points)
    for name in names:
        if name not in out:
            out[name] = METRICS[name](points, real)
    return {name: float(out[name]) for name in names}


def noise_floor(kind: str, n: int, metric: str = "sliced_wasserstein", seed: int = 0) -> float:
    """The metric between two independent real samples of size n: what sampling alone gives.
    The first sample is the one a run of ``seed`` is measured against (``data.reference_roll``),
    the second is drawn from the seed's child FLOOR."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}; got {metric!r}")
    first, second = reference_roll(n, seed, kind), swiss_roll(n, real_sample_seed(seed, FLOOR), kind)
    return METRICS[metric](second, first)
