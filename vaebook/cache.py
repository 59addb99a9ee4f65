"""Runs on disk: one .npz per run, written atomically, checksummed, loaded without pickle."""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

CACHE_ENV = "VAEBOOK_CACHE"


def cache_dir() -> Path:
    """The cache folder: $VAEBOOK_CACHE, else $XDG_CACHE_HOME/vaebook, else ~/.cache/vaebook."""
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


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays and their checksum to a temporary file, then rename it into place, so a
    reader sees the old file or the whole new one, never a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {name: np.asarray(a) for name, a in arrays.items()}
    payload["checksum"] = np.array(_checksum(payload))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays stored at path, or None when there is no file. A truncated or corrupted
    file is reported with a warning, removed, and treated as absent, so it is recomputed."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        stored = str(arrays.pop("checksum"))
        if stored != _checksum(arrays):
            raise ValueError("checksum mismatch")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        warnings.warn(f"vaebook: cache file {path} is unreadable ({err}); recomputing it", stacklevel=2)
        path.unlink(missing_ok=True)
        return None
    return arrays
