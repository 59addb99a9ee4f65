"""The "Re-run this chapter" box that ends each chapter's page, built from the chapter's own
``parameters`` cell: the papermill command that re-runs it, then every parameter as the flag
that gives papermill its default. The parameters the chapter varies or judges come first; the
settings of its runs (``vaebook.Config``'s fields) follow, folded under one line.

The cell is read by papermill's own inspection (names, defaults as written, the comment on a
parameter's line); the comment lines above a parameter, which papermill leaves out, are read here.
``vaebook.book.page`` adds the box to each chapter's page, which ``book/_ext/page_source.py`` hands
to Sphinx."""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import shlex
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vaebook.book.parameters import papermill_value
from vaebook.config import Config

NOT_A_LITERAL = object()  # a default papermill cannot pass back (an expression, a set, ...)
CONFIG_FIELDS = frozenset(f.name for f in dataclasses.fields(Config))
NOWRAP = "nowrap"  # the class of a flag's inline code: no line break inside it, in the HTML or the PDF
BOX = "rerun"  # the box's class
SETTINGS = "rerun-settings"  # the class of the folded group of the runs' settings
# How a reader without an activated environment runs papermill (the README's set-up).
ACTIVATE = "source .venv/bin/activate"


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


def _comment_lines(cell_source: str) -> dict[int, str]:
    """Line number -> the text of the comment on that line."""
    tokens = tokenize.generate_tokens(io.StringIO(cell_source).readline)
    return {t.start[0]: t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT}


