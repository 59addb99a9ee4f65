"""Comparisons over seeds: how fast a run approaches its own plateau and where that plateau is (the
design chapter's rules), and how two groups of runs differ, with an exact test and an interval.

Two designs are compared run against run (independent groups: Mann-Whitney); two settings trained
from the same seeds, seed by seed (paired: Wilcoxon's signed-rank test). Both tests are exact and
two-sided, from scipy. An effect is a ratio, estimated by Hodges and Lehmann's median and bounded
by the interval that inverts the same test, so a test that rejects at ALPHA and an interval of
coverage 1 - ALPHA that excludes 1 say the same thing. A family of comparisons is corrected with
Holm's procedure (``vaebook.robustness.holm``).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from scipy import stats

from vaebook import convergence, robustness

K = TypeVar("K")

ALPHA = 0.05  # the family-wise error rate of a chapter's verdicts, and 1 - an interval's coverage
# Speed: the epoch at which a run has come FRACTION of the way from its first record to its own
# plateau (90%: the 10-90% rise time of control engineering); its plateau: the median of the
# last TAIL share of its records.
FRACTION = 0.9
TAIL = 0.2


def plateau(values: Sequence[float], tail: float = TAIL) -> float:
    """The level a curve levels off at: the median of its last ``tail`` share of records."""
    values = np.asarray(values, dtype=float)
    if not 0 < tail <= 1:
        raise ValueError(f"tail must be a share of the records in (0, 1], got {tail!r}")
    return float(np.median(values[-max(1, int(round(tail * len(values)))) :]))


def epochs_to_fraction(
    epochs: Sequence[float], values: Sequence[float], fraction: float = FRACTION, tail: float = TAIL
) -> float:
    """The epoch at which the curve, smoothed by a running median (``convergence.crossing_epoch``),
    first comes ``fraction`` of the way from its first record down to its own ``plateau``; ``inf``
    if it never does (a curve that ends no lower than it starts)."""
    values = np.asarray(values, dtype=float)
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be strictly between 0 and 1, got {fraction!r}")
    start = values[0]
    level = start - fraction * (start - plateau(values, tail))
    return convergence.crossing_epoch(epochs, values, level) if level < start else float("inf")


def _tied(values: np.ndarray) -> bool:
    return len(np.unique(values)) < len(values)


# Without ties scipy's exact methods count the null distribution directly; with ties they would not
# be exact, so the test enumerates every split or sign pattern instead (the same value, slower).
_ENUMERATE = stats.PermutationMethod(n_resamples=np.inf, batch=50_000)


def rank_test(a: Sequence[float], b: Sequence[float]) -> float:
    """The two-sided exact p-value of the Mann-Whitney test of two independent groups: the share of
    all splits of the pooled values into groups of their sizes that separate them as much."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    method = _ENUMERATE if _tied(np.concatenate([a, b])) else "exact"
    return float(stats.mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)


def signed_rank_test(d: Sequence[float]) -> float:
    """The two-sided exact p-value of Wilcoxon's signed-rank test that the paired differences ``d``
    are centred on 0: the share of all patterns of their signs that sum as far from 0."""
    d = np.asarray(d, dtype=float)
    if not d.any():  # no pair differs: nothing to test
        return 1.0
    method = _ENUMERATE if _tied(np.abs(d)) or (d == 0).any() else "exact"
    return float(stats.wilcoxon(d, alternative="two-sided", method=method).pvalue)


def _inverted(breaks: np.ndarray, p_at: Callable[[float], float], alpha: float) -> tuple[float, float]:
    """The shifts that a test does not reject at ``alpha``, as an interval: its p-value changes
    only at ``breaks``, rising towards their median and falling past it, so it is read between
    two breaks, bisecting each side, and the interval ends at breaks."""
    b = np.unique(breaks[np.isfinite(breaks)])
    if len(b) == 0:  # every pair is a run that never got there against one that did
        return -np.inf, np.inf
    between = np.concatenate([[b[0] - 1], (b[:-1] + b[1:]) / 2, [b[-1] + 1]])  # i: below b[i]

    def kept(i: int) -> bool:
        return p_at(float(between[i])) > alpha

    centre = int(np.searchsorted(between, np.median(breaks)))
    centre = max((c for c in (centre - 1, centre) if 0 <= c < len(between) and kept(c)), default=None)
    if centre is None:  # every value tied with every other: only the median shift is kept
        median = float(np.median(breaks))
        if p_at(median) <= alpha:
            raise ValueError("the test rejects every shift, the median's too")
        return median, median
    first = bisect.bisect_left(range(centre + 1), True, key=kept)  # rejected, then kept
    last = centre - 1 + bisect.bisect_left(range(centre, len(between)), True, key=lambda i: not kept(i))
    low = b[first - 1] if first > 0 else -np.inf
    high = b[last] if last < len(b) else np.inf
    return float(low), float(high)


