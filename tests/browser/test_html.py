"""Every page of the rendered book loads in a real browser and every figure image renders."""

import pytest
import yaml

from .conftest import ROOT

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
