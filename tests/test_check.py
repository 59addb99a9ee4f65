"""The portable tier: its comparison of a re-executed chapter with the committed one, on small
notebooks, and on two executions of a real chapter whose parameter flips its verdict."""

import re

import nbformat
import pytest
from papermill_runs import SMALL, execute
from papermill_runs import glued as glued_values

from vaebook import cli
from vaebook.book import check, compare
from vaebook.book.toc import Book


@pytest.mark.quick
def test_numbers_are_split_from_the_words():
    words, numbers = compare.split_numbers(
        "epoch   201: sliced W2 0.273 (2.1 x floor), 100,000 steps, -4.9e-03"
    )
    assert numbers == ["201", "0.273", "2.1", "100,000", "-4.9e-03"]
    assert words == ["epoch", ": sliced W2", "(", "x floor),", "steps,", ""]
    # Digits inside words are words: a layer's name, a figure's size, a cache key, a version.
    assert compare.split_numbers("Layer1 550x450 4af93b3125f8c6dc tf2.21.0")[1] == []


def texts(expected: str, got: str) -> compare.Comparison:
    found = compare.Comparison()
    compare.compare_text(expected, got, "here", found)
    return found


def test_numbers_within_the_tolerance_pass_and_words_must_be_equal():
    assert texts("0.27272310612216116", "0.2727235").passed
    assert texts("[ 9.99 -9.98]", "[10.01 -9.98]").passed  # numpy's padding is layout
    assert not texts("0.2727", f"{0.2727 * (1 + 2 * compare.RTOL):.4f}").passed
    assert texts("settles at epoch 800", "settles at epoch 810").passed  # 1.2%
    # One unit of the last printed digit: "5%" and "6%" can be rounded from 5.49% and 5.51%.
    assert texts("'5%'", "'6%'").passed
    assert not texts("'does not hold'", "'holds'").passed
    assert not texts("[230, 250, 300]", "[None, 250, 300]").passed
    assert not texts("0.5", "-0.5").passed


