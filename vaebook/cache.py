"""Runs on disk: one .npz per run, written atomically, checksummed, loaded without pickle."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import io
import os
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

CACHE_ENV = "VAEBOOK_CACHE"
# A folder that replaces the configured one in one thread only (see `redirected`).
_REDIRECT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("cache_redirect", default=None)


def cache_dir() -> Path:
    """The cache folder: $VAEBOOK_CACHE, else $XDG_CACHE_HOME/vaebook, else ~/.cache/vaebook
    (or, inside ``redirected(folder)``, that folder)."""
    if (folder := _REDIRECT.get()) is not None:
        return folder
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vaebook"


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write to a temporary file beside path, then rename it into place, so a reader sees the
    old file or the whole new one, never a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays and their checksum to path, atomically."""
    payload = {name: np.asarray(a) for name, a in arrays.items()}
    payload["checksum"] = np.array(_checksum(payload))
    _write_atomically(path, lambda f: np.savez(f, **payload))


def _verified(source: Path | BinaryIO) -> dict[str, np.ndarray]:
    """The arrays of a cache file, without its checksum; ValueError if the file is truncated,
    corrupted or not a cache file."""
    try:
        with np.load(source, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        stored = str(arrays.pop("checksum"))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"not a whole vaebook cache file ({type(err).__name__}: {err})") from err
    if stored != _checksum(arrays):
        raise ValueError("checksum mismatch")
    return arrays


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays stored at path, or None when there is no file. A truncated or corrupted
    file is reported with a warning, removed, and treated as absent, so it is recomputed."""
    if not path.exists():
        return None
    try:
        return _verified(path)
    except ValueError as err:
        warnings.warn(f"vaebook: cache file {path} is unreadable ({err}); recomputing it", stacklevel=2)
        path.unlink(missing_ok=True)
        return None


# A cache file carried between machines: a sweep's cluster workers train into a private cache
# and send the finished file's bytes back to the caller, whose cache they do not share.


@contextlib.contextmanager
def redirected(folder: Path) -> Iterator[Path]:
    """Within the block, ``cache_dir()`` is ``folder`` for this thread only (a context variable,
    not the environment, which other threads of the process read at the same time)."""
    token = _REDIRECT.set(Path(folder))
    try:
        yield Path(folder)
    finally:
        _REDIRECT.reset(token)


def save_bytes(path: Path, blob: bytes) -> None:
    """Write a cache file received as bytes to path, atomically, once its checksum is verified;
    ValueError naming path if the bytes are not a whole, intact cache file (nothing is written)."""
    try:
        _verified(io.BytesIO(blob))
    except ValueError as err:
        raise ValueError(f"refusing to save {path}: {err}") from err
    _write_atomically(path, lambda f: f.write(blob))
