"""A Sphinx extension: each script once per page.

Sphinx 7.4 lists an inline script that an extension registers after the builder started twice
(once under the filename None, once under ""), so sphinx-thebe's ``const THEBE_JS_URL`` was
declared twice on every page, a SyntaxError in the browser's console."""

from __future__ import annotations


def _drop_repeats(app, pagename, templatename, context, doctree) -> None:
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    # In place: the list is the builder's, which Sphinx restores before the next page.
    context["script_files"][:] = kept


def setup(app) -> dict:
    app.connect("html-page-context", _drop_repeats, priority=900)  # after others add theirs
    return {"parallel_read_safe": True, "parallel_write_safe": True}
