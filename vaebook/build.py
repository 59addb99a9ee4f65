"""``vaebook build``: execute every chapter with papermill, in TOC order, then build the book.

Chapters are executed into temporary files and copied over the committed notebooks only when
all of them succeeded, so a failing chapter leaves the book as it was; the README's sentences
that quote the chapters' numbers are then regenerated from them (``vaebook.readme``). Volatile metadata
(timings, stderr streams such as progress bars) is scrubbed, so that two builds with the same
cache give byte-identical notebooks and a clean ``git status``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat
import yaml

from vaebook import readme
from vaebook.provenance import EXECUTED_ENV
from vaebook.threads import environment, one_thread_each

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
# From an empty cache these chapters train most of the book's runs: started first, they keep both
# cores busy while the others find their runs in the cache or wait on a run's lock.
TRAIN_MOST = ("09_original_code", "08_design")
# Chapters that read the other executed chapters (the provenance appendix): executed after them.
READ_THE_OTHERS = ("appendix_provenance",)


def chapters(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The executable chapters (.ipynb files) listed in the table of contents, in its order."""
    entries = yaml.safe_load(toc.read_text())
    files: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(entries.get("parts", entries.get("chapters", [])))
    return [BOOK / f"{f}.ipynb" for f in files if (BOOK / f"{f}.ipynb").exists()]


def _merged_streams(outputs: list) -> list:
    """Join consecutive pieces of the same stream: how a print is cut into messages is timing."""
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (
            out.output_type == "stream"
            and last is not None
            and last.output_type == "stream"
            and last.name == out.name
        ):
            last.text += out.text
        else:
            merged.append(out)
    return merged


def scrub(path: Path) -> None:
    """Drop what changes from run to run: papermill's timings, every stderr stream, and the
    cutting of stdout into messages; keep papermill's injected parameters off the page."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]  # papermill's -p values: not for the page
        if cell.cell_type == "code":
            cell.outputs = _merged_streams(
                [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
            )
    nbformat.write(nb, path)


@contextlib.contextmanager
def _stderr_to(log: Path):
    """Send this process's file descriptor 2, which the kernels inherit, to ``log``: their
    start-up and shut-down chatter is not the build's output."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def execute(chapter: Path, output: Path, parameters: dict | None = None) -> None:
    """Run one chapter with papermill, from book/, with its default parameters or ``parameters``."""
    import papermill

    with _stderr_to(ROOT / "_build" / "kernels.log"):
        papermill.execute_notebook(
            str(chapter),
            str(output),
            parameters=parameters or {},
            cwd=str(BOOK),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
        )


def _failure(chapter: Path, err: Exception, command: str = "vaebook build") -> str:
    """The chapter's name and the failing cell's error, from papermill's exception."""
    ename, evalue = getattr(err, "ename", type(err).__name__), getattr(err, "evalue", str(err))
    cell = getattr(err, "exec_count", None)
    where = f" in cell [{cell}]" if cell is not None else ""
    return f"{command}: chapter {chapter.stem} failed{where}: {ename}: {evalue}".rstrip()


def jupyter_book(*args: str) -> int:
    """Run the jupyter-book command of this Python environment."""
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe)] if exe.exists() else ["jupyter-book"]
    return subprocess.call([*command, "build", str(BOOK), *args], cwd=ROOT)


def execute_all(
    todo: list[Path],
    folder: Path,
    workers: int,
    parameters: dict | None = None,
    command: str = "vaebook build",
) -> str | None:
    """Execute the chapters into ``folder``, ``workers`` at a time, printing a line as each
    ends; the first failure's message, or None. The chapters that train most start first; those
    that read the others (READ_THE_OTHERS) run last and read them from ``folder``."""

    def run(chapter: Path) -> float:
        start = time.perf_counter()
        execute(chapter, folder / chapter.name, parameters)
        scrub(folder / chapter.name)
        return time.perf_counter() - start

    first = sorted(
        (c for c in todo if c.stem not in READ_THE_OTHERS),
        key=lambda c: TRAIN_MOST.index(c.stem) if c.stem in TRAIN_MOST else len(TRAIN_MOST),
    )
    last = [c for c in todo if c.stem in READ_THE_OTHERS]
    threads = one_thread_each() if workers > 1 else contextlib.nullcontext()
    done = 0
    with _stderr_to(ROOT / "_build" / "kernels.log"), threads, ThreadPoolExecutor(workers) as pool:
        for batch in (first, last):
            reading = environment(EXECUTED_ENV, str(folder)) if batch is last else contextlib.nullcontext()
            with reading:
                jobs = {pool.submit(run, chapter): chapter for chapter in batch}
                for job in as_completed(jobs):
                    chapter = jobs[job]
                    try:
                        seconds = job.result()
                    except Exception as err:  # papermill's own errors and the kernel's
                        pool.shutdown(cancel_futures=True)
                        return _failure(chapter, err, command)
                    done += 1
                    print(f"[{done}/{len(todo)}] {chapter.stem} done in {seconds:.1f}s", flush=True)
    return None


def build(pdf: bool = False, workers: int = 2) -> int:
    """Execute the chapters (two at a time: a laptop's two cores), then build the HTML (and the
    PDF); 0 on success. Nothing in book/ changes unless every chapter succeeded."""
    todo = chapters()
    scratch = ROOT / "_build"  # beside book/, so that the final renames are atomic
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="executed-", dir=scratch) as tmp:
        print(f"executing {len(todo)} chapters with papermill ({workers} at a time)", flush=True)
        failure = execute_all(todo, Path(tmp), workers)
        if failure:
            print(failure, file=sys.stderr)
            print("vaebook build: no chapter was changed", file=sys.stderr)
            return 1
        for chapter in todo:
            os.replace(Path(tmp) / chapter.name, chapter)
    if readme.update():
        print(f"{readme.README.name}: its generated sentences rewritten from the executed chapters")
    if jupyter_book("-W", "-n", "--keep-going") != 0:
        return 1
    print(f"HTML: {ROOT / '_build' / 'html' / 'index.html'}")
    if pdf:
        if jupyter_book("--builder", "pdflatex") != 0:
            return 1
        print(f"PDF: {ROOT / '_build' / 'latex' / 'vaebook.pdf'}")
    return 0
