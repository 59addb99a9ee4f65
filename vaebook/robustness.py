"""How firmly a verdict stands: Holm's correction for a family of tests, the verdict with each
seed left out, the verdict over a grid of thresholds, and the exact test of a paired difference.
The chapters state a rule before its numbers; these say whether the rule's answer moves with
what it should not depend on."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np
from scipy import stats

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
V = TypeVar("V")

ALPHA = 0.05


def holm_adjusted(pvalues: Mapping[K, float]) -> dict[K, float]:
    """Holm's (1979) adjusted p-values of a family of tests: the k-th smallest of m p-values
    times (m - k + 1), made non-decreasing in that order and capped at 1. A hypothesis is
    rejected at family-wise level alpha exactly when its adjusted p-value is at most alpha."""
    order = sorted(pvalues, key=lambda name: pvalues[name])
    m, adjusted, running = len(order), {}, 0.0
    for k, name in enumerate(order):
        running = max(running, min(1.0, (m - k) * float(pvalues[name])))
        adjusted[name] = running
    return {name: adjusted[name] for name in pvalues}


def holm(pvalues: Mapping[K, float], alpha: float = ALPHA) -> dict[K, bool]:
    """Which hypotheses of the family Holm's step-down procedure rejects at level ``alpha``:
    compare the k-th smallest p-value with alpha / (m - k + 1) and stop at the first that fails."""
    return {name: p <= alpha for name, p in holm_adjusted(pvalues).items()}


def leave_one_out(items: Sequence[T], verdict: Callable[[list[T]], V]) -> list[V]:
    """``verdict`` of ``items`` with each one left out in turn (a jackknife of the verdict):
    entry i is the verdict without item i."""
    items = list(items)
    if len(items) < 2:
        raise ValueError(f"leaving one out needs two items at least, got {len(items)}")
    return [verdict(items[:i] + items[i + 1 :]) for i in range(len(items))]


def survives_leaving_one_out(items: Sequence[T], verdict: Callable[[list[T]], V]) -> bool:
    """Whether the verdict on all ``items`` is also the verdict with any one of them left out."""
    whole = verdict(list(items))
    return all(v == whole for v in leave_one_out(items, verdict))


def threshold_sweep(thresholds: Sequence[float], verdict: Callable[[float], V]) -> list[tuple[float, V]]:
    """The verdict at each threshold of a grid, in the grid's order: the rule's sensitivity."""
    return [(float(t), verdict(t)) for t in thresholds]


def flips(sweep: Sequence[tuple[float, V]]) -> list[tuple[float, float]]:
    """The neighbouring thresholds of a ``threshold_sweep`` between which the verdict changes."""
    return [(a, b) for (a, va), (b, vb) in zip(sweep, sweep[1:]) if va != vb]


def flips_in_words(sweep: Sequence[tuple[float, V]], form: str = "g", unit: str = "") -> str:
    """Where a ``threshold_sweep``'s verdict changes, as a chapter says it: "between 70% and 80%
    and between 90% and 95%" (thresholds in the format ``form``, then ``unit``), or "nowhere"."""
    places = [f"between {a:{form}} and {b:{form}}" for a, b in flips(sweep)]
    if not places:
        return "nowhere"
    if len(places) > 1:
        places[-2:] = [f"{places[-2]} and {places[-1]}"]
    return ", ".join(places) + unit


def paired_difference(
    a: Sequence[float], b: Sequence[float], level: float = 0.95
) -> tuple[float, float, float, float]:
    """How ``a`` and ``b``, paired item by item (each seed's run scored both ways), differ:
    (mean of a - b, the ``level`` t interval of that mean, the exact two-sided p-value of the
    sign-flip test that the differences are symmetric about 0: the share of the 2^n ways of
    flipping their signs that give a mean at least as far from 0)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"a paired difference needs two pairs at least, got {len(d)}")
    mean, half = float(d.mean()), float(stats.t.ppf((1 + level) / 2, len(d) - 1) * stats.sem(d))
    if not np.any(d):
        return 0.0, 0.0, 0.0, 1.0
    test = stats.permutation_test(
        (d,), np.mean, permutation_type="samples", n_resamples=np.inf, alternative="two-sided"
    )
    return mean, mean - half, mean + half, float(test.pvalue)
