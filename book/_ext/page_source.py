"""A Sphinx extension: each chapter's page as ``vaebook.book.page`` prepares it (the re-run box at
its end, the parameters cell left out, each folded cell's button naming what it holds). The page
is prepared when Sphinx reads the notebook (``source-read``); the notebook on disk, and the copy
the download button serves, stay as committed. In the PDF, a flag of the box is set in one box
and the box's text ragged right."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

from docutils import nodes

from vaebook.book import page, rerun


def _prepare(app, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix == ".ipynb":
        source[0] = page.prepared(source[0], path.relative_to(Path(app.srcdir).parent).as_posix())


def _unbroken_in_latex(app, doctree, docname) -> None:
    """In the PDF, a NOWRAP literal is set in one box (the HTML's style sheet does the same), and
    the box's text ragged right: justified, lines of unbreakable flags gape."""
    if app.builder.format != "latex":
        return
    for admonition in doctree.findall(nodes.admonition):
        if rerun.BOX in admonition.get("classes", []):
            admonition.insert(1, nodes.raw("", r"\raggedright", format="latex"))  # after its title
    for literal in list(doctree.findall(nodes.literal)):
        if rerun.NOWRAP in literal.get("classes", []):
            literal.replace_self(
                [nodes.raw("", r"\mbox{", format="latex"), literal, nodes.raw("", "}", format="latex")]
            )


def setup(app) -> dict:
    app.connect("source-read", _prepare)
    app.connect("doctree-resolved", _unbroken_in_latex)
    # Sphinx re-reads every page when an extension's env_version changes: a change to the code
    # that prepares the pages then reaches every page, not only the notebooks changed since.
    code = "".join(inspect.getsource(module) for module in (page, rerun))
    version = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)
    return {"env_version": version, "parallel_read_safe": True, "parallel_write_safe": True}
