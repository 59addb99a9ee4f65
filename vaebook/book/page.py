"""A chapter's notebook as its page shows it: the committed notebook with the re-run box added
at its end, its parameters cell left out (the box lists every parameter), and each folded cell's
button naming what it holds. Only the page changes: the notebook on disk, and the copy the
page's download button serves, stay as committed."""

from __future__ import annotations

import ast

from vaebook.book import rerun
from vaebook.book.parameters import PARAMETERS_TAG

FOLDING = {"hide-input", "hide-cell", "hide-output"}
PROMPT_KEY = "mystnb"  # myst-nb's per-cell settings: code_prompt_show and code_prompt_hide
SET_UP = "Show the code that checks this chapter's parameters"
BEHIND = "Show the code behind the output below"
STEP = "Show the code of this step"


def _defines_only(source: str) -> list[str]:
    """The functions a cell defines, if it does nothing else (imports aside); else []."""
    try:
        body = ast.parse(source).body
    except SyntaxError:  # IPython's magics
        return []
    functions = [node.name for node in body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    others = [
        node
        for node in body
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))
    ]
    return functions if functions and not others else []


def prompt(cell) -> str:
    """The words of a folded code cell's button: what the cell holds."""
    source = cell.source
    if "from_parameters(" in source or "check_int(" in source or "check_float(" in source:
        return SET_UP
    functions = _defines_only(source)
    if functions:
        return f"Show the code of {', '.join(f'{name}()' for name in functions)}"
    return BEHIND if cell.get("outputs") else STEP


def prepared(notebook_json: str, notebook: str) -> str:
    """The notebook (its JSON) as the page ``notebook`` (its path from the repository's root)
    shows it."""
    import nbformat

    nb = nbformat.reads(notebook_json, as_version=4)
    cell = next((c for c in nb.cells if PARAMETERS_TAG in c.metadata.get("tags", [])), None)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    params = rerun.parameters(cell.source) if cell is not None else []
    box = rerun.box(notebook, params, rerun.named_in(markdown, notebook))
    if cell is not None:
        tags = [t for t in cell.metadata.get("tags", []) if t not in FOLDING]
        cell.metadata["tags"] = [*tags, "remove-cell"]
    for c in nb.cells:
        tags = set(c.metadata.get("tags", []))
        settings = c.metadata.setdefault(PROMPT_KEY, {})
        if c.cell_type == "code" and tags & FOLDING and "code_prompt_show" not in settings:
            words = prompt(c)
            settings.update(code_prompt_show=words, code_prompt_hide=words.replace("Show", "Hide", 1))
        if not settings:
            del c.metadata[PROMPT_KEY]
    nb.cells.append(nbformat.v4.new_markdown_cell(box))
    return nbformat.writes(nb)
