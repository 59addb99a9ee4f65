"""The Swiss roll: the report's transformation of a correlated Gaussian, or scikit-learn's roll."""

from __future__ import annotations

import numpy as np

from vaebook.arithmetic import fma_dot
from vaebook.config import DATA_DIM, DATA_KINDS, check_choice  # noqa: F401 (DATA_DIM: the roll's width)

# The report's "provided transformation": (t, y) ~ N(MEAN, COV), then (t cos t, y, t sin t).
REPORT_MEAN = np.array([10.0, -10.0])
REPORT_COV = np.array([[10.0, -5.0], [-5.0, 10.0]])
# The factor F (F F^T = REPORT_COV) by which numpy's Generator.multivariate_normal turns standard
# normal draws x into REPORT_MEAN + x @ F.T: u * sqrt(s) of LAPACK's SVD of REPORT_COV, written out
# to its last bits (which are LAPACK's, not sqrt(7.5) and sqrt(2.5) exactly), so that no LAPACK
# build moves them.
REPORT_FACTOR = np.array([[-2.7386127875258293, 1.581138830084189], [2.73861278752583, 1.5811388300841898]])
# Two real samples beside a run's training data, each drawn from a child of the run's seed
# (numpy's SeedSequence.spawn): the reference sample its points are measured against, and the
# second sample of the noise floor (metrics.noise_floor). A spawned child's stream is independent
# of every seed's own, so no run's seed draws another run's reference sample.
REFERENCE, FLOOR = 0, 1
Seed = int | np.random.SeedSequence


def real_sample_seed(seed: int, which: int) -> np.random.SeedSequence:
    """The seed of a run's real sample ``which`` (REFERENCE or FLOOR): a spawned child of ``seed``."""
    return np.random.SeedSequence(seed).spawn(2)[which]


def roll_parameters(n: int, seed: Seed = 0, kind: str = "report") -> tuple[np.ndarray, np.ndarray]:
    """The roll's intrinsic coordinates (t, height) for n points; t is the angle along the roll.
    The points are numpy's ``default_rng(seed)`` draws: for "report", the bits of its
    ``multivariate_normal(REPORT_MEAN, REPORT_COV, n)`` as a BLAS kernel with fused multiply-adds
    computes it, here without BLAS (``vaebook.arithmetic``), so that every CPU draws the same roll."""
    check_choice("kind", kind, DATA_KINDS)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)
    if kind == "report":
        x = rng.standard_normal((int(n), 2))
        t, height = (REPORT_MEAN[i] + fma_dot(x, REPORT_FACTOR[i]) for i in range(2))
    else:  # scikit-learn's make_swiss_roll: t uniform on [1.5 pi, 4.5 pi], height uniform on [0, 21]
        t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=int(n)))
        height = 21 * rng.uniform(size=int(n))
    return t, height


def roll_points(t: np.ndarray, height: np.ndarray) -> np.ndarray:
    """The roll's points in 3-D, (t cos t, height, t sin t), as float32."""
    return np.stack(
        [t * np.cos(t), height, t * np.sin(t)], axis=1
    ).astype(np.float32)


def swiss_roll(n: int, seed: Seed = 0, kind: str = "report") -> np.ndarray:
    """n points of the Swiss roll, shape (n, 3), float32, deterministic in ``seed``."""
    return roll_points(*roll_parameters(n, seed, kind))


def reference_roll(n: int, seed: int = 0, kind: str = "report") -> np.ndarray:
    """The independent real sample that a run's points are measured against: ``swiss_roll``
    drawn from the child REFERENCE of the run's seed."""
    return swiss_roll(n, real_sample_seed(seed, REFERENCE), kind)