def notebook(*cells):
    """A notebook of code cells, each given as (source, outputs)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = []
    for i, (source, outputs) in enumerate(cells, 1):
        cell = nbformat.v4.new_code_cell(source, execution_count=i)
        cell.outputs = [nbformat.from_dict(o) for o in outputs]
        nb.cells.append(cell)
    return nb


def glued(name: str, text: str) -> dict:
    return {
        "output_type": "display_data",
        "data": {"application/papermill.record/text/plain": text},
        "metadata": {"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    }


def figure(name: str) -> dict:
    out = glued(name, "<Figure size 550x450 with 1 Axes>")
    out["data"]["application/papermill.record/image/png"] = "iVBORw0KGgoAAAA"
    return out


def stdout(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


COMMITTED = notebook(
    ("run = train(config)  # NBVAL_IGNORE_OUTPUT", [stdout("took 20.1 s\n")]),
    ("glue('verdict', ...)", [glued("verdict", "'does not hold'"), stdout("settled at 800\n")]),
    ("glue_figure('fig-a', ...)", [figure("fig-a"), glued("fig-a.runs", "'{\"runs\": []}'")]),
    ("assert ok", []),
)


def variant(**changes):
    nb = nbformat.from_dict(COMMITTED)
    for (index, position), output in changes.get("outputs", {}).items():
        nb.cells[index].outputs[position] = nbformat.from_dict(output)
    for index in changes.get("unexecuted", ()):
        nb.cells[index].execution_count = None
    for index in changes.get("no_outputs", ()):
        nb.cells[index].outputs = []
    return nb


def test_the_same_notebook_passes_and_ignored_output_is_not_compared():
    assert compare.compare_notebooks(COMMITTED, variant(), "ch").passed
    again = variant(outputs={(0, 0): stdout("took 31.7 s and more\n")})
    assert compare.compare_notebooks(COMMITTED, again, "ch").passed


def test_a_flipped_verdict_fails_and_is_named():
    flipped = variant(outputs={(1, 0): glued("verdict", "'holds'")})
    found = compare.compare_notebooks(COMMITTED, flipped, "ch")
    assert found.mismatches == ["ch cell [2], glue 'verdict': expected 'does not hold', got 'holds'"]


def test_a_number_out_of_tolerance_fails():
    found = compare.compare_notebooks(COMMITTED, variant(outputs={(1, 1): stdout("settled at 550\n")}), "ch")
    assert len(found.mismatches) == 1 and "expected 800, got 550" in found.mismatches[0]


def test_a_missing_figure_or_a_cell_that_did_not_run_fails():
    no_figure = variant(no_outputs=[2])
    assert (
        "expected the outputs [\"glue 'fig-a'\""
        in compare.compare_notebooks(COMMITTED, no_figure, "ch").mismatches[0]
    )
    found = compare.compare_notebooks(COMMITTED, variant(unexecuted=[3]), "ch")
    assert found.mismatches == ["ch cell [4]: not executed"]


def test_other_cells_than_the_committed_ones_fail():
    other = variant()
    other.cells[3].source = "assert True"
    assert "not the committed chapter's" in compare.compare_notebooks(COMMITTED, other, "ch").mismatches[0]


def test_a_cell_whose_numbers_vary_like_a_seed_s_is_compared_by_its_words():
    committed = notebook(("print(gap)", [stdout("the noise drawn once: 17% from the log\n")]))
    here = nbformat.from_dict(committed)
    here.cells[0].outputs[0]["text"] = "the noise drawn once: 14% from the log\n"
    assert not compare.compare_notebooks(committed, here, "ch").passed
    committed.cells[0].metadata["tags"] = [compare.SEED_LIKE_TAG]
    assert compare.compare_notebooks(committed, here, "ch").passed
    here.cells[0].outputs[0]["text"] = "the noise drawn at every step: 14% from the log\n"
    assert "expected the noise drawn once" in compare.compare_notebooks(committed, here, "ch").mismatches[0]


def test_the_machine_stack_cell_is_not_compared():
    committed = notebook(("stack = fingerprint()", [glued("stack", "'AVX512'")]))
    committed.cells[0].metadata["tags"] = [compare.STACK_TAG]
    here = nbformat.from_dict(committed)
    here.cells[0].outputs[0]["data"]["application/papermill.record/text/plain"] = "'SSE4_2'"
    assert compare.compare_notebooks(committed, here, "appendix").passed


@pytest.mark.quick
def test_the_cpu_model_is_sanitized_as_nbval_reads_the_file():
    """Both tiers read book/nbval_sanitize.cfg through nbval; the appendix's CPU model is left
    out of the comparison, in its JSON and in its table."""
    clean = compare.sanitizers(Book.find().folder / check.SANITIZE)
    committed = notebook(("stack", [glued("stack", '\'{"cpu": "Intel(R) Xeon(R)", "isa": "AVX512"}\'')]))
    here = nbformat.from_dict(committed)
    here.cells[0].outputs[0]["data"]["application/papermill.record/text/plain"] = (
        '\'{"cpu": "AMD EPYC 9B14", "isa": "AVX512"}\''
    )
    assert compare.compare_notebooks(committed, here, "appendix", clean=clean).passed
    assert not compare.compare_notebooks(committed, here, "appendix").passed
    table = "| CPU model | AMD EPYC 9B14 |\n| instruction set XLA compiles for | AVX512 |"
    for regex, replacement in clean:
        table = re.sub(regex, replacement, table)
    assert table == "| CPU model | CPU-MODEL |\n| instruction set XLA compiles for | AVX512 |"


def test_an_unknown_tier_chapter_or_parameter_is_a_clear_error(capsys):
    with pytest.raises(ValueError, match="tier must be one of 'portable', 'strict', 'auto', got 'fast'"):
        check.check("fast")
    assert cli.main(["check", "fast"]) == 2
    err = capsys.readouterr().err
    assert "vaebook check: error: tier must be one of 'portable', 'strict'" in err and "pytest --nbval" in err
    assert cli.main(["check", "portable", "--chapter", "10_nothing"]) == 2
    assert "unknown chapter(s) 10_nothing" in capsys.readouterr().err
    assert cli.main(["check", "--chapter", "02_loss", "-p", "foo", "1"]) == 2
    assert "unknown parameter 'foo' for chapter 02_loss" in capsys.readouterr().err
    assert cli.main(["check", "--chapter", "04_training", "-p", "latent-dim", "3"]) == 2
    assert "'latent-dim' (did you mean 'latent_dim'?)" in capsys.readouterr().err
    assert cli.main(["build", "-p", "latent-dim", "3"]) == 2  # refused before anything runs
    assert "'latent-dim' (did you mean 'latent_dim'?) for the chapters" in capsys.readouterr().err
    assert cli.main(["check", "--root", ""]) == 2
    assert "--root is empty" in capsys.readouterr().err


SPAWNS = """\
import os, subprocess, sys
sleeper = "import os, pathlib, sys, time; pathlib.Path(sys.argv[1]).write_text(str(os.getpid()))"
sleeper += "; time.sleep(3600)"
# One child in the kernel's process group, one in a session of its own (as a pool's worker may be).
inside = subprocess.Popen([sys.executable, "-c", sleeper, MARKERS + ".inside"])
outside = subprocess.Popen([sys.executable, "-c", sleeper, MARKERS + ".outside"], start_new_session=True)
"""


@pytest.mark.integration
def test_a_stopped_check_leaves_no_kernel_or_worker_behind(tmp_path):
    """SIGTERM to `vaebook check` while its chapter's kernel runs two children: once both have
    written their marker files, the signal is sent; the command ends with one line, and no
    process of its tree survives."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import psutil

    markers = tmp_path / "child"
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "index.md").write_text("# A book\n")
    (tmp_path / "_toc.yml").write_text("root: index\nchapters:\n  - file: spawns\n")
    nb = notebook((f"MARKERS = {str(markers)!r}", []), (SPAWNS, []), ("import time\ntime.sleep(3600)", []))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, tmp_path / "book" / "spawns.ipynb")
    command = [str(Path(sys.executable).with_name("vaebook")), "check", "--root", str(tmp_path)]
    with open(tmp_path / "err.txt", "w") as err:
        check_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
    try:
        children = {}
        while len(children) < 2:  # until both children have written their pids
            assert check_process.poll() is None, (tmp_path / "err.txt").read_text()
            for where in ("inside", "outside"):
                path = Path(f"{markers}.{where}")
                if where not in children and path.exists() and path.read_text():
                    children[where] = int(path.read_text())
            psutil.wait_procs([psutil.Process(check_process.pid)], timeout=0.2)
        tree = psutil.Process(check_process.pid).children(recursive=True)
        assert set(children.values()) <= {p.pid for p in tree}
        check_process.send_signal(signal.SIGTERM)
        assert check_process.wait(timeout=120) == 128 + signal.SIGTERM
        gone, alive = psutil.wait_procs(tree, timeout=60)
        assert alive == [], f"left running: {alive}"
        lines = (tmp_path / "err.txt").read_text().strip().splitlines()
        assert lines[-1] == "vaebook check: stopped by SIGTERM; its kernels and their workers are stopped"
        assert "Traceback" not in "\n".join(lines)
    finally:
        for process in (
            psutil.Process(check_process.pid).children(recursive=True) if check_process.poll() is None else []
        ):
            process.kill()
        check_process.kill()


