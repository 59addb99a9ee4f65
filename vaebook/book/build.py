"""``vaebook build``: execute every chapter with papermill, in TOC order, then build the book.

Chapters are executed into temporary files and copied over the committed notebooks only when
all of them succeeded, so a failing chapter leaves the book as it was. Volatile metadata
(timings, stderr streams such as progress bars) is scrubbed, so that two builds with the same
cache give byte-identical notebooks and a clean ``git status``. Each chapter runs in a kernel of
its own, whose start-up and shut-down chatter goes to a log file of its own.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat

from vaebook.book import kernels
from vaebook.book.parameters import INJECTED_TAG, by_chapter
from vaebook.book.toc import Book


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
        if INJECTED_TAG in tags and "remove-cell" not in tags:
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
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    nbformat.write(nb, path)


def jupyter_book(book: Book, *args: str) -> int:
    """Run the jupyter-book command of this Python environment on ``book``."""
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe)] if exe.exists() else ["jupyter-book"]
    return kernels.run([*command, "build", str(book.folder), *args], book.root)


def build(book: Book, pdf: bool = False, workers: int = 2, parameters: dict | None = None) -> int:
    """Execute the chapters (two at a time: a laptop's two cores), then build the HTML (and the
    PDF); 0 on success. Nothing in book/ changes unless every chapter succeeded. ``parameters``
    (papermill's) go to the chapters whose parameters cell has them; a name that none has is
    refused before anything runs."""
    todo = book.chapters()
    values = by_chapter(parameters or {}, todo)
    scratch = book.build_folder  # beside book/, so that the final renames are atomic
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="executed-", dir=scratch) as tmp:
        count = f"{len(todo)} chapter{'s' * (len(todo) != 1)}"
        print(f"executing {count} with papermill ({workers} at a time)", flush=True)
        failure = kernels.execute_all(todo, Path(tmp), workers, values, logs=scratch / "kernels", after=scrub)
        if failure:
            print(failure, file=sys.stderr)
            print("vaebook build: no chapter was changed", file=sys.stderr)
            return 1
        for chapter in todo:
            drop_injected(Path(tmp) / chapter.name)
            os.replace(Path(tmp) / chapter.name, chapter)
    with kernels.stoppable("vaebook build"):
        if jupyter_book(book, "-W", "-n", "--keep-going") != 0:
            return 1
        print(f"HTML: {book.build_folder / 'html' / 'index.html'}")
        if pdf:
            if jupyter_book(book, "--builder", "pdflatex") != 0:
                return 1
            print(f"PDF: {book.build_folder / 'latex' / 'vaebook.pdf'}")
    return 0
