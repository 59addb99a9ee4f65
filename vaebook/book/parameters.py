"""A chapter's parameters: papermill's reading of a ``-p NAME VALUE`` value (one rule for
``vaebook train``'s flags, ``vaebook check -p`` and the chapters' re-run box), and names checked
against the chapter's ``parameters`` cell, by the command before it runs a chapter and by the
chapter's set-up cell when papermill runs it (``check_injected``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path

from vaebook.errors import VaebookError

PARAMETERS_TAG = "parameters"  # the cell of a chapter's parameters, which papermill overrides
INJECTED_TAG = "injected-parameters"  # the cell papermill adds after it, with the -p values


class UnknownParameter(VaebookError, ValueError):
    """A parameter name that the chapter's parameters cell does not assign."""


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


def _unknown(names: Iterable[str], known: Iterable[str], where: str) -> str | None:
    """The message for the names not among ``known``, with the nearest known name of each."""
    known = list(known)
    wrong = [name for name in names if name not in known]
    if not wrong:
        return None
    hints = []
    for name in wrong:
        near = difflib.get_close_matches(name.replace("-", "_"), known, n=1, cutoff=0.6)
        hints.append(f"{name!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    unknown = "unknown parameter" + ("s" if len(hints) > 1 else "")
    return f"{unknown} {', '.join(hints)} for {where}, whose parameters are {', '.join(known) or 'none'}"


def declared(notebook: str | Path) -> list[str]:
    """The names a chapter's parameters cell assigns, as papermill reads them."""
    import nbformat
    from papermill.translators import PythonTranslator

    nb = nbformat.read(notebook, as_version=4)
    cell = next((c for c in nb.cells if PARAMETERS_TAG in c.metadata.get("tags", [])), None)
    return [] if cell is None else [p.name for p in PythonTranslator.inspect(cell)]


def by_chapter(values: Mapping[str, object], chapters: Iterable[Path]) -> dict[str, dict]:
    """Chapter name -> the ``values`` (papermill's parameters) its parameters cell has. A name
    that none of ``chapters`` has is refused (UnknownParameter), with the nearest name it has."""
    chapters = list(chapters)
    names = {chapter.stem: declared(chapter) for chapter in chapters}
    known = list(dict.fromkeys(name for found in names.values() for name in found))
    where = f"chapter {chapters[0].stem}" if len(chapters) == 1 else "the chapters"
    message = _unknown(values, known, where)
    if message:
        raise UnknownParameter(message)
    return {stem: {k: v for k, v in values.items() if k in found} for stem, found in names.items()}


def _cell_names(source: str) -> list[str]:
    import nbformat
    from papermill.translators import PythonTranslator

    return [p.name for p in PythonTranslator.inspect(nbformat.v4.new_code_cell(source))]


def check_injected(namespace: Mapping[str, object]) -> None:
    """In a chapter's set-up cell (``check_injected(globals())``): raise UnknownParameter if
    papermill injected a name that the chapter's parameters cell does not assign, so that a typo
    (``-p latent_dm 3``) stops the chapter at once instead of running it with the default. The
    two cells are read from IPython's input history (``In``), where papermill put them; outside
    IPython, or when nothing was injected, it does nothing."""
    history = namespace.get("In")
    if not isinstance(history, list):
        return
    injected = [s for s in history if isinstance(s, str) and s.lstrip().startswith("# Parameters")]
    if not injected:
        return
    first = history.index(injected[-1])
    declared_cells = [s for s in history[1:first] if s.strip()]
    if not declared_cells:
        return
    message = _unknown(_cell_names(injected[-1]), _cell_names(declared_cells[-1]), "this chapter")
    if message:
        raise UnknownParameter(message)
