"""What a run has computed so far (``State``), and its form on disk: the arrays a run's file holds,
and the check that a file holds exactly those a run of its Config can hold."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vaebook.cache import Entry
from vaebook.config import Config
from vaebook.metrics import METRICS
from vaebook.model import Network, layer_shapes
from vaebook.results import SOURCES, Run, Snapshot

# The arrays of a run's file besides its State's: its Config and the stack that trained it, each
# as JSON text of at most this many characters.
RECORDS, MAX_RECORD = ("config", "stack"), 1 << 16
_INDEXED = re.compile(r"(param|adam_m|adam_v)_(\d+)")
_SNAPSHOT = re.compile(r"(recon|prior)_(\d+)")
_DISTANCE = re.compile(rf"dist_(\d+)_({'|'.join(SOURCES)})_({'|'.join(METRICS)})")


@dataclass(frozen=True)
class State:
    """Everything a run has computed so far: what a checkpoint stores. The trainer makes a new
    State at each stage (``dataclasses.replace``); none is changed in place."""

    config: Config
    epoch: int
    params: tuple[np.ndarray, ...]
    m: tuple[np.ndarray, ...]  # Adam's moments
    v: tuple[np.ndarray, ...]
    losses: np.ndarray  # (epoch, steps_per_epoch, 3): objective, reconstruction, KL of every step
    snapshots: Mapping[int, Snapshot]  # epoch -> the Snapshot taken at its end
    distances: Mapping[int, Mapping[tuple[str, str], float]]  # epoch -> (metric, source) -> value

    @classmethod
    def initial(cls, config: Config, params: list[np.ndarray]) -> State:
        """The state before the first step: ``params``, Adam's moments at zero."""
        zeros = tuple(np.zeros_like(p) for p in params)
        losses = np.zeros((0, config.steps_per_epoch, 3), np.float32)
        return cls(config, 0, tuple(params), zeros, zeros, losses, {}, {})

    def replace(self, **changes: object) -> State:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat, pickle-free arrays for the cache: named by kind, index and epoch."""
        arrays = {"epoch": np.array(self.epoch), "losses": self.losses}
        for name, group in (("param", self.params), ("adam_m", self.m), ("adam_v", self.v)):
            arrays |= {f"{name}_{i}": np.asarray(a) for i, a in enumerate(group)}
        for e, snap in self.snapshots.items():
            arrays[f"recon_{e}"] = snap.reconstructions
            arrays[f"prior_{e}"] = snap.prior_samples
        for e, values in self.distances.items():
            arrays |= {f"dist_{e}_{source}_{metric}": np.array(v) for (metric, source), v in values.items()}
        return arrays

    @classmethod
    def from_arrays(cls, config: Config, arrays: Mapping[str, np.ndarray]) -> State:
        """The inverse of ``to_arrays``; ValueError unless the arrays are a whole state of a run
        of ``config`` (``expected_entries`` checked their shapes before they were read)."""
        epoch = int(arrays["epoch"])
        if not 0 <= epoch <= config.epochs or len(arrays["losses"]) != epoch:
            raise ValueError(f"epoch {epoch} with {len(arrays['losses'])} epochs of losses")
        snapshots: dict[int, Snapshot] = {}
        distances: dict[int, dict[tuple[str, str], float]] = {}
        for name in arrays:
            if match := _SNAPSHOT.fullmatch(name):
                e = int(match[2])
                snapshots[e] = Snapshot(arrays[f"recon_{e}"], arrays[f"prior_{e}"])
            elif match := _DISTANCE.fullmatch(name):
                distances.setdefault(int(match[1]), {})[match[3], match[2]] = float(arrays[name])
        if set(snapshots) != {e for e in config.snapshot_epochs if e <= epoch}:
            raise ValueError(f"snapshots of epochs {sorted(snapshots)} at epoch {epoch}")
        if set(distances) != {e for e in range(1, epoch + 1) if config.records_distances(e)}:
            raise ValueError(f"distances of {len(distances)} epochs at epoch {epoch}")
        n = len(layer_shapes(Network.of(config))) * 2
        return cls(
            config,
            epoch,
            tuple(arrays[f"param_{i}"] for i in range(n)),
            tuple(arrays[f"adam_m_{i}"] for i in range(n)),
            tuple(arrays[f"adam_v_{i}"] for i in range(n)),
            arrays["losses"],
            snapshots,
            distances,
        )

    def to_run(self, seconds: float) -> Run:
        """The finished run, as the book and the CLI see it."""
        return Run(
            config=self.config,
            objective=self.losses[:, :, 0].reshape(-1),
            reconstruction_loss=self.losses[:, :, 1].mean(axis=1),
            kl_loss=self.losses[:, :, 2].mean(axis=1),
            snapshots=dict(sorted(self.snapshots.items())),
            distance_records={e: dict(v) for e, v in sorted(self.distances.items())},
            weights=[np.asarray(p) for p in self.params],
            seconds=seconds,
        )


def expected_entries(config: Config, entries: Mapping[str, Entry]) -> None:
    """Raise ValueError unless ``entries`` (each array's shape and dtype, read from a file's
    headers) are those a state of a run of ``config`` can hold, with its records: so that no
    array is read that the run could not have written."""
    shapes = [s for shape in layer_shapes(Network.of(config)) for s in (shape, shape[1:])]
    f32 = np.dtype(np.float32)
    for name, (shape, dtype) in entries.items():
        if name in RECORDS:
            good = dtype.kind == "U" and shape == () and dtype.itemsize <= 4 * MAX_RECORD
        elif name == "epoch":
            good = dtype.kind in "iu" and shape == ()
        elif name == "losses":
            good = dtype == f32 and len(shape) == 3 and shape[0] <= config.epochs
            good = good and shape[1:] == (config.steps_per_epoch, 3)
        elif match := _INDEXED.fullmatch(name):
            good = int(match[2]) < len(shapes) and dtype == f32 and shape == shapes[int(match[2])]
        elif match := _SNAPSHOT.fullmatch(name):
            good = int(match[2]) in config.snapshot_epochs and dtype == f32
            good = good and shape == (config.n_points, 3)
        elif match := _DISTANCE.fullmatch(name):
            good = config.records_distances(int(match[1])) and dtype.kind == "f" and shape == ()
        else:
            good = False
        if not good:
            raise ValueError(f"{name!r}, of shape {shape} and dtype {dtype}, is not an array of this run")
    required = ["epoch", "losses", *RECORDS]
    required += [f"{kind}_{i}" for kind in ("param", "adam_m", "adam_v") for i in range(len(shapes))]
    missing = [name for name in required if name not in entries]
    if missing:
        raise ValueError(f"arrays {', '.join(missing[:3])} are missing")
