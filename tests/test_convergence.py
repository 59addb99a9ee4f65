"""The rules of the results, convergence and design chapters, on curves whose answers are known."""

import math

import numpy as np
import pytest

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
    running_median,
    settling_epoch,
    verdict_kind,
)

pytestmark = pytest.mark.quick


def decay(epochs, plateau=1.0, height=9.0, scale=50.0):
    """An exponential decay to a known plateau: plateau + height exp(-epoch / scale)."""
    return plateau + height * np.exp(-np.asarray(epochs, dtype=float) / scale)


def settles_at(plateau=1.0, height=9.0, scale=50.0, tol=0.1):
    """Where ``decay`` settles in closed form: doubling from e gains tol exactly where
    x = exp(-e / scale) solves height (x - x^2) = tol (plateau + height x); gains fall below tol
    for ever after the later root, the smaller x."""
    b = 1 - tol
    x = (b - math.sqrt(b * b - 4 * tol * plateau / height)) / 2
    return -scale * math.log(x)


def test_an_exponential_decay_settles_where_the_closed_form_says():
    epochs = np.arange(10, 1001, 10)
    exact = settles_at()  # 219.0: the first record after it is epoch 220
    assert 210 < exact < 220
    assert settling_epoch(epochs, decay(epochs), rel_tol=0.1, window=1) == 220
    assert settling_epoch(epochs, decay(epochs)) == 220  # the running median keeps a monotone curve
    wider = settles_at(tol=0.3)
    assert settling_epoch(epochs, decay(epochs), rel_tol=0.3, window=1) == 10 * math.ceil(wider / 10)


def test_the_same_curve_cut_at_two_lengths_settles_at_the_same_epoch():
    short, long = np.arange(10, 1001, 10), np.arange(10, 2001, 10)
    assert settling_epoch(short, decay(short)) == settling_epoch(long, decay(long)) == 220
    # Unlike a level read off the run's end: the last tenth's median moves with the length.
    assert final_level(decay(short)) != final_level(decay(long))


def test_the_gain_of_doubling_a_power_law_is_the_same_everywhere():
    # c e^-p: doubling always cuts it by 1 - 2^-p, also between irregular records (log-log interpolation).
    epochs = np.array([1, 5, 9, 10, 13, 20, 30, 40, 50, 51, 60, 70, 80, 90, 100])
    judged, gain = doubling_gain(epochs, 3.0 * epochs**-0.5, window=1)
    assert judged.tolist() == [1, 5, 9, 10, 13, 20, 30, 40, 50]
    assert gain == pytest.approx(1 - 2**-0.5)
    slow, fast = 3.0 * epochs**-0.1, 3.0 * epochs**-0.2  # doubling gains 6.7% and 12.9%
    assert settling_epoch(epochs, slow, window=1) == 1
    assert settling_epoch(epochs, fast, window=1) is None  # never within what the run can judge


def test_one_spike_does_not_decide_a_run():
    epochs = np.arange(10, 1001, 10)
    clean = decay(epochs)
    for spike in (4.0, 0.25):  # a record far above the curve, and one far below
        values = clean.copy()
        values[79] *= spike  # epoch 800, the double of epoch 400
        values[-1] *= spike  # and the last epoch
        assert settling_epoch(epochs, values) == 220
    # Unsmoothed, the last epoch's dip reads as a 75% gain from epoch 500: the run never settles.
    assert settling_epoch(epochs, values, window=1) is None
    assert running_median(values, 5)[79] == pytest.approx(clean[79], rel=0.01)


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
    assert settling_epoch(*typical) == 220
    assert all(settling_epoch(*r) != 220 for r in runs[1:])
    with pytest.raises(ValueError, match="same epochs"):
        median_curve([(epochs, epochs), (epochs[:-1], epochs[:-1])])


def test_a_run_too_short_to_double_cannot_be_judged():
    with pytest.raises(ValueError, match="too short"):
        settling_epoch(np.array([10]), np.array([1.0]))
    assert settling_epoch(np.array([10, 20]), np.array([2.0, 1.0]), window=1) is None  # halves


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
