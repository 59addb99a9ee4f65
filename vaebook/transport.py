"""A run's file carried between caches: a sweep's workers on other machines train into a private
cache folder (``redirected``) and send the finished file's bytes back (``export_run``); the caller
checks them and saves them into its own cache (``import_run``). Nothing here computes a run, so
``vaebook.digest`` does not read this module."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from vaebook import cache
from vaebook.config import Config
from vaebook.state import expected_entries
from vaebook.store import RunFile


@contextlib.contextmanager
def redirected(folder: Path) -> Iterator[Path]:
    """Within the block, ``cache.cache_dir()`` is ``folder`` for this thread only (a context
    variable, not the environment, which other threads of the process read at the same time)."""
    token = cache.FOLDER_OVERRIDE.set(Path(folder))
    try:
        yield Path(folder)
    finally:
        cache.FOLDER_OVERRIDE.reset(token)


def export_run(config: Config) -> tuple[str, bytes]:
    """The finished run's file, to carry to another cache: its path relative to the cache
    folder, and its checksummed bytes."""
    run_file = RunFile.of(config)
    return run_file.path.relative_to(run_file.folder).as_posix(), run_file.path.read_bytes()


def import_run(config: Config, name: str, blob: bytes) -> None:
    """Save a run's file carried from another cache (``export_run``) into this one, atomically and
    under the run's lock, if its bytes are a whole, intact run of ``config`` and ``name`` is the
    file this process's trainer reads for it; ValueError (nothing is written) if the bytes are
    not, RuntimeError if the name is not."""
    run_file = RunFile.of(config)
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".npz":
        raise RuntimeError(f"a worker sent a run file named {name!r}, which is not a file inside a cache")
    if run_file.folder.joinpath(*relative.parts) != run_file.path:
        raise RuntimeError(
            f"a worker sent {name} for {config!r}, a file this process's vaebook does not read for it: "
            "do the workers run the same vaebook code and stack?"
        )
    try:
        cache.load_arrays(io.BytesIO(blob), lambda entries: expected_entries(config, entries))
    except cache.Damaged as err:
        raise ValueError(f"refusing to save {run_file.path}: {err}") from err
    with run_file.lock(), run_file.unusable_as_error():
        cache.write_atomically(run_file.path, lambda f: f.write(blob))
