"""What the chapters' listings of the package show: each ``literalinclude`` of a vaebook module,
by ``:pyobject:`` (one function) or by ``:start-at:`` and ``:end-before:`` markers (a run of
whole functions), read from a chapter's Markdown and the module's source."""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "vaebook"
PYOBJECT = re.compile(r"```\{literalinclude\} \.\./vaebook/(\S+)\n:pyobject: (\w+)\n```")
SPAN = re.compile(
    r'```\{literalinclude\} \.\./vaebook/(\S+)\n:start-at: "([^"]+)"\n:end-before: "([^"]+)"\n```'
)


def spanned(module: str, start: str, end: str) -> set[str]:
    """The top-level functions that a listing of ``module``, from the first line holding
    ``start`` to the line before the next one holding ``end``, shows whole (decorators too)."""
    source = (PACKAGE / module).read_text()
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if start in line), None)
    assert first is not None, f"{module}: no line holds {start!r}"
    stop = next((i for i, line in enumerate(lines) if i > first and end in line), None)
    assert stop is not None, f"{module}: no line after {start!r} holds {end!r}"
    functions = [node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]
    return {
        f.name
        for f in functions
        if first + 1 <= min([f.lineno, *(d.lineno for d in f.decorator_list)]) and f.end_lineno <= stop
    }


def included(markdown: str) -> list[tuple[str, set[str]]]:
    """(module, the functions it shows whole) for every listing of the package in ``markdown``."""
    listings = [(module, {name}) for module, name in PYOBJECT.findall(markdown)]
    return listings + [(module, spanned(module, start, end)) for module, start, end in SPAN.findall(markdown)]
