"""A Sphinx extension: the HTML pages' own style sheet, and ARIA roles that assistive technology
knows.

- ``static/vaebook.css`` is served with every page (printed output and code wrap).
- docutils marks each reference of the bibliography with the role ``doc-biblioentry``, which
  WAI-ARIA has deprecated; inside the ``role="list"`` docutils wraps them in, an entry is a
  ``listitem``.
- myst-nb names the toggle of a folded cell "Toggle hidden content" while it reads "Show code cell
  source": a name that differs from the visible words fails WCAG 2.5.3 (label in name), so the
  toggle keeps its visible words as its name.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
REPLACEMENTS = (
    ('role="doc-biblioentry"', 'role="listitem"'),
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
)


def _serve_static(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def _fix_roles(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body:
        for old, new in REPLACEMENTS:
            body = body.replace(old, new)
        context["body"] = body


def setup(app) -> dict:
    app.connect("config-inited", _serve_static)
    app.connect("html-page-context", _fix_roles)
    app.add_css_file("vaebook.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
