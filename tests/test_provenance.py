"""The stack fingerprint, the cache's stack key, and the figures' records of their runs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from small_runs import TINY

from vaebook import Config, stack
from vaebook.book import glue, provenance
from vaebook.book.toc import Book
from vaebook.cli import parser, train_config
from vaebook.store import RunFile, is_cached, run_key

ROOT = Path(__file__).resolve().parent.parent
APPENDIX = ROOT / "book" / f"{provenance.APPENDIX}.ipynb"


@pytest.mark.quick
def test_the_isa_xla_is_asked_for_wins_and_the_last_flag_counts():
    assert stack.requested_isa("--xla_cpu_max_isa=sse4_2") == "SSE4_2"
    assert stack.requested_isa("--a=1 --xla_cpu_max_isa=AVX --xla_cpu_max_isa=AVX2") == "AVX2"
    assert stack.requested_isa("--xla_cpu_enable_fast_math=false") is None


def test_the_best_x86_level_of_a_cpu():
    assert stack.best_x86_isa("fpu sse4_2 avx avx2 fma avx512f avx512bw".split()) == "AVX512"
    assert stack.best_x86_isa("fpu sse4_2 avx".split()) == "AVX"
    assert stack.best_x86_isa(["fpu", "sse2"]) is None


def test_fingerprint_names_every_field_and_follows_xla_flags(monkeypatch):
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    host = stack.fingerprint()
    assert list(host) == list(stack.FIELDS)
    assert host["python"] == ".".join(map(str, sys.version_info[:3]))
    assert host["numpy"] == np.__version__ and host["threads"] >= 1  # vaebook loaded TensorFlow
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if " avx512f " in flags:
        assert host["isa"] == "AVX512" and "/proc/cpuinfo" in host["isa_from"]
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_max_isa=SSE4_2")
    asked = stack.fingerprint()
    assert (asked["isa"], asked["isa_from"], asked["xla_flags"]) == (
        "SSE4_2",
        "XLA_FLAGS",
        "--xla_cpu_max_isa=SSE4_2",
    )
    assert stack.stack_key(asked) != stack.stack_key(host)
    assert stack.differences(host, asked).keys() == {"instruction set XLA compiles for", "XLA_FLAGS"}


@pytest.mark.quick
def test_the_thread_count_and_the_cpu_model_are_not_differences():
    here = stack.fingerprint()
    assert provenance.stack_note(here, here | {"threads": 7, "cpu": "Another CPU, same ISA"}) is None
    note = provenance.stack_note(here, here | {"tensorflow": "2.99.0"})
    assert "TensorFlow: " in note and "2.99.0 here" in note and "make check" in note


def test_a_run_stores_its_stack_and_another_stack_retrains_it(monkeypatch, trained):
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    path = RunFile.of(TINY).path
    assert path.name.endswith(f"-{stack.stack_key()}.npz")
    path.parent.mkdir(parents=True)
    path.write_bytes(trained.file(TINY))
    assert is_cached(TINY)
    with np.load(path) as stored:
        assert json.loads(str(stored["stack"])) == json.loads(json.dumps(stack.fingerprint()))
    # Another instruction set (or TensorFlow, Keras, NumPy) names another file: not loaded.
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_max_isa=SSE4_2")
    assert not is_cached(TINY)


@pytest.mark.quick
def test_the_train_command_trains_the_recorded_config():
    config = Config(epochs=300, hidden_layers=1, activation="relu", seed=2, snapshots=(300,))
    record = json.loads(glue.runs_record([config]))["runs"][0]
    assert record["settings"] == {
        "epochs": 300,
        "hidden_layers": 1,
        "activation": "relu",
        "seed": 2,
        "snapshots": [300],
    }
    command = provenance.train_command(record["settings"])
    assert command.startswith("vaebook train ")
    rebuilt = train_config(parser().parse_args(command.split()[1:]))
    assert rebuilt == config and run_key(rebuilt) == run_key(config)
    assert train_config(parser().parse_args(["train", "--snapshots", "5,1"])).snapshots == (1, 5)
    assert provenance.train_command({}) == "vaebook train"


@pytest.mark.quick
def test_labelled_figures_and_tables_are_found_in_markdown():
    markdown = """Some text.

```{glue:figure} fig-a
:name: fig-label

**Caption.** with `code`
```

:::{table} A caption.
:name: table-x

```{glue:md} tab-glue
:format: myst
```
:::

```{glue:figure} fig-unnamed
```

::::{only} html
:::{glue} fig-3d
:::
::::

