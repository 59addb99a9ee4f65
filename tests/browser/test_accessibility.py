"""Every page as assistive technology and a narrow window meet it: axe-core's WCAG 2 A and AA
rules, no printed line cut off or longer than 80 characters, and tables whole at 800 and 1,280
pixels."""

import re

import pytest

from .conftest import AXE, PAGES, TABLE_WIDTHS, WIDTHS

# What pydata-sphinx-theme's own navbar does and the book cannot change but by copying the
# theme's templates: its search buttons (class search-button__button) are named "Search" while
# they read "Search Ctrl+K", and its colour-mode button (class theme-switch-button) is named
# "Color mode" while it shows the current mode's icon with a title ("Light", "Dark", "System
# Settings"). Both fail WCAG 2.5.3, label in name: (axe's rule, the element's class).
THEME = {
    ("label-content-name-mismatch", "search-button__button"),
    ("label-content-name-mismatch", "theme-switch-button"),
}
WIDEST = 80  # characters of a printed line: a listing's or an output's


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


def long_lines(blocks: list[str], widest: int = WIDEST) -> list[str]:
    """Each line over ``widest`` characters, as "block B, line L (N characters): text"."""
    return [
        f"block {b}, line {n} ({len(line)} characters): {line}"
        for b, text in enumerate(blocks, 1)
        for n, line in enumerate(text.splitlines(), 1)
        if len(line) > widest
    ]


def test_a_long_line_is_named_by_its_block_and_line():
    assert long_lines(["short\n" + "x" * 81, "y" * 80]) == [f"block 1, line 2 (81 characters): {'x' * 81}"]


@pytest.mark.parametrize("page", PAGES)
def test_no_printed_line_is_over_80_characters(reading, page):
    """A longer line of code or output wraps in a narrow column, and reads badly wrapped."""
    long = long_lines([block["text"] for block in reading(page, max(WIDTHS))["printed"]])
    assert long == [], f"{page}: lines over {WIDEST} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("width", TABLE_WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_every_table_fits_its_column(reading, page, width):
    """No table is wider than the text's column (its cells wrap): nothing to scroll to, nothing
    cut off, at 800 and 1,280 pixels."""
    wide = [t for t in reading(page, width)["tables"] if t["overflow"] > 1]
    assert wide == [], f"{page} at {width} px: tables wider than the column: {wide}"
