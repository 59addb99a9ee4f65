"""Glue a chapter's figure or table together with a record of the runs behind it, which the
appendix "How these numbers were made" reads back from the executed chapters
(``vaebook.book.provenance``)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from vaebook.config import Config

RECORD_SUFFIX = ".runs"  # a figure glued as NAME has its record glued as NAME.runs


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
