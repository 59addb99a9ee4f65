"""The rules of the results, convergence and design chapters, on curves whose answers are known."""

import math

import numpy as np
import pytest
from scipy import optimize, stats

from vaebook.convergence import (
    EDGES,
    GRADES,
    count_verdict,
    crossing_epoch,
    doubling_gain,
    final_level,
    floor_band,
    match_grade,
    median_curve,
    settling_epoch,
    settling_limit,
    theil_sen_slope,
    verdict_kind,
)

pytestmark = pytest.mark.quick


def decay(epochs, plateau=1.0, height=9.0, scale=50.0):
    """An exponential decay to a known plateau: plateau + height exp(-epoch / scale)."""
    return plateau + height * np.exp(-np.asarray(epochs, dtype=float) / scale)


def settles_at(tol=0.1, plateau=1.0, height=9.0, scale=50.0):
    """Where ``decay`` settles, from its closed-form rate: d log y / d log e = -x h exp(-x) /
    (p + h exp(-x)), x = e / scale, is a fall of 1 - 2^rate per doubling; past its peak that share
    only shrinks, so the curve settles where it comes down to ``tol`` (solved numerically)."""

    def fall(e):
        x = e / scale
        return 1 - 2 ** (-x * height * math.exp(-x) / (plateau + height * math.exp(-x)))

    peak = optimize.minimize_scalar(lambda e: -fall(e), bounds=(1, 1000), method="bounded").x
    return optimize.brentq(lambda e: fall(e) - tol, peak, 10_000)


def test_an_exponential_decay_settles_where_its_closed_form_says():
    epochs = np.arange(10, 1001, 10)
    for tol in (0.1, 0.2):  # 290.8 and 241.9; the rule reads the rate over a window: one record
        assert abs(settling_epoch(epochs, decay(epochs), tol) - settles_at(tol)) <= 10


def test_the_same_curve_cut_at_two_lengths_settles_at_the_same_epoch():
    short, long = np.arange(10, 1001, 10), np.arange(10, 2001, 10)
    assert settling_epoch(short, decay(short)) == settling_epoch(long, decay(long))
    # Unlike a level read off the run's end: the last tenth's median moves with the length.
    assert final_level(decay(short)) != final_level(decay(long))
    # Judged up to 700 and 1,410 (e sqrt 2 within the run); dated up to half of that.
    assert settling_limit(short) == 350 and settling_limit(long) == 700


def test_the_fall_per_doubling_of_a_power_law_is_the_same_everywhere():
    # c e^-p falls by 1 - 2^-p per doubling, also over irregular records.
    epochs = np.array([1, 5, 9, 10, 13, 20, 30, 40, 50, 51, 60, 70, 80, 90, 100, 110, 120, 130, 140])
    judged, gain = doubling_gain(epochs, 3.0 * epochs**-0.5)
    assert judged.tolist() == [10, 40, 50, 51, 60, 70, 80, 90]  # 3 records in the window at least
    assert gain == pytest.approx(1 - 2**-0.5)
    slow, fast = 3.0 * epochs**-0.1, 3.0 * epochs**-0.2  # falls of 6.7% and 12.9% per doubling
    assert settling_epoch(epochs, slow) == 10
    assert settling_epoch(epochs, fast) is None  # not by the last epoch the records can judge


def test_one_spike_does_not_decide_a_run():
    epochs = np.arange(10, 1001, 10)
    clean = settling_epoch(epochs, decay(epochs))
    for spike in (4.0, 0.25):  # a record far above the curve, and one far below
        for at in (29, 59, 69):  # at epoch 300, 600 and 700, the last that can be judged
            values = decay(epochs)
            values[at] *= spike
            assert settling_epoch(epochs, values) == clean


def test_only_a_later_fall_moves_the_settling_epoch_of_a_longer_run():
    # The decay, then a second fall by half between epochs 1,000 and 1,100: a run of 1,000 epochs
    # cannot see it and settles where the decay does; a run of 2,000 sees the curve still falling
    # at the last epochs it judges, and dates no settling.
    epochs = np.arange(10, 2001, 10)
    values = decay(epochs) * 0.5 ** np.clip((epochs - 1000) / 100, 0, 1)
    short = epochs <= 1000
    assert settling_epoch(epochs[short], values[short]) == settling_epoch(epochs[short], decay(epochs[short]))
    assert settling_epoch(epochs, values) is None


