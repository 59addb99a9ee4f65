"""A Sphinx extension: the PDF prints what the HTML shows at once, and no more.

myst-nb leaves out the cells tagged ``remove-cell``, ``remove-input`` or ``remove-output`` in
every builder. The HTML folds those tagged ``hide-cell``, ``hide-input`` or ``hide-output`` away
behind a button, and shows those tagged ``html-only`` (the interactive figures' cells); every
other builder leaves out what the HTML folds away, and the ``html-only`` cells whole. The cells
are pruned from each builder's own resolved doctree, so HTML and PDF builds can share Sphinx's
cache of read documents."""

from __future__ import annotations

from docutils import nodes

HTML_ONLY = "tag_html-only"  # myst-nb gives a cell's container a class per tag
HTML_ONLY_TEXT = "html-only"  # the class of inline text shown in the HTML only
# myst-nb's hide_mode of a cell -> the parts the HTML folds away (nb_element of each part)
FOLDED = {
    "all": ("cell_code_source", "cell_code_output"),
    "input+output": ("cell_code_source", "cell_code_output"),
    "input": ("cell_code_source",),
    "output": ("cell_code_output",),
}


def _prune(app, doctree, docname) -> None:
    if app.builder.format == "html":
        return
    for span in list(doctree.findall(nodes.inline)):
        if HTML_ONLY_TEXT in span.get("classes", []) and span.parent is not None:
            span.parent.remove(span)
    for cell in list(doctree.findall(nodes.container)):
        if cell.parent is None:  # inside a cell removed already
            continue
        if HTML_ONLY in cell.get("classes", []):
            cell.parent.remove(cell)
            continue
        folded = FOLDED.get(cell.get("hide_mode"), ())
        for part in [child for child in cell.children if child.get("nb_element") in folded]:
            cell.remove(part)
        if folded and not cell.children:
            cell.parent.remove(cell)


def setup(app) -> dict:
    app.connect("doctree-resolved", _prune)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
