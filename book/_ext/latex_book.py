"""A Sphinx extension: the PDF takes its structure from _toc.yml, as the HTML does.

Left alone, Sphinx's LaTeX writer makes every section of the root page a chapter, drops the
parts' captions (the first one names the contents) and numbers the appendix on. Here, once the
book's pages are assembled into one tree and before it is written, the root page's text becomes
front matter (one unnumbered chapter, its sections unnumbered headings), each captioned part an
unnumbered \\part, the part numbered in letters (`style: alphaupper`, which letters it in the
HTML) LaTeX's \\appendix, and an unnumbered part back matter. The bibliography, which Sphinx
typesets at the very end under a heading of its own, takes its page's title. The title page
names the release (the package's version) and its date (``vaebook.book.release``). A long table
breaks across pages.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.builders.latex.nodes import thebibliography
from sphinx.util.texescape import escape

from vaebook.book import release

# The counters Sphinx numbers per chapter when numfig_secnum_depth is 1: it writes them with
# \arabic{chapter}, which would print an appendix's figures as 1.1, not A.1.
CHAPTER_COUNTERS = ("figure", "table", "equation", "literalblock")


def _raw(latex: str) -> nodes.raw:
    return nodes.raw("", latex + "\n", format="latex")


def _front_matter(app, root: nodes.section) -> None:
    """The root page's text as one unnumbered chapter, in the table of contents, and its sections
    as unnumbered headings under it (rubrics, which the writer typesets as \\section*)."""
    title = escape(app.config.latex_front_matter_title, app.config.latex_engine)
    root.insert(
        1,
        _raw(
            rf"\clearpage\phantomsection\addcontentsline{{toc}}{{chapter}}{{{title}}}"
            rf"\chapter*{{{title}}}\markboth{{{title}}}{{{title}}}"
        ),
    )
    for section in [child for child in root.children if isinstance(child, nodes.section)]:
        heading = nodes.rubric("", "", *section[0].children, **{"heading-level": 2})
        target = nodes.target("", "", ids=section["ids"])
        section.replace_self([target, heading, *section.children[1:]])


def _part_start(app, part, first: bool) -> str:
    latex = []
    if first:  # the front matter's pages are numbered i, ii, ... (see latex_elements in _config.yml)
        latex.append(r"\clearpage\pagenumbering{arabic}")
    if part.caption:  # unnumbered, as the HTML's captions are
        caption = escape(part.caption, app.config.latex_engine)
        latex.append(
            rf"\clearpage\phantomsection\addcontentsline{{toc}}{{part}}{{{caption}}}"
            rf"\part*{{\csname py@HeaderFamily\endcsname {caption}}}"  # the chapters' typeface
        )
    style = part.style[0] if isinstance(part.style, list) else part.style
    if part.numbered and style == "alphaupper":
        latex.append(r"\appendix")
        if app.config.numfig_secnum_depth == 1:
            latex += [rf"\renewcommand{{\the{c}}}{{\thechapter.\arabic{{{c}}}}}" for c in CHAPTER_COUNTERS]
    if not part.numbered:
        latex.append(r"\setcounter{secnumdepth}{-1}")
    return "\n".join(latex)


def _move_bibliography(app, doctree: nodes.document, start: addnodes.start_of_file) -> None:
    """Sphinx's LaTeX writer gathers the citations at the end of the book, under a heading of its
    own (\\bibname); a page that held only the bibliography keeps its place and gives its title."""
    section = start.next_node(nodes.section)
    bibliography = next(iter(doctree.findall(thebibliography)), None)
    if section is None or bibliography is None or any(child.astext().strip() for child in section[1:]):
        return
    title = escape(section[0].astext(), app.config.latex_engine)
    bibliography.parent.remove(bibliography)
    target = nodes.target("", "", ids=section["ids"])
    rest = section.children[1:]  # what the bibliography directive left: no text
    section.replace_self([_raw(rf"\renewcommand{{\bibname}}{{{title}}}"), target, *rest, bibliography])


def _docname(app, name: str) -> str:
    """A toc entry's page name without its suffix, as Sphinx names the page."""
    return next((name[: -len(s)] for s in app.config.source_suffix if name.endswith(s)), name)


def _structure(app, doctree: nodes.document, docname: str) -> None:
    """Rearranges the assembled book (the LaTeX builder resolves it as the root page)."""
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    root = doctree.next_node(nodes.section)
    _front_matter(app, root)
    starts = {start["docname"]: start for start in doctree.findall(addnodes.start_of_file)}
    cite = app.env.get_domain("cite")
    for docname in {key.docname for key in cite.bibliographies} & starts.keys():
        _move_bibliography(app, doctree, starts[docname])
    for index, part in enumerate(app.env.external_site_map.root.subtrees):
        first = starts[_docname(app, part.files()[0])]
        first.parent.insert(first.parent.index(first), _raw(_part_start(app, part, index == 0)))


def _release(app, config) -> None:
    """The release and its date, which Sphinx's title page prints ("Release 0.3.0")."""
    config.version = config.release = release.version()
    changelog = Path(app.srcdir).parent / release.CHANGELOG
    text = changelog.read_text() if changelog.is_file() else ""
    config.today = release.title_date(config.release, release.release_date(text, config.release))


LONG = 6  # a table of more rows is a longtable in the PDF: it breaks across pages


def _column_widths(tgroup: nodes.tgroup) -> list[int]:
    """Widths for a table's columns, in percent: as the mean length of their cells' text (a label
    column narrow, a prose column wide), but never narrower than their longest word."""
    rows = list(tgroup.findall(nodes.row))
    columns = len([c for c in tgroup.children if isinstance(c, nodes.colspec)])
    weights = []
    for index in range(columns):
        texts = [row[index].astext() for row in rows if len(row) > index]
        mean = sum(map(len, texts)) / max(len(texts), 1)
        longest = max((len(word) for text in texts for word in text.split()), default=1)
        weights.append(min(max(mean, 1.8 * longest), 60))
    return [round(100 * w / sum(weights)) for w in weights]


def _long_tables(app, doctree, docname) -> None:
    """A table of more than LONG rows breaks across pages in the PDF (a longtable, its header
    repeated) instead of moving whole to the next page and leaving the rest of this one empty;
    without widths of its own, its columns are as wide as their text needs."""
    if app.builder.format != "latex":
        return
    for table in doctree.findall(nodes.table):
        tgroup = next(iter(table.findall(nodes.tgroup)), None)
        body = next(iter(tgroup.findall(nodes.tbody)), None) if tgroup is not None else None
        if body is None or len(body.children) <= LONG or "longtable" in table["classes"]:
            continue
        table["classes"].append("longtable")
        if "colwidths-given" not in table["classes"]:
            specs = [c for c in tgroup.children if isinstance(c, nodes.colspec)]
            for spec, width in zip(specs, _column_widths(tgroup)):
                spec["colwidth"] = width
            table["classes"].append("colwidths-given")


def setup(app) -> dict:
    app.add_config_value("latex_front_matter_title", "About this book", "env")
    app.connect("config-inited", _release)
    app.connect("doctree-resolved", _long_tables)
    app.connect("doctree-resolved", _structure)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
