"""``vaebook build``'s pieces: finding the book and refusing a table of contents that cannot be
trusted, TOC order, scrubbing, parameters checked by name, and a failing chapter that changes
nothing."""

import datetime
import os
from pathlib import Path

import nbformat
import papermill
import pytest

import vaebook
from vaebook.book import build, kernels, parameters, release
from vaebook.book.toc import Book, BookError

ROOT = Path(__file__).resolve().parent.parent


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, path)
    return path


def test_chapters_follow_the_toc():
    """The build executes the book's chapters in the table of contents' order, and only notebooks."""
    chapters = Book(ROOT).chapters()
    names = [p.stem for p in chapters]
    assert names[:5] == ["01_data", "02_loss", "03_architecture", "04_training", "05_results"]
    assert all(p.suffix == ".ipynb" and p.exists() for p in chapters)


@pytest.mark.quick
def test_the_book_is_found_from_any_folder_inside_it_or_given(tmp_path, monkeypatch):
    assert Book.find(ROOT / "book" / "_ext") == Book(ROOT) == Book.at(ROOT)
    monkeypatch.chdir(ROOT / "book")  # book/ holds a link to _toc.yml, but no book/: the root is above
    assert Book.find().root == ROOT
    (tmp_path / "a" / ".git").mkdir(parents=True)  # a checkout's root: the search stops there
    with pytest.raises(BookError, match=f"no book found in {tmp_path}/a/b or above it, up to {tmp_path}/a "):
        Book.find(tmp_path / "a" / "b")
    with pytest.raises(BookError, match="is not a book's root: it must hold _toc.yml and book/"):
        Book.at(tmp_path)
    with pytest.raises(BookError, match="--root is empty"):
        Book.at("")


def toc_book(tmp_path, toc: str, pages=("index.md", "a.ipynb")) -> Book:
    (tmp_path / "book").mkdir(exist_ok=True)
    for name in pages:
        (tmp_path / "book" / name).write_text("{}")
    (tmp_path / "_toc.yml").write_text(toc)
    return Book(tmp_path)


@pytest.mark.parametrize(
    "toc, says",
    [
        ("", "_toc.yml is empty"),
        ("- file: a\n", "_toc.yml is a list, not a mapping"),
        ("root: index\nparts: [\n", "_toc.yml is not valid YAML at line"),
        (
            "root: index\nparts:\n  - chapters:\n      - file: a\n      - file: b\n",
            "`file: b` names a missing page",
        ),
        ("root: index\nchapters:\n  - file: ../outside\n", "`file: ../outside` is outside the book's folder"),
        (
            "root: index\nchapters:\n  - file: /etc/passwd\n",
            "`file: /etc/passwd` is outside the book's folder",
        ),
        ("format: jb-book\n", "lists no chapter"),
        ("root: index\nchapters: a\n", "`chapters` must be a list"),
        ("root: index\nchapters:\n  - a\n", "an entry of `chapters` must be a mapping"),
    ],
)
def test_a_toc_that_cannot_be_trusted_is_refused_naming_the_file_and_the_entry(tmp_path, toc, says):
    (tmp_path / "outside.ipynb").write_text("{}")
    book = toc_book(tmp_path, toc)
    with pytest.raises(BookError, match=str(tmp_path / "_toc.yml")) as err:
        book.chapters()
    assert says in str(err.value)


def test_the_toc_s_pages_are_found_with_or_without_their_suffix(tmp_path):
    book = toc_book(tmp_path, "root: index\nparts:\n  - chapters:\n      - file: a.ipynb\n      - file: b\n",
                    pages=("index.md", "a.ipynb", "b.md"))  # fmt: skip
    assert [p.name for p in book.pages()] == ["index.md", "a.ipynb", "b.md"]
    assert [p.name for p in book.chapters()] == ["a.ipynb"]


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


@pytest.mark.integration
def test_a_failing_chapter_is_named_with_its_error(tmp_path):
    (tmp_path / "_build").mkdir()
    good = notebook(tmp_path / "good.ipynb", "n = 1", "import sys\nprint(n, file=sys.__stderr__)")
    bad = notebook(tmp_path / "bad.ipynb", "n = 0", "import vaebook\nvaebook.Config(latent_dim=n)")
    before = bad.read_bytes()
    message = kernels.execute_all([good, bad], tmp_path / "_build", workers=2, logs=tmp_path / "logs")
    assert message.startswith("vaebook build: chapter bad failed in cell [2]: SettingError")
    assert "latent_dim must be an integer >= 1, got 0" in message
    assert bad.read_bytes() == before
    # Each kernel's own stderr (the process's, not the notebook's stream) goes to its own log.
    assert (tmp_path / "logs" / "good.log").read_text().strip().endswith("1")


