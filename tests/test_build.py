"""``vaebook build``'s pieces: finding the book, TOC order, scrubbing, and a failing chapter that
changes nothing."""

from pathlib import Path

import nbformat
import pytest

from vaebook.book import build
from vaebook.book.toc import Book

ROOT = Path(__file__).resolve().parent.parent


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, path)
    return path


def test_chapters_follow_the_toc():
    chapters = Book(ROOT).chapters()
    names = [p.stem for p in chapters]
    assert names[:5] == ["01_data", "02_loss", "03_architecture", "04_training", "05_results"]
    assert all(p.suffix == ".ipynb" and p.exists() for p in chapters)


@pytest.mark.quick
def test_the_book_is_found_from_any_folder_inside_it_or_given(tmp_path, monkeypatch):
    assert Book.find(ROOT / "book" / "_ext") == Book(ROOT) == Book.at(ROOT)
    monkeypatch.chdir(ROOT / "book")  # book/ holds a link to _toc.yml, but no book/: the root is above
    assert Book.find().root == ROOT
    with pytest.raises(ValueError, match="no book found in .* or above it .*--root"):
        Book.find(tmp_path)
    with pytest.raises(ValueError, match="is not a book's root: it must hold _toc.yml and book/"):
        Book.at(tmp_path)


@pytest.mark.quick
def test_scrub_drops_stderr_and_timings_and_joins_stdout(tmp_path):
    path = notebook(tmp_path / "a.ipynb", "x = 1")
    nb = nbformat.read(path, 4)
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="mean"),
        nbformat.v4.new_output("stream", name="stdout", text=" 1.0\n"),
        nbformat.v4.new_output("stream", name="stderr", text="progress 50%\r"),
    ]
    nbformat.write(nb, path)
    build.scrub(path)
    nb = nbformat.read(path, 4)
    assert "papermill" not in nb.metadata and "execution" not in nb.cells[0].metadata
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [("stdout", "mean 1.0\n")]


def test_scrub_keeps_injected_parameters_off_the_page(tmp_path):
    path = notebook(tmp_path / "a.ipynb", "x = 1", "x = 2")
    nb = nbformat.read(path, 4)
    nb.cells[1].metadata["tags"] = ["injected-parameters"]
    nbformat.write(nb, path)
    build.scrub(path)
    assert nbformat.read(path, 4).cells[1].metadata["tags"] == ["injected-parameters", "remove-cell"]


def test_a_failing_chapter_is_named_with_its_error(tmp_path):
    (tmp_path / "_build").mkdir()
    good = notebook(tmp_path / "good.ipynb", "n = 1", "import sys\nprint(n, file=sys.__stderr__)")
    bad = notebook(tmp_path / "bad.ipynb", "n = 0", "import vaebook\nvaebook.Config(latent_dim=n)")
    before = bad.read_bytes()
    message = build.execute_all([good, bad], tmp_path / "_build", workers=2, logs=tmp_path / "logs")
    assert message.startswith("vaebook build: chapter bad failed in cell [2]: SettingError")
    assert "latent_dim must be an integer >= 1, got 0" in message
    assert bad.read_bytes() == before
    # Each kernel's own stderr (the process's, not the notebook's stream) goes to its own log.
    assert (tmp_path / "logs" / "good.log").read_text().strip().endswith("1")


def test_the_chapters_that_read_the_others_are_told_where_they_are(tmp_path):
    reader = notebook(tmp_path / f"{build.APPENDIX}.ipynb", "executed = ''", "print(executed)")
    other = notebook(tmp_path / "other.ipynb", "x = 1", "print(x)")
    folder = tmp_path / "executed"
    folder.mkdir()
    assert build.execute_all([reader, other], folder, workers=1) is None
    out = nbformat.read(folder / reader.name, 4)
    assert out.cells[-1].outputs[0].text == f"{folder}\n"
    # The book keeps the chapter as written: the build's own value is not a parameter of the
    # committed notebook, whose later executions (pytest --nbval) would read a folder that is gone.
    build.drop_injected(folder / reader.name)
    kept = nbformat.read(folder / reader.name, 4)
    assert [c.source for c in kept.cells] == ["executed = ''", "print(executed)"]
    assert kept.cells[-1].outputs[0].text == f"{folder}\n"
