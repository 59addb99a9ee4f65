"""``vaebook build``: execute every chapter with papermill, in TOC order, then build the book.

Chapters are executed into temporary files and copied over the committed notebooks only when
all of them succeeded, so a failing chapter leaves the book as it was. Volatile metadata
(timings, stderr streams such as progress bars) is scrubbed, so that two builds with the same
cache give byte-identical notebooks and a clean ``git status``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


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


def scrub(path: Path) -> None:
    """Drop what changes from run to run: papermill's timings and every stderr stream."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    nbformat.write(nb, path)


def execute(chapter: Path, output: Path) -> None:
    """Run one chapter with papermill, from book/, with its default parameters."""
    import papermill

    papermill.execute_notebook(
        str(chapter), str(output), cwd=str(BOOK), kernel_name="python3", progress_bar=False, log_output=False
    )


def _failure(chapter: Path, err: Exception) -> str:
    ename, evalue = getattr(err, "ename", type(err).__name__), getattr(err, "evalue", str(err))
    cell = getattr(err, "exec_count", None)
    where = f" in cell [{cell}]" if cell is not None else ""
    return f"vaebook build: chapter {chapter.stem} failed{where}: {ename}: {evalue}".rstrip()


def jupyter_book(*args: str) -> int:
    """Run the jupyter-book command of this Python environment."""
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe)] if exe.exists() else ["jupyter-book"]
    return subprocess.call([*command, "build", str(BOOK), *args], cwd=ROOT)


def build(pdf: bool = False) -> int:
    """Execute the chapters, then build the HTML (and the PDF); 0 on success."""
    todo = chapters()
    scratch = ROOT / "_build"  # beside book/, so that the final renames are atomic
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="executed-", dir=scratch) as tmp:
        for i, chapter in enumerate(todo, 1):
            print(f"[{i}/{len(todo)}] {chapter.stem} ...", end=" ", flush=True)
            start, output = time.perf_counter(), Path(tmp) / chapter.name
            try:
                execute(chapter, output)
            except Exception as err:  # papermill's own errors and the kernel's
                print("failed")
                print(_failure(chapter, err), file=sys.stderr)
                print("vaebook build: no chapter was changed", file=sys.stderr)
                return 1
            scrub(output)
            print(f"done in {time.perf_counter() - start:.1f}s", flush=True)
        for chapter in todo:
            os.replace(Path(tmp) / chapter.name, chapter)
    if jupyter_book("-W", "-n", "--keep-going") != 0:
        return 1
    print(f"HTML: {ROOT / '_build' / 'html' / 'index.html'}")
    if pdf:
        if jupyter_book("--builder", "pdflatex") != 0:
            return 1
        print(f"PDF: {ROOT / '_build' / 'latex' / 'vaebook.pdf'}")
    return 0
