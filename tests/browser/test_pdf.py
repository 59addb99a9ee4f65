"""The PDF holds every figure and Table 1, and reads as a book: front matter, the HTML's parts and
chapter numbers, a lettered appendix, unnumbered references, captions numbered by chapter."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import nbformat
import pytest

from .conftest import PARTS, PDF, ROOT, chapters
from .test_html import FIGURES

# The report's own text prints its lost cross-references as "??"; the book quotes it.
QUOTED_QUESTION_MARKS = ("“??”", "“Figure ?? [sic] shows")
# What a page prints besides its text: the book's title, the page number, the chapter or section.
RUNNING = re.compile(
    r"Variational Auto-Encoder in TensorFlow, re-created(, Release [\w.]+)?|[0-9ivxlc]+|Contents"
    r"|About this book"
    r"|(Chapter|Appendix) [0-9A-Z]+\. .*|[0-9A-Z]+\.[0-9]+\. .*"
)


@pytest.fixture(scope="module")
def pdf():
    if not PDF.exists():
        pytest.fail(f"no PDF at {PDF}: run `jupyter-book build book/ --builder pdflatex` first")
    for tool in ("pdfimages", "pdftotext", "pdftohtml"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} (poppler-utils) is needed: `make setup` installs it")
    return PDF


@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


@pytest.fixture(scope="module")
def text(pages) -> str:
    """The whole text on one line: captions and sentences that the layout breaks are whole again."""
    return " ".join(" ".join(pages).split())


def _items(outline: ET.Element) -> list[tuple[str, int, list]]:
    """(title, page, children) for each bookmark; pdftohtml nests an item's children in an
    <outline> right after it."""
    items: list = []
    for element in outline:
        if element.tag == "item":
            items.append((element.text or "", int(element.get("page")), []))
        elif element.tag == "outline":
            items[-1][2].extend(_items(element))
    return items


def _titles(items: list):
    for title, _, children in items:
        yield title
        yield from _titles(children)


@pytest.fixture(scope="module")
def outline(pdf) -> list[tuple[str, int, list]]:
    command = ["pdftohtml", "-xml", "-i", "-q", "-stdout", str(pdf)]
    xml = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return _items(ET.fromstring(xml).find("outline"))


def test_every_figure_is_in_the_pdf(pdf):
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    images = [line for line in listing.stdout.splitlines()[2:] if line.split()[2] == "image"]
    assert len(images) >= sum(FIGURES.values())


def test_table_1_is_in_the_pdf(pdf):
    command = ["pdftotext", "-layout", str(pdf), "-"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "Table 1" in text
    for row in ("z dimension", "Batch size", "Learning rate", "Number of Swiss-roll points", "100 units"):
        assert row in text, row


def test_front_matter_then_the_three_parts(outline):
    top = [title for title, _, _ in outline]
    assert top == ["About this book", "The report, re-created", "Beyond the report", "Appendix"]
    assert top[1:] == [part["caption"] for part in PARTS if "caption" in part]
    # The front page is one unnumbered chapter of at most two pages, before the first part.
    (_, about, sections), (_, first_part, _) = outline[0], outline[1]
    assert sections == [] and first_part - about <= 2


def test_chapters_are_numbered_as_in_the_html(outline):
    """Bookmarks read "1 The data: ...": chapters 1-9 in the toc's order, the appendix lettered,
    the references last and unnumbered."""
    bookmarks = [title for _, _, part in outline[1:] for title, _, _ in part]
    expected = [f"{number} {title}" if number else title for _, number, title in chapters()]
    assert bookmarks == expected
    assert bookmarks[0] == "1 The data: the report’s Swiss roll"
    assert bookmarks[8].startswith("9 ") and bookmarks[9].startswith("A ")
    assert bookmarks[-1] == "References"


def test_no_chapter_is_a_section_of_the_front_page(outline, text):
    front_sections = re.findall(r"^## (.+)$", (ROOT / "book" / "index.md").read_text(), re.M)
    assert "How to read it" in front_sections and "How to rebuild it and re-run a chapter" in front_sections
    titles = list(_titles(outline))
    for section in front_sections:
        assert not any(section in title for title in titles), section
        assert section in text  # still in the book, as a heading of the front matter


def test_running_heads_name_chapter_1_and_appendix_b(text):
    assert "Chapter 1. The data: the report’s Swiss roll" in text
    assert "Appendix B. How these numbers were made" in text
    assert "Chapter 10" not in text and "Chapter 13" not in text


def test_captions_are_numbered_by_chapter_and_name_the_report_in_words(text):
    numbers = {page: number for page, number, _ in chapters()}
    for page, count in FIGURES.items():
        for index in range(1, count + 1):
            assert f"Figure {numbers[page]}.{index} — " in text, (page, index)
    assert "Figure 1.1 — the report’s Figure 1, regenerated." in text
    assert "Figure 5.1 — the report’s Figure 2, regenerated." in text
    assert "Table 3.1 — the report’s Table 1, printed from vaebook.Config." in text
    # Not Sphinx's default "Fig. 4: Figure 2 of the report" (a heading may say "the report's Figure 1: ...").
    assert not re.search(r"\bFig\. \d|(?<!report’s )(Figure|Table) \d+: ", text)


def test_equations_are_numbered_by_chapter(text):
    assert "the report’s equation (1), numbered (2.3) in this book" in text
    assert "Its equation (1) is (2.3)" in text


def test_every_cross_reference_resolves(text):
    for quoted in QUOTED_QUESTION_MARKS:
        assert quoted in text, quoted
        text = text.replace(quoted, "")
    assert "??" not in text
    log = (PDF.parent / "vaebook.log").read_text(errors="replace")
    assert not re.search(r"(Reference|Citation) `[^']*' on page \d+ undefined", log)


def test_no_blank_pages(pages):
    """No page holds only running heads and a page number (what a two-sided layout's pages before
    a right-hand chapter did) or nothing at all."""
    blank = [
        number
        for number, page in enumerate(pages, 1)
        if all(RUNNING.fullmatch(line.strip()) for line in page.splitlines() if line.strip())
    ]
    assert blank == []


# A book, not a notebook dump: no plumbing, nothing the HTML folds away, nothing over the margin,
# figures where the text puts them, chapters referred to by number.
FOLDED = ("remove-cell", "remove-input", "hide-cell", "hide-input", "html-only")
LOG = PDF.parent / "vaebook.log"
TEX = PDF.parent / "vaebook.tex"


def test_no_plumbing_in_the_pdf(text):
    assert "glue(" not in text and "NBVAL" not in text


def test_no_overfull_box_over_5_points(pdf):
    """Nothing sticks out of the text block by more than 5 points (as LaTeX's log measures it)."""
    log = LOG.read_text(errors="replace")
    overfull = r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)\)"
    points = [float(p) for p in re.findall(overfull, log)]
    assert len(points) == log.count("Overfull \\"), "an overfull box the pattern does not read"
    over = [p for p in points if p > 5]
    assert over == [], f"{len(over)} overfull boxes over 5 pt, the largest {max(over, default=0):.1f} pt"


