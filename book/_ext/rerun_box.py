"""A Sphinx extension: a "Re-run this chapter" box under every chapter's title, generated from the
chapter's own ``parameters`` cell, with the papermill command that re-runs it and the defaults.

The box is added when Sphinx reads the notebook (``source-read``), to the page only: the
notebook on disk, and the copy the download button serves, stay as committed. The functions
below do not need Sphinx, so that tests can check them alone."""

from __future__ import annotations

import ast
import hashlib
import io
import re
import shlex
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from vaebook.book.parameters import papermill_value

NOT_A_LITERAL = object()  # a default papermill cannot pass back (an expression, a set, ...)


@dataclass(frozen=True)
class Parameter:
    """One assignment of a parameters cell: the name, the default as written, its value, and a
    comment on the same line if there is one."""

    name: str
    source: str
    value: object
    comment: str = ""


def parameters(cell_source: str) -> list[Parameter]:
    """The names a parameters cell assigns (``name = value`` or ``name: type = value``), in order."""
    tree = ast.parse(cell_source)
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(cell_source).readline)
        if token.type == tokenize.COMMENT
    }
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            value = NOT_A_LITERAL
        comment = comments.get(node.end_lineno, "")
        found.append(Parameter(target.id, ast.get_source_segment(cell_source, node.value), value, comment))
    return found


def _plain(value: object) -> object:
    """Tuples as lists, recursively: papermill's YAML gives lists, which the chapters accept."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def papermill_flag(name: str, value: object) -> list[str] | None:
    """The papermill arguments that set ``name`` to exactly ``value``, or None if none can."""
    if isinstance(value, str):
        return ["-p" if papermill_value(value) == value else "-r", name, value]
    if value is None or isinstance(value, (bool, int, float)):
        return ["-p", name, repr(value)]
    if isinstance(value, (tuple, list, dict)):
        flow = yaml.safe_dump(_plain(value), default_flow_style=True, width=float("inf")).strip()
        if yaml.safe_load(f"{name}: {flow}") == {name: _plain(value)}:
            return ["-y", f"{name}: {flow}"]
    return None


def command(notebook: str, params: list[Parameter]) -> str:
    """The shell command that re-runs ``notebook`` with these parameters, one per line."""
    flags = [flag for p in params if (flag := papermill_flag(p.name, p.value)) is not None]
    lines = [f"papermill {shlex.quote(notebook)} out.ipynb"]
    lines += ["  " + " ".join(shlex.quote(a) for a in flag) for flag in flags]
    return " \\\n".join(lines)


def _code(text: str) -> str:
    """``text`` as inline code, with a fence longer than any run of backticks inside it."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def box(notebook: str, params: list[Parameter]) -> str:
    """The admonition, in MyST markdown."""
    if params:
        listed = ", ".join(
            _code(f"{p.name} = {p.source}") + (f" ({p.comment})" if p.comment else "") for p in params
        )
        takes = f"Its parameters, with their defaults: {listed}."
        left_out = [p.name for p in params if papermill_flag(p.name, p.value) is None]
        if left_out:
            names = ", ".join(_code(n) for n in left_out)
            takes += f" The command leaves out {names}: papermill cannot pass such a default."
    else:
        takes = "It takes no parameters."
    return (
        ":::{admonition} Re-run this chapter\n:class: tip\n\n"
        f"This chapter is the notebook {_code(notebook)}, executed (the HTML's download button gives "
        "it). From the repository's root, this command runs it again with the defaults of its "
        "`parameters` cell; change a value to run a variant:\n\n"
        f"```bash\n{command(notebook, params)}\n```\n\n{takes}\n:::\n"
    )


def with_box(notebook_json: str, notebook: str) -> str:
    """The notebook with the box put under the first cell's title (a ``# `` heading line)."""
    nb = nbformat.reads(notebook_json, as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    admonition = box(notebook, parameters(cell.source) if cell is not None else [])
    first = nb.cells[0] if nb.cells else None
    lines = first.source.splitlines(keepends=True) if first and first.cell_type == "markdown" else []
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if title is None:
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(admonition))
    else:
        head, rest = "".join(lines[: title + 1]), "".join(lines[title + 1 :])
        first.source = f"{head.rstrip()}\n\n{admonition}\n{rest.lstrip()}"
    return nbformat.writes(nb)


def _add_box(app, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix == ".ipynb":
        source[0] = with_box(source[0], path.relative_to(Path(app.srcdir).parent).as_posix())


def setup(app) -> dict:
    app.connect("source-read", _add_box)
    # Sphinx re-reads every page when an extension's env_version changes: a change to this file
    # then reaches every box, not only those of notebooks changed since the last build.
    version = int(hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8], 16)
    return {"env_version": version, "parallel_read_safe": True, "parallel_write_safe": True}