@pytest.mark.integration
def test_the_chapters_that_read_the_others_are_told_where_they_are(tmp_path):
    reader = notebook(tmp_path / f"{kernels.APPENDIX}.ipynb", "executed = ''", "print(executed)")
    other = notebook(tmp_path / "other.ipynb", "x = 1", "print(x)")
    folder = tmp_path / "executed"
    folder.mkdir()
    assert kernels.execute_all([reader, other], folder, workers=1) is None
    out = nbformat.read(folder / reader.name, 4)
    assert out.cells[-1].outputs[0].text == f"{folder}\n"
    # The book keeps the chapter as written: the build's own value is not a parameter of the
    # committed notebook, whose later executions (pytest --nbval) would read a folder that is gone.
    build.drop_injected(folder / reader.name)
    kept = nbformat.read(folder / reader.name, 4)
    assert [c.source for c in kept.cells] == ["executed = ''", "print(executed)"]
    assert kept.cells[-1].outputs[0].text == f"{folder}\n"


def test_parameters_are_checked_by_name_with_the_nearest_suggested(tmp_path):
    a = notebook(tmp_path / "a.ipynb", "latent_dim = 2\nepochs = 3  # few", "print(1)")
    b = notebook(tmp_path / "b.ipynb", "seeds = 5", "print(1)")
    with pytest.raises(parameters.UnknownParameter) as err:
        parameters.by_chapter({"latent-dim": 3}, [a])
    assert str(err.value) == (
        "unknown parameter 'latent-dim' (did you mean 'latent_dim'?) for chapter a, "
        "whose parameters are latent_dim, epochs"
    )
    with pytest.raises(parameters.UnknownParameter, match="unknown parameter 'foo' for the chapters"):
        parameters.by_chapter({"foo": 1}, [a, b])
    # A name goes to the chapters that have it.
    assert parameters.by_chapter({"seeds": 2, "epochs": 1}, [a, b]) == {"a": {"epochs": 1}, "b": {"seeds": 2}}


def test_the_kernels_environment_shares_the_cores_and_has_an_absolute_cache(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    env = kernels.kernel_env({"VAEBOOK_CACHE": "relcache"}, workers=2)
    assert env == {"VAEBOOK_CACHE": str(tmp_path / "relcache"), "VAEBOOK_TF_THREADS": "1"}
    assert kernels.kernel_env({"VAEBOOK_TF_THREADS": "2"}, workers=2)["VAEBOOK_TF_THREADS"] == "2"
    assert "VAEBOOK_TF_THREADS" not in kernels.kernel_env({}, workers=1)
    assert os.path.isabs(kernels.kernel_env({"VAEBOOK_CACHE": "~/c"})["VAEBOOK_CACHE"])


@pytest.mark.integration
def test_a_chapter_run_by_papermill_with_an_unknown_name_stops_in_its_set_up_cell(tmp_path):
    """papermill injects any name it is given; the set-up cell's check_injected(globals()) stops
    the chapter there, naming it and the nearest parameter, before anything else runs."""
    set_up = "from vaebook.book.parameters import check_injected\ncheck_injected(globals())"
    chapter = notebook(tmp_path / "ch.ipynb", "latent_dim = 2\nepochs = 3", set_up, "print(latent_dim)")
    run = {"kernel_name": "python3", "progress_bar": False, "cwd": str(tmp_path)}
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(str(chapter), str(tmp_path / "out.ipynb"), {"latent_dm": 3}, **run)
    assert (err.value.ename, err.value.exec_count) == ("UnknownParameter", 3)  # parameters, injected, set-up
    assert "unknown parameter 'latent_dm' (did you mean 'latent_dim'?) for this chapter" in err.value.evalue
    out = papermill.execute_notebook(str(chapter), str(tmp_path / "out.ipynb"), {"latent_dim": 3}, **run)
    assert out.cells[-1].outputs[0].text == "3\n"
    assert papermill.execute_notebook(str(chapter), str(tmp_path / "out.ipynb"), **run).cells[-1].outputs


def test_the_title_page_names_the_release_and_its_date():
    changelog = "# Changelog\n\n## Unreleased\n\n## 0.3.0 — 2026-12-05\n\n## 0.2.0 — 2026-11-26\n"
    assert release.release_date(changelog, "0.3.0") == datetime.date(2026, 12, 5)
    assert release.release_date(changelog, "0.3") is None and release.release_date(changelog, "0.4.0") is None
    assert release.title_date("0.3.0", datetime.date(2026, 12, 5)) == "5 December 2026"
    assert release.title_date("0.4.0", None).startswith("unreleased, built ")
    assert release.version() == vaebook.__version__
