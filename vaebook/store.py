"""A run's life on disk: its key and file in the cache, its lock, its checkpoints, the finished
run, and a run's file carried to another machine's cache. The trainer asks; this module alone
writes and removes a run's files."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filelock
import numpy as np

from vaebook import cache
from vaebook.config import Config
from vaebook.digest import code_digest
from vaebook.results import Run, Snapshot
from vaebook.stack import fingerprint, stack_key


def run_key(config: Config) -> str:
    """The run's cache key: a hash of its Config and of the digest of the code that computes it."""
    return config.key(code_digest())


def run_path(config: Config, partial: bool = False) -> Path:
    """Where the finished run of ``config`` is stored (or its checkpoint, if ``partial``). The
    stack its numbers depend on (TensorFlow, Keras, NumPy, XLA's instruction set) names the file
    too, so a run trained by another stack is trained again here, never loaded as this one's."""
    name = f"{run_key(config)}-{stack_key()}{'.partial' if partial else ''}.npz"
    return cache.cache_dir() / "runs" / name


def is_cached(config: Config) -> bool:
    """Whether a finished run of ``config`` is in the cache (not checked for corruption here)."""
    return run_path(config).exists()


@contextlib.contextmanager
def run_lock(config: Config) -> Iterator[None]:
    """Hold the run's lock file while it is trained or loaded: a second process asking for the
    same Config (two chapters, two test workers) waits, then loads the finished run instead
    of training it again. The operating system releases the lock if the holder dies."""
    path = run_path(config).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(path)
    try:
        lock.acquire(blocking=False)
    except filelock.Timeout:
        print(f"vaebook: waiting for another process training {path.stem}", file=sys.stderr, flush=True)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


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
    snapshots: Mapping[int, Snapshot]
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
        """The inverse of ``to_arrays``."""
        n = sum(1 for k in arrays if k.startswith("param_"))
        snapshots: dict[int, Snapshot] = {}
        distances: dict[int, dict[tuple[str, str], float]] = {}
        for key in arrays:
            if key.startswith("recon_"):
                e = int(key.split("_")[1])
                snapshots[e] = Snapshot(arrays[key], arrays[f"prior_{e}"])
            elif key.startswith("dist_"):
                _, e, source, metric = key.split("_", 3)
                distances.setdefault(int(e), {})[metric, source] = float(arrays[key])
        return cls(
            config,
            int(arrays["epoch"]),
            tuple(arrays[f"param_{i}"] for i in range(n)),
            tuple(arrays[f"adam_m_{i}"] for i in range(n)),
            tuple(arrays[f"adam_v_{i}"] for i in range(n)),
            np.asarray(arrays["losses"], np.float32).reshape(-1, config.steps_per_epoch, 3),
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


def load(config: Config) -> State | None:
    """The finished run of ``config``; None if there is none or it is unreadable."""
    return _load(run_path(config), config)


def load_checkpoint(config: Config) -> State | None:
    """The last checkpoint of an unfinished run of ``config``; None if there is none."""
    return _load(run_path(config, partial=True), config)


def checkpoint(state: State) -> None:
    """Store an unfinished run's state atomically, replacing its last checkpoint."""
    _save(state, run_path(state.config, partial=True))


def finish(state: State) -> None:
    """Store the finished run atomically, then remove its checkpoint."""
    _save(state, run_path(state.config))
    discard(state.config)


def discard(config: Config) -> None:
    """Remove the checkpoint of a run of ``config`` (one that diverged leaves nothing behind)."""
    run_path(config, partial=True).unlink(missing_ok=True)


def export_run(config: Config) -> tuple[str, bytes]:
    """The finished run's file, to carry to another cache: its path relative to the cache
    folder, and its checksummed bytes."""
    path = run_path(config)
    return path.relative_to(cache.cache_dir()).as_posix(), path.read_bytes()


def import_run(config: Config, name: str, blob: bytes) -> None:
    """Save a run's file carried from another cache (``export_run``) into this one, if its bytes
    are intact and it is the file this process's trainer reads for ``config``; nothing else is
    left there."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".npz":
        raise RuntimeError(f"a worker sent a run file named {name!r}, which is not a file inside a cache")
    path = cache.cache_dir().joinpath(*relative.parts)
    cache.save_bytes(path, blob)
    if path != run_path(config):
        path.unlink()
        raise RuntimeError(
            f"a worker sent {name} for {config!r}, a file this process's vaebook does not read for it: "
            "do the workers run the same vaebook code and stack?"
        )


def _load(path: Path, config: Config) -> State | None:
    arrays = cache.load_arrays(path)
    if arrays is None:
        return None
    if str(arrays.pop("config")) != _config_json(config):
        return None  # a hash collision or a stale file: never trust it
    arrays.pop("stack", None)  # the record of the stack that trained it, for the reader
    return State.from_arrays(config, arrays)


def _save(state: State, path: Path) -> None:
    arrays = state.to_arrays() | {
        "config": np.array(_config_json(state.config)),
        # the full fingerprint of the stack that trained the run (its file name holds the part
        # that decides the numbers)
        "stack": np.array(json.dumps(fingerprint(), sort_keys=True)),
    }
    cache.save_arrays(path, arrays)


def _config_json(config: Config) -> str:
    return json.dumps(config.to_dict(), sort_keys=True)
