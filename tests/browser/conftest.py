"""The rendered book, served on 127.0.0.1, and a headless Debian Chromium to read it."""

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


@pytest.fixture(scope="session")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no HTML at {HTML}: run `jupyter-book build book/` first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
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
        "--window-size=1280,2000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for get_log
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    yield chrome
    chrome.quit()
    shutil.rmtree(profile, ignore_errors=True)
