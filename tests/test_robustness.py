"""Holm's correction against its definition as a closed test, and the jackknife and threshold
sweep on verdicts whose answers are known."""

import itertools

import numpy as np
import pytest

from vaebook import robustness

pytestmark = pytest.mark.quick


def closed_testing_rejects(pvalues: dict[str, float], alpha: float) -> dict[str, bool]:
    """Holm's procedure is the closed test of Bonferroni tests: H_i is rejected when every
    intersection of hypotheses that contains it is rejected by Bonferroni (min p <= alpha / size)."""
    names = list(pvalues)
    rejected = {}
    for name in names:
        others = [n for n in names if n != name]
        rejected[name] = all(
            min(pvalues[n] for n in (name, *subset)) <= alpha / (len(subset) + 1)
            for size in range(len(others) + 1)
            for subset in itertools.combinations(others, size)
        )
    return rejected


@pytest.mark.parametrize(
    "pvalues",
    [
        {"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.005},
        {"a": 0.028, "b": 0.2, "c": 0.001, "d": 0.04, "e": 0.6, "f": 0.011},
        {"a": 0.001, "b": 0.001, "c": 0.5},
        {"a": 0.049},
    ],
)
def test_holm_is_the_closed_bonferroni_test(pvalues):
    assert robustness.holm(pvalues, 0.05) == closed_testing_rejects(pvalues, 0.05)


def test_holm_rejects_what_an_uncorrected_test_would_not_keep():
    # One of six tests at p = 0.028 passes alone but not against alpha / 6.
    pvalues = {"tanh beats relu": 0.028, **{f"other {i}": 0.5 for i in range(5)}}
    assert not robustness.holm(pvalues)["tanh beats relu"]
    assert robustness.holm_adjusted(pvalues)["tanh beats relu"] == pytest.approx(6 * 0.028)


def test_holm_adjusted_values_are_monotone_in_the_p_values_and_capped():
    # Sorted: b (x 3), a (x 2), c (x 1); c's 0.03 is raised to a's 0.04 to keep the order.
    adjusted = robustness.holm_adjusted({"a": 0.02, "b": 0.011, "c": 0.03})
    assert adjusted == pytest.approx({"a": 0.04, "b": 0.033, "c": 0.04})
    assert robustness.holm_adjusted({"a": 0.6, "b": 0.7}) == {"a": 1.0, "b": 1.0}


def test_leave_one_out_finds_the_seed_a_verdict_rests_on():
    def verdict(values):
        return "holds" if max(values) > 10 else "does not hold"

    assert robustness.leave_one_out([1, 2, 11], verdict) == ["holds", "holds", "does not hold"]
    assert not robustness.survives_leaving_one_out([1, 2, 11], verdict)
    assert robustness.survives_leaving_one_out([11, 2, 12], verdict)
    with pytest.raises(ValueError, match="two items"):
        robustness.leave_one_out([1], verdict)


def test_threshold_sweep_names_where_the_verdict_flips():
    sweep = robustness.threshold_sweep([0.05, 0.1, 0.2, 0.5], lambda band: band >= 0.2)
    assert sweep == [(0.05, False), (0.1, False), (0.2, True), (0.5, True)]
    assert robustness.flips(sweep) == [(0.1, 0.2)]


def test_flips_in_words_reads_as_the_chapters_print_them():
    """Catches a list joined wrongly (a comma before the last "and", a unit on every item)."""
    one = [(0.7, "a"), (0.8, "b")]
    three = [(1.5, "x"), (2, "y"), (3, "y"), (4, "z"), (5, "x")]
    assert robustness.flips_in_words([(0.1, True), (0.2, True)]) == "nowhere"
    assert robustness.flips_in_words(one, ".0%") == "between 70% and 80%"
    assert (
        robustness.flips_in_words(three, "g", " times the floor")
        == "between 1.5 and 2, between 3 and 4 and between 4 and 5 times the floor"
    )


def test_a_paired_difference_of_one_sign_has_the_smallest_exact_p():
    # Ten differences of one sign: only flipping none or all of them reaches so large a mean.
    a, b = [1.5 + i for i in range(10)], [0.0] * 10
    mean, low, high, p = robustness.paired_difference(a, b)
    assert p == pytest.approx(2 / 2**10) and mean == pytest.approx(6.0)
    # The t interval, from its definition: mean -/+ t(0.975, 9) s / sqrt(10), t(0.975, 9) = 2.2622
    s = np.std(a, ddof=1)
    assert (low, high) == pytest.approx((6.0 - 2.2622 * s / 10**0.5, 6.0 + 2.2622 * s / 10**0.5), abs=1e-3)


def test_a_paired_difference_of_equal_sizes_is_a_sign_test():
    # Equal magnitudes: the flips' mean is 2K - n over n, K binomial(n, 1/2), so the p-value is the
    # two-sided binomial tail of 8 of 10: 2 (C(10,8) + C(10,9) + C(10,10)) / 2^10.
    d = np.array([1.0, 1, 1, -1, 1, 1, 1, -1, 1, 1])
    assert robustness.paired_difference(d, np.zeros(10))[3] == pytest.approx(2 * (45 + 10 + 1) / 1024)
    assert robustness.paired_difference(d, d)[3] == 1.0  # no difference at all
    with pytest.raises(ValueError, match="two pairs"):
        robustness.paired_difference([1.0], [0.0])
