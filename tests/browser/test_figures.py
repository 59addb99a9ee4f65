"""The figures as a reader meets them: every image sharp and wide enough for the page, and every
interactive view right after the static figure it extends, opening on the last epoch, whole in
a window 800 or 1,400 pixels wide."""

import io
from urllib.parse import urljoin, urlparse

import pytest
from PIL import Image

from vaebook import plots

from .conftest import HTML, PAGES, WIDTHS, window
from .test_html import _console_errors, _wait_for_plots

# The report's Figures 2 and 3: eight epochs of 10,000 points each, drawn at full text width.
DETAILED = ("fig-overlay", "fig-evolution")
# Each interactive view (its div's id) and the static figure (its label) it extends.
EXTENDS = {
    "plotly-roll": "fig-roll",
    "plotly-overlay": "fig-overlay",
    "plotly-recon-vs-prior": "fig-recon-vs-prior",
}
VIEW_PAGES = {
    "plotly-roll": "01_data",
    "plotly-overlay": "05_results",
    "plotly-recon-vs-prior": "07_generation",
}


@pytest.mark.parametrize("page", PAGES)
def test_every_figure_is_150_dpi_and_wide_enough(reading, site, page):
    """Every image of a figure is a PNG of at least 150 dpi and 900 pixels (the report's Figures 2
    and 3: 1,800), so that the page can show it at its column's width, or a reader zoom in."""
    for label, sources in reading(page, max(WIDTHS))["figures"]:
        for source in sources:
            path = HTML / urlparse(urljoin(f"{site}/{page}.html", source)).path.lstrip("/")
            image = Image.open(io.BytesIO(path.read_bytes()))
            assert image.format == "PNG", (label, source)
            assert image.info["dpi"][0] >= 149.9, (label, image.info["dpi"])  # PNG stores dots per metre
            assert image.width >= (1_800 if label in DETAILED else 900), (label, image.size)


@pytest.mark.parametrize("width", WIDTHS)
def test_figures_are_shown_as_wide_as_their_text_was_drawn_for(browser, site, width):
    """The page shows every static figure at least plots.FIGURE_PIXELS wide beside body text
    plots.BODY_PIXELS high: the sizes tests/test_plots.py draws the figures' text for (no smaller
    than the body's)."""
    with window(browser, width):
        for page in ("01_data", "04_training", "05_results", "07_generation"):
            browser.get(f"{site}/{page}.html")
            shown = browser.execute_script(
                "const body = parseFloat(getComputedStyle(document.querySelector('main p')).fontSize);"
                "return {body, figures: [...document.querySelectorAll('main figure img')]"
                "  .map(i => [i.closest('figure').id, i.getBoundingClientRect().width])};"
            )
            assert shown["figures"], page
            assert shown["body"] <= plots.BODY_PIXELS, (page, shown["body"])
            narrow = [(label, w) for label, w in shown["figures"] if w < plots.FIGURE_PIXELS]
            assert not narrow, f"{page} at {width} px: narrower than {plots.FIGURE_PIXELS}: {narrow}"


def _between(browser, figure: str, view: str) -> dict:
    """What lies between the static figure ``figure`` and the interactive view ``view`` in the
    page: other figures, headings, code cells and paragraphs, and the text of the paragraphs
    between them and of the first one after the view (where its caption may be)."""
    return browser.execute_script(
        """
        const [fig, view] = [document.getElementById(arguments[0]), document.getElementById(arguments[1])];
        if (!fig || !view) return null;
        const after = fig.compareDocumentPosition(view) & Node.DOCUMENT_POSITION_FOLLOWING;
        const inBetween = e => (fig.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING)
            && (e.compareDocumentPosition(view) & Node.DOCUMENT_POSITION_FOLLOWING)
            && !e.contains(view) && !fig.contains(e);
        const all = [...document.querySelectorAll('main figure, main h1, main h2, main h3, main h4, '
            + 'main div.cell_input, main p')];
        const between = all.filter(inBetween);
        const next = all.find(e => e.tagName === 'P'
            && (view.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING));
        return {
            after: Boolean(after),
            number: fig.querySelector('.caption-number')?.textContent.trim(),
            blocks: between.filter(e => e.tagName !== 'P')
                .map(e => e.tagName + ' ' + e.textContent.slice(0, 60)),
            paragraphs: between.filter(e => e.tagName === 'P').map(e => e.textContent),
            next: next ? next.textContent : '',
        };
        """,
        figure,
        view,
    )


