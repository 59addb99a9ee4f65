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
from collections.abc import Iterator
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


_OPTION = re.compile(r"^:([\w-]+):(?:\s+(.*))?$")


def _options(content: str) -> tuple[dict[str, str], str]:
    """A MyST directive's options (``:name: value`` lines, or a ``---`` YAML block, at the top of
    its content) and the rest of its content."""
    lines = content.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is not None:
            import yaml

            options = yaml.safe_load("".join(lines[1:end])) or {}
            return {str(k): str(v) for k, v in options.items()}, "".join(lines[end + 1 :])
    options = {}
    while lines and (option := _OPTION.match(lines[0])):
        options[option.group(1)] = (option.group(2) or "").strip()
        lines.pop(0)
    return options, "".join(lines)


def directives(markdown: str, outer: tuple = ()) -> Iterator[tuple[str, str, dict, tuple]]:
    """Every MyST directive of ``markdown`` (backtick or colon fences, as markdown-it reads them),
    nested ones included, in order: (kind, argument, options, the directives around it, each
    as (kind, argument, options))."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.colon_fence import colon_fence_plugin

    for token in MarkdownIt("commonmark").use(colon_fence_plugin).parse(markdown):
        if token.type in ("fence", "colon_fence") and token.info.startswith("{") and "}" in token.info:
            kind, _, argument = token.info[1:].partition("}")
            options, body = _options(token.content)
            yield kind, argument.strip(), options, outer
            yield from directives(body, (*outer, (kind, argument.strip(), options)))


def labelled_items(markdown: str) -> list[tuple[str, str, str]]:
    """(kind, label, glue name) of every labelled figure and table in a chapter's Markdown: a
    ``glue:figure`` directive, or a ``table`` directive around a ``glue:md`` or ``glue:figure``;
    and of every interactive view, a plain ``glue`` directive inside an ``only`` one (HTML only,
    unnumbered: its glue name is its label)."""
    items = []
    for kind, argument, options, outer in directives(markdown):
        table = next((d for d in reversed(outer) if d[0] == "table"), None)
        if kind.startswith("glue:") and table is not None:
            items.append(("table", table[2].get("name") or argument, argument))
        elif kind == "glue:figure":
            items.append(("figure", options.get("name") or argument, argument))
        elif kind == "glue" and any(d[0] == "only" for d in outer):
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


HTML_ONLY = "html-only"  # the class of a span the PDF leaves out (book/_ext/printed_cells.py)


def html_only(markdown: str) -> str:
    """Inline MyST shown in the HTML only: the cache keys, which the PDF does not print."""
    return f"[{markdown}]{{.{HTML_ONLY}}}"


def run_numbers(rows: list[dict]) -> dict[str, int]:
    """Each run's number in the runs table (cache key -> 1, 2, ...), in order of first use."""
    numbers: dict[str, int] = {}
    for row in rows:
        for run in row["runs"]:
            numbers.setdefault(run["key"], len(numbers) + 1)
    return numbers


def _spans(numbers: list[int]) -> str:
    """1, 2, 3, 5 as "1-3, 5"."""
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in spans)


def items_table(rows: list[dict], runs_label: str = "table-runs") -> str:
    """The appendix's table of figures and tables: label, chapter, runs (by their numbers in the
    runs table, ``runs_label``), regenerating command. Each row is a link target, ``made_label``
    of its figure's label."""
    numbers = run_numbers(rows)
    lines = [
        f"| figure or table | chapter | runs ({{numref}}`{runs_label}`) | regenerated by |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        runs = _spans([numbers[r["key"]] for r in row["runs"]]) or "none (no training)"
        item = f"[{_reference(row, first=True)}]{{#{made_label(row['label'])}}}"
        lines.append(f"| {item} | {{doc}}`{row['chapter']}` | {runs} | `{chapter_command(row['chapter'])}` |")
    return "\n".join(lines)


def runs_table(rows: list[dict]) -> str:
    """The appendix's table of the runs behind the figures: each run's number (and, in the HTML,
    its cache key), the figures, and the command that trains it, which names its settings."""
    runs: dict[str, dict] = {}
    for row in rows:
        for run in row["runs"]:
            entry = runs.setdefault(run["key"], {"settings": run["settings"], "items": []})
            entry["items"].append(_reference(row))
    numbers = run_numbers(rows)
    key = html_only(" (cache key)")
    lines = [f"| run{key} | behind | trained (or loaded) by |", "| --- | --- | --- |"]
    for name, entry in runs.items():
        behind = ", ".join(dict.fromkeys(entry["items"]))
        run = f"{numbers[name]}{html_only(f' `{name}`')}"
        lines.append(f"| {run} | {behind} | `{train_command(entry['settings'])}` |")
    return "\n".join(lines)