def _first_lines(cell_source: str) -> dict[str, int]:
    """Each assigned name -> the line of its first assignment (``name = ...``, ``name: T = ...``)."""
    lines: dict[str, int] = {}
    for node in ast.parse(cell_source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        if isinstance(target, ast.Name):
            lines.setdefault(target.id, node.lineno)
    return lines


def _literal(source: str) -> object:
    try:
        return ast.literal_eval(source)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_A_LITERAL


def parameters(cell_source: str) -> list[Parameter]:
    """The names a parameters cell assigns, in order, as papermill reads them (the assignments
    papermill can replace), with the comment lines above each."""
    import nbformat
    from papermill.translators import PythonTranslator

    inspected = PythonTranslator.inspect(nbformat.v4.new_code_cell(cell_source))
    comments, lines = _comment_lines(cell_source), _first_lines(cell_source)
    text = cell_source.splitlines()
    found = []
    for p in inspected:
        line = lines.get(p.name)
        if line is None:  # papermill read something Python does not assign: not a parameter
            continue
        above = line - 1
        while above >= 1 and text[above - 1].lstrip().startswith("#"):
            above -= 1
        lead = " ".join(comments[n] for n in range(above + 1, line) if comments.get(n))
        found.append(Parameter(p.name, p.default, _literal(p.default), p.help, lead))
    return found


def _as_lists(value: object) -> object:
    """Tuples as lists, recursively: papermill's YAML gives lists, which the chapters accept."""
    if isinstance(value, (tuple, list)):
        return [_as_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    return value


def papermill_flag(name: str, value: object, source: str = "") -> list[str] | None:
    """The papermill arguments that set ``name`` to exactly ``value``, or None if none can. A
    number is written as in ``source`` (the cell's ``1e-3``, ``10_000``) where papermill reads
    that text as the same value."""
    import yaml

    if isinstance(value, str):
        return ["-p" if papermill_value(value) == value else "-r", name, value]
    if value is None or isinstance(value, (bool, int, float)):
        same = type(papermill_value(source)) is type(value) and papermill_value(source) == value
        return ["-p", name, source if same else repr(value)]
    if isinstance(value, (tuple, list, dict)):
        flow = yaml.safe_dump(_as_lists(value), default_flow_style=True, width=float("inf")).strip()
        if yaml.safe_load(f"{name}: {flow}") == {name: _as_lists(value)}:
            return ["-y", f"{name}: {flow}"]
    return None


def command(notebook: str) -> str:
    """The shell command that re-runs ``notebook`` with its defaults."""
    return f"papermill {shlex.quote(notebook)} out.ipynb"


def flag_text(param: Parameter) -> str | None:
    """``papermill_flag`` as it is typed in a shell, or None if papermill cannot pass the default."""
    flag = papermill_flag(param.name, param.value, param.source)
    return None if flag is None else " ".join(shlex.quote(a) for a in flag)


def named_in(markdown: str, notebook: str) -> list[str]:
    """The parameters a chapter's text sets in its own papermill commands (``papermill
    NOTEBOOK out.ipynb -p name value``), in order of first mention."""
    names: dict[str, None] = {}
    for line in markdown.splitlines():
        start = line.find(f"papermill {notebook} ")
        if start >= 0:
            for match in re.finditer(r"(?:^|\s)-[pry]\s+['\"]?(\w+)", line[start:]):
                names.setdefault(match.group(1))
    return list(names)


def _code(text: str, nowrap: bool = False) -> str:
    """``text`` as inline code, with a fence longer than any run of backticks inside it; with
    ``nowrap``, of the class NOWRAP (MyST's inline attributes)."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}" + (f"{{.{NOWRAP}}}" if nowrap else "")


def _prose(comment: str, defaults: dict[str, Parameter]) -> str:
    """A comment of the cell as the box's prose: a parameter named in backticks reads as its
    default (the box lists the defaults), so that "`seeds` seeds each" reads "5 seeds each"."""

    def value(match: re.Match) -> str:
        param = defaults.get(match.group(1))
        return param.source if param is not None and param.value is not NOT_A_LITERAL else match.group(0)

    return re.sub(r"`(\w+)`", value, comment)


def _sentence(text: str) -> str:
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _flags(params: list[Parameter], defaults: dict[str, Parameter], opening: str = "") -> str:
    """The flags as paragraphs, each flag with its comment in parentheses. Comment lines above a
    parameter open a paragraph; ``opening`` opens the first one."""
    paragraphs: list[tuple[str, list[str]]] = []
    for p in params:
        text = flag_text(p)
        if p.lead or not paragraphs:
            paragraphs.append((_sentence(_prose(p.lead, defaults)), []))
        if text is not None:
            comment = f" ({_prose(p.comment, defaults)})" if p.comment else ""
            paragraphs[-1][1].append(_code(text, nowrap=True) + comment)
    if opening and paragraphs:
        lead, flags = paragraphs[0]
        paragraphs[0] = (f"{opening}\n\n{lead}" if lead else opening, flags)
    return "\n\n".join(
        " ".join(filter(None, [lead, ", ".join(flags) + "."])) for lead, flags in paragraphs if flags
    )


FOLD_OVER = 4  # the runs' settings are folded when there are more of them


def box(notebook: str, params: list[Parameter], named: Iterable[str] = ()) -> str:
    """The admonition, in MyST markdown: the command, then the parameters the chapter varies or
    judges (those that are not ``Config`` fields, and those in ``named``, which its text sets in
    its own commands), then the runs' other settings folded under one line."""
    page = "appendix" if Path(notebook).stem.startswith("appendix") else "chapter"
    defaults = {p.name: p for p in params}
    start = (
        f"This {page} is the notebook {_code(notebook)}, executed. From the repository's root, with "
        f"the project environment active ({_code(ACTIVATE, nowrap=True)}), "
        f"{_code(command(notebook))} runs it again"
    )
    if not params:
        body = f"{start}; it takes no parameters."
        return f":::{{admonition}} Re-run this {page}\n:class: tip {BOX}\n\n{body}\n:::\n"
    named = set(named)
    own = [p for p in params if p.name not in CONFIG_FIELDS or p.name in named]
    settings = [p for p in params if p not in own]
    parts = [f"{start} with the defaults below; add any flag, changed, to run a variant."]
    if own:
        parts.append(_flags(own, defaults, f"This {page}'s own parameters:"))
    if len(settings) > FOLD_OVER:
        title = f"The settings of its runs: {len(settings)} fields of `vaebook.Config`"
        flags = _flags(settings, defaults)
        parts.append(f"::::{{dropdown}} {title}\n:class-container: {SETTINGS}\n\n{flags}\n::::")
    elif settings:
        parts.append(_flags(settings, defaults, "Its settings, fields of `vaebook.Config`:" if own else ""))
    left_out = [p for p in params if flag_text(p) is None]
    if left_out:
        names = ", ".join(f"{_code(p.name)} ({_code(p.source)})" for p in left_out)
        parts.append(f"The flags leave out {names}: papermill cannot pass such a default.")
    body = "\n\n".join(parts)
    return f":::::{{admonition}} Re-run this {page}\n:class: tip {BOX}\n\n{body}\n:::::\n"
