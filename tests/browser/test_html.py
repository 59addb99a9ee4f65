"""Every page of the rendered book loads in a real browser and every figure image renders."""

import pytest
import yaml

from .conftest import PARTS, ROOT, chapters

PAGES = ["index"] + [
    entry["file"]
    for part in yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]
    for entry in part["chapters"]
]
# Chapters whose figures the book promises (the report's four and the new ones).
FIGURES = {
    "01_data": 2,
    "04_training": 1,
    "05_results": 2,
    "06_convergence": 1,
    "07_generation": 3,
    "08_design": 1,
    "09_original_code": 1,
}


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_and_its_images_render(browser, site, page):
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
    """MathJax is served with the book (`make setup` installs it), so the equations are typeset
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
