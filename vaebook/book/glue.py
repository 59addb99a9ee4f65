"""Glue a chapter's figure or table together with a record of the runs behind it, which the
appendix "How these numbers were made" reads back from the executed chapters
(``vaebook.book.provenance``); and read glued values back from an executed notebook, where
myst-nb writes them as scrapbook records (the one reader of that format here)."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping

from vaebook.config import Config

RECORD_SUFFIX = ".runs"  # a figure glued as NAME has its record glued as NAME.runs
TEXT_MIME = "application/papermill.record/text/plain"  # a glued value's text, as scrapbook records it


def glued_name(output: Mapping) -> str | None:
    """The name an output of an executed cell was glued under, or None if it was not glued."""
    return output.get("metadata", {}).get("scrapbook", {}).get("name")


def glued_values(nb: Mapping) -> dict[str, str]:
    """Every value glued in an executed notebook (a dict read from its JSON, or a NotebookNode):
    glue name -> its text/plain representation."""
    values = {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            name, text = glued_name(out), out.get("data", {}).get(TEXT_MIME)
            if name is not None and text is not None:
                values[name] = "".join(text) if isinstance(text, list) else text
    return values


def glued_objects(nb: Mapping) -> dict[str, object]:
    """``glued_values`` read back as Python values (numbers, strings without their quotes); a
    figure or a table, which has no literal form, stays as its text."""
    values = {}
    for name, text in glued_values(nb).items():
        try:
            values[name] = ast.literal_eval(text)
        except (SyntaxError, ValueError):
            values[name] = text
    return values


def runs_record(runs: Iterable) -> str:
    """The JSON record of the runs behind a glued figure or table: each run's cache key and the
    settings in which its Config differs from the defaults (the report's Table 1)."""
    from vaebook.store import run_key

    defaults = Config().to_dict()
    records = []
    for run in runs:
        config = getattr(run, "config", run)  # a Run or a Config
        settings = {k: v for k, v in config.to_dict().items() if v != defaults[k]}
        records.append({"key": run_key(config), "settings": settings})
    return json.dumps({"runs": records}, sort_keys=True)


def glue_figure(name: str, figure: object, runs: Iterable = ()) -> None:
    """Glue ``figure`` under ``name`` (as ``myst_nb.glue(name, figure, display=False)``) and,
    as ``name.runs``, the record of the runs (``Run`` or ``Config``) that it was drawn from."""
    from myst_nb import glue

    glue(name, figure, display=False)
    glue(name + RECORD_SUFFIX, runs_record(runs), display=False)


def glue_table(name: str, table: object, runs: Iterable = ()) -> None:
    """Glue a table (Markdown) with the record of the runs behind it, as ``glue_figure`` does."""
    glue_figure(name, table, runs)
