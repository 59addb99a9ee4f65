"""The chapter's page (vaebook.book.page) and its re-run box (vaebook.book.rerun): read from the
parameters cell, at the end of the page, and the command with the flags it shows, run through
papermill's own command line, sets every parameter to its default."""

import re
import shlex
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from papermill.cli import papermill

from vaebook.book import page, rerun

ROOT = Path(__file__).resolve().parents[1]

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
    found = rerun.parameters(CELL)
    assert [p.name for p in found] == [
        "epochs", "learning_rate", "n_points", "snapshots", "nested", "data", "label", "flag",
        "nothing", "offset", "tiny", "mask", "quote", "derived",
    ]  # fmt: skip
    by_name = {p.name: p for p in found}
    assert by_name["epochs"].comment == "the report's" and by_name["data"].comment == ""
    assert (by_name["learning_rate"].source, by_name["learning_rate"].value) == ("1e-3", 0.001)
    assert (by_name["n_points"].source, by_name["n_points"].value) == ("10_000", 10_000)
    assert by_name["snapshots"].value == (1, 5, 9, 13, 51, 101, 201)
    assert by_name["derived"].value is rerun.NOT_A_LITERAL and by_name["derived"].source == "epochs * 2"
    assert by_name["data"].lead == "Inputs: which roll, and how it is named." and by_name["label"].lead == ""
    assert all(p.lead == "" for p in found if p.name != "data")
    assert rerun.flag_text(by_name["mask"]) == "-p mask 31"  # papermill would read "0x1F" as text


