"""The re-run box (book/_ext/rerun_box.py): read from the parameters cell, and its command, run
through papermill's own command line, sets every parameter to its default."""

import shlex
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from papermill.cli import papermill

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import rerun_box  # noqa: E402

CELL = """\
epochs = 1000  # the report's
learning_rate: float = 1e-3
n_points = 10_000
snapshots = (1, 5, 9, 13, 51, 101, 201)
nested = {"a": (1, 2), "b": "x y"}
data = "report"
label = "1000"
flag = False
nothing = None
offset = -2.5
tiny = 1e-12
quote = "it's \\"quoted\\" $HOME"
derived = epochs * 2
a, b = 1, 2
"""


def notebook(path: Path, title: str, cells: list) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(title), *cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def parameters_cell(source: str):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    return cell


def lists(value):
    return [lists(v) for v in value] if isinstance(value, (list, tuple)) else value


def test_the_parameters_cell_is_read_in_order_with_its_comments():
    found = rerun_box.parameters(CELL)
    assert [p.name for p in found] == [
        "epochs", "learning_rate", "n_points", "snapshots", "nested", "data", "label", "flag",
        "nothing", "offset", "tiny", "quote", "derived",
    ]  # fmt: skip
    by_name = {p.name: p for p in found}
    assert by_name["epochs"].comment == "the report's" and by_name["data"].comment == ""
    assert (by_name["learning_rate"].source, by_name["learning_rate"].value) == ("1e-3", 0.001)
    assert (by_name["n_points"].source, by_name["n_points"].value) == ("10_000", 10_000)
    assert by_name["snapshots"].value == (1, 5, 9, 13, 51, 101, 201)
    assert by_name["derived"].value is rerun_box.NOT_A_LITERAL and by_name["derived"].source == "epochs * 2"


def test_the_command_gives_papermill_every_default(tmp_path, monkeypatch):
    """Run the box's command through papermill's CLI (without executing): the parameters it
    injects equal the parameters cell's, type for type (tuples arrive as lists)."""
    monkeypatch.chdir(tmp_path)
    notebook(tmp_path / "book" / "x.ipynb", "# X", [parameters_cell(CELL), nbformat.v4.new_code_cell("1")])
    found = rerun_box.parameters(CELL)
    command = rerun_box.command("book/x.ipynb", found)
    args = shlex.split(command.replace("\\\n", " "))
    assert args[:3] == ["papermill", "book/x.ipynb", "out.ipynb"]
    result = CliRunner().invoke(papermill, [*args[1:], "--prepare-only"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    (injected,) = [c for c in out.cells if "injected-parameters" in c.metadata.get("tags", [])]
    passed, defaults = {}, {}
    exec(injected.source, {}, passed)
    exec(CELL, {}, defaults)
    expected = {p.name: lists(defaults[p.name]) for p in found if p.name != "derived"}
    expected["nested"] = {"a": [1, 2], "b": "x y"}
    assert passed == expected
    assert {k: type(v) for k, v in passed.items()} == {k: type(v) for k, v in expected.items()}


def test_the_box_sits_under_the_title_and_names_what_the_command_leaves_out(tmp_path):
    path = notebook(
        tmp_path / "x.ipynb",
        "# The title\n\nThe first paragraph.",
        [parameters_cell(CELL), nbformat.v4.new_code_cell("print(1)")],
    )
    before = nbformat.read(path, as_version=4)
    after = nbformat.reads(rerun_box.with_box(path.read_text(), "book/x.ipynb"), as_version=4)
    assert len(after.cells) == len(before.cells)
    assert [c.source for c in after.cells[1:]] == [c.source for c in before.cells[1:]]
    title, rest = after.cells[0].source.split("\n", 1)
    assert title == "# The title"
    assert rest.lstrip().startswith(":::{admonition} Re-run this chapter")
    assert rest.rstrip().endswith("The first paragraph.")
    assert "papermill book/x.ipynb out.ipynb \\\n  -p epochs 1000 \\\n" in rest
    assert "`learning_rate = 1e-3`" in rest and "`epochs = 1000` (the report's)" in rest
    assert "The command leaves out `derived`" in rest


def test_a_notebook_without_parameters_or_title_still_gets_a_box(tmp_path):
    path = notebook(tmp_path / "x.ipynb", "No title here.", [nbformat.v4.new_code_cell("print(1)")])
    after = nbformat.reads(rerun_box.with_box(path.read_text(), "book/x.ipynb"), as_version=4)
    assert after.cells[0].source.startswith(":::{admonition} Re-run this chapter")
    assert "papermill book/x.ipynb out.ipynb\n```" in after.cells[0].source
    assert "It takes no parameters." in after.cells[0].source
    assert after.cells[1].source == "No title here."


@pytest.mark.parametrize("chapter", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_chapter_gets_a_command_with_each_of_its_parameters(chapter):
    nb = nbformat.read(chapter, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    found = rerun_box.parameters(cell.source)
    assert found, f"{chapter.name}: no parameters read"
    command = rerun_box.command(f"book/{chapter.name}", found)
    flags = [shlex.split(line) for line in command.split(" \\\n")[1:]]
    passed = [flag[1].split(":")[0] if flag[0] == "-y" else flag[1] for flag in flags]
    assert passed == [p.name for p in found]  # every default is one papermill can pass