@dataclass(frozen=True)
class Effect:
    """How ``first`` differs from ``second`` in one quantity, over seeds: the ratio of their values
    (Hodges-Lehmann), the exact two-sided p-value, and the ratio's interval of coverage
    1 - ``alpha`` (``low``, ``high``), computed when first asked for: a verdict needs only p."""

    first: str
    second: str
    ratio: float  # first / second: 0.5 means first's values are half of second's, typically
    p: float
    n: int  # seeds (paired) or runs per group (the smaller group)
    alpha: float = ALPHA
    _test: tuple[np.ndarray, Callable[[float], float]] | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def interval(self) -> tuple[float, float]:
        """The ratios the test does not reject at ``alpha``: (low, high)."""
        if self._test is None:
            raise ValueError("this Effect was made without its test: it has no interval")
        low, high = _inverted(*self._test, self.alpha)
        return float(np.exp(low)), float(np.exp(high))

    @property
    def low(self) -> float:
        return self.interval[0]

    @property
    def high(self) -> float:
        return self.interval[1]

    @property
    def lower(self) -> str:
        """The one whose values are the lower, by the ratio's estimate."""
        return self.first if self.ratio < 1 else self.second


def _effect(
    first: str, second: str, breaks: np.ndarray, p_at: Callable[[float], float], n: int, alpha: float
) -> Effect:
    """An Effect from a test's p-value at each shift of the log-ratio and the shifts where it
    changes (``breaks``), whose median is the Hodges-Lehmann estimate."""
    return Effect(first, second, float(np.exp(np.median(breaks))), p_at(0.0), n, alpha, (breaks, p_at))


def compare(values: Mapping[str, Sequence[float]], first: str, second: str, alpha: float = ALPHA) -> Effect:
    """Two independent groups of positive values (two designs, one value per run), by the
    Mann-Whitney test; the ratio is the median of first_i / second_j over all pairs of runs.
    A value may be ``inf`` (a run that never gets there): two of them count as a tie."""
    a, b = (np.log(np.asarray(values[name], dtype=float)) for name in (first, second))
    with np.errstate(invalid="ignore"):  # inf - inf: a tie
        shifts = np.nan_to_num((a[:, None] - b[None, :]).ravel(), nan=0.0, posinf=np.inf, neginf=-np.inf)
    return _effect(first, second, shifts, lambda s: rank_test(a - s, b), min(len(a), len(b)), alpha)


def compare_paired(
    changed: Sequence[float], base: Sequence[float], first: str, second: str, alpha: float = ALPHA
) -> Effect:
    """Two settings trained from the same seeds (``changed[i]`` and ``base[i]`` share seed i), by
    the signed-rank test on log(changed / base); the ratio is the median of the Walsh averages
    (the mean of each two of those logs, each with itself too), exponentiated."""
    changed, base = np.asarray(changed, dtype=float), np.asarray(base, dtype=float)
    if changed.shape != base.shape or len(base) < 2:
        raise ValueError(f"paired values need the same seeds, two at least: got {len(changed)}, {len(base)}")
    d = np.log(changed) - np.log(base)
    i, j = np.triu_indices(len(d))
    return _effect(first, second, (d[i] + d[j]) / 2, lambda s: signed_rank_test(d - s), len(d), alpha)


def verdicts(effects: Mapping[K, Effect], alpha: float = ALPHA) -> dict[K, str | None]:
    """Each comparison's verdict in the family ``effects``, corrected by Holm's procedure: the one
    of its two with the lower values, where the correction rejects "no difference"; else None."""
    rejected = robustness.holm({key: e.p for key, e in effects.items()}, alpha)
    return {key: (e.lower if rejected[key] else None) for key, e in effects.items()}
