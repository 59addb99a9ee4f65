"""The rendered book, served on 127.0.0.1, and a headless Debian Chromium to read it."""

import contextlib
import functools
import http.server
import shutil
import tempfile
import threading
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
PDF = ROOT / "_build" / "latex" / "vaebook.pdf"
PARTS = yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]
PAGES = ["index"] + [entry["file"] for part in PARTS for entry in part["chapters"]]
WINDOW = (1280, 2000)  # the browser's window, but where a test sets another


def _title(page: str) -> str:
    """A page's title, its first `# ` heading, with the typographic apostrophe the book prints."""
    notebook = ROOT / "book" / f"{page}.ipynb"
    if notebook.exists():
        source = "\n".join(c.source for c in nbformat.read(notebook, 4).cells if c.cell_type == "markdown")
    else:
        source = (ROOT / "book" / f"{page}.md").read_text()
    title = next(line[2:] for line in source.splitlines() if line.startswith("# "))
    return title.strip().replace("'", "\u2019")


def chapters() -> list[tuple[str, str | None, str]]:
    """(page, number, title) for every page of the parts, in order: chapters numbered on across
    the numbered parts, the appendix's (`style: alphaupper`) lettered A, B, ..., the rest None."""
    numbers, letters, listed = iter(range(1, 100)), iter("ABCDEFGHIJ"), []
    for part in PARTS:
        for entry in part["chapters"]:
            if not part.get("numbered"):
                number = None
            elif part.get("style") == "alphaupper":
                number = next(letters)
            else:
                number = str(next(numbers))
            listed.append((entry["file"], number, _title(entry["file"])))
    return listed


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no line per request on the test's stderr
        pass


@pytest.fixture(scope="session")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no HTML at {HTML}: run `jupyter-book build book/` first")
    handler = functools.partial(Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        pytest.fail("Debian's chromium and chromium-driver are needed: `make setup` installs them")
    profile = tempfile.mkdtemp(prefix="vaebook-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless",
        "--no-sandbox",
        # WebGL (the plotly figures' 3-D scenes) from SwiftShader, Chromium's software renderer:
        # headless has no GPU, and the automatic fallback to it is deprecated.
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for get_log
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    yield chrome
    chrome.quit()
    shutil.rmtree(profile, ignore_errors=True)


@contextlib.contextmanager
def window(browser, width: int, height: int = 1400):
    """The browser's window ``width`` pixels wide (and ``height`` high) for the block."""
    browser.set_window_size(width, height)
    try:
        yield
    finally:
        browser.set_window_size(*WINDOW)


AXE = ROOT / ".vendor" / "node_modules" / "axe-core" / "axe.min.js"  # `make setup` installs it (npm)
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # WCAG 2.0 and 2.1, levels A and AA
WIDTHS = (800, 1_400)  # a narrow window and a wide one; axe-core runs in the wide one
TABLE_WIDTHS = (800, 1_280)  # where tables must fit: a narrow window and a laptop's
_READ = """
return {
  printed: [...document.querySelectorAll('main pre')].filter(p => p.checkVisibility())
    .map(p => ({text: p.textContent, overflow: p.scrollWidth - p.clientWidth})),
  figures: [...document.querySelectorAll('main figure')]
    .map(f => [f.id, [...f.querySelectorAll('img')].map(i => i.src)]),
  tables: [...document.querySelectorAll('main table')].map(t => {
    const box = t.closest('.pst-scrollable-table-container') || t.parentElement;
    const column = t.closest('article') || document.querySelector('main');
    return {caption: (t.caption ? t.caption.textContent : t.rows[0].textContent).trim().slice(0, 60),
            overflow: Math.max(box.scrollWidth - box.clientWidth,
                               t.getBoundingClientRect().right - column.getBoundingClientRect().right)};
  }),
};
"""
_TYPESET = """
const done = arguments[arguments.length - 1];
const startup = window.MathJax && window.MathJax.startup;
(startup && startup.promise ? startup.promise : Promise.resolve()).then(() => done(true), () => done(false));
"""
_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(r => done(r.violations.map(v => ({
  id: v.id, help: v.help,
  nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160)})),
}))));
"""


@pytest.fixture(scope="session")
def reading(browser, site):
    """``read(page, width)``: what a page holds for a reader in a window ``width`` pixels wide:
    its visible blocks of code and output (their text, and how far each overflows its box), its
    figures' labels and images and, in the wide window, axe-core's WCAG violations (None without
    axe-core). Each page is loaded once per width."""
    found: dict[tuple[str, int], dict] = {}

    def read(page: str, width: int) -> dict:
        if (page, width) not in found:
            with window(browser, width):
                browser.get(f"{site}/{page}.html")
                browser.execute_async_script(_TYPESET)  # tables and text measured as typeset
                result = browser.execute_script(_READ)
                result["axe"] = None
                if width == max(WIDTHS) and AXE.exists():
                    browser.execute_script(AXE.read_text())
                    browser.set_script_timeout(120)
                    result["axe"] = browser.execute_async_script(_AXE, WCAG)
            found[(page, width)] = result
        return found[(page, width)]

    return read