```{glue} not-a-figure
```
"""
    assert provenance.labelled_items(markdown) == [
        ("figure", "fig-label", "fig-a"),
        ("table", "table-x", "tab-glue"),
        ("figure", "fig-unnamed", "fig-unnamed"),
        ("view", "fig-3d", "fig-3d"),
    ]


def glue_output(name: str, text: str):
    return nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": text},
        metadata={"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    )


def test_the_records_are_read_back_from_executed_chapters(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("...")
    cell.outputs = [glue_output("fig-a.runs", repr(glue.runs_record([TINY])))]
    nb.cells = [
        cell,
        nbformat.v4.new_markdown_cell("```{glue:figure} fig-a\n:name: fig-a\n```"),
        nbformat.v4.new_markdown_cell("```{glue:figure} fig-b\n:name: fig-b\n```"),
    ]
    nbformat.write(nb, tmp_path / "ch.ipynb")
    rows = provenance.figures_and_tables({"ch": tmp_path / "ch.ipynb"})
    assert [(r["label"], r["chapter"]) for r in rows] == [("fig-a", "ch"), ("fig-b", "ch")]
    assert rows[0]["runs"][0]["key"] == run_key(TINY)
    assert rows[1]["runs"] is None  # no record: the appendix's assert names it
    table = provenance.runs_table(rows[:1])
    # The key in the HTML only (the PDF names the run by its number and its command's settings).
    key = rows[0]["runs"][0]["key"]
    assert f"| 1[ `{key}`]{{.html-only}} | {{numref}}`fig-a` | `vaebook train " in table
    assert "--n-points 200" in table
    assert "| runs ({numref}`table-runs`) |" in provenance.items_table(rows[:1])
    assert key not in provenance.items_table(rows[:1])


def test_runs_are_numbered_in_order_of_first_use_and_listed_as_spans():
    runs = [{"key": k, "settings": {}} for k in "abcdef"]
    rows = [
        {"kind": "figure", "label": "fig-x", "chapter": "ch", "runs": runs[:3]},
        {"kind": "table", "label": "tab-y", "chapter": "ch", "runs": [runs[4], runs[0], runs[5], runs[2]]},
        {"kind": "figure", "label": "fig-z", "chapter": "ch", "runs": []},
    ]
    assert provenance.run_numbers(rows) == {"a": 1, "b": 2, "c": 3, "e": 4, "f": 5}
    cells = [line.split(" | ")[2] for line in provenance.items_table(rows).splitlines()[2:]]
    assert cells == ["1\u20133", "1, 3\u20135", "none (no training)"]


def test_an_interactive_view_is_named_as_the_version_of_the_figure_before_it(tmp_path):
    """The reader knows a view as "the interactive version of Figure N.M", not by its label."""
    view = "::::{only} html\n:::{glue} fig-a-3d\n:::\n\n*The interactive version of {numref}`fig-a`*\n::::"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("```{glue:figure} fig-a\n:name: fig-a\n```"),
        nbformat.v4.new_markdown_cell(view),
    ]
    record = nbformat.v4.new_code_cell("...")
    runs = repr(glue.runs_record([TINY]))
    record.outputs = [glue_output(f"{name}.runs", runs) for name in ("fig-a", "fig-a-3d")]
    nb.cells.insert(0, record)
    nbformat.write(nb, tmp_path / "ch.ipynb")
    rows = provenance.figures_and_tables({"ch": tmp_path / "ch.ipynb"})
    assert [(r["kind"], r["label"], r.get("extends")) for r in rows] == [
        ("figure", "fig-a", None),
        ("view", "fig-a-3d", "fig-a"),
    ]
    items = provenance.items_table(rows)
    assert "[Interactive version of {numref}`fig-a` (in the HTML)]{#made-fig-a-3d}" in items
    runs = provenance.runs_table(rows)
    assert "{numref}`fig-a`, interactive version of {numref}`fig-a` (in the HTML) |" in runs
    assert "`fig-a-3d`" not in items + runs
    nb.cells = [nb.cells[0], nb.cells[2]]  # the view alone: it extends nothing
    nbformat.write(nb, tmp_path / "ch.ipynb")
    with pytest.raises(ValueError, match="fig-a-3d follows no figure"):
        provenance.figures_and_tables({"ch": tmp_path / "ch.ipynb"})


def test_every_figure_and_table_of_the_book_has_a_record():
    """The committed chapters, as the appendix reads them."""
    rows = provenance.figures_and_tables(provenance.chapter_notebooks(book=Book(ROOT)))
    labels = {r["label"] for r in rows}
    assert {"fig-roll", "table-1", "fig-vfe", "fig-overlay", "fig-convergence", "fig-design"} <= labels
    assert [r["label"] for r in rows if r["runs"] is None] == []
    assert next(r for r in rows if r["label"] == "table-1")["runs"] == []
    assert len(next(r for r in rows if r["label"] == "fig-design")["runs"]) == 10 * 4  # seeds x designs


def test_the_reference_stack_is_in_the_committed_appendix():
    """A fingerprint, with the fields XLA's and numpy's numbers depend on at least (a field added
    since the appendix was executed is recorded by its next execution)."""
    reference = provenance.reference_stack(APPENDIX)
    assert reference is not None and set(reference) <= set(stack.FIELDS)
    assert {"isa", "os", "python", "tensorflow", "keras", "numpy", "xla_flags"} <= set(reference)


@pytest.mark.integration
@pytest.mark.parametrize("flags, says", [("--xla_cpu_max_isa=SSE4_2", True), (None, False)])
def test_the_strict_tier_says_first_when_the_stack_is_not_the_reference(flags, says):
    """`pytest --nbval book/`'s header (collection only: nothing is executed)."""
    reference = provenance.reference_stack(APPENDIX)
    here = stack.fingerprint()
    if flags is None and stack.differences(reference, here):
        pytest.skip("this machine is not the reference stack")
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    if flags:
        env["XLA_FLAGS"] = flags
    command = [sys.executable, "-m", "pytest", "--nbval", "book/", "--collect-only", "-n", "0"]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True).stdout
    header = out[: out.index("collected")]
    assert ("differs from the reference stack" in header) == says
    if says:
        assert "SSE4_2 here" in header and "make check" in header
