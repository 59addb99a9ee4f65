"""The failures a user can cause and act on. The ``vaebook`` command prints such an error as one
line that names its cause and what to do, without a traceback (``--debug`` shows one).

This module imports nothing of the package: every other module may raise its errors."""

from __future__ import annotations

import errno
from pathlib import Path


class VaebookError(Exception):
    """A failure the user can act on; its text says what happened and what to do."""


class SettingError(VaebookError, ValueError):
    """A setting out of its range, naming the setting and the values it may take (a
    ``ValueError`` too, as every bad value is)."""


class CacheUnusable(VaebookError, OSError):
    """The run cache's folder cannot be used: a file stands in its place, it is read-only or not
    ours to write, or its disk is full. The text names the folder, the cause and what to do."""

    def __init__(self, folder: Path, error: OSError) -> None:
        where = error.filename if error.filename is not None else folder
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            cause, remedy = f"its disk is full (writing {where})", "free space on it, or "
        elif error.errno in (errno.ENOTDIR, errno.EEXIST):
            cause, remedy = f"{where} or a folder above it is a file, not a folder", "move that file, or "
        elif error.errno == errno.EROFS:
            cause, remedy = f"{where} is on a read-only file system", ""
        elif error.errno in (errno.EACCES, errno.EPERM):
            cause, remedy = f"permission denied for {where}", ""
        else:
            cause, remedy = f"{error.strerror or type(error).__name__} ({where})", ""
        super().__init__(
            f"the run cache {folder} cannot be used: {cause}. To continue, {remedy}point "
            "VAEBOOK_CACHE to a folder you can write to, and run the same command again"
        )
        self.folder, self.errno, self.filename = folder, error.errno, error.filename

    def __str__(self) -> str:
        return str(self.args[0])  # the message, not OSError's "[Errno n] ..." form


class TrainingDiverged(VaebookError, RuntimeError):
    """The loss became NaN or infinite; nothing of the run is kept."""


class TrainingInterrupted(VaebookError, KeyboardInterrupt):
    """Training was interrupted (Ctrl-C) after its state was checkpointed (unless no epoch had
    ended): the same call resumes it. A ``KeyboardInterrupt`` too, so that what stops on Ctrl-C
    still stops."""

    def __init__(self, epoch: int, epochs: int) -> None:
        if epoch:
            text = f"interrupted at epoch {epoch} of {epochs}; the checkpoint is kept: run the same command"
            text += " to resume"
        else:
            text = f"interrupted before the first of {epochs} epochs ended: nothing was kept"
        super().__init__(text)
        self.epoch = epoch


class DamagedRunFile(UserWarning):
    """A run's file in the cache could not be read whole: it is moved aside (``.damaged``) and
    the run trained again."""


class ClimbingLoss(UserWarning):
    """A finished run's loss ended far above the lowest it reached (``vaebook.training``'s
    ``CLIMB_FACTOR``): the run is kept, and the warning gives the numbers."""
