"""A Sphinx extension: in the PDF, the package's own code (``literalinclude`` listings) is set a
size smaller than the code cells, so that its lines, written for the package's line length and
not the page's, fit the page's width unbroken (about 99 characters; the code cells, written for
the page, keep Sphinx's size)."""

from __future__ import annotations

from docutils import nodes

SIZE = r"\footnotesize"  # the code cells' is \small


def _smaller_listings(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    for block in list(doctree.findall(nodes.literal_block)):
        if block.get("source"):  # set by literalinclude to the file it includes, and only by it
            block.replace_self(
                [
                    nodes.raw("", rf"\begingroup\fvset{{fontsize={SIZE}}}", format="latex"),
                    block,
                    nodes.raw("", r"\endgroup", format="latex"),
                ]
            )


def setup(app) -> dict:
    app.connect("doctree-resolved", _smaller_listings)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
