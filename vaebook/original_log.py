"""The original script's log beside this book's runs of its configuration: each run's epoch means
in the script's units at the epochs the log records, and, term by term, where the log's level
falls among the levels of several seeds of a run.

The log counts epochs from 0; its epoch e is a run's epoch e + 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from vaebook import report, robustness
from vaebook.config import Config
from vaebook.results import Run

COLUMNS = report.ORIGINAL_LOG_COLUMNS


def coded_epoch_means(run: Run) -> np.ndarray:
    """(epochs, 3): each epoch's mean total, reconstruction and KL term in the script's units,
    whatever loss the run trained: the reconstruction term summed over a batch, the KL term
    averaged over it, and their sum (the script's logged total)."""
    reconstruction = np.asarray(run.reconstruction_loss, dtype=float) * run.config.batch_size
    kl = np.asarray(run.kl_loss, dtype=float)
    return np.stack([reconstruction + kl, reconstruction, kl], axis=1)


def logged_epochs(config: Config) -> np.ndarray:
    """The log's (0-based) epochs that a run of ``config`` reaches."""
    return report.ORIGINAL_LOG_EPOCHS[report.ORIGINAL_LOG_EPOCHS < config.epochs]


def at_logged_epochs(run: Run) -> np.ndarray:
    """(k, 3): the run's coded epoch means at the log's epochs that it reaches."""
    return coded_epoch_means(run)[logged_epochs(run.config)]


def the_log(config: Config) -> np.ndarray:
    """(k, 3): the log's epoch means at its epochs that a run of ``config`` reaches."""
    return report.ORIGINAL_LOG[: len(logged_epochs(config))]


# Each term on its own, against several seeds of this book's run. The unit of comparison is a run:
# the epochs of one run are not independent draws, so a run is summarised by its *level* in each
# term, the mean over the logged epochs of log(epoch mean), and the script's log counts as one run.
# If the log were one more run, its level would fall inside the seeds' prediction interval of
# coverage INTERVAL 95 times in 100; the chance that it falls at least as far from their mean is the
# term's p-value, and the three terms' p-values are corrected together (Holm): a term whose
# corrected p-value is at most ALPHA is "below" or "above" the seeds, any other "within" them.
INTERVAL = 0.95
ALPHA = 0.05
PLACES = ("within", "below", "above")


def levels(means: np.ndarray) -> np.ndarray:
    """(3,): a run's level in each term, the mean of log(epoch mean) over its (k, 3) ``means``:
    every logged epoch counts by its relative size, so late epochs weigh as much as early ones."""
    means = np.asarray(means, dtype=float)
    if (means <= 0).any():
        raise ValueError("levels are of positive values (losses and KL terms)")
    return np.log(means).mean(axis=0)


def _spread(values: Sequence[float]) -> tuple[np.ndarray, float, float]:
    """``values`` as an array, their mean, and the scale of one more draw's distance from that
    mean, s * sqrt(1 + 1/n)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        raise ValueError(f"a prediction interval needs two values at least, got {len(values)}")
    return values, float(values.mean()), float(values.std(ddof=1) * np.sqrt(1 + 1 / len(values)))


def prediction_interval(values: Sequence[float], level: float) -> tuple[float, float]:
    """Where one more draw from the distribution of ``values`` falls with chance ``level``, if they
    are normal with unknown mean and spread: mean ± t · s · sqrt(1 + 1/n), n - 1 degrees of freedom."""
    values, mean, scale = _spread(values)
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * scale
    return mean - half, mean + half


def prediction_p(values: Sequence[float], x: float) -> float:
    """The chance that one more draw from the distribution of ``values`` falls at least as far from
    their mean as ``x`` (two-sided, under the same assumptions): ``x`` is on the edge of the
    prediction interval of level 1 - p."""
    values, mean, scale = _spread(values)
    return float(2 * stats.t.sf(abs(x - mean) / scale, len(values) - 1))


@dataclass(frozen=True)
class TermComparison:
    """One term of the script's log against the levels of several seeds of a run of this book."""

    term: str  # one of COLUMNS
    log_level: float
    seed_levels: tuple[float, ...]

    def interval(self, level: float = INTERVAL) -> tuple[float, float]:
        """The seeds' prediction interval of coverage ``level`` for one more run's level."""
        return prediction_interval(self.seed_levels, level)

    @property
    def p(self) -> float:
        """The chance that one more run's level is at least as far from the seeds' mean as the log's."""
        return prediction_p(self.seed_levels, self.log_level)

    @property
    def ratio(self) -> float:
        """The log's level over the seeds' mean level, as a ratio of geometric means minus one:
        -0.1 means the log's term is 10% lower than ours, epoch for epoch on average."""
        return float(np.exp(self.log_level - np.mean(self.seed_levels)) - 1)


def compare_terms(log: np.ndarray, seed_means: Sequence[np.ndarray]) -> list[TermComparison]:
    """Each term of the (k, 3) ``log`` against the (k, 3) epoch means of several seeds."""
    seeds = np.stack([levels(m) for m in seed_means])
    return [
        TermComparison(term, float(logged), tuple(map(float, column)))
        for term, logged, column in zip(COLUMNS, levels(log), seeds.T)
    ]


def places(terms: Sequence[TermComparison], alpha: float = ALPHA) -> dict[str, str]:
    """Each term's place, one of PLACES: "below" or "above" the seeds where Holm's correction over
    the ``terms`` rejects, at family-wise level ``alpha``, that the log is one more run; else
    "within"."""
    rejected = robustness.holm({t.term: t.p for t in terms}, alpha)
    return {
        t.term: ("below" if t.ratio < 0 else "above") if rejected[t.term] else "within" for t in terms
    }


def outside_the_seeds(log: np.ndarray, seed_means: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per term, at how many logged epochs the log is below every seed, and above every seed."""
    stacked = np.stack([np.asarray(m, dtype=float) for m in seed_means])
    log = np.asarray(log, dtype=float)
    return (log < stacked.min(axis=0)).sum(axis=0), (log > stacked.max(axis=0)).sum(axis=0)
