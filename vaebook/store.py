"""A run's state on disk: where it is cached, its lock, and its checkpoint's save and load."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from vaebook import cache, provenance
from vaebook.config import Config
from vaebook.results import Run, Snapshot

try:
    import fcntl
except ImportError:  # Windows: no advisory file locks, so two processes may train one run twice
    fcntl = None

# Bump when a change to the training code changes its numbers or the stored arrays: it
# invalidates cached runs. 5: Config's noise_draw field; distances stored by (source, metric).
TRAINING_VERSION = "5"


def run_key(config: Config) -> str:
    """The run's cache key: a hash of its Config and of the training code's version."""
    return config.key(TRAINING_VERSION)


def run_path(config: Config, partial: bool = False) -> Path:
    """Where the finished run of ``config`` is stored (or its checkpoint, if ``partial``). The
    stack its numbers depend on (TensorFlow, Keras, NumPy, XLA's instruction set) names the file
    too, so a run trained by another stack is trained again here, never loaded as this one's."""
    name = f"{run_key(config)}-{provenance.stack_key()}{'.partial' if partial else ''}.npz"
    return cache.cache_dir() / "runs" / name


def is_cached(config: Config) -> bool:
    """Whether a finished run of ``config`` is in the cache (not checked for corruption here)."""
    return run_path(config).exists()


@contextlib.contextmanager
def run_lock(config: Config) -> Iterator[None]:
    """Hold the run's lock file while it is trained or loaded: a second process asking for the
    same Config (two chapters, two test workers) waits, then loads the finished run instead
    of training it again. The operating system releases the lock if the holder dies."""
    if fcntl is None:
        yield
        return
    path = run_path(config).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"vaebook: waiting for another process training {path.stem}", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class State:
    """Everything a run has computed so far: what a checkpoint stores."""

    def __init__(self, config: Config, params: list[np.ndarray]) -> None:
        self.config = config
        self.epoch = 0
        self.params = params
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.losses = np.zeros((config.epochs, config.steps_per_epoch, 3), np.float32)  # objective, recon, KL
        self.snapshots: dict[int, Snapshot] = {}
        self.distances: dict[int, dict[tuple[str, str], float]] = {}  # epoch -> (metric, source) -> value

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Flat, pickle-free arrays for the cache: named by kind, index and epoch."""
        arrays = {"epoch": np.array(self.epoch), "losses": self.losses[: self.epoch]}
        for name, group in (("param", self.params), ("adam_m", self.m), ("adam_v", self.v)):
            arrays |= {f"{name}_{i}": np.asarray(a) for i, a in enumerate(group)}
        for e, snap in self.snapshots.items():
            arrays[f"recon_{e}"] = snap.reconstructions
            arrays[f"prior_{e}"] = snap.prior_samples
        for e, values in self.distances.items():
            arrays |= {f"dist_{e}_{source}_{metric}": np.array(v) for (metric, source), v in values.items()}
        return arrays

    @classmethod
    def from_arrays(cls, config: Config, arrays: dict[str, np.ndarray]) -> State:
        """The inverse of ``to_arrays``."""
        n = sum(1 for k in arrays if k.startswith("param_"))
        state = cls(config, [arrays[f"param_{i}"] for i in range(n)])
        state.epoch = int(arrays["epoch"])
        state.m = [arrays[f"adam_m_{i}"] for i in range(n)]
        state.v = [arrays[f"adam_v_{i}"] for i in range(n)]
        state.losses[: state.epoch] = arrays["losses"]
        for key in arrays:
            if key.startswith("recon_"):
                e = int(key.split("_")[1])
                state.snapshots[e] = Snapshot(arrays[key], arrays[f"prior_{e}"])
            elif key.startswith("dist_"):
                _, e, source, metric = key.split("_", 3)
                state.distances.setdefault(int(e), {})[metric, source] = float(arrays[key])
        return state

    def to_run(self, seconds: float) -> Run:
        """The finished run, as the book and the CLI see it."""
        return Run(
            config=self.config,
            objective=self.losses[:, :, 0].reshape(-1),
            reconstruction_loss=self.losses[:, :, 1].mean(axis=1),
            kl_loss=self.losses[:, :, 2].mean(axis=1),
            snapshots=dict(sorted(self.snapshots.items())),
            distance_records=dict(sorted(self.distances.items())),
            weights=[np.asarray(p) for p in self.params],
            seconds=seconds,
        )


def load_state(config: Config, partial: bool = False) -> State | None:
    """The stored run (or checkpoint) of ``config``; None if there is none or it is unreadable."""
    arrays = cache.load_arrays(run_path(config, partial))
    if arrays is None:
        return None
    if str(arrays.pop("config")) != _config_json(config):
        return None  # a hash collision or a stale file: never trust it
    arrays.pop("stack", None)  # the record of the stack that trained it, for the reader
    return State.from_arrays(config, arrays)


def save_state(state: State, partial: bool = False) -> None:
    """Store the state atomically: as the run's checkpoint if ``partial``, else as the finished run."""
    arrays = state.to_arrays() | {
        "config": np.array(_config_json(state.config)),
        # the full fingerprint of the stack that trained the run (its file name holds the part
        # that decides the numbers)
        "stack": np.array(json.dumps(provenance.fingerprint(), sort_keys=True)),
    }
    cache.save_arrays(run_path(state.config, partial), arrays)


def _config_json(config: Config) -> str:
    return json.dumps(config.to_dict(), sort_keys=True)
