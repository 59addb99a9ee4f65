"""When does a distance curve settle? The rules the convergence and design chapters state."""

from __future__ import annotations

import numpy as np


def final_level(values: np.ndarray, tail: float = 0.1) -> float:
    """The curve's level at the end of training: the median over its last ``tail`` share of records."""
    values = np.asarray(values, dtype=float)
    return float(np.median(values[-max(1, int(round(tail * len(values)))) :]))


def running_median(values: np.ndarray, window: int) -> np.ndarray:
    """The median of each centred window of records (shorter at the ends): it smooths the
    record-to-record sampling noise of a distance without shifting where the curve falls."""
    values = np.asarray(values, dtype=float)
    half = window // 2
    return np.array([np.median(values[max(0, i - half) : i + half + 1]) for i in range(len(values))])


def settling_epoch(
    epochs: np.ndarray, values: np.ndarray, rel_tol: float = 0.1, tail: float = 0.1, window: int = 5
) -> int:
    """The first recorded epoch from which the curve, smoothed by a running median of ``window``
    records, stays within ``rel_tol`` of its final level (never again above ``(1 + rel_tol)``
    times it)."""
    epochs, values = np.asarray(epochs), running_median(values, window)
    above = np.nonzero(values > (1 + rel_tol) * final_level(values, tail))[0]
    return int(epochs[0] if len(above) == 0 else epochs[min(above[-1] + 1, len(epochs) - 1)])


def first_epoch_below(epochs: np.ndarray, values: np.ndarray, threshold: float) -> int | None:
    """The first recorded epoch whose value is at or below ``threshold``, or None if none is."""
    hits = np.nonzero(np.asarray(values, dtype=float) <= threshold)[0]
    return int(np.asarray(epochs)[hits[0]]) if len(hits) else None
