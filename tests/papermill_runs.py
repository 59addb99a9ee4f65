"""Executing a real chapter with papermill, as a reader would, for the tests that re-run chapters.

Each pytest process keeps one kernel for all its executions and clears it before each, as a
fresh kernel would be cleared: a new IPython session (no variables, execution counts from 1)
with the caller's vaebook environment. Only the imported modules stay, so that TensorFlow is
imported once per process instead of once per chapter (about 5 s each).
"""

from __future__ import annotations

import atexit
import os
import re
import shlex
from pathlib import Path

import nbformat
import papermill
from jupyter_client.manager import KernelManager

from vaebook.book.glue import glued_objects as glued  # noqa: F401 (the tests' name)

BOOK = Path(__file__).resolve().parent.parent / "book"
# A small run of every chapter that trains, with edge values: the smallest latent space, the other
# roll, few points, fewer epochs than the report's claims and snapshots; a learning rate at which
# so small a model gets somewhere in 300 steps.
SMALL = {
    "n_points": 1000,
    "hidden_units": 16,
    "epochs": 30,
    "latent_dim": 1,
    "data": "sklearn",
    "learning_rate": 0.03,
}
# A cell of these small runs takes seconds: one that runs 10 minutes is a hang, made a failure.
CELL_TIMEOUT = 600
_KERNEL: list[KernelManager] = []


def _kernel() -> KernelManager:
    """This process's kernel, started in book/ (as papermill's cwd would) on first use."""
    if not _KERNEL:
        km = KernelManager(kernel_name="python3")
        km.start_kernel(cwd=str(BOOK))
        atexit.register(km.shutdown_kernel, now=True)
        _KERNEL.append(km)
    return _KERNEL[0]


def _cleared(km: KernelManager) -> KernelManager:
    """``km``'s kernel in a new IPython session, with this process's VAEBOOK_* variables."""
    env = {k: v for k, v in os.environ.items() if k.startswith("VAEBOOK_")}
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        code = f"get_ipython().reset(new_session=True); __import__('os').environ.update({env!r})"
        reply = client.execute_interactive(code, store_history=False, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
    return km


def execute(chapter: str, folder: Path, **parameters):
    """The chapter executed with ``parameters`` into ``folder``: the executed notebook."""
    out = folder / f"{chapter}.ipynb"
    folder.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(BOOK / f"{chapter}.ipynb"),
        str(out),
        parameters=parameters,
        cwd=str(BOOK),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        execution_timeout=CELL_TIMEOUT,
        km=_cleared(_kernel()),
    )
    return nbformat.read(out, as_version=4)


def stops_at_once(chapter: str, folder: Path, parameter: str, **parameters) -> str:
    """Execute a chapter that must stop in its set-up cell with a SettingError (the ValueError of
    a bad setting) naming ``parameter``; the error's message."""
    try:
        execute(chapter, folder, **parameters)
    except papermill.PapermillExecutionError as err:
        # The failing cell is the chapter's set-up, the one that builds its Config, before any run.
        executed = nbformat.read(folder / f"{chapter}.ipynb", as_version=4)
        (failed,) = [c for c in executed.cells if c.get("execution_count") == err.exec_count]
        assert err.ename == "SettingError", (err.ename, err.evalue)
        assert "hide-input" in failed.metadata.get("tags", []), failed.source
        before = executed.cells[: executed.cells.index(failed)]
        assert not any(re.search(r"\btrain(_many)?\(", c.source) for c in before), chapter
        assert err.evalue.startswith(parameter), err.evalue
        return err.evalue
    raise AssertionError(f"{chapter} ran with {parameters}; it should stop, naming {parameter}")


def suggestion(chapter: str, index: int) -> dict[str, object]:
    """The parameters of the ``index``-th re-run the chapter's "Try it" section suggests: its
    ``papermill ... -p name value`` command, read as papermill reads the values."""
    nb = nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    section = text[text.index("## Try it") :]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL).group(1)
    # A command continued on the next line (a trailing backslash) is one command.
    lines = block.replace("\\\n", " ").splitlines()
    commands = [line for line in lines if line.startswith("papermill ")]
    words = shlex.split(commands[index])
    assert words[:3] == ["papermill", f"book/{chapter}.ipynb", "out.ipynb"], words
    pairs = words[3:]
    assert len(pairs) % 3 == 0 and all(flag == "-p" for flag in pairs[::3]), words
    return {name: _papermill_value(value) for name, value in zip(pairs[1::3], pairs[2::3])}


def _papermill_value(text: str) -> object:
    """A -p value as papermill's command line reads it."""
    from papermill.cli import _resolve_type

    return _resolve_type(text)
