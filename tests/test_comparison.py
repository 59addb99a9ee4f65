"""The design chapter's rule: seed pairs won and the exact one-sided test, against a count by
brute force over every split of the runs."""

import itertools
import math

import numpy as np
import pytest

from vaebook import comparison

pytestmark = pytest.mark.quick

INF = math.inf


def wins_by_hand(a, b):
    return sum(1.0 if x < y else 0.5 if x == y else 0.0 for x in a for y in b)


def p_by_brute_force(a, b):
    """Every split of the pooled runs into groups of len(a) and len(b), counted pair by pair."""
    pooled, observed = list(a) + list(b), wins_by_hand(a, b)
    splits = list(itertools.combinations(range(len(pooled)), len(a)))
    at_least = 0
    for chosen in splits:
        first = [pooled[i] for i in chosen]
        second = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        at_least += wins_by_hand(first, second) >= observed
    return at_least / len(splits)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
        ([100, 120, 90, INF, 95], [INF, INF, INF, INF, INF]),
        ([INF] * 4, [INF] * 4),
        ([10, 20, 20, 30], [20, 25, 30, INF]),
        ([5.5, 7.25, 3.0], [4.0, 8.0, 6.0, 9.5]),
    ],
)
def test_the_test_matches_a_brute_force_count(a, b):
    assert comparison.pair_wins(a, b) == wins_by_hand(a, b)
    assert comparison.p_faster(a, b) == pytest.approx(p_by_brute_force(a, b))
    assert comparison.p_faster(b, a) == pytest.approx(p_by_brute_force(b, a))


def test_a_clean_sweep_of_five_seeds_is_faster_and_equal_runs_tie():
    assert comparison.p_faster([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(1 / 252)
    assert comparison.smallest_p(5, 5) == pytest.approx(1 / 252)
    epochs = {"a": [1, 2, 3, 4, 5], "b": [6, 7, 8, 9, 10], "c": [6.5, 7.5, 8.5, 9.5, 10.5], "d": [INF] * 5}
    assert comparison.compare(epochs, "a", "b").faster == "a"
    assert comparison.compare(epochs, "b", "a").faster == "a"
    assert comparison.compare(epochs, "b", "c").faster is None  # 15 of 25 pairs: a tie
    assert comparison.compare(epochs, "d", "d").faster is None
    assert comparison.fastest(epochs) == ["a"]
    assert comparison.fastest({"x": [INF] * 3, "y": [INF] * 3}) == ["x", "y"]


def test_two_seeds_can_never_separate_designs():
    assert comparison.smallest_p(2, 2) == pytest.approx(1 / 6)
    assert comparison.smallest_p(2, 2) > comparison.ALPHA
    assert comparison.compare({"a": [1, 2], "b": [8, 9]}, "a", "b").faster is None


def test_too_many_seeds_for_the_exact_test_is_an_error():
    with pytest.raises(ValueError, match="1 to 10 runs"):
        comparison.p_faster(np.arange(11), np.arange(11))
