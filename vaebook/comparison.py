"""Which of two designs converges faster, and how sure that is: the design chapter's rule, on the
epochs at which each seed's run of each design reaches a threshold (``inf``: never).

Every run of one design is compared with every run of the other (a seed pair); a design is
called faster only if it gets there first in so many of the pairs that designs which did not
differ would do as well at most ALPHA of the time. That chance is exact: the share of all
the ways of splitting the pooled runs into two groups of those sizes that win as many pairs (a
one-sided Mann-Whitney test, without its normal approximation). Anything less is a tie.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

ALPHA = 0.05
# The exact test enumerates every split of the pooled runs: C(2 x 10, 10) = 184,756 at most.
MAX_SEEDS = 10


def pair_wins(a: Sequence[float], b: Sequence[float]) -> float:
    """The seed pairs (a run of ``a``, a run of ``b``) in which ``a``'s run gets there first, a
    tie counting half: the Mann-Whitney U of ``a`` against ``b``."""
    a, b = np.asarray(a, dtype=float)[:, None], np.asarray(b, dtype=float)[None, :]
    return float((a < b).sum() + 0.5 * (a == b).sum())


def _midranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, smallest first; tied values share the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def p_faster(a: Sequence[float], b: Sequence[float]) -> float:
    """The chance that ``a`` would win at least as many seed pairs as it does if the design made no
    difference: the share of all splits of the pooled epochs into groups of ``len(a)`` and
    ``len(b)`` runs in which the first group wins at least as many pairs."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if max(len(a), len(b)) > MAX_SEEDS or min(len(a), len(b)) < 1:
        raise ValueError(f"each design needs 1 to {MAX_SEEDS} runs, got {len(a)} and {len(b)}")
    ranks, n, m = _midranks(np.concatenate([a, b])), len(a), len(b)
    # The first group's wins are n*m minus its pairs lost (ties half): n*m - (rank sum - n(n+1)/2).
    splits = np.array(list(itertools.combinations(range(n + m), n)))
    wins = n * m - (ranks[splits].sum(axis=1) - n * (n + 1) / 2)
    return float(np.mean(wins >= pair_wins(a, b) - 1e-9))


def smallest_p(n: int, m: int) -> float:
    """The smallest ``p_faster`` that n and m runs can give: below ALPHA, a verdict is possible."""
    return 1 / math.comb(n + m, n)


@dataclass(frozen=True)
class Comparison:
    """Two designs' epochs to the threshold, compared seed pair by seed pair."""

    first: str
    second: str
    wins: float  # seed pairs in which ``first`` gets there first, a tie counting half
    pairs: int
    p_first: float  # chance of so many wins or more if the designs did not differ
    p_second: float  # the same for ``second``
    alpha: float = ALPHA

    @property
    def faster(self) -> str | None:
        """The design that is faster by the rule, or None for a tie."""
        if self.p_first <= self.alpha:
            return self.first
        return self.second if self.p_second <= self.alpha else None


def compare(
    epochs: Mapping[str, Sequence[float]], first: str, second: str, alpha: float = ALPHA
) -> Comparison:
    """``first`` against ``second`` by the rule, from each design's epochs per seed."""
    a, b = epochs[first], epochs[second]
    return Comparison(first, second, pair_wins(a, b), len(a) * len(b), p_faster(a, b), p_faster(b, a), alpha)


def fastest(epochs: Mapping[str, Sequence[float]], alpha: float = ALPHA) -> list[str]:
    """The designs that no other design is faster than, in the order given."""
    return [
        name
        for name in epochs
        if not any(compare(epochs, other, name, alpha).faster == other for other in epochs if other != name)
    ]