def _words(source: str) -> str:
    return " ".join(source.split())


def _cells():
    """(chapter, cell) for every cell of the chapters, as committed."""
    for page, _, _ in chapters():
        notebook = ROOT / "book" / f"{page}.ipynb"
        if notebook.exists():
            for cell in nbformat.read(notebook, 4).cells:
                yield page, cell


def test_cells_the_html_folds_away_are_not_printed(text):
    """No line of a cell tagged remove-*, hide-* or html-only is in the PDF. The lines looked for
    are those of at least 30 characters, by their first 30 (a printed line may wrap after them);
    the same search finds the lines of the printed code cells, so it is not blind."""
    folded, printed, code = set(), set(), set()
    for _, cell in _cells():
        tags = set(cell.metadata.get("tags", []))
        lines = {_words(line)[:30] for line in cell.source.splitlines() if len(_words(line)) >= 30}
        if cell.cell_type == "code" and tags & set(FOLDED):
            folded |= lines
        else:
            printed |= lines
            code |= lines if cell.cell_type == "code" else set()
    folded -= printed  # a line that a printed cell has too may be printed

    def in_the_pdf(line: str) -> bool:  # where a line starts, not inside another one
        return re.search(r"(?<![\w.])" + re.escape(line), text) is not None

    found = sum(map(in_the_pdf, code))
    assert len(code) >= 10 and found >= 0.8 * len(code), f"the search finds {found} of {len(code)} code lines"
    shown = sorted(filter(in_the_pdf, folded))
    assert shown == [], f"folded away in the HTML, printed in the PDF: {shown}"


def test_figures_follow_their_paragraph_within_their_section():
    """A figure goes here, or to the top of a later page (htbp), never above the paragraph that
    introduces it (flafter) nor past the end of its section (placeins)."""
    tex = TEX.read_text()
    placements = re.findall(r"\\begin\{figure\}(\[[^]]*\])?", tex)
    assert placements and set(placements) == {"[htbp]"}, set(placements)
    assert "\\usepackage{flafter}" in tex and "\\usepackage[section]{placeins}" in tex


def _page_ends(pdf) -> list[tuple[float, str]]:
    """For each page: where its text ends, as a fraction of the page's height (running feet left
    out), and its first line below the running head."""
    command = ["pdftotext", "-bbox", str(pdf), "-"]
    xml = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    ends = []
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', xml, re.S):
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', body)
        inside = [
            (float(top), float(bottom), word)
            for top, bottom, word in words
            if float(bottom) < 0.9 * float(height)
        ]
        below_head = [word for top, _, word in inside if top > 0.08 * float(height)]
        end = max((bottom for _, bottom, _ in inside), default=0.0) / float(height)
        ends.append((end, " ".join(below_head[:3])))
    return ends


