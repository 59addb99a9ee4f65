"""Every page of the rendered book loads in a real browser, offline, and every figure renders: the
images, and the interactive plotly figures, whose epoch slider and legend work."""

import re
import shlex

import pytest

from .conftest import HTML, PAGES, PARTS, ROOT, chapters

# Chapters whose figures the book promises (the report's four and the new ones).
FIGURES = {
    "01_data": 2,
    "04_training": 1,
    "05_results": 2,
    "06_convergence": 1,
    "07_generation": 3,
    "08_design": 2,
    "09_original_code": 2,
}


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_and_its_images_render(browser, site, page):
    """... with no error in its console and no request to another machine."""
    browser.get_log("browser")  # empties the log of earlier pages
    browser.get(f"{site}/{page}.html")
    assert "Variational Auto-Encoder" in browser.title
    main = browser.find_element("css selector", "main")
    assert main.text.strip() and "Page not found" not in main.text
    broken = browser.execute_script(
        "return [...document.querySelectorAll('main img')]"
        ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert broken == [], f"images that did not render: {broken}"
    figures = browser.execute_script(
        "return [...document.querySelectorAll('main figure')]"
        ".filter(f => [...f.querySelectorAll('img')].some(i => i.naturalWidth > 100)).length"
    )
    assert figures >= FIGURES.get(page, 0)
    assert _requests_elsewhere(browser, site) == []
    assert _console_errors(browser) == []


def test_table_1_and_equation_1_are_numbered(browser, site):
    browser.get(f"{site}/03_architecture.html")
    table = browser.find_element("css selector", "main table")
    assert "Table 1" in browser.find_element("css selector", "main").text
    assert "Batch size" in table.text and "Learning rate" in table.text
    browser.get(f"{site}/02_loss.html")
    assert browser.find_elements("css selector", "main [id='equation-eq-1']")


def _texts(browser, selector: str) -> list[str]:
    script = f"return [...document.querySelectorAll({selector!r})].map(e => e.textContent.trim())"
    return browser.execute_script(script)


def test_sidebar_numbers_the_chapters_as_the_pdf(browser, site):
    """1-9 on across the two parts, the appendix lettered, the references unnumbered: the numbers
    the PDF's chapters carry (tests/browser/test_pdf.py)."""
    browser.get(f"{site}/index.html")
    captions = _texts(browser, "nav.bd-docs-nav .caption-text")
    assert captions == [part["caption"] for part in PARTS if "caption" in part]
    entries = _texts(browser, "nav.bd-docs-nav ul.bd-sidenav:not(.bd-sidenav__home-link) > li.toctree-l1 > a")
    assert entries == [f"{number}. {title}" if number else title for _, number, title in chapters()]
    assert entries[0] == "1. The data: the report’s Swiss roll" and entries[-1] == "References"


def test_captions_and_equations_are_numbered_by_chapter(browser, site):
    numbers = {page: number for page, number, _ in chapters()}
    for page, count in FIGURES.items():
        browser.get(f"{site}/{page}.html")
        labels = _texts(browser, "main figure .caption-number")
        assert len(labels) >= count
        assert labels == [f"Figure {numbers[page]}.{index}" for index in range(1, len(labels) + 1)]
        assert all(text.startswith("— ") for text in _texts(browser, "main figure .caption-text"))
    browser.get(f"{site}/05_results.html")
    assert _texts(browser, "main figcaption")[0].startswith("Figure 5.1 — the report’s Figure 2, regenerated")
    browser.get(f"{site}/03_architecture.html")
    assert _texts(browser, "main table caption")[0].startswith("Table 3.1 — the report’s Table 1, printed")
    browser.get(f"{site}/02_loss.html")
    assert [n.rstrip("#") for n in _texts(browser, "main #equation-eq-1 .eqno")] == ["(2.3)"]  # # = its link


def test_equations_are_typeset_without_a_network(browser, site):
    """MathJax is served with the book (sphinx-mathjax-offline), so the equations are typeset
    where no CDN is reachable, as on a laptop offline or this test machine."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/02_loss.html")
    typeset = WebDriverWait(browser, 20).until(
        lambda b: b.execute_script("return document.querySelectorAll('main mjx-container').length")
    )
    assert typeset >= 5
    errors = browser.execute_script("return document.querySelectorAll('main mjx-merror').length")
    assert errors == 0, "MathJax reported TeX errors"
    fonts = browser.execute_script(
        "return [...document.fonts].filter(f => f.family.startsWith('MJX') && f.status === 'error').length"
    )
    assert fonts == 0, "MathJax's fonts did not load"


# Pages with interactive plotly figures (vaebook.plots.*_3d), by the ids their chapters give them.
INTERACTIVE = {
    "01_data": ["plotly-roll"],
    "05_results": ["plotly-overlay"],
    "07_generation": ["plotly-recon-vs-prior"],
}
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb"))


def _console_errors(browser) -> list[str]:
    # The browser asks every site for /favicon.ico by itself; the book has none, and no page asks.
    return [
        e["message"]
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and "/favicon.ico" not in e["message"]
    ]


def _requests_elsewhere(browser, site: str) -> list[str]:
    return browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(url => !url.startsWith(arguments[0] + '/'))",
        site,
    )


def _wait_for_plots(browser, ids: list[str]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    script = "return arguments[0].every(id => document.getElementById(id)?._fullLayout !== undefined)"
    WebDriverWait(browser, 60).until(lambda b: b.execute_script(script, ids))


def test_every_page_is_light():
    """The interactive figures' points are subsampled so that a page stays under 3 MB (plotly.js,
    shared by the pages, not counted)."""
    sizes = {page.name: page.stat().st_size for page in HTML.glob("*.html")}
    assert sizes and max(sizes.values()) < 3_000_000, sizes


@pytest.mark.parametrize("page", sorted(INTERACTIVE))
def test_interactive_figures_render_offline(browser, site, page):
    browser.get_log("browser")  # empties the log of earlier pages
    browser.get(f"{site}/{page}.html")
    _wait_for_plots(browser, INTERACTIVE[page])
    scenes = browser.execute_script(
        "return arguments[0].map(id => [...document.querySelectorAll(`#${id} .gl-container canvas`)]"
        ".filter(c => c.width > 0 && c.getContext('webgl') !== null).length)",
        INTERACTIVE[page],
    )
    assert all(n >= 1 for n in scenes), f"a figure without a WebGL scene: {scenes}"
    assert _requests_elsewhere(browser, site) == []
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any(url.startswith(f"{site}/_static/plotly.min.js") for url in loaded)
    assert _console_errors(browser) == []


def test_the_slider_shows_another_epoch_and_the_legend_hides_a_set(browser, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/05_results.html")
    _wait_for_plots(browser, ["plotly-overlay"])
    state = (
        "const g = document.getElementById('plotly-overlay');"
        "return {title: g._fullLayout.title.text, step: g._fullLayout.sliders[0].active,"
        " generated: Array.from(g._fullData[0].x.slice(0, 5)),"
        " real: Array.from(g._fullData[1].x.slice(0, 5)),"
        " visible: g._fullData.map(t => t.visible)}"
    )
    before = browser.execute_script(state)
    assert before["title"] == "epoch 1,000" and before["step"] == 7  # the last of the eight epochs
    labels = browser.find_elements("css selector", "#plotly-overlay .slider-label")
    label = next(e for e in labels if e.text == "51")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
    ActionChains(browser).move_to_element(label).click().perform()
    WebDriverWait(browser, 20).until(lambda b: b.execute_script(state)["title"] == "epoch 51")
    after = browser.execute_script(state)
    assert after["step"] == 4  # the fifth snapshot epoch: 1, 5, 9, 13, 51
    assert after["generated"] != before["generated"], "the reconstructions did not change"
    assert after["real"] == before["real"], "the real points are the same at every epoch"

    entries = browser.find_elements("css selector", "#plotly-overlay .legendtext")
    entry = next(e for e in entries if e.text == "reconstructions")
    ActionChains(browser).move_to_element(entry).click().perform()
    WebDriverWait(browser, 20).until(lambda b: b.execute_script(state)["visible"] == ["legendonly", True])
    assert _console_errors(browser) == []


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapters_end_with_a_rerun_box_and_have_their_notebook_to_download(browser, site, page):
    """The box is the page's last block, after "Try it" where the chapter has it, gives the
    command and each parameter's flag once, and the page links the notebook it re-runs."""
    import json
    import urllib.request

    browser.get(f"{site}/{page}.html")
    kind = "appendix" if page.startswith("appendix") else "chapter"
    (box,) = [b for b in browser.find_elements("css selector", "article .admonition.tip")
              if f"Re-run this {kind}" in b.text]  # fmt: skip
    assert f"papermill book/{page}.ipynb out.ipynb" in box.text
    after = browser.execute_script(
        "const box = arguments[0];"
        "const later = e => (box.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);"
        "return [...document.querySelectorAll('article.bd-article *')]"
        ".filter(e => later(e) && !box.contains(e) && !['SCRIPT', 'STYLE'].includes(e.tagName))"
        ".map(e => e.innerText.trim()).filter(Boolean)",
        box,
    )
    assert after == [], f"after the box: {after[:3]}"
    if kind == "chapter":
        headings = _texts(browser, "article.bd-article h2")
        assert re.fullmatch(r"[\d.]* ?Try it#?", headings[-1]), headings[-1:]  # "4.4. Try it#"
    link = browser.find_element("css selector", f"a[href$='_sources/{page}.ipynb']")
    with urllib.request.urlopen(link.get_attribute("href")) as answer:
        notebook = json.load(answer)
    (cell,) = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    names = re.findall(r"^(\w+)\s*(?::[^=]+)?=", "".join(cell["source"]), re.M)
    # Each once; the runs' settings are folded, so read from the page's text, not what is shown.
    flags = [code.get_attribute("textContent") for code in box.find_elements("css selector", "code")]
    assert sorted(shlex.split(f)[1].split(":")[0] for f in flags if re.match(r"-[pry] ", f)) == sorted(names)


