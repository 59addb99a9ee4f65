"""The chapters' parameters and set-up cells, read with nbformat (nothing is executed here)."""

import ast
import dataclasses
from pathlib import Path

import nbformat
import pytest

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
    # The script's settings, with distances recorded at the last epoch only (its runs' losses
    # and last points are all the chapter uses).
    assert (config.snapshots, config.eval_every) == ((config.epochs,), config.epochs)
    measured = {"snapshots": Config().snapshots, "eval_every": Config().eval_every}
    assert config.replace(noise_draw="once", **measured) == report.ORIGINAL_CODE


def test_the_design_chapter_varies_its_grid_and_takes_every_other_field():
    values = parameters("08_design")
    assert FIELDS - set(values) == {"hidden_layers", "activation"}
    assert {"hidden_layers_grid", "activation_grid", "seeds"} <= set(values)
    with pytest.raises(ValueError, match="cannot be a parameter here"):
        Config.from_parameters(values | {"activation": "relu"}, varied=("hidden_layers", "activation"))


@pytest.mark.parametrize(
    "chapter", ["01_data", "03_architecture", *TRAINING[:-1], "08_design", "09_original_code"]
)
def test_the_set_up_is_hidden_and_the_parameters_are_not(chapter):
    (setup,) = [c for c in cells(chapter) if "Config.from_parameters(globals()" in c.source]
    (params,) = [c for c in cells(chapter) if "parameters" in c.metadata.get("tags", [])]
    assert "hide-input" in setup.metadata.get("tags", [])
    assert not {"hide-input", "hide-cell", "remove-cell"} & set(params.metadata.get("tags", []))


def test_the_claimed_epochs_default_to_the_report_s():
    assert parameters("06_convergence")["claimed_epoch"] == report.CONVERGENCE_EPOCH
    assert parameters("05_results")["match_epoch"] == report.MATCH_EPOCH