def test_no_page_is_left_a_third_empty_before_its_chapter_ends(pdf):
    """A page ends less than a third short of the text block's foot only where its chapter or
    part does: the next page opens another (or the book ends), or is the title or contents."""
    ends = _page_ends(pdf)
    opens = re.compile(
        r"(CHAPTER|APPENDIX) |References|"
        + "|".join(re.escape(p["caption"]) for p in PARTS if "caption" in p)
    )
    short = [
        f"page {number}: its text ends at {end:.0%} of the page, and page {number + 1} goes on: {following!r}"
        for number, ((end, _), (_, following)) in enumerate(zip(ends, ends[1:]), 1)
        if number > 3 and end < 0.6 and not opens.match(following)
    ]
    assert short == [], "\n".join(short)


def test_chapters_are_referred_to_by_number(text):
    """A reference to a chapter without a title of its own prints "Chapter 6" or "Appendix A"."""
    numbers = {page: number for page, number, _ in chapters()}
    tex = TEX.read_text()
    doc = r"\\hyperref\[\\detokenize\{([\w-]+)::doc\}\]\{\\sphinxcrossref\{\\DUrole\{doc\}\{(.*?)\}\}\}"
    references = re.findall(doc, tex)
    assert references, "no reference to a chapter in the book"
    titled = set()
    for _, cell in _cells():
        titled.update(re.findall(r"\{doc\}`[^`<]+<([^>`]+)>`", cell.source))
    for target, printed in references:
        number = numbers.get(target)
        if number is not None and target not in titled:
            expected = f"Chapter {number}" if number.isdigit() else f"Appendix {number}"
            assert printed == expected, (target, printed)
    assert "Chapter 6" in text


def test_no_code_line_is_wrapped(pages):
    """The package's listings, the code cells and their output fit the page's width: no line
    continues on the next with Sphinx's continuation mark (which pdftotext reads as ",→"). A
    failure names the page, its chapter (the running head) and the line."""
    wrapped = []
    for number, page in enumerate(pages, 1):
        lines = page.splitlines()
        head = next((line for line in lines if re.match(r"(Chapter|Appendix) \w+\. ", line)), "")
        wrapped += [
            f"page {number} ({head or 'no running head'}): {line.strip()}"
            for line in lines
            if "↪" in line or ",→" in line
        ]
    assert wrapped == [], "code lines wrapped in the PDF:\n" + "\n".join(wrapped)


def test_each_re_run_box_gives_its_flags_whole_and_no_button(pages):
    """Every chapter's box is in the PDF, each flag on one line, and speaks of no download
    button (the PDF has none)."""
    from vaebook.book import rerun

    lines = [" ".join(line.split()) for page in pages for line in page.splitlines()]
    boxes = [page for page in pages if "Re-run this chapter" in page]
    assert len(boxes) >= len([c for c in chapters() if c[1] and c[1].isdigit()])
    assert not any("download" in page.split("Re-run this chapter", 1)[1][:1500] for page in boxes)
    for page, number, _ in chapters():
        notebook = ROOT / "book" / f"{page}.ipynb"
        if not number or not number.isdigit() or not notebook.exists():
            continue
        (cell,) = [c for c in nbformat.read(notebook, 4).cells if "parameters" in c.metadata.get("tags", [])]
        for parameter in rerun.parameters(cell.source):
            flag = rerun.flag_text(parameter)
            assert any(flag in line for line in lines), (page, flag)


def test_the_appendix_names_figures_as_the_reader_knows_them(text):
    """Its tables name an interactive view by the figure it extends, not by its internal label."""
    assert "Interactive version of Figure 1.1 (in the HTML)" in text
    assert not re.search(r"fig-[\w-]+-3d|\bfig-[a-z]+\b", text)


def test_references_are_labelled_as_the_text_cites_them(text):
    """Author and year, "[Kingma and Welling, 2014]", in the references and the text alike; no
    alpha label ("[KW14]", "[KynkaanniemiKL+19]")."""
    references = text[text.rindex("References [") :]  # the heading, then the first entry
    labels = re.findall(r"\[([^\]]+)\]", references)
    assert labels and all(re.fullmatch(r".+, \d{4}[a-z]?", label) for label in labels), labels
    assert (
        "[Kingma and Welling, 2014]" in references
        and "Kingma and Welling, 2014" in text[: text.rindex("References")]
    )
    assert not re.search(r"\[[A-Z][A-Za-z]*[A-Z]\w*\+?\d{2}\]", text)


def test_at_most_five_cache_keys_are_printed(text):
    """The appendix names runs by their settings and command in the PDF; keys are for the HTML."""
    keys = re.findall(r"(?<![0-9a-f])[0-9a-f]{16}(?![0-9a-f])", text)
    assert len(keys) <= 5, keys


def test_the_title_page_names_the_release_and_its_date(pages):
    import vaebook

    title = " ".join(pages[0].split())
    assert f"Release {vaebook.__version__}" in title
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    assert re.search(rf"\b\d{{1,2}} ({months}) \d{{4}}\b", title), title


def test_the_references_keep_their_capitals(text):
    assert "in Tensorflow" in text and "Swiss roll in TensorFlow" in text
