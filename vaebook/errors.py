"""The failures a user can cause and act on. The ``vaebook`` command prints such an error as one
line that names its cause and what to do, without a traceback (``--debug`` shows one)."""

from __future__ import annotations


class VaebookError(Exception):
    """A failure the user can act on; its text says what happened and what to do."""
