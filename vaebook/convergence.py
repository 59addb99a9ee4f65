"""How close is a distance curve to the floor, and when does it settle? The rules that the
results, convergence and design chapters state before their numbers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The curves are smoothed by a running median of WINDOW records, and a curve's final level is
# the median of its last TAIL share of records.
WINDOW = 5
TAIL = 0.1
# The results chapter's grades of a match, on the distance as a multiple of the noise floor at the
# same sample size (1: as close as a second real sample). The first grade's edge is what a third
# real sample reaches by chance (``floor_band``); the others are twice and five times the floor.
GRADES = (
    "as close as a second sample",
    "within twice the floor",
    "within five times the floor",
    "more than five times the floor",
)
EDGES = (2.0, 5.0)
QUITE_WELL = 2.0  # "match quite well": at most twice the floor (the first two grades)
BAND_QUANTILE = 0.95
BAND_DRAWS = 100  # draws of three real samples that the band is read from
# The convergence chapter's tolerance: a run has settled once training twice as long, from any
# later epoch, cuts its smoothed distance by at most this share.
DOUBLING_TOL = 0.1


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


def median_curve(curves: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The median, epoch by epoch, of runs' (epochs, values) curves recorded at the same epochs:
    a configuration's typical curve, on which one run's wander or spike weighs little."""
    epochs = np.asarray(curves[0][0])
    if any(not np.array_equal(np.asarray(e), epochs) for e, _ in curves):
        raise ValueError("the curves must be recorded at the same epochs")
    return epochs, np.median([np.asarray(v, dtype=float) for _, v in curves], axis=0)


def doubling_gain(
    epochs: np.ndarray, values: np.ndarray, window: int = WINDOW
) -> tuple[np.ndarray, np.ndarray]:
    """(e, g): for each recorded epoch e whose double 2e the run reaches, the share by which
    training on to epoch 2e cuts the curve smoothed by a running median of ``window`` records,
    g = 1 - m(2e) / m(e) (m(2e) interpolated linearly in log epoch and log distance between
    records). It reads the curve up to 2e only, never the run's end; negative where it rose."""
    epochs, smooth = np.asarray(epochs, dtype=float), running_median(values, window)
    judged = 2 * epochs <= epochs[-1]
    doubled = np.exp(np.interp(np.log(2 * epochs[judged]), np.log(epochs), np.log(smooth)))
    return epochs[judged].astype(int), 1 - doubled / smooth[judged]


def settling_epoch(
    epochs: np.ndarray, values: np.ndarray, rel_tol: float = DOUBLING_TOL, window: int = WINDOW
) -> int | None:
    """The first recorded epoch from which training twice as long never cuts the smoothed curve
    by more than ``rel_tol`` (``doubling_gain`` at most ``rel_tol`` there and at every later
    epoch it can judge); None if even the last epoch it can judge (half the run) gains more: the
    curve does not settle within what the run can tell."""
    judged, gain = doubling_gain(epochs, values, window)
    if len(judged) == 0:
        raise ValueError(f"a run of {int(np.max(epochs))} epochs is too short to judge its settling")
    above = np.nonzero(gain > rel_tol)[0]
    if len(above) == 0:
        return int(judged[0])
    return None if above[-1] == len(judged) - 1 else int(judged[above[-1] + 1])


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


def floor_band(ratios: Sequence[float], quantile: float = BAND_QUANTILE) -> float:
    """The largest multiple of the noise floor that real samples reach by chance: the ``quantile``
    of ``ratios``, each a third real sample's distance to a reference over a second one's."""
    ratios = np.asarray(ratios, dtype=float)
    if len(ratios) < 2 or not np.all(ratios > 0):
        raise ValueError(f"floor_band needs two positive ratios at least, got {ratios}")
    return float(np.quantile(ratios, quantile))


def match_grade(ratio: float, band: float, edges: Sequence[float] = EDGES) -> str:
    """The results chapter's grade of a distance that is ``ratio`` times the noise floor, one of
    GRADES: the first up to ``band`` (``floor_band``), then up to each of ``edges`` in turn."""
    for grade, edge in zip(GRADES, (band, *edges)):
        if ratio <= edge:
            return grade
    return GRADES[-1]


def count_verdict(hits: Sequence[bool], every: str, none: str, some: str) -> str:
    """A verdict over runs from whether each run bears out a claim: ``every`` if all do,
    ``none`` if none does, else ``some`` with ``{k}`` and ``{n}`` filled in."""
    hits = [bool(h) for h in hits]
    k, n = sum(hits), len(hits)
    return every if k == n else none if k == 0 else some.format(k=k, n=n)


def verdict_kind(hits: Sequence[bool]) -> str:
    """Which of ``count_verdict``'s three cases ``hits`` falls in: "every", "none" or "some". A
    verdict stands when leaving any one run out keeps its case."""
    return count_verdict(hits, "every", "none", "some")
