"""A Sphinx extension: serve plotly.js with the book, so that the interactive figures work offline.

The chapters glue their plotly figures as HTML fragments without the library
(``vaebook.plots.html_figure``). The plotly.min.js that the plotly Python package bundles becomes
one of the HTML's static files (``_static/plotly.min.js``, copied once), and the pages that hold
such a figure load it in their head. Other builders ignore both (the PDF has matplotlib figures)."""

from __future__ import annotations

from pathlib import Path

try:
    import plotly
except ImportError as err:  # a dependency of the book, as of vaebook.plots
    raise ImportError(
        'the book needs plotly: install the project\'s dependencies with `pip install -e ".[dev]"`'
    ) from err

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
from vaebook.plots import MARKER  # noqa: E402  (the other half of html_figure's contract)


def _serve_plotly_js(app, config) -> None:
    if not PLOTLY_JS.is_file():
        raise FileNotFoundError(f"plotly's bundled script is missing: {PLOTLY_JS}")
    config.html_static_path = [*config.html_static_path, str(PLOTLY_JS)]


def _load_where_needed(app, pagename, templatename, context, doctree) -> None:
    # Called inside html-page-context, add_js_file adds the script to this page only. It loads
    # synchronously in the head, before the figures' inline scripts call Plotly.newPlot.
    if MARKER in context.get("body", ""):
        app.add_js_file(PLOTLY_JS.name)


def setup(app) -> dict:
    app.connect("config-inited", _serve_plotly_js)
    app.connect("html-page-context", _load_where_needed)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
