"""How far has a distance curve come, and when does it settle? The rules that the results,
convergence and design chapters state before their numbers."""

from __future__ import annotations

import numpy as np

# The curves are smoothed by a running median of WINDOW records, and a curve's final level is
# the median of its last TAIL share of records.
WINDOW = 5
TAIL = 0.1
# The results chapter's grades of a match, from a curve's first value down to the noise floor,
# each named for what it says: within CLOSE of the floor, "as close as a second sample"; at least
# MOST of the gap from the first value to the floor closed, "most of the way"; else "less than
# half the way".
CLOSE = 0.1
MOST = 0.5
GRADES = ("as close as a second sample", "most of the way", "less than half the way")


def final_level(values: np.ndarray, tail: float = TAIL) -> float:
    """The curve's level at the end of training: the median over its last ``tail`` share of records."""
    values = np.asarray(values, dtype=float)
    return float(np.median(values[-max(1, int(round(tail * len(values)))) :]))


def running_median(values: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """The median of each centred window of records (shorter at the ends): it smooths the
    record-to-record sampling noise of a distance without shifting where the curve falls."""
    values = np.asarray(values, dtype=float)
    half = window // 2
    return np.array([np.median(values[max(0, i - half) : i + half + 1]) for i in range(len(values))])


def settling_epoch(
    epochs: np.ndarray, values: np.ndarray, rel_tol: float = 0.1, tail: float = TAIL, window: int = WINDOW
) -> int | None:
    """The first recorded epoch from which the curve, smoothed by a running median of ``window``
    records, stays within ``rel_tol`` of its final level (never again above ``(1 + rel_tol)``
    times it); None if even its last record is above that band: it does not settle in the run."""
    epochs, smooth = np.asarray(epochs), running_median(values, window)
    above = np.nonzero(smooth > (1 + rel_tol) * final_level(smooth, tail))[0]
    if len(above) == 0:
        return int(epochs[0])
    return None if above[-1] == len(epochs) - 1 else int(epochs[above[-1] + 1])


def crossing_epoch(epochs: np.ndarray, values: np.ndarray, threshold: float, window: int = WINDOW) -> float:
    """The epoch at which the curve, smoothed by a running median of ``window`` records, first
    comes down to ``threshold``, interpolated linearly in log(distance) between the last record
    above it and the first at or below it, so that it moves by a little when the curve does;
    ``inf`` if it never does within the records."""
    epochs, smooth = np.asarray(epochs, dtype=float), running_median(values, window)
    hits = np.nonzero(smooth <= threshold)[0]
    if len(hits) == 0:
        return float("inf")
    i = hits[0]
    if i == 0:
        return float(epochs[0])
    above, below = np.log(smooth[i - 1]), np.log(smooth[i])
    return float(epochs[i - 1] + (epochs[i] - epochs[i - 1]) * (above - np.log(threshold)) / (above - below))


def gap_closed(start: float, value: float, floor: float) -> float:
    """The share of the gap between a curve's first value ``start`` and the noise floor that
    ``value`` has closed: 0 at the start, 1 at the floor (negative if the curve rose, above 1
    below the floor); nan if the curve started at or below the floor, where there is no gap."""
    return float((start - value) / (start - floor)) if start > floor else float("nan")


def match_grade(start: float, value: float, floor: float, close: float = CLOSE, most: float = MOST) -> str:
    """The results chapter's grade of a distance ``value``, one of GRADES: the first if it is within
    ``close`` of the noise floor (at most ``(1 + close)`` times it), the second if it has closed at
    least ``most`` of the gap from the curve's first value ``start`` to the floor, else the third."""
    if value <= (1 + close) * floor:
        return GRADES[0]
    return GRADES[1] if gap_closed(start, value, floor) >= most else GRADES[2]
