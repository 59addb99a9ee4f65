"""Files on disk: checksummed ``.npz`` archives, written atomically and read without pickle and
without trusting what they claim: every entry's size is checked against the archive and against
what the caller expects before an array is read, and the checksum is computed as the entries
stream by. A file that fails any of this is ``Damaged``, never a crash or a swelling process."""

from __future__ import annotations

import contextvars
import hashlib
import os
import shutil
import struct
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np

from vaebook.errors import DamagedRunFile

CACHE_ENV = "VAEBOOK_CACHE"
# A folder that replaces the configured one in one thread only (a context variable, not the
# environment, which other threads of the process read at the same time); vaebook.transport
# sets it for a sweep's worker.
FOLDER_OVERRIDE: contextvars.ContextVar[Path | None] = contextvars.ContextVar("cache_folder", default=None)
# Bytes read at a time while a file's checksum is computed.
CHUNK = 1 << 20
# What reading a file may raise when the file, not the machine, is at fault (PermissionError is
# the machine's: it is left to the caller).
_READ_FAILURES = (
    OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, struct.error, MemoryError,
    OverflowError, TypeError, NotImplementedError,
)  # fmt: skip


class Damaged(ValueError):
    """A file that is not a whole, intact cache file of the expected content; the text says why."""


class Entry(NamedTuple):
    """What an archive says of one array, read from its ``.npy`` header."""

    shape: tuple[int, ...]
    dtype: np.dtype


def cache_dir() -> Path:
    """The cache folder, as an absolute path: $VAEBOOK_CACHE (relative to the working
    directory), else $XDG_CACHE_HOME/vaebook, else ~/.cache/vaebook (or the folder of
    ``FOLDER_OVERRIDE`` in this thread)."""
    if (folder := FOLDER_OVERRIDE.get()) is not None:
        return Path(os.path.abspath(folder))
    if os.environ.get(CACHE_ENV):
        return Path(os.path.abspath(Path(os.environ[CACHE_ENV]).expanduser()))
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(os.path.abspath(Path(base).expanduser() / "vaebook"))


def _digest_header(digest, name: str, dtype: np.dtype, shape: tuple[int, ...]) -> None:
    # A 0-d array counts as shape (1,), as np.ascontiguousarray makes it.
    digest.update(f"{name}:{dtype.str}:{shape or (1,)}".encode())


def _checksum(arrays: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        _digest_header(digest, name, a.dtype, a.shape)
        digest.update(a.tobytes())
    return digest.hexdigest()


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write to a hidden temporary file beside path (``.NAME.*.tmp``), then rename it into
    place, so that a reader sees the old file or the whole new one, never a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError) and err.filename is None:
            err.filename = str(path)  # a full disk names no file: the one being written
        raise


def temporary_files(path: Path) -> list[Path]:
    """The temporary files that writing ``path`` leaves behind if the writer is killed."""
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


def save_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write arrays (C-ordered) and their checksum to path, atomically."""
    payload = {name: np.ascontiguousarray(a) if np.ndim(a) else np.asarray(a) for name, a in arrays.items()}
    payload["checksum"] = np.array(_checksum(payload))
    write_atomically(path, lambda f: np.savez(f, **payload))


def _entries(archive: zipfile.ZipFile, size: int) -> dict[str, tuple[Entry, zipfile.ZipInfo, int]]:
    """Each array's header, zip entry and header length, after checking that every entry is
    stored uncompressed (as ``np.savez`` writes) and holds exactly the bytes its header claims,
    and that all of them fit in the archive's ``size``."""
    found = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy") or info.compress_type != zipfile.ZIP_STORED:
            raise Damaged(f"entry {info.filename!r} is not a stored .npy array")
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise Damaged(f"entry {info.filename!r} has .npy version {version}")
            header = member.tell()
        if dtype.hasobject or fortran:
            raise Damaged(f"entry {info.filename!r} holds Python objects or Fortran-ordered data")
        if header + int(np.prod(shape, dtype=object)) * dtype.itemsize != info.file_size:
            raise Damaged(f"entry {info.filename!r} is not the {shape} {dtype} array its header claims")
        found[info.filename[: -len(".npy")]] = (Entry(tuple(shape), dtype), info, header)
    if sum(info.file_size for _, info, _ in found.values()) > size:
        raise Damaged("its entries claim more bytes than the file holds")
    return found


def _streamed_checksum(archive: zipfile.ZipFile, entries: dict) -> str:
    digest = hashlib.sha256()
    for name in sorted(entries):
        if name == "checksum":
            continue
        entry, info, header = entries[name]
        _digest_header(digest, name, entry.dtype, entry.shape)
        with archive.open(info) as member:
            member.read(header)
            while chunk := member.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


Expectation = Callable[[dict[str, Entry]], None]  # raises unless the entries are the expected ones


def _checked(source: Path | BinaryIO, expect: Expectation | None) -> dict[str, np.ndarray]:
    if isinstance(source, Path):
        if source.is_dir():
            raise Damaged("a folder stands in its place")
        size = source.stat().st_size
    else:
        size = source.seek(0, os.SEEK_END)
        source.seek(0)
    with zipfile.ZipFile(source) as archive:
        entries = _entries(archive, size)
        checksum = entries.get("checksum")
        if checksum is None or checksum[0].dtype.kind != "U" or checksum[0].shape != ():
            raise Damaged("it has no checksum")
        if expect is not None:
            expect({name: entry for name, (entry, _, _) in entries.items() if name != "checksum"})
        with archive.open(checksum[1]) as member:
            stored = str(np.lib.format.read_array(member, allow_pickle=False))
        if stored != _streamed_checksum(archive, entries):
            raise Damaged("checksum mismatch")
        arrays = {}
        for name, (_, info, _) in entries.items():
            if name != "checksum":
                with archive.open(info) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
        return arrays


def load_arrays(source: Path | BinaryIO, expect: Expectation | None = None) -> dict[str, np.ndarray] | None:
    """The arrays of a cache file (without its checksum), or None if ``source`` is a path where
    no file is. ``expect`` sees every array's shape and dtype before any is read and raises
    (a ValueError or KeyError) if they are not what the file should hold. Damaged if the file is
    truncated, corrupted, crafted or not what ``expect`` wants; PermissionError passes."""
    if isinstance(source, Path) and not os.path.lexists(source):
        return None
    try:
        return _checked(source, expect)
    except PermissionError:
        raise
    except Damaged:
        raise
    except _READ_FAILURES as err:
        raise Damaged(f"{type(err).__name__}: {err}") from err


def set_aside(path: Path, reason: object) -> Path:
    """Move a damaged file (or folder) out of the way, to ``NAME.damaged`` beside it (replacing
    an older one), saying so with a ``DamagedRunFile`` warning; the new path."""
    target = path.with_name(path.name + ".damaged")
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    os.replace(path, target)
    warnings.warn(
        f"vaebook: the cache file {path} is unreadable ({reason}); it is moved to {target.name} and "
        "recomputed",
        DamagedRunFile,
        stacklevel=3,
    )
    return target
