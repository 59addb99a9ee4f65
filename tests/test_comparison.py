"""The comparisons over seeds: a run's speed and plateau against a curve of known shape, and the
exact tests, their intervals and their estimates against brute force over every split of the
runs or every pattern of signs (no scipy), the textbook's order statistics and Holm by hand."""

import itertools
import math

import numpy as np
import pytest

from vaebook import comparison

pytestmark = pytest.mark.quick


def midranks(values):
    """Ranks from 1, ties sharing their mean rank, counted pair by pair."""
    return [1 + sum(w < v for w in values) + 0.5 * (sum(w == v for w in values) - 1) for v in values]


def u_of(a, b):
    """Mann-Whitney's U of ``a``: the pairs in which a's value is the larger, a tie counting half."""
    return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in a for y in b)


def split_us(pooled, n):
    """U of the first group over every split of ``pooled`` into groups of n and the rest."""
    us = []
    for chosen in itertools.combinations(range(len(pooled)), n):
        first = [pooled[i] for i in chosen]
        rest = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        us.append(u_of(first, rest))
    return np.array(us)


def two_sided(null, observed):
    """Twice the smaller tail's share of ``null`` at ``observed``, at most 1."""
    return min(1.0, 2 * min(np.mean(null >= observed - 1e-9), np.mean(null <= observed + 1e-9)))


def sign_sums(d):
    """Wilcoxon's T+ (the ranks of |d| whose d is positive) over every pattern of signs."""
    ranks = np.array(midranks([abs(x) for x in d]))
    return np.array([ranks[list(signs)].sum() for signs in itertools.product([False, True], repeat=len(d))])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
        ([5.5, 7.25, 3.0], [4.0, 8.0, 6.0, 9.5]),
        ([10, 20, 20, 30], [20, 25, 30, 40]),  # ties: enumerated, not scipy's untied count
        ([3.0, 1.0, 2.0, 9.0, 4.5, 6.0], [7.0, 8.0, 5.0, 10.0, 11.0]),
    ],
)
def test_the_rank_test_is_the_share_of_splits_that_separate_as_much(a, b):
    assert midranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4]  # the oracle's own ranks
    assert comparison.rank_test(a, b) == pytest.approx(two_sided(split_us(a + b, len(a)), u_of(a, b)))


@pytest.mark.parametrize("d", [[0.3, -0.1, 0.7, 0.2, 1.1, -0.4], [0.5, 0.5, -0.2, 0.9, 1.3], [0.1, 0.2, 0.3]])
def test_the_signed_rank_test_is_the_share_of_sign_patterns_that_sum_as_far(d):
    ranks = np.array(midranks([abs(x) for x in d]))
    observed = ranks[np.array(d) > 0].sum()
    assert comparison.signed_rank_test(d) == pytest.approx(two_sided(sign_sums(d), observed))


def test_three_positive_pairs_cannot_reach_five_percent_and_twelve_can():
    assert comparison.signed_rank_test([0.1, 0.2, 0.3]) == pytest.approx(2 / 2**3)
    assert comparison.signed_rank_test(np.arange(1, 13) / 10) == pytest.approx(2 / 2**12)


def test_the_ratio_and_its_interval_are_the_textbook_s_order_statistics():
    # Hodges-Lehmann: the median of all n*m ratios; the interval of coverage 1 - alpha runs from
    # the k-th smallest to the k-th largest, k - 1 being the largest u with P(U <= u) <= alpha / 2.
    rng = np.random.default_rng(3)
    a, b = rng.lognormal(0.0, 0.4, 7), rng.lognormal(0.6, 0.4, 6)
    effect = comparison.compare({"a": a, "b": b}, "a", "b")
    ratios = np.sort((a[:, None] / b[None, :]).ravel())
    null = split_us(list(range(13)), 7)  # untied: the null distribution of U for 7 and 6 runs
    k = 1 + max(u for u in range(43) if np.mean(null <= u) <= 0.05 / 2)
    assert effect.ratio == pytest.approx(np.exp(np.median(np.log(ratios))))  # on the log scale
    assert (effect.low, effect.high) == pytest.approx((ratios[k - 1], ratios[len(ratios) - k]))
    assert effect.p == pytest.approx(comparison.rank_test(a, b)) and effect.n == 6
    assert effect.lower == ("a" if effect.ratio < 1 else "b")


def test_the_paired_ratio_and_its_interval_are_the_walsh_averages_order_statistics():
    rng = np.random.default_rng(4)
    base = rng.lognormal(1.0, 0.5, 9)
    changed = base * rng.lognormal(-0.3, 0.2, 9)
    effect = comparison.compare_paired(changed, base, "changed", "base")
    d = np.log(changed / base)
    walsh = np.sort([(d[i] + d[j]) / 2 for i in range(9) for j in range(i, 9)])
    null = sign_sums(list(range(1, 10)))  # untied: T+ for nine seeds
    k = 1 + max(t for t in range(46) if np.mean(null <= t) <= 0.05 / 2)
    assert effect.ratio == pytest.approx(np.exp(np.median(walsh)))
    assert (effect.low, effect.high) == pytest.approx(tuple(np.exp([walsh[k - 1], walsh[len(walsh) - k]])))
    assert effect.p == pytest.approx(comparison.signed_rank_test(d)) and effect.n == 9
    with pytest.raises(ValueError, match="same seeds"):
        comparison.compare_paired(changed[:3], base, "changed", "base")


