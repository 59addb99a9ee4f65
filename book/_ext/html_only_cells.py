"""A Sphinx extension: code cells tagged ``html-only`` appear in the HTML and nowhere else.

The cells that make the interactive figures carry the tag: the HTML shows their code beside the
figure, the PDF (which has no interactive figure) neither. They are dropped from each builder's
own resolved doctree, so HTML and PDF builds can share Sphinx's cache of read documents."""

from __future__ import annotations

from docutils import nodes

TAG_CLASS = "tag_html-only"  # myst-nb gives a cell's container a class per tag


def _drop_html_only_cells(app, doctree, docname) -> None:
    if app.builder.format == "html":
        return
    for cell in list(doctree.findall(nodes.container)):
        if TAG_CLASS in cell.get("classes", []):
            cell.parent.remove(cell)


def setup(app) -> dict:
    app.connect("doctree-resolved", _drop_html_only_cells)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
