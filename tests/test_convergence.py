import numpy as np

from vaebook.convergence import final_level, first_epoch_below, running_median, settling_epoch


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


def test_first_epoch_below():
    epochs, values = np.array([1, 5, 9]), np.array([3.0, 2.0, 1.0])
    assert first_epoch_below(epochs, values, 2.0) == 5
    assert first_epoch_below(epochs, values, 0.5) is None
