"""A run's files in the cache, through one handle: ``RunFile.of(config)`` works out the run's key,
its file, its checkpoint and its lock once, and offers what the trainer does with them. This
module alone writes and removes a run's files.

A finished run is read without the lock (files are replaced atomically), so that a read-only
cache serves its runs. Everything that writes, and moving a damaged file aside, happens while
the run's lock is held: a second process asking for the same run waits, then loads it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import filelock
import numpy as np

from vaebook import cache
from vaebook.config import Config
from vaebook.digest import code_digest
from vaebook.errors import CacheUnusable
from vaebook.stack import fingerprint, stack_key
from vaebook.state import State, expected_entries

# What a cache folder the user cannot use raises: a file in its place, no permission, a read-only
# file system, a full disk or quota.
UNUSABLE = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR, errno.EEXIST)


def run_key(config: Config, digest: str | None = None) -> str:
    """The run's key: a short hash of its Config and of ``digest``, the digest of the code that
    computes it (``vaebook.digest.code_digest()`` by default)."""
    blob = json.dumps({"config": config.to_dict(), "code_digest": digest or code_digest()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def is_cached(config: Config) -> bool:
    """Whether a finished run of ``config`` is in the cache (not checked for damage here)."""
    return RunFile.of(config).path.exists()


class RunFile:
    """One run's place in the cache: ``key`` (its Config and the code digest), ``path`` (the
    finished run), ``checkpoint_path`` (its last checkpoint) and ``lock_path``. The stack its
    numbers depend on (TensorFlow, Keras, NumPy, XLA's instruction set) names the files too, so
    that a run trained by another stack is trained again here, never loaded as this one's."""

    def __init__(self, config: Config, key: str, folder: Path) -> None:
        self.config, self.key, self.folder = config, key, folder
        name = f"{key}-{stack_key()}"
        self.path = folder / "runs" / f"{name}.npz"
        self.checkpoint_path = folder / "runs" / f"{name}.partial.npz"
        self.lock_path = folder / "runs" / f"{name}.lock"
        self.locked = False

    @classmethod
    def of(cls, config: Config) -> RunFile:
        """The handle of the run of ``config`` in this thread's cache folder."""
        return cls(config, run_key(config), cache.cache_dir())

    def __repr__(self) -> str:
        return f"RunFile({self.path})"

    @contextlib.contextmanager
    def unusable_as_error(self) -> Iterator[None]:
        """Within the block, an OSError that says the cache folder cannot be used (read-only, a
        file, no permission, a full disk) is a CacheUnusable naming the folder."""
        try:
            yield
        except CacheUnusable:
            raise
        except OSError as err:
            if err.errno in UNUSABLE:
                raise CacheUnusable(self.folder, err) from err
            raise

    @contextlib.contextmanager
    def lock(self) -> Iterator[RunFile]:
        """Hold the run's lock while it is trained: a second process asking for the same run (two
        chapters, two test workers) waits, then loads the finished run instead of training it
        again. The operating system releases the lock if its holder dies. Once it is held, the
        temporary files that a killed writer of this run left behind are removed."""
        with self.unusable_as_error():
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock = filelock.FileLock(self.lock_path)
            try:
                lock.acquire(blocking=False)
            except filelock.Timeout:
                print(f"vaebook: waiting for another process training {self.path.stem}", file=sys.stderr)
                sys.stderr.flush()
                lock.acquire()
        try:
            self.locked = True
            with self.unusable_as_error():
                for stale in cache.temporary_files(self.path) + cache.temporary_files(self.checkpoint_path):
                    stale.unlink(missing_ok=True)
            yield self
        finally:
            self.locked = False
            lock.release()

    def load(self) -> State | None:
        """The finished run; None if there is none. A damaged file counts as none: if the lock is
        held, it is moved aside (``cache.set_aside``) to be trained again."""
        return self._load(self.path, finished=True)

    def load_checkpoint(self) -> State | None:
        """The last checkpoint of an unfinished run; None if there is none (or it is damaged)."""
        self._require_lock()
        return self._load(self.checkpoint_path, finished=False)

    def checkpoint(self, state: State) -> None:
        """Store an unfinished run's state atomically, replacing its last checkpoint."""
        self._save(state, self.checkpoint_path)

    def finish(self, state: State) -> None:
        """Store the finished run atomically, then remove its checkpoint."""
        self._save(state, self.path)
        self.discard()

    def discard(self) -> None:
        """Remove the run's checkpoint (a run that diverged leaves nothing behind)."""
        self._require_lock()
        with self.unusable_as_error():
            self.checkpoint_path.unlink(missing_ok=True)

    def _require_lock(self) -> None:
        if not self.locked:
            raise RuntimeError(f"{self!r}: its lock must be held to write or resume it")

    def _load(self, path: Path, finished: bool) -> State | None:
        try:
            with self.unusable_as_error():
                arrays = cache.load_arrays(path, lambda entries: expected_entries(self.config, entries))
            if arrays is None:
                return None
            if str(arrays.pop("config")) != json.dumps(self.config.to_dict(), sort_keys=True):
                raise cache.Damaged("it holds another Config's run")
            arrays.pop("stack")  # the record of the stack that trained it, for the reader
            state = State.from_arrays(self.config, arrays)
            if finished and state.epoch != self.config.epochs:
                raise cache.Damaged(f"it stops at epoch {state.epoch} of {self.config.epochs}")
            return state
        except (cache.Damaged, ValueError, KeyError) as err:
            if self.locked:
                with self.unusable_as_error():
                    cache.set_aside(path, err)
            return None

    def _save(self, state: State, path: Path) -> None:
        self._require_lock()
        arrays = state.to_arrays() | {
            "config": np.array(json.dumps(state.config.to_dict(), sort_keys=True)),
            # the full fingerprint of the stack that trained the run (its file name holds the
            # part that decides the numbers)
            "stack": np.array(json.dumps(fingerprint(), sort_keys=True)),
        }
        with self.unusable_as_error():
            cache.save_arrays(path, arrays)
