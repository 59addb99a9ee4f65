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
    "two to five times the floor",
    "more than five times the floor",
)
EDGES = (2.0, 5.0)
QUITE_WELL = 2.0  # "match quite well": at most twice the floor (the first two grades)
BAND_QUANTILE = 0.95
BAND_DRAWS = 100  # draws of three real samples that the band is read from
# The convergence chapter's tolerance: a curve has settled by epoch e once, from e on, it falls by
# at most this share per doubling of the training; each epoch's rate is read over a window one
# doubling wide around it, of at least MIN_RECORDS records.
DOUBLING_TOL = 0.1
MIN_RECORDS = 3
SQRT2 = float(np.sqrt(2))


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


def theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float:
    """The median of the slopes between every pair of points with distinct x (Theil 1950, Sen
    1968): a line's slope that a few outlying points cannot move."""
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    return float(np.median((y[j] - y[i])[dx != 0] / dx[dx != 0]))


def doubling_gain(epochs: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(e, g): for each recorded epoch e, the share by which the curve falls per doubling of the
    training around e, g = 1 - 2^b, b the Theil-Sen slope (the median of the slopes between
    pairs of records, robust to a spike) of log value against log epoch over the records in
    ``[e / sqrt 2, e sqrt 2]``, a window one doubling wide. Only epochs whose window lies within
    the records and holds MIN_RECORDS of them are judged; g is negative where the curve rose."""
    epochs, values = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
    judged, gains = [], []
    for e in epochs[(epochs / SQRT2 >= epochs[0]) & (epochs * SQRT2 <= epochs[-1])]:
        inside = (epochs >= e / SQRT2) & (epochs <= e * SQRT2)
        if inside.sum() >= MIN_RECORDS:
            judged.append(int(e))
            gains.append(1 - 2 ** theil_sen_slope(np.log(epochs[inside]), np.log(values[inside])))
    return np.array(judged, dtype=int), np.array(gains)


def settling_epoch(epochs: np.ndarray, values: np.ndarray, rel_tol: float = DOUBLING_TOL) -> int | None:
    """The first judged epoch e from which the curve falls by at most ``rel_tol`` per doubling of
    the training (``doubling_gain``) at every later epoch the records can judge, for a doubling
    at least: 2e must be judged too, so that a lull of a few records is not taken for a plateau.
    None if no epoch up to ``settling_limit`` qualifies. The rule never reads a level at the run's
    end, so a curve that settles settles at the same epoch in a longer run; only a later fall,
    which a longer run shows, moves it."""
    judged, gain = doubling_gain(epochs, values)
    if len(judged) == 0:
        raise ValueError(f"a run of {int(np.max(epochs))} epochs is too short to judge its settling")
    later_above = np.maximum.accumulate((gain > rel_tol)[::-1])[::-1]  # a fall too fast, from e on
    for i, e in enumerate(judged):
        if 2 * e > judged[-1]:
            return None
        if not later_above[i]:
            return int(e)
    return None


def settling_limit(epochs: np.ndarray) -> int | None:
    """The last epoch ``settling_epoch`` can date in a run recorded at ``epochs`` (about the run's
    length / (2 sqrt 2)); None if it can date none."""
    judged, _ = doubling_gain(epochs, np.ones(len(epochs)))
    datable = judged[2 * judged <= (judged[-1] if len(judged) else 0)]
    return int(datable[-1]) if len(datable) else None


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
