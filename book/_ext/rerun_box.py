"""A Sphinx extension: a "Re-run this chapter" box at the end of every chapter, generated from
the chapter's own ``parameters`` cell: the papermill command that re-runs it, and the flags that
give papermill each parameter's default, to change for a variant. It is the page's one listing of
the parameters (the chapters fold their parameters cell away, and the PDF leaves it out).

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
from docutils import nodes

from vaebook.book.parameters import papermill_value

NOT_A_LITERAL = object()  # a default papermill cannot pass back (an expression, a set, ...)


@dataclass(frozen=True)
class Parameter:
    """One assignment of a parameters cell: the name, the default as written, its value, a
    comment on the same line if there is one, and the comment lines right above it (which
    introduce it and the parameters after it) if there are."""

    name: str
    source: str
    value: object
    comment: str = ""
    lead: str = ""


def parameters(cell_source: str) -> list[Parameter]:
    """The names a parameters cell assigns (``name = value`` or ``name: type = value``), in order."""
    tree = ast.parse(cell_source)
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(cell_source).readline)
        if token.type == tokenize.COMMENT
    }
    lines = cell_source.splitlines()
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
        above = node.lineno - 1  # the comment lines right above the assignment, if any
        while above >= 1 and lines[above - 1].lstrip().startswith("#"):
            above -= 1
        lead = " ".join(comments[n] for n in range(above + 1, node.lineno) if comments.get(n))
        comment = comments.get(node.end_lineno, "")
        source = ast.get_source_segment(cell_source, node.value)
        found.append(Parameter(target.id, source, value, comment, lead))
    return found


def _plain(value: object) -> object:
    """Tuples as lists, recursively: papermill's YAML gives lists, which the chapters accept."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def papermill_flag(name: str, value: object, source: str = "") -> list[str] | None:
    """The papermill arguments that set ``name`` to exactly ``value``, or None if none can. A
    number is written as in ``source`` (the cell's ``1e-3``, ``10_000``) where papermill reads
    that text as the same value."""
    if isinstance(value, str):
        return ["-p" if papermill_value(value) == value else "-r", name, value]
    if value is None or isinstance(value, (bool, int, float)):
        same = type(papermill_value(source)) is type(value) and papermill_value(source) == value
        return ["-p", name, source if same else repr(value)]
    if isinstance(value, (tuple, list, dict)):
        flow = yaml.safe_dump(_plain(value), default_flow_style=True, width=float("inf")).strip()
        if yaml.safe_load(f"{name}: {flow}") == {name: _plain(value)}:
            return ["-y", f"{name}: {flow}"]
    return None


def command(notebook: str) -> str:
    """The shell command that re-runs ``notebook`` with its defaults."""
    return f"papermill {shlex.quote(notebook)} out.ipynb"


def flag_text(param: Parameter) -> str | None:
    """``papermill_flag`` as it is typed in a shell, or None if papermill cannot pass the default."""
    flag = papermill_flag(param.name, param.value, param.source)
    return None if flag is None else " ".join(shlex.quote(a) for a in flag)


NOWRAP = "nowrap"  # the class of a flag's inline code: no line break inside it, in the HTML or the PDF
BOX = "rerun"  # the box's class


def _code(text: str, nowrap: bool = False) -> str:
    """``text`` as inline code, with a fence longer than any run of backticks inside it; with
    ``nowrap``, of the class NOWRAP (MyST's inline attributes)."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}" + (f"{{.{NOWRAP}}}" if nowrap else "")


def _flags(params: list[Parameter]) -> str:
    """The flags as a paragraph, each with its comment in parentheses; where comment lines
    introduce a group of parameters, the group is a paragraph of its own that they open."""
    groups: list[tuple[str, list[str]]] = []
    for p in params:
        text = flag_text(p)
        if p.lead or not groups:
            groups.append((p.lead, []))
        if text is not None:
            groups[-1][1].append(_code(text, nowrap=True) + (f" ({p.comment})" if p.comment else ""))
    paragraphs = []
    for lead, flags in groups:
        if lead and not lead.endswith((".", "!", "?")):
            lead += "."
        if flags:
            paragraphs.append(" ".join(filter(None, [lead, ", ".join(flags) + "."])))
    return "\n\n".join(paragraphs)


def box(notebook: str, params: list[Parameter]) -> str:
    """The admonition, in MyST markdown."""
    page = "appendix" if Path(notebook).stem.startswith("appendix") else "chapter"
    start = f"This {page} is the notebook {_code(notebook)}, executed. From the repository's root, "
    if params:
        text = (
            f"{start}{_code(command(notebook))} runs it again with these defaults; add any of them, "
            f"changed, to run a variant:\n\n{_flags(params)}"
        )
        left_out = [p for p in params if flag_text(p) is None]
        if left_out:
            names = ", ".join(f"{_code(p.name)} ({_code(p.source)})" for p in left_out)
            text += f"\n\nThe flags leave out {names}: papermill cannot pass such a default."
    else:
        text = f"{start}{_code(command(notebook))} runs it again; it takes no parameters."
    return f":::{{admonition}} Re-run this {page}\n:class: tip {BOX}\n\n{text}\n:::\n"


def with_box(notebook_json: str, notebook: str) -> str:
    """The notebook with the box added as its last cell, after the chapter's own text."""
    nb = nbformat.reads(notebook_json, as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    nb.cells.append(nbformat.v4.new_markdown_cell(box(notebook, parameters(cell.source) if cell else [])))
    return nbformat.writes(nb)


def _add_box(app, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix == ".ipynb":
        source[0] = with_box(source[0], path.relative_to(Path(app.srcdir).parent).as_posix())


def _unbroken_in_latex(app, doctree, docname) -> None:
    """In the PDF, a NOWRAP literal is set in one box (the HTML's style sheet does the same), and
    the box's text ragged right: justified, lines of unbreakable flags gape."""
    if app.builder.format != "latex":
        return
    for admonition in doctree.findall(nodes.admonition):
        if BOX in admonition.get("classes", []):
            admonition.insert(1, nodes.raw("", r"\raggedright", format="latex"))  # after its title
    for literal in list(doctree.findall(nodes.literal)):
        if NOWRAP in literal.get("classes", []):
            literal.replace_self(
                [nodes.raw("", r"\mbox{", format="latex"), literal, nodes.raw("", "}", format="latex")]
            )


def setup(app) -> dict:
    app.connect("source-read", _add_box)
    app.connect("doctree-resolved", _unbroken_in_latex)
    # Sphinx re-reads every page when an extension's env_version changes: a change to this file
    # then reaches every box, not only those of notebooks changed since the last build.
    version = int(hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8], 16)
    return {"env_version": version, "parallel_read_safe": True, "parallel_write_safe": True}