@pytest.mark.parametrize("view", sorted(EXTENDS))
def test_an_interactive_view_follows_the_figure_it_extends(browser, site, view):
    """Right after its static figure, with nothing but its own caption between: "the interactive
    version of Figure N.M" (above or right under the view)."""
    browser.get(f"{site}/{VIEW_PAGES[view]}.html")
    found = _between(browser, EXTENDS[view], view)
    assert found is not None, f"no figure {EXTENDS[view]} or no view {view} on the page"
    assert found["after"], f"{view} comes before the figure it extends"
    assert found["blocks"] == [], f"between {EXTENDS[view]} and {view}: {found['blocks']}"
    caption = f"interactive version of {found['number']}"
    others = [p for p in found["paragraphs"] if caption not in " ".join(p.split())]
    assert others == [], f"prose between {EXTENDS[view]} and {view}: {others}"
    near = " ".join(" ".join([*found["paragraphs"], found["next"]]).split())
    assert caption in near, f"no caption naming {found['number']} next to {view}"


def test_the_overlay_opens_on_the_last_epoch(browser, site):
    browser.get(f"{site}/05_results.html")
    _wait_for_plots(browser, ["plotly-overlay"])
    shown = browser.execute_script(
        # plotly keeps a frame's coordinates as it was given them: float32 in base64
        "const values = x => x.bdata ? Array.from(new Float32Array("
        "  Uint8Array.from(atob(x.bdata), c => c.charCodeAt(0)).buffer)) : Array.from(x);"
        "const g = document.getElementById('plotly-overlay');"
        "const steps = g._fullLayout.sliders[0].steps;"
        "return {active: g._fullLayout.sliders[0].active, steps: steps.map(s => s.label),"
        " title: g._fullLayout.title.text,"
        " first: values(g._fullData[0].x).slice(0, 5),"
        " last: values(g._transitionData._frames.at(-1).data[0].x).slice(0, 5)}"
    )
    assert shown["active"] == len(shown["steps"]) - 1 and len(shown["steps"]) > 1
    assert shown["title"] == f"epoch {shown['steps'][-1]}"
    assert shown["first"] == shown["last"], "the points shown are not the last epoch's"


def _ink(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels in ``box`` that are not the page's white or the scenes' pale grid: points, axes'
    numbers and names."""
    region = image.convert("RGB").crop(box)
    return sum(1 for pixel in region.getdata() if min(pixel) < 170)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("view", sorted(EXTENDS))
def test_an_interactive_view_is_whole_in_the_window(browser, site, view, width):
    """Nothing of a 3-D scene touches its edges (a cut roll, a cut axis name), and plotly's
    toolbar covers no title, in a window 800 or 1,400 pixels wide."""
    with window(browser, width):
        browser.get(f"{site}/{VIEW_PAGES[view]}.html")
        _wait_for_plots(browser, [view])
        element = browser.find_element("id", view)
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        geometry = browser.execute_script(
            """
            const g = document.getElementById(arguments[0]), size = g._fullLayout._size;
            const box = g.getBoundingClientRect();
            const scenes = Object.keys(g._fullLayout).filter(k => /^scene\\d*$/.test(k)).map(k => {
                const d = g._fullLayout[k].domain;
                return [size.l + d.x[0] * size.w, size.t + (1 - d.y[1]) * size.h,
                        size.l + d.x[1] * size.w, size.t + (1 - d.y[0]) * size.h].map(Math.round);
            });
            const rect = e => { const r = e.getBoundingClientRect();
                return [r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top]; };
            const bar = g.querySelector('.modebar');
            return {scenes, width: box.width, bar: bar ? rect(bar) : null,
                    titles: [...g.querySelectorAll('.annotation, .gtitle')].map(rect)};
            """,
            view,
        )
        assert geometry["width"] <= width
        image = Image.open(io.BytesIO(element.screenshot_as_png))
    for x0, y0, x1, y1 in geometry["scenes"]:
        strips = {
            "left": (x0, y0, x0 + 3, y1),
            "right": (x1 - 3, y0, x1, y1),
            "top": (x0, y0, x1, y0 + 3),
            "bottom": (x0, y1 - 3, x1, y1),
        }
        cut = {edge: _ink(image, strip) for edge, strip in strips.items()}
        assert not any(cut.values()), f"{view} at {width} px: the scene {(x0, y0, x1, y1)} is cut: {cut}"
    bar = geometry["bar"]
    for title in geometry["titles"]:
        across = bar and min(bar[2], title[2]) > max(bar[0], title[0])
        down = bar and min(bar[3], title[3]) > max(bar[1], title[1])
        assert not (across and down), f"{view} at {width} px: the toolbar {bar} covers a title {title}"
    assert _console_errors(browser) == []