@pytest.mark.parametrize("seed", range(6))
def test_the_test_rejects_exactly_when_the_interval_leaves_out_one(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.lognormal(0, 0.3, 8), rng.lognormal(0.25 * seed / 5, 0.3, 8)
    for effect in (
        comparison.compare({"a": a, "b": b}, "a", "b"),
        comparison.compare_paired(a, b, "a", "b"),
    ):
        assert (effect.p <= effect.alpha) == (not effect.low <= 1 <= effect.high), effect


def test_holm_corrects_the_family():
    def effect(p, ratio):
        return comparison.Effect("x", "y", ratio, p, 10)

    # Holm by hand: sorted 0.004, 0.02, 0.03 against 0.05/3, 0.05/2, 0.05: all three go; with
    # 0.03 second, it fails 0.05/2 and the procedure stops, though 0.03 alone would pass 0.05.
    family = {"one": effect(0.02, 2.0), "two": effect(0.004, 0.5), "three": effect(0.03, 0.5)}
    assert comparison.verdicts(family) == {"one": "y", "two": "x", "three": "x"}
    family = {"one": effect(0.03, 2.0), "two": effect(0.004, 0.5), "three": effect(0.06, 0.5)}
    assert comparison.verdicts(family) == {"one": None, "two": "x", "three": None}
    assert comparison.verdicts({"alone": effect(0.03, 0.5)}) == {"alone": "x"}
    with pytest.raises(ValueError, match="no interval"):
        _ = effect(0.03, 0.5).low


def test_speed_and_plateau_of_a_curve_of_known_shape():
    # v(t) = P + (S0 - P) exp(-t / tau), recorded every epoch: the tail's median is P, and the
    # curve is 90% of the way from its first record to P at t = 1 + tau ln 10.
    epochs = np.arange(1, 1001)
    plateau, tau = 0.25, 20.0
    values = plateau + 3.0 * np.exp(-epochs / tau)
    assert comparison.plateau(values) == pytest.approx(plateau, abs=1e-12)
    for fraction in (0.5, 0.9):
        expected = 1 + tau * math.log(1 / (1 - fraction))
        assert comparison.epochs_to_fraction(epochs, values, fraction) == pytest.approx(expected, abs=0.05)
    # A curve that ends where it starts never gets anywhere; a plateau is of the run's end.
    assert comparison.epochs_to_fraction(epochs, np.ones(1000)) == math.inf
    assert comparison.plateau([9.0, 9.0, 1.0, 2.0, 3.0], tail=0.6) == 2.0
    with pytest.raises(ValueError, match="fraction"):
        comparison.epochs_to_fraction(epochs, values, 1.0)
    with pytest.raises(ValueError, match="tail"):
        comparison.plateau(values, 0.0)


def test_runs_that_all_tie_show_no_difference_and_a_ratio_of_one():
    effect = comparison.compare({"a": [1.0] * 5, "b": [1.0] * 5}, "a", "b")
    assert (effect.ratio, effect.low, effect.high, effect.p) == (1.0, 1.0, 1.0, 1.0)
    assert comparison.verdicts({"tie": effect}) == {"tie": None}


def test_a_change_that_changes_nothing_shows_no_effect():
    same = [2.0, 3.0, 5.0, 7.0, 11.0, 13.0]
    effect = comparison.compare_paired(same, same, "same", "base")
    assert (effect.ratio, effect.low, effect.high, effect.p) == (1.0, 1.0, 1.0, 1.0)
    # Three seeds cannot reject any shift (2 / 2**3 > 5%): the interval has no end.
    effect = comparison.compare_paired(same[:3], same[:3], "same", "base")
    assert (effect.low, effect.high) == (0.0, math.inf)


def test_runs_that_never_get_there_rank_last_and_tie_with_each_other():
    a, b = [10.0, 20.0, math.inf], [math.inf, math.inf, 30.0]
    effect = comparison.compare({"a": a, "b": b}, "a", "b")
    assert effect.p == pytest.approx(two_sided(split_us(a + b, 3), u_of(a, b)))
    # The nine ratios, sorted: 10/inf, 10/inf, 20/inf, 20/inf, 10/30, 20/30, inf/inf (a tie: 1),
    # inf/inf, inf/30; the fifth is the median.
    assert effect.ratio == pytest.approx(1 / 3)
    assert comparison.compare({"a": [math.inf] * 4, "b": [math.inf] * 4}, "a", "b").ratio == 1.0
    assert effect.low <= effect.ratio <= effect.high
