"""How `pytest --nbval book/` runs the chapters: through book/nbval_sanitize.cfg unless told
otherwise, and, on several cores (pytest-xdist), one TensorFlow thread per kernel and the
chapters that train most first. On a machine whose stack is not the reference stack of the
committed outputs (in a field that can move a digit: vaebook.stack.NOT_NUMERIC names the others),
it says so first, and again after failures."""

import functools
import os
from pathlib import Path

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
# From an empty cache these two chapters train most of the book's runs (the original code's
# run, the report's run, the design sweep). Started first, they keep both cores busy; the
# other chapters then find their runs in the cache, or wait on a run's lock while it trains.
FIRST = ("09_original_code", "08_design")


def pytest_configure(config):
    if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
        os.environ.setdefault("VAEBOOK_TF_THREADS", "1")  # a kernel per core: one thread each
    if getattr(config.option, "nbval_sanitize_with", "unset") is None:
        config.option.nbval_sanitize_with = str(SANITIZE)
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False  # the order below, not xdist's largest-first


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        stem = Path(str(item.fspath)).stem
        return FIRST.index(stem) if stem in FIRST else len(FIRST)

    items.sort(key=rank)  # stable: cells keep their order, the other chapters the TOC's


@functools.cache
def _stack_note() -> str | None:
    """How this machine differs from the reference stack (neither module loads TensorFlow)."""
    from vaebook.book.provenance import APPENDIX, reference_stack, stack_note
    from vaebook.stack import fingerprint

    reference = reference_stack(Path(__file__).with_name(f"{APPENDIX}.ipynb"))
    return stack_note(reference, fingerprint()) if reference else None


def pytest_report_header(config):
    note = _stack_note()
    if not note:
        return []
    return [f"vaebook: {note}", "vaebook: `make test` (vaebook check auto) runs the portable tier here."]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    note = _stack_note()
    if note and exitstatus != 0:
        terminalreporter.section("vaebook: not the reference stack", yellow=True)
        terminalreporter.write_line(note)
