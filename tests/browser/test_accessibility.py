"""Every page as assistive technology and a narrow window meet it: axe-core's WCAG 2 A and AA
rules, and no printed line cut off or longer than 90 characters."""

import re

import pytest

from .conftest import AXE, PAGES, WIDTHS

# What pydata-sphinx-theme's own navbar does and the book cannot change but by copying the
# theme's templates: its search buttons (class search-button__button) are named "Search" while
# they read "Search Ctrl+K", and its colour-mode button (class theme-switch-button) is named
# "Color mode" while it shows the current mode's icon with a title ("Light", "Dark", "System
# Settings"). Both fail WCAG 2.5.3, label in name: (axe's rule, the element's class).
THEME = {
    ("label-content-name-mismatch", "search-button__button"),
    ("label-content-name-mismatch", "theme-switch-button"),
}
WIDEST = 90  # characters of a printed line


def _from_the_theme(rule: str, html: str) -> bool:
    classes = re.search(r'class="([^"]*)"', html)
    return classes is not None and any(
        rule == theme_rule and name in classes.group(1).split() for theme_rule, name in THEME
    )


@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_wcag_violation(reading, page):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): `make setup` installs it with npm")
    found = [
        f"{v['id']} ({v['help']}): {n['target']}: {n['html']}"
        for v in reading(page, max(WIDTHS))["axe"]
        for n in v["nodes"]
        if not _from_the_theme(v["id"], n["html"])
    ]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_no_printed_line_is_cut_off(reading, page, width):
    """No visible block of code or output runs out of its box, to be scrolled to: the book's CSS
    wraps it."""
    cut = [block["text"][:80] for block in reading(page, width)["printed"] if block["overflow"] > 1]
    assert cut == [], f"cut off at {width} px: {cut}"


@pytest.mark.parametrize("page", PAGES)
def test_no_printed_line_is_over_90_characters(reading, page):
    """A longer line of code or output wraps in a narrow column, and reads badly wrapped."""
    printed = reading(page, max(WIDTHS))["printed"]
    long = [line for block in printed for line in block["text"].splitlines() if len(line) > WIDEST]
    assert long == [], f"lines over {WIDEST} characters: {long}"
