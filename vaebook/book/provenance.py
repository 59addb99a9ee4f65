"""The appendix "How these numbers were made": the stack that computed the committed outputs,
how this machine's differs, and the runs behind every figure and table, read back from the
executed chapters' glued records (``vaebook.book.glue``).

This module loads no TensorFlow, so that the book's test configuration can compare this
machine with the reference stack at once.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from vaebook.book.glue import RECORD_SUFFIX, glued_values
from vaebook.book.toc import Book
from vaebook.stack import FIELDS, differences

APPENDIX = "appendix_provenance"  # the appendix's chapter, which reads the others


def stack_note(reference: dict[str, object], stack: dict[str, object]) -> str | None:
    """What a reader must know when ``stack`` is not the ``reference`` that made the committed
    outputs (None when it is): how they differ, and which check tells whether the book holds."""
    diff = differences(reference, stack)
    if not diff:
        return None
    items = "; ".join(f"{name}: {a or '(none)'} there, {b or '(none)'} here" for name, (a, b) in diff.items())
    return (
        f"this machine's stack differs from the reference stack that made the committed outputs ({items}). "
        "The strict tier (pytest --nbval book/) may fail here on digits that only the reference stack "
        "reproduces; `make check` (the portable tier) tells whether the book's claims hold on this machine."
    )


def reference_stack(appendix: Path) -> dict[str, object] | None:
    """The stack that made the committed outputs, as the committed appendix (its notebook's
    path) recorded it; None if there is no such notebook or record."""
    if not appendix.exists():
        return None
    glued = glued_values(json.loads(appendix.read_text()))
    return json.loads(ast.literal_eval(glued["stack"])) if "stack" in glued else None


def stack_table(stack: dict[str, object]) -> str:
    """The stack as a two-column Markdown table."""
    rows = ["| item | value |", "| --- | --- |"]
    for key, name in FIELDS.items():
        value = stack.get(key)
        rows.append(f"| {name} | {'(none)' if value in ('', None) else _cell(str(value))} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


_DIRECTIVE = re.compile(r"^\s*(`{3,}|:{3,})\{([\w:-]+)\}\s*(.*?)\s*$")
_NAME = re.compile(r"^\s*:name:\s*(\S+)")


def labelled_items(markdown: str) -> list[tuple[str, str, str]]:
    """(kind, label, glue name) of every labelled figure and table in a chapter's Markdown: a
    ``glue:figure`` directive, or a ``table`` directive around a ``glue:md`` or ``glue:figure``;
    and of every interactive view, a plain ``glue`` directive inside an ``only`` one (HTML only,
    unnumbered: its glue name is its label)."""
    items, stack = [], []  # stack: open directives as [fence, kind, argument, label]
    for line in markdown.splitlines():
        start = _DIRECTIVE.match(line)
        if start:
            stack.append([start.group(1), start.group(2), start.group(3), None])
            continue
        name = _NAME.match(line)
        if name and stack:
            stack[-1][3] = name.group(1)
            continue
        if stack and line.strip() == stack[-1][0]:
            fence, kind, argument, label = stack.pop()
            outer = next((d for d in reversed(stack) if d[1] == "table"), None)
            if kind.startswith("glue:") and outer is not None:
                items.append(("table", outer[3] or argument, argument))
            elif kind == "glue:figure":
                items.append(("figure", label or argument, argument))
            elif kind == "glue" and any(d[1] == "only" for d in stack):
                items.append(("view", argument, argument))
    return items


def chapter_notebooks(executed: str | Path = "", book: Book | None = None) -> dict[str, Path]:
    """The book's chapters in TOC order, other than this appendix: name -> the executed notebook,
    read from the folder ``executed`` where it holds the chapter, else from book/ (``executed``
    "": the book's own). ``book`` defaults to the one around the working directory."""
    book = book or Book.find()
    folder = Path(executed) if executed else book.folder
    if not folder.is_dir():
        raise ValueError(f"executed must be a folder of executed chapters, got {str(executed)!r}")
    found = {}
    for chapter in book.chapters():
        if chapter.stem != APPENDIX:
            fresh = folder / chapter.name
            found[chapter.stem] = fresh if fresh.exists() else chapter
    return found


def figures_and_tables(notebooks: dict[str, Path]) -> list[dict]:
    """Every labelled figure and table of the chapters, in order, with the runs behind it: dicts
    of kind, label, chapter, glue name and runs (None where the chapter glued no record). An
    interactive view's row also names the figure it extends, ``extends``: the chapter's figure
    right before it, where the chapters put a view."""
    import nbformat

    rows = []
    for chapter, path in notebooks.items():
        nb = nbformat.read(path, as_version=4)
        glued = glued_values(nb)
        figure = None  # the chapter's last figure so far
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for kind, label, name in labelled_items(cell.source):
                record = glued.get(name + RECORD_SUFFIX)
                runs = json.loads(ast.literal_eval(record))["runs"] if record else None
                row = {"kind": kind, "label": label, "chapter": chapter, "glue": name, "runs": runs}
                if kind == "view":
                    if figure is None:
                        raise ValueError(f"{chapter}: the interactive view {label} follows no figure")
                    row["extends"] = figure
                elif kind == "figure":
                    figure = label
                rows.append(row)
    return rows


def train_command(settings: dict[str, object]) -> str:
    """The ``vaebook train`` command that trains (or loads) the run with these settings."""
    flags = []
    for name, value in settings.items():
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        flags.append(f"--{name.replace('_', '-')} {text}")
    return " ".join(["vaebook train", *flags])


def chapter_command(chapter: str) -> str:
    """The command that re-executes a chapter, and so regenerates its figures and tables."""
    return f"papermill book/{chapter}.ipynb out.ipynb"


def _reference(row: dict, first: bool = False) -> str:
    """A row's figure or table as the reader knows it: a numbered reference, or for an
    interactive view (unnumbered, in the HTML only) the figure it is the interactive version of;
    ``first``: capitalised, to open a cell."""
    if row["kind"] != "view":
        return f"{{numref}}`{row['label']}`"
    return f"{'I' if first else 'i'}nteractive version of {{numref}}`{row['extends']}` (in the HTML)"


def made_label(label: str) -> str:
    """The label of a figure's or table's row in the appendix, which its caption links to."""
    return f"made-{label}"


def items_table(rows: list[dict]) -> str:
    """The appendix's table of figures and tables: label, chapter, runs, regenerating command.
    Each row is a link target, ``made_label`` of its figure's label."""
    lines = [
        "| figure or table | chapter | runs (cache keys) | regenerated by |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        keys = ", ".join(f"`{r['key']}`" for r in row["runs"]) or "none (no training)"
        item = f"[{_reference(row, first=True)}]{{#{made_label(row['label'])}}}"
        lines.append(f"| {item} | {{doc}}`{row['chapter']}` | {keys} | `{chapter_command(row['chapter'])}` |")
    return "\n".join(lines)


def runs_table(rows: list[dict]) -> str:
    """The appendix's table of the runs behind the figures: key, the figures, and the command."""
    runs: dict[str, dict] = {}
    for row in rows:
        for run in row["runs"]:
            entry = runs.setdefault(run["key"], {"settings": run["settings"], "items": []})
            entry["items"].append(_reference(row))
    lines = ["| cache key | behind | trained (or loaded) by |", "| --- | --- | --- |"]
    for key, entry in runs.items():
        behind = ", ".join(dict.fromkeys(entry["items"]))
        lines.append(f"| `{key}` | {behind} | `{train_command(entry['settings'])}` |")
    return "\n".join(lines)
