"""The original script's log beside this book's runs of its configuration: each run's epoch means
in the script's units at the epochs the log records, and how far apart two such sets are.

The log counts epochs from 0; its epoch e is a run's epoch e + 1. The rule of the original-code
chapter: the distance between two sets of epoch means is their largest *relative difference*,
the larger value over the smaller minus one, over the logged epochs and the three columns
(total, reconstruction, KL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vaebook import report
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


def relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The larger of two positive values over the smaller, minus one, element by element."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if (a <= 0).any() or (b <= 0).any():
        raise ValueError("relative differences are of positive values (losses and KL terms)")
    return np.maximum(a, b) / np.minimum(a, b) - 1


@dataclass(frozen=True)
class Gap:
    """The largest relative difference between sets of epoch means, and where it is."""

    value: float
    epoch: int  # the log's 0-based epoch
    column: str  # one of COLUMNS


def largest_gap(epochs: Sequence[int], *means: np.ndarray) -> Gap:
    """The largest relative difference between any two of the (k, 3) sets of epoch ``means``
    at the same logged epoch and column (two sets: between them; more: across them, as the
    largest over the smallest minus one)."""
    stacked = np.stack([np.asarray(m, dtype=float) for m in means])
    if len(stacked) < 2:
        raise ValueError("a gap is between at least two sets of epoch means")
    spread = relative_difference(stacked.max(axis=0), stacked.min(axis=0))
    row, column = np.unravel_index(int(np.argmax(spread)), spread.shape)
    return Gap(float(spread[row, column]), int(np.asarray(epochs)[row]), COLUMNS[column])
