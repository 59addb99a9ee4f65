"""How `pytest --nbval book/` runs the chapters: through book/nbval_sanitize.cfg unless told
otherwise, and, on several cores (pytest-xdist), one TensorFlow thread per kernel and the
chapters that train most first. On a machine whose stack is not the reference stack of the
committed outputs (in a field that can move a digit: vaebook.stack.NOT_NUMERIC names the others),
it says so first, and again after failures."""

import functools
import os
from pathlib import Path

from vaebook.book.kernels import TRAIN_MOST, share_cores, xdist_workers

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
# A cell that trains a chapter's runs from an empty cache on two shared cores takes longer than
# nbval's default of 2,000 s (chapter 9's sweep, beside chapter 8's): the limit only stops a hang.
CELL_TIMEOUT = 3 * 3600


def pytest_configure(config):
    share_cores(os.environ, xdist_workers())  # a kernel per core: one TensorFlow thread each
    if getattr(config.option, "nbval_sanitize_with", "unset") is None:
        config.option.nbval_sanitize_with = str(SANITIZE)
    if getattr(config.option, "nbval_cell_timeout", None) == 2000:  # nbval's default, not chosen
        config.option.nbval_cell_timeout = CELL_TIMEOUT
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False  # the order below, not xdist's largest-first


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        stem = Path(str(item.fspath)).stem
        return TRAIN_MOST.index(stem) if stem in TRAIN_MOST else len(TRAIN_MOST)

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