def _code_spans(markdown: str) -> list[str]:
    """The inline code of a Markdown text, as CommonMark reads it (markdown-it)."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    return [
        child.content
        for t in tokens
        if t.type == "inline"
        for child in t.children
        if child.type == "code_inline"
    ]


def prepared(path: Path) -> nbformat.NotebookNode:
    return nbformat.reads(page.prepared(path.read_text(), "book/x.ipynb"), as_version=4)


def _box(tmp_path, cells, title="# X") -> str:
    return prepared(notebook(tmp_path / "book" / "x.ipynb", title, cells)).cells[-1].source


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
    expected = {p.name: lists(defaults[p.name]) for p in rerun.parameters(CELL) if p.name != "derived"}
    expected["nested"] = {"a": [1, 2], "b": "x y"}
    assert passed == expected
    assert {k: type(v) for k, v in passed.items()} == {k: type(v) for k, v in expected.items()}
    assert len(flags) == len(expected)  # each parameter once
    assert "The flags leave out `derived` (`epochs * 2`)" in box


def _flag_names(markdown: str) -> list[str]:
    return [shlex.split(s)[1].split(":")[0] for s in _code_spans(markdown) if re.match(r"-[pry] ", s)]


def test_the_box_is_the_last_cell_and_lists_each_parameter_once_with_its_comment(tmp_path):
    path = notebook(
        tmp_path / "x.ipynb",
        "# The title\n\nThe first paragraph.",
        [
            parameters_cell(CELL),
            nbformat.v4.new_code_cell("print(1)"),
            nbformat.v4.new_markdown_cell(
                "## Try it\n\n```bash\npapermill book/x.ipynb out.ipynb -p data sklearn\n```"
            ),
        ],
    )
    before = nbformat.read(path, as_version=4)
    after = prepared(path)
    assert [c.source for c in after.cells[:-1]] == [c.source for c in before.cells]
    box = after.cells[-1]
    assert box.cell_type == "markdown"
    assert box.source.startswith(":::::{admonition} Re-run this chapter\n:class: tip rerun\n")
    assert "the notebook `book/x.ipynb`, executed." in box.source
    assert "with the project environment active (`source .venv/bin/activate`{.nowrap})" in box.source
    assert "`papermill book/x.ipynb out.ipynb` runs it again with the defaults below" in box.source
    # The chapter's own parameters first (not Config fields, or set by its own commands: data),
    # then the runs' settings (four here: not folded); each parameter once, in the cell's order.
    own, settings = box.source.split("Its settings, fields of `vaebook.Config`:")
    config_fields = [p.name for p in rerun.parameters(CELL) if p.name in rerun.CONFIG_FIELDS]
    assert _flag_names(own) == [
        "nested",
        "data",
        "label",
        "flag",
        "nothing",
        "offset",
        "tiny",
        "mask",
        "quote",
    ]
    assert _flag_names(settings) == [name for name in config_fields if name != "data"]
    flags = _flag_names(box.source)
    assert box.source.count("`{.nowrap}") == len(flags) + 1  # a flag (or `source ...`) is never broken
    text = box.source.replace("{.nowrap}", "")
    assert "`-p epochs 1000` (the report's), `-p learning_rate 1e-3`, `-p n_points 10_000`," in text
    assert "`-y 'snapshots: [1, 5, 9, 13, 51, 101, 201]'`" in text
    # The comment lines above `data` open a paragraph of their own.
    assert "\n\nInputs: which roll, and how it is named. `-p data report`, `-r label 1000`," in text
    assert "download" not in box.source  # the PDF has no button


def test_few_settings_are_not_folded_and_a_named_parameter_reads_as_its_default():
    """A comment that names a parameter in backticks reads as its default ("5 seeds each"), not
    as the name beside the word ("seeds seeds each")."""
    params = rerun.parameters("# A grid, `seeds` seeds each.\nseeds = 5\nepochs = 3\nseed = 0\n")
    box = rerun.box("book/x.ipynb", params)
    assert "dropdown" not in box
    assert "This chapter's own parameters:\n\nA grid, 5 seeds each. `-p seeds 5`{.nowrap}." in box
    assert "Its settings, fields of `vaebook.Config`: `-p epochs 3`{.nowrap}, `-p seed 0`{.nowrap}." in box


def test_the_parameters_cell_leaves_the_page_and_folded_cells_say_what_they_hold(tmp_path):
    """The box lists the parameters, so their cell is removed from the page; a folded cell's
    button names what it holds, unless the chapter named it itself."""
    cell = parameters_cell("epochs = 10  # few\n")
    cell.metadata["tags"].append("hide-input")
    setup = nbformat.v4.new_code_cell("config = vaebook.Config.from_parameters(globals())")
    helper = nbformat.v4.new_code_cell("import numpy as np\n\ndef log_normal(z):\n    return z")
    table = nbformat.v4.new_code_cell("print(rows)")
    table.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    named = nbformat.v4.new_code_cell("x = 1")
    named.metadata["mystnb"] = {"code_prompt_show": "Show the grid"}
    for c in (setup, helper, table, named):
        c.metadata["tags"] = ["hide-input"]
    shown = nbformat.v4.new_code_cell("y = 2")
    after = prepared(notebook(tmp_path / "x.ipynb", "# X", [cell, setup, helper, table, named, shown]))
    tags = after.cells[1].metadata["tags"]
    assert "remove-cell" in tags and "hide-input" not in tags and "parameters" in tags
    prompts = [c.metadata.get("mystnb", {}).get("code_prompt_show") for c in after.cells[2:-1]]
    assert prompts == [page.SET_UP, "Show the code of log_normal()", page.BEHIND, "Show the grid", None]
    assert after.cells[2].metadata["mystnb"]["code_prompt_hide"].startswith("Hide the code that checks")
    assert "`-p epochs 10`{.nowrap} (few)." in after.cells[-1].source


def test_a_notebook_without_parameters_still_gets_a_box(tmp_path):
    box = _box(tmp_path, [nbformat.v4.new_code_cell("print(1)")], title="No title here.")
    assert box.startswith(":::{admonition} Re-run this chapter")
    assert "`papermill book/x.ipynb out.ipynb` runs it again; it takes no parameters." in box


def test_an_appendix_is_called_one():
    assert rerun.box("book/appendix_x.ipynb", []).startswith(":::{admonition} Re-run this appendix\n")


def test_the_chapter_s_own_commands_name_parameters():
    text = "```bash\npapermill book/x.ipynb out.ipynb -p seeds 10 -r label 3\n"
    text += "papermill book/y.ipynb o -p z 1\n```"
    assert rerun.named_in(text, "book/x.ipynb") == ["seeds", "label"]


@pytest.mark.parametrize("chapter", sorted((ROOT / "book").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_chapter_gets_a_flag_for_each_of_its_parameters(chapter):
    nb = nbformat.read(chapter, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    found = rerun.parameters(cell.source)
    assert found, f"{chapter.name}: no parameters read"
    flags = {p.name: rerun.flag_text(p) for p in found}
    assert [name for name, flag in flags.items() if flag is None] == []  # papermill can pass each
    assert [shlex.split(flag)[1].split(":")[0] for flag in flags.values()] == list(flags)
    box = nbformat.reads(page.prepared(chapter.read_text(), f"book/{chapter.name}"), 4).cells[-1].source
    assert sorted(_flag_names(box)) == sorted(flags)  # each once
    settings = [name for name in flags if name in rerun.CONFIG_FIELDS]
    assert ("{dropdown} The settings of its runs" in box) == (len(settings) > rerun.FOLD_OVER)
