"""A Sphinx extension: serve MathJax from the book itself when `make setup` has installed it
(npm's mathjax package in .vendor/), so that the HTML shows typeset equations offline.
Without it, Sphinx's default stays: MathJax from its CDN, fetched when a page is read."""

from __future__ import annotations

import shutil
from pathlib import Path

MATHJAX = Path(__file__).resolve().parents[2] / ".vendor" / "node_modules" / "mathjax" / "es5"
# What tex-chtml.js loads: itself, its fonts, and the TeX extensions it autoloads on demand.
PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions")


def _available() -> bool:
    return all((MATHJAX / part).exists() for part in PARTS)


def _point_to_local_copy(app, config) -> None:
    if _available():
        config.mathjax_path = "mathjax/tex-chtml.js"  # relative to the HTML's _static/


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html" or not _available():
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        source, destination = MATHJAX / part, target / part
        if source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def setup(app) -> dict:
    app.connect("config-inited", _point_to_local_copy)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