def test_a_plateau_seen_for_less_than_a_doubling_is_not_dated():
    # A power law falling 20% per doubling up to epoch 600, flat after. A run of 1,000 epochs
    # judges the fall up to epoch 700, where it has been flat for a hundred epochs only: no date.
    # A run of 2,000 sees it flat for a doubling and more, and dates it close to 600.
    epochs = np.arange(10, 2001, 10)
    values = np.minimum(epochs, 600) ** -0.32  # 1 - 2^-0.32 = 20%
    short = epochs <= 1000
    judged, gain = doubling_gain(epochs[short], values[short])
    assert gain[judged == 700][0] <= 0.1 < gain[judged == 400][0]  # the lull shows at the end
    assert settling_epoch(epochs[short], values[short]) is None
    assert 500 <= settling_epoch(epochs, values) <= 700


def test_a_run_too_short_to_judge_says_so():
    with pytest.raises(ValueError, match="too short"):
        settling_epoch(np.array([10, 20]), np.array([2.0, 1.0]))
    assert settling_limit(np.array([10, 20])) is None


def test_the_median_curve_of_runs_that_wander_is_their_common_trend():
    # Five runs: the decay, and the decay times 1 +- w for two slow waves w (up to 20% over cycles
    # of 200 and 330 epochs), one of them with a spike besides. Epoch by epoch the median of the
    # five is the decay itself, so it settles where the decay does; the wandering runs do not.
    epochs = np.arange(10, 2001, 10)
    waves = [0.2 * np.sin(2 * np.pi * epochs / period) for period in (200, 330)]
    runs = [(epochs, decay(epochs))] + [(epochs, decay(epochs) * (1 + s * w)) for w in waves for s in (1, -1)]
    runs[1][1][epochs == 1450] *= 5  # where its wave is at its crest: still the run above the decay
    typical = median_curve(runs)
    assert np.array_equal(typical[0], epochs) and np.allclose(typical[1], decay(epochs))
    assert settling_epoch(*typical) == settling_epoch(epochs, decay(epochs))
    assert all(settling_epoch(*r) != settling_epoch(*typical) for r in runs[1:])
    with pytest.raises(ValueError, match="same epochs"):
        median_curve([(epochs, epochs), (epochs[:-1], epochs[:-1])])


def test_the_theil_sen_slope_is_scipy_s_and_ignores_an_outlier():
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(1, 10, 40))
    y = 2 - 0.3 * x + rng.normal(scale=0.1, size=40)
    assert theil_sen_slope(x, y) == pytest.approx(stats.theilslopes(y, x)[0])
    y[7] += 50
    assert theil_sen_slope(x, y) == pytest.approx(-0.3, abs=0.05)


def test_crossing_epoch_interpolates_in_log_distance():
    epochs = np.array([10, 20, 30, 40])
    values = np.array([8.0, 4.0, 1.0, 0.5])
    # The threshold 2 lies halfway between 4 and 1 in log2: epoch 25.
    assert crossing_epoch(epochs, values, 2.0, window=1) == pytest.approx(25.0)
    assert crossing_epoch(epochs, values, 4.0, window=1) == 20.0  # on a record: that record
    assert crossing_epoch(epochs, values, 9.0, window=1) == 10.0  # already there at the first record
    assert crossing_epoch(epochs, values, 0.1, window=1) == math.inf


def test_crossing_epoch_reads_the_smoothed_curve():
    epochs = np.arange(10, 101, 10)
    values = np.full(len(epochs), 5.0)
    values[3] = 0.5  # one low record alone is noise, not the curve getting there
    log_interpolated = 30 + 10 * math.log(5) / math.log(10)
    assert crossing_epoch(epochs, values, 1.0, window=1) == pytest.approx(log_interpolated)
    assert crossing_epoch(epochs, values, 1.0) == math.inf


def test_the_floor_band_is_a_quantile_of_the_ratios():
    ratios = 1 + np.arange(101) / 100  # 1.00, 1.01, ..., 2.00: the 95th percentile is 1.95
    assert floor_band(ratios) == pytest.approx(1.95)
    assert floor_band(ratios, quantile=0.5) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="two positive ratios"):
        floor_band([1.0])


def test_the_grades_are_read_on_the_multiple_of_the_floor():
    close, twice, five, beyond = GRADES
    assert EDGES == (2.0, 5.0)
    ratios = (0.9, 1.2, 1.3, 2.0, 2.1, 5.0, 5.1)
    expected = [close, close, twice, twice, five, five, beyond]
    assert [match_grade(r, band=1.2) for r in ratios] == expected
    assert match_grade(1.3, band=1.4) == close  # a wider band of chance
    assert len(set(GRADES)) == 4


def test_a_verdict_over_runs_names_every_none_or_how_many():
    words = ("holds", "does not hold", "holds in {k} of {n} runs")
    assert count_verdict([True] * 3, *words) == "holds"
    assert count_verdict([False] * 3, *words) == "does not hold"
    assert count_verdict([True, False, True], *words) == "holds in 2 of 3 runs"
    assert [verdict_kind(h) for h in ([1, 1], [0, 0], [1, 0])] == ["every", "none", "some"]
