"""A parameter value given as text, read as papermill's ``-p NAME VALUE`` reads it: one rule for
``vaebook train``'s flags, ``vaebook check -p`` and the chapters' re-run box."""

from __future__ import annotations


def papermill_value(text: str) -> object:
    """``text`` as papermill's command line passes a ``-p`` value: True, False or None for those
    words, else an int, else a float (as Python's ``int`` and ``float`` read them), else the
    text itself."""
    named = {"True": True, "False": False, "None": None}
    if text in named:
        return named[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
