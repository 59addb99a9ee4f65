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


@pytest.mark.parametrize("chapter", TRAINING)
def test_every_config_field_is_a_parameter_of_a_chapter_that_trains(chapter):
    values = parameters(chapter)
    assert FIELDS <= set(values), FIELDS - set(values)
    config = Config.from_parameters(values)
    if chapter == "09_original_code":  # the original script's settings, its noise drawn either way
        assert config.replace(noise_draw="once") == report.ORIGINAL_CODE
    else:  # the report's run, Table 1
        assert config == Config()


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


def test_the_claimed_epoch_defaults_to_the_report_s():
    assert parameters("06_convergence")["claimed_epoch"] == report.CONVERGENCE_EPOCH