@pytest.mark.parametrize("page", CHAPTERS)
def test_computed_values_are_in_the_text_s_type(browser, site, page):
    """myst-nb sets a glued value (span.pasted-text) bold; the book's CSS gives it the weight of
    the text around it."""
    browser.get(f"{site}/{page}.html")
    odd = browser.execute_script(
        "return [...document.querySelectorAll('main span.pasted-text')]"
        ".filter(s => getComputedStyle(s).fontWeight !== getComputedStyle(s.parentElement).fontWeight)"
        ".map(s => s.textContent)"
    )
    assert odd == [], f"glued values in another weight than their text: {odd[:5]}"


@pytest.mark.parametrize("page", CHAPTERS)
def test_folded_cells_say_what_they_hold_and_the_parameters_cell_is_gone(browser, site, page):
    """Each folded cell's button names what it holds, not myst-nb's "Show code cell source";
    the parameters cell is not on the page (the re-run box lists every parameter)."""
    browser.get(f"{site}/{page}.html")
    buttons = _texts(browser, "main details.hide > summary .collapsed")
    assert not [b for b in buttons if "code cell" in b], buttons
    assert all(b.startswith("Show the code") for b in buttons), buttons
    assert not browser.find_elements("css selector", "main .cell.tag_parameters")


def test_the_references_are_labelled_as_the_text_cites_them(browser, site):
    browser.get(f"{site}/bibliography.html")
    labels = _texts(browser, "main .citation > .label")
    assert labels and all(re.fullmatch(r"\[.+, \d{4}[a-z]?\]", label) for label in labels), labels
    assert "[Kingma and Welling, 2014]" in labels
    assert labels == sorted(labels, key=lambda label: label.lower())  # by author, as they are read
    browser.get(f"{site}/03_architecture.html")
    cited = _texts(browser, "main a[href^='bibliography.html#']")
    assert cited and set(cited) <= {label.strip("[]") for label in labels}, cited
