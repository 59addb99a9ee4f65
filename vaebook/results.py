"""What a training run gives back: its losses, its snapshots of points, their distances to the
real roll, and the trained model."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vaebook import metrics
from vaebook.config import Config, check_choice
from vaebook.keras_model import VAE

# The two kinds of generated points: reconstructions of the training inputs ("recon") and
# decodes of z ~ N(0, I) ("prior").
SOURCES = ("recon", "prior")


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The model's output at the end of one epoch, for all n_points (see draws.snapshot_draws).
    Two snapshots are equal when their points are, bit for bit."""

    reconstructions: np.ndarray  # decoder outputs for the training inputs (the report's "generated")
    prior_samples: np.ndarray  # decoder outputs for z ~ N(0, I): generation proper

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return np.array_equal(self.reconstructions, other.reconstructions) and np.array_equal(
            self.prior_samples, other.prior_samples
        )

    __hash__ = None  # equal by value, and its arrays change: not a dict key

    def distances(self, reference: np.ndarray, names: tuple[str, ...]) -> dict[tuple[str, str], float]:
        """The metrics ``names`` of both kinds of points against a real sample, keyed (metric, source)."""
        out = {}
        for source, points in zip(SOURCES, (self.reconstructions, self.prior_samples)):
            out |= {
                (name, source): value for name, value in metrics.distances(points, reference, names).items()
            }
        return out


@dataclass(eq=False)
class Run:
    """A finished training run. Read its distances with ``distance`` and ``snapshot_distance``.
    Two runs are equal when their Configs and every array they hold are, bit for bit (a run
    loaded from the cache equals the run trained: ``seconds`` is not compared)."""

    config: Config
    objective: np.ndarray  # the objective (loss.objective) at every iteration: the report's VFE
    reconstruction_loss: np.ndarray  # per-epoch mean of the per-sample reconstruction term
    kl_loss: np.ndarray  # per-epoch mean of the per-sample KL term
    snapshots: dict[int, Snapshot]
    distance_records: dict[int, dict[tuple[str, str], float]] = field(repr=False)  # epoch -> (metric, source)
    weights: list[np.ndarray] = field(repr=False)
    seconds: float = 0.0  # wall time of the training itself (0 for a run loaded from cache)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Run):
            return NotImplemented
        arrays = ("objective", "reconstruction_loss", "kl_loss")
        return (
            self.config == other.config
            and all(np.array_equal(getattr(self, name), getattr(other, name)) for name in arrays)
            and self.snapshots == other.snapshots
            and self.distance_records == other.distance_records
            and len(self.weights) == len(other.weights)
            and all(np.array_equal(a, b) for a, b in zip(self.weights, other.weights))
        )

    __hash__ = None  # equal by value, and its arrays change: not a dict key

    @property
    def model(self) -> VAE:
        """The trained model: the network with the run's final weights."""
        return VAE(self.config, self.weights)

    def distance(
        self, metric: str = "sliced_wasserstein", source: str = "recon"
    ) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of a distance to the independent real sample at every epoch it was
        recorded: every evaluation epoch for the sliced Wasserstein distance, the snapshot epochs
        for the others."""
        name = _record_name(metric, source)
        epochs = [e for e, values in sorted(self.distance_records.items()) if name in values]
        return np.array(epochs), np.array([self.distance_records[e][name] for e in epochs])

    def snapshot_distance(
        self, metric: str = "sliced_wasserstein", source: str = "recon"
    ) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of a distance at the snapshot epochs, where every metric is recorded."""
        name, epochs = _record_name(metric, source), sorted(self.snapshots)
        return np.array(epochs), np.array([self.distance_records[e][name] for e in epochs])


def _record_name(metric: str, source: str) -> tuple[str, str]:
    """(metric, source), the name of a distance in ``distance_records``, once both are checked."""
    return check_choice("metric", metric, tuple(metrics.METRICS)), check_choice("source", source, SOURCES)
