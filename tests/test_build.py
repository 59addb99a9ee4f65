"""``vaebook build``'s pieces: TOC order, scrubbing, and a failing chapter that changes nothing."""

import nbformat

from vaebook import build


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, path)
    return path


def test_chapters_follow_the_toc():
    names = [p.stem for p in build.chapters()]
    assert names[:5] == ["01_data", "02_loss", "03_architecture", "04_training", "05_results"]
    assert all(p.suffix == ".ipynb" and p.exists() for p in build.chapters())


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


def test_a_failing_chapter_is_named_with_its_error(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "ROOT", tmp_path)
    (tmp_path / "_build").mkdir()
    good = notebook(tmp_path / "good.ipynb", "n = 1", "print(n)")
    bad = notebook(tmp_path / "bad.ipynb", "n = 0", "import vaebook\nvaebook.Config(latent_dim=n)")
    before = bad.read_bytes()
    message = build.execute_all([good, bad], tmp_path / "_build", workers=2)
    assert message.startswith("vaebook build: chapter bad failed in cell [2]: ValueError")
    assert "latent_dim must be an integer >= 1, got 0" in message
    assert bad.read_bytes() == before