@pytest.mark.integration
def test_a_parameter_that_flips_the_published_verdict_fails_the_check(tmp_path, monkeypatch):
    """Two small executions of the convergence chapter, one as the published book and one as a
    re-run: with a settling band so wide that the claim holds, then so narrow that it does not.
    The portable comparison must fail on the verdict, and not on the figure or the table of
    distances, which the band does not touch; no assert of the chapter fires either way."""
    monkeypatch.setenv("VAEBOOK_CACHE", str(tmp_path / "cache"))  # both load the same small runs
    monkeypatch.setenv("VAEBOOK_WORKERS", "1")  # the kernel trains its runs itself
    small = {**SMALL, "claimed_epoch": 10, "seeds": 2, "script_seeds": 0, "epochs": 60}
    published = execute("06_convergence", tmp_path / "published", **small, rel_tol=100.0)
    rerun = execute("06_convergence", tmp_path / "rerun", **small, rel_tol=1e-6)
    assert (glued_values(published)["verdict"], glued_values(rerun)["verdict"]) == ("holds", "does not hold")
    published.cells = [c for c in published.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    failed = "\n".join(compare.compare_notebooks(published, rerun, "06_convergence").mismatches)

    def cell(text):
        (found,) = [c for c in published.cells if c.cell_type == "code" and text in c.source]
        return f"06_convergence cell [{found.execution_count}]"

    verdict = cell('glue("verdict"')
    assert f"{verdict}, glue 'verdict': expected 'holds', got 'does not hold'" in failed
    assert cell('"fig-convergence"') not in failed and cell("snapshot_distance") not in failed
