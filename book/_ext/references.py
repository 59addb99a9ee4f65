"""A Sphinx extension: references that print what they point to.

A reference to a chapter reads "Chapter 6", or "Appendix A", with the number the table of
contents gives it, in the HTML and the PDF alike.

MyST's ``{doc}`06_convergence``` prints the chapter's title, which in print says nothing of where
the chapter is. Here a ``{doc}`` reference without a title of its own names the chapter by its
number instead (an unnumbered page, such as the references, keeps its title); one with a title
(``{doc}`the next chapter <06_convergence>```) keeps that title. A section is referred to by its
label, ``{numref}`sec-label```, which prints "Section 5.1" through ``numfig_format``.

A span with an id (MyST's ``[text]{#made-fig-roll}``, as the appendix "How these numbers were
made" marks its rows) is a link target in the PDF too: Sphinx's LaTeX writer gives an inline
node's id no label, so ``{ref}`how it was made <made-fig-roll>``` would point nowhere there.

The bibliography labels its entries as the text cites them ("Kingma and Welling, 2014"): the
style ``vaebook`` of ``vaebook.book.citations``, registered here with pybtex, is
``bibtex_default_style`` in _config.yml."""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import docname_join

from vaebook.book import citations


def chapter_name(number: tuple) -> str | None:
    """"Chapter 6" for a numbered chapter, "Appendix A" for a lettered one, else None."""
    if not number:
        return None
    first = str(number[0])
    return f"Chapter {first}" if first.isdigit() else f"Appendix {first}"


class ChapterNumbers(SphinxPostTransform):
    default_priority = 5  # before Sphinx resolves the references (10), which prints titles

    def run(self, **kwargs) -> None:
        for ref in self.document.findall(addnodes.pending_xref):
            if ref.get("refdomain") != "std" or ref.get("reftype") != "doc" or ref.get("refexplicit"):
                continue
            target = docname_join(ref.get("refdoc", self.env.docname), ref["reftarget"])
            name = chapter_name(self.env.toc_secnumbers.get(target, {}).get(""))
            if name is not None:
                ref.children = [nodes.inline(name, name)]
                ref["refexplicit"] = True


def _label_spans(app, doctree, docname) -> None:
    if app.builder.format != "latex":
        return
    for span in list(doctree.findall(nodes.inline)):
        for id in span["ids"]:
            span.parent.insert(span.parent.index(span), nodes.target("", "", refid=id))


def setup(app) -> dict:
    citations.register()
    app.add_post_transform(ChapterNumbers)
    app.connect("doctree-resolved", _label_spans)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
