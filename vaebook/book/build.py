"""``vaebook build``: execute every chapter with papermill, in TOC order, then build the book.

Chapters are executed into temporary files and copied over the committed notebooks only when
all of them succeeded, so a failing chapter leaves the book as it was. Volatile metadata
(timings, stderr streams such as progress bars) is scrubbed, so that two builds with the same
cache give byte-identical notebooks and a clean ``git status``. Each chapter runs in a kernel of
its own, whose start-up and shut-down chatter goes to a log file of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from vaebook.book.provenance import APPENDIX
from vaebook.book.toc import Book

# From an empty cache these chapters train most of the book's runs: started first, they keep both
# cores busy while the others find their runs in the cache or wait on a run's lock.
TRAIN_MOST = ("09_original_code", "08_design")
# Chapters that read the other executed chapters (the provenance appendix): executed after them,
# with the folder they were executed into as their parameter ``executed``.
READ_THE_OTHERS = (APPENDIX,)


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


def drop_injected(path: Path) -> None:
    """Remove the cell of parameters papermill injected: the book keeps each chapter as written,
    with its own defaults (the build's values, such as the appendix's ``executed`` folder, are
    not the chapter's parameters, and would point a later execution at a folder that is gone)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    nbformat.write(nb, path)


def execute(
    chapter: Path,
    output: Path,
    parameters: dict | None = None,
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Run one chapter with papermill in a kernel of its own, started in the chapter's folder
    with the environment ``env`` (default: this process's) and its stderr sent to ``log``
    (default: discarded)."""
    import papermill
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    with open(log if log is not None else os.devnull, "ab") as sink:
        km.start_kernel(cwd=str(chapter.parent), env=dict(env or os.environ), stderr=sink)
        try:
            papermill.execute_notebook(
                str(chapter),
                str(output),
                parameters=parameters or {},
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                km=km,
            )
        finally:
            km.shutdown_kernel(now=True)


def _failure(chapter: Path, err: Exception, command: str = "vaebook build") -> str:
    """The chapter's name and the failing cell's error, from papermill's exception."""
    ename, evalue = getattr(err, "ename", type(err).__name__), getattr(err, "evalue", str(err))
    cell = getattr(err, "exec_count", None)
    where = f" in cell [{cell}]" if cell is not None else ""
    return f"{command}: chapter {chapter.stem} failed{where}: {ename}: {evalue}".rstrip()


def jupyter_book(book: Book, *args: str) -> int:
    """Run the jupyter-book command of this Python environment on ``book``."""
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe)] if exe.exists() else ["jupyter-book"]
    return subprocess.call([*command, "build", str(book.folder), *args], cwd=book.root)


def execute_all(
    todo: list[Path],
    folder: Path,
    workers: int,
    parameters: dict | None = None,
    command: str = "vaebook build",
    logs: Path | None = None,
) -> str | None:
    """Execute the chapters into ``folder``, ``workers`` at a time, printing a line as each
    ends; the first failure's message, or None. The chapters that train most start first; those
    that read the others (READ_THE_OTHERS) run last and read them from ``folder``. With several
    workers, each kernel gets one TensorFlow thread; each kernel's stderr goes to ``logs``/NAME.log."""
    env = dict(os.environ)
    if workers > 1:
        env["VAEBOOK_TF_THREADS"] = "1"  # a kernel per core
    if logs is not None:
        logs.mkdir(parents=True, exist_ok=True)

    def run(chapter: Path, values: dict) -> float:
        start = time.perf_counter()
        log = logs / f"{chapter.stem}.log" if logs is not None else None
        execute(chapter, folder / chapter.name, values, log, env)
        scrub(folder / chapter.name)
        return time.perf_counter() - start

    first = sorted(
        (c for c in todo if c.stem not in READ_THE_OTHERS),
        key=lambda c: TRAIN_MOST.index(c.stem) if c.stem in TRAIN_MOST else len(TRAIN_MOST),
    )
    last = [c for c in todo if c.stem in READ_THE_OTHERS]
    done = 0
    with ThreadPoolExecutor(workers) as pool:
        for batch in (first, last):
            values = dict(parameters or {})
            if batch is last:
                values["executed"] = str(folder)
            jobs = {pool.submit(run, chapter, values): chapter for chapter in batch}
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


def build(book: Book, pdf: bool = False, workers: int = 2) -> int:
    """Execute the chapters (two at a time: a laptop's two cores), then build the HTML (and the
    PDF); 0 on success. Nothing in book/ changes unless every chapter succeeded."""
    todo = book.chapters()
    scratch = book.build_folder  # beside book/, so that the final renames are atomic
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="executed-", dir=scratch) as tmp:
        print(f"executing {len(todo)} chapters with papermill ({workers} at a time)", flush=True)
        failure = execute_all(todo, Path(tmp), workers, logs=scratch / "kernels")
        if failure:
            print(failure, file=sys.stderr)
            print("vaebook build: no chapter was changed", file=sys.stderr)
            return 1
        for chapter in todo:
            drop_injected(Path(tmp) / chapter.name)
            os.replace(Path(tmp) / chapter.name, chapter)
    if jupyter_book(book, "-W", "-n", "--keep-going") != 0:
        return 1
    print(f"HTML: {book.build_folder / 'html' / 'index.html'}")
    if pdf:
        if jupyter_book(book, "--builder", "pdflatex") != 0:
            return 1
        print(f"PDF: {book.build_folder / 'latex' / 'vaebook.pdf'}")
    return 0
