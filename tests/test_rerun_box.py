"""The re-run box (book/_ext/rerun_box.py): read from the parameters cell, at the end of the page,
and the command with the flags it shows, run through papermill's own command line, sets every
parameter to its default."""

import re
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
# Inputs: which roll,
# and how it is named.
data = "report"
label = "1000"
flag = False
nothing = None
offset = -2.5
tiny = 1e-12
mask = 0x1F
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
        "nothing", "offset", "tiny", "mask", "quote", "derived",
    ]  # fmt: skip
    by_name = {p.name: p for p in found}
    assert by_name["epochs"].comment == "the report's" and by_name["data"].comment == ""
    assert (by_name["learning_rate"].source, by_name["learning_rate"].value) == ("1e-3", 0.001)
    assert (by_name["n_points"].source, by_name["n_points"].value) == ("10_000", 10_000)
    assert by_name["snapshots"].value == (1, 5, 9, 13, 51, 101, 201)
    assert by_name["derived"].value is rerun_box.NOT_A_LITERAL and by_name["derived"].source == "epochs * 2"
    assert by_name["data"].lead == "Inputs: which roll, and how it is named." and by_name["label"].lead == ""
    assert all(p.lead == "" for p in found if p.name != "data")
    assert rerun_box.flag_text(by_name["mask"]) == "-p mask 31"  # papermill would read "0x1F" as text


def _code_spans(markdown: str) -> list[str]:
    """The inline code of a Markdown text, as CommonMark reads it: a run of backticks up to the
    next run of the same length, one space stripped from each end when both ends have one."""
    spans = []
    for match in re.finditer(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", markdown, re.S):
        text = match.group(2).replace("\n", " ")
        spans.append(text[1:-1] if len(text) > 2 and text[0] == text[-1] == " " else text)
    return spans


def _box(tmp_path, cells, title="# X") -> str:
    path = notebook(tmp_path / "book" / "x.ipynb", title, cells)
    after = nbformat.reads(rerun_box.with_box(path.read_text(), "book/x.ipynb"), as_version=4)
    return after.cells[-1].source


def test_the_box_gives_papermill_every_default(tmp_path, monkeypatch):
    """Run the box's command with every flag it shows through papermill's CLI (without
    executing): the parameters papermill injects equal the parameters cell's, type for type
    (tuples arrive as lists), and only the defaults it cannot pass are left out."""
    monkeypatch.chdir(tmp_path)
    box = _box(tmp_path, [parameters_cell(CELL), nbformat.v4.new_code_cell("1")])
    spans = _code_spans(box)
    (command,) = [s for s in spans if s.startswith("papermill ")]
    flags = [s for s in spans if re.match(r"-[pry] ", s)]
    args = shlex.split(command) + [a for flag in flags for a in shlex.split(flag)]
    assert args[:3] == ["papermill", "book/x.ipynb", "out.ipynb"]
    result = CliRunner().invoke(papermill, [*args[1:], "--prepare-only"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    (injected,) = [c for c in out.cells if "injected-parameters" in c.metadata.get("tags", [])]
    passed, defaults = {}, {}
    exec(injected.source, {}, passed)
    exec(CELL, {}, defaults)
    expected = {p.name: lists(defaults[p.name]) for p in rerun_box.parameters(CELL) if p.name != "derived"}
    expected["nested"] = {"a": [1, 2], "b": "x y"}
    assert passed == expected
    assert {k: type(v) for k, v in passed.items()} == {k: type(v) for k, v in expected.items()}
    assert len(flags) == len(expected)  # each parameter once
    assert "The flags leave out `derived` (`epochs * 2`)" in box


def test_the_box_is_the_last_cell_and_lists_each_parameter_once_with_its_comment(tmp_path):
    path = notebook(
        tmp_path / "x.ipynb",
        "# The title\n\nThe first paragraph.",
        [
            parameters_cell(CELL),
            nbformat.v4.new_code_cell("print(1)"),
            nbformat.v4.new_markdown_cell("## Try it"),
        ],
    )
    before = nbformat.read(path, as_version=4)
    after = nbformat.reads(rerun_box.with_box(path.read_text(), "book/x.ipynb"), as_version=4)
    assert [c.source for c in after.cells[:-1]] == [c.source for c in before.cells]
    box = after.cells[-1]
    assert box.cell_type == "markdown"
    assert box.source.startswith(":::{admonition} Re-run this chapter\n:class: tip rerun\n")
    assert "the notebook `book/x.ipynb`, executed." in box.source
    assert "`papermill book/x.ipynb out.ipynb` runs it again with these defaults" in box.source
    flags = [shlex.split(s) for s in _code_spans(box.source) if re.match(r"-[pry] ", s)]
    named = [flag[1].split(":")[0] for flag in flags] + ["derived"]  # the one left out, by name
    assert named == [p.name for p in rerun_box.parameters(CELL)]
    assert box.source.count("`{.nowrap}") == len(flags)  # a flag is never broken across lines
    text = box.source.replace("{.nowrap}", "")
    assert "`-p epochs 1000` (the report's), `-p learning_rate 1e-3`, `-p n_points 10_000`," in text
    assert "`-y 'snapshots: [1, 5, 9, 13, 51, 101, 201]'`" in text
    # The comment lines above `data` open a paragraph of their own.
    assert "\n\nInputs: which roll, and how it is named. `-p data report`, `-r label 1000`," in text
    assert "download" not in box.source  # the PDF has no button


def test_a_hidden_parameters_cell_still_gives_the_box(tmp_path):
    """The chapters fold their parameters cell away (hide-input): the box is read from it all the same."""
    cell = parameters_cell("epochs = 10  # few\n")
    cell.metadata["tags"].append("hide-input")
    box = _box(tmp_path, [cell])
    assert "`-p epochs 10`{.nowrap} (few)." in box


def test_a_notebook_without_parameters_still_gets_a_box(tmp_path):
    box = _box(tmp_path, [nbformat.v4.new_code_cell("print(1)")], title="No title here.")
    assert box.startswith(":::{admonition} Re-run this chapter")
    assert "`papermill book/x.ipynb out.ipynb` runs it again; it takes no parameters." in box


def test_an_appendix_is_called_one():
    assert rerun_box.box("book/appendix_x.ipynb", []).startswith(":::{admonition} Re-run this appendix\n")


@pytest.mark.parametrize("chapter", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_chapter_gets_a_flag_for_each_of_its_parameters(chapter):
    nb = nbformat.read(chapter, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    found = rerun_box.parameters(cell.source)
    assert found, f"{chapter.name}: no parameters read"
    flags = {p.name: rerun_box.flag_text(p) for p in found}
    assert [name for name, flag in flags.items() if flag is None] == []  # papermill can pass each
    assert [shlex.split(flag)[1].split(":")[0] for flag in flags.values()] == list(flags)
