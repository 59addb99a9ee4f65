"""The chapters' parameters and set-up cells, read with nbformat (nothing is executed here)."""

import ast
import dataclasses
import re
from pathlib import Path

import nbformat
import pytest
from listings import included

from vaebook import Config, report

BOOK = Path(__file__).resolve().parent.parent / "book"
TRAINING = ("04_training", "05_results", "06_convergence", "07_generation", "09_original_code")
FIELDS = {f.name for f in dataclasses.fields(Config)}


def cells(chapter: str) -> list:
    return nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4).cells


def parameters(chapter: str) -> dict[str, object]:
    """The parameters cell's assignments, evaluated as the literals papermill replaces."""
    (cell,) = [c for c in cells(chapter) if "parameters" in c.metadata.get("tags", [])]
    tree = ast.parse(cell.source)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body}


@pytest.mark.parametrize("chapter", TRAINING[:-1])
def test_every_config_field_is_a_parameter_of_a_chapter_that_trains(chapter):
    values = parameters(chapter)
    assert FIELDS <= set(values), FIELDS - set(values)
    assert Config.from_parameters(values) == Config()  # the report's run, Table 1


def test_the_original_code_chapter_trains_the_script_s_settings_with_the_noise_drawn_both_ways():
    values = parameters("09_original_code")
    assert FIELDS - set(values) == {"noise_draw"}
    config = Config.from_parameters(values, varied=("noise_draw",))
    # Exactly the script's settings, with the default records: the runs of chapters 5 and 6's
    # tests of the script's configuration, twelve seeds of them at least.
    assert config.replace(noise_draw="once") == report.ORIGINAL_CODE
    assert values["seeds"] >= 12
    assert values["change_epochs"] in config.snapshot_epochs  # every distance recorded there


def test_the_design_chapter_varies_its_grid_and_takes_every_other_field():
    values = parameters("08_design")
    assert FIELDS - set(values) == {"hidden_layers", "activation"}
    assert {"hidden_layers_grid", "activation_grid", "seeds", "fraction", "tail"} <= set(values)
    with pytest.raises(ValueError, match="cannot be a parameter here"):
        Config.from_parameters(values | {"activation": "relu"}, varied=("hidden_layers", "activation"))
    # Table 1's settings but the run's length: twice the report's, so that the plateau is reached.
    config = Config.from_parameters(values, varied=("hidden_layers", "activation"))
    assert config == Config(epochs=2 * Config().epochs)


@pytest.mark.parametrize(
    "chapter", ["01_data", "03_architecture", *TRAINING[:-1], "08_design", "09_original_code"]
)
def test_the_set_up_and_the_parameters_are_collapsed_not_removed(chapter):
    """Both are folded in the notebook, as a reader of the .ipynb meets them; the page leaves the
    parameters cell out (vaebook.book.page), since its re-run box lists every parameter."""
    (setup,) = [c for c in cells(chapter) if "Config.from_parameters(globals()" in c.source]
    (params,) = [c for c in cells(chapter) if "parameters" in c.metadata.get("tags", [])]
    assert "hide-input" in setup.metadata.get("tags", [])
    assert "hide-input" in params.metadata.get("tags", [])
    assert not {"remove-input", "remove-cell"} & set(params.metadata.get("tags", []))


def test_the_claimed_epochs_default_to_the_report_s():
    assert parameters("06_convergence")["claimed_epoch"] == report.CONVERGENCE_EPOCH
    assert parameters("05_results")["match_epoch"] == report.MATCH_EPOCH


CHAPTERS = sorted(p.stem for p in BOOK.glob("0*.ipynb"))
HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell"}


def markdown(chapter: str) -> str:
    return "\n".join(c.source for c in cells(chapter) if c.cell_type == "markdown")


def visible_code(chapter: str) -> list[str]:
    """The non-empty code lines a reader sees: cells with no tag that hides their source."""
    shown = [
        c for c in cells(chapter) if c.cell_type == "code" and not HIDDEN & set(c.metadata.get("tags", []))
    ]
    return [line for c in shown for line in c.source.splitlines() if line.strip()]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_plumbing_is_out_of_sight(chapter):
    """A reader sees at most 60 lines of code, no glue calls, no nbval comments, and no history."""
    shown = visible_code(chapter)
    assert len(shown) <= 60, len(shown)
    assert not [line for line in shown if re.search(r"\bglue(_figure|_table)?\(", line)]
    sources = "\n".join(c.source for c in cells(chapter))
    assert "NBVAL" not in sources  # nbval's tags, not comments in the code
    assert not re.search(r"earlier version|issue \d|previous version", sources, re.IGNORECASE)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_ends_with_its_findings_and_re_runs_to_try(chapter):
    headings = re.findall(r"^## (.+)$", markdown(chapter), re.M)
    assert headings[-2:] == ["What we found", "Try it"]
    text = re.sub(r" \\\n\s+", " ", markdown(chapter))  # a command continued on the next line
    commands = re.findall(rf"^papermill book/{chapter}\.ipynb out\.ipynb( -p \S+ \S+)+$", text, re.M)
    assert 2 <= len(commands) <= 3


# The whole model: the network and its training step, gradients included, in the training chapter.
WHOLE_MODEL = {"affine", "mlp", "encode", "decode", "forward", "adam_update", "gradients", "train_step"}


@pytest.mark.parametrize(
    "chapter, functions",
    [
        ("02_loss", {"loss_terms", "objective", "reparameterize"}),
        ("03_architecture", {"mlp", "encode", "decode", "forward"}),
        ("04_training", WHOLE_MODEL),
    ],
)
def test_the_vae_s_own_code_is_on_its_pages(chapter, functions):
    """Each listing is included from the package when the book is built: it names a file of
    vaebook/ and a function defined there, or markers in such a file between which whole
    functions lie (tests/browser checks the built page's text)."""
    listings = included(markdown(chapter))
    assert functions <= {name for _, names in listings for name in names}
    for module, names in listings:
        tree = ast.parse((BOOK.parent / "vaebook" / module).read_text())
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert names and names <= defined, (module, names - defined)


def test_the_training_chapter_lists_the_whole_model_in_two_runs_of_source():
    """One listing of the network (model.py) and one of its training step (step.py), each a
    contiguous run of the module's source."""
    spans = [listing for listing in included(markdown("04_training")) if len(listing[1]) > 1]
    assert [module for module, _ in spans] == ["model.py", "step.py"]
    assert set().union(*(names for _, names in spans)) == WHOLE_MODEL
