"""The rules of the results, convergence and design chapters, on curves whose answers are known."""

import math

import numpy as np
import pytest

from vaebook.convergence import (
    GRADES,
    crossing_epoch,
    final_level,
    gap_closed,
    match_grade,
    running_median,
    settling_epoch,
)

pytestmark = pytest.mark.quick


def test_settling_epoch_of_a_known_curve():
    epochs = np.arange(10, 1001, 10)
    values = 1.0 + 9.0 * np.exp(-epochs / 50.0)  # within 10% of 1 once 9 exp(-e/50) <= 0.1: e >= 225
    assert final_level(values) == np.median(values[-10:])
    assert settling_epoch(epochs, values, rel_tol=0.1, window=1) == 230


def test_a_single_spike_does_not_move_the_smoothed_rule():
    epochs = np.arange(10, 1001, 10)
    values = np.ones_like(epochs, dtype=float)
    values[50] = 5.0
    assert settling_epoch(epochs, values, window=1) == 520
    assert settling_epoch(epochs, values, window=5) == 10
    assert running_median(values, 5)[50] == 1.0


def test_a_curve_that_ends_above_its_band_does_not_settle():
    epochs = np.arange(10, 201, 10)
    values = np.ones(len(epochs))
    values[-1] = 3.0  # the last record jumps: its final level (median of the last two) is 2
    assert settling_epoch(epochs, values, window=1) is None
    assert settling_epoch(epochs, values, window=1, rel_tol=1.0) == 10


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


def test_the_gap_closed_and_the_grades():
    assert gap_closed(3.0, 3.0, 1.0) == 0.0 and gap_closed(3.0, 1.0, 1.0) == 1.0
    assert gap_closed(3.0, 2.0, 1.0) == 0.5 and gap_closed(3.0, 4.0, 1.0) == -0.5
    assert math.isnan(gap_closed(1.0, 1.0, 1.0))  # started at the floor: no gap
    close, most, less = GRADES
    assert match_grade(3.0, 1.1, 1.0) == close == "as close as a second sample"  # within 10% of the floor
    assert match_grade(3.0, 1.2, 1.0) == most == "most of the way"  # 90% of the gap closed
    assert match_grade(3.0, 2.0, 1.0) == most  # exactly half
    assert match_grade(3.0, 2.1, 1.0) == less == "less than half the way"
    assert match_grade(1.0, 2.0, 1.0) == less  # rose from the floor: no gap closed
    assert {match_grade(3.0, v, 1.0) for v in (1.1, 1.2, 2.1)} == set(GRADES)  # all named
