import dataclasses
import math

import pytest

from vaebook import Config

pytestmark = pytest.mark.quick


def test_defaults_are_table_1():
    c = Config()
    assert (c.latent_dim, c.hidden_units, c.hidden_layers, c.activation) == (2, 100, 2, "tanh")
    assert (c.batch_size, c.learning_rate, c.n_points, c.epochs, c.optimizer) == (
        100,
        1e-3,
        10_000,
        1000,
        "adam",
    )
    assert (c.data, c.noise_std, c.noise_mean, c.seed, c.loss) == ("report", 0.0, 0.0, 0, "report")
    assert c.noise_draw == "step"
    assert c.snapshot_epochs == (1, 5, 9, 13, 51, 101, 201, 1000)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("latent_dim", 0, ">= 1"),
        ("latent_dim", -3, ">= 1"),
        ("hidden_units", 0, ">= 1"),
        ("hidden_layers", 0, ">= 1"),
        ("batch_size", 0, ">= 1"),
        ("n_points", 0, ">= 6"),
        ("n_points", 5, ">= 6"),  # the nearest-neighbour metrics need more points than neighbours
        ("epochs", 0, ">= 1"),
        ("epochs", "ten", "integer"),
        ("epochs", 2.5, "integer"),
        ("epochs", True, "integer"),
        ("seed", -1, ">= 0"),
        ("eval_every", 0, ">= 1"),
        ("activation", "foo", "'tanh', 'relu'"),
        ("data", "moons", "'report', 'sklearn'"),
        ("optimizer", "sgd", "'adam'"),
        ("loss", "mse", "'report', 'code'"),
        ("noise_draw", "epoch", "'step', 'once'"),
        ("learning_rate", 0.0, "> 0"),
        ("learning_rate", -1.0, "> 0"),
        ("learning_rate", math.nan, "finite"),
        ("learning_rate", math.inf, "finite"),
        ("learning_rate", "fast", "finite number"),
        ("noise_std", -1.0, ">= 0"),
        ("noise_mean", math.nan, "finite"),
        ("snapshots", [], "non-empty"),
        ("snapshots", [0, 5], ">= 1"),
    ],
)
def test_every_invalid_field_is_named(field, value, words):
    with pytest.raises(ValueError) as err:
        Config(**{field: value})
    assert field in str(err.value) and words in str(err.value)


def test_n_points_must_be_a_multiple_of_batch_size():
    with pytest.raises(ValueError, match="n_points must be a multiple of batch_size"):
        Config(n_points=1050, batch_size=100)


def test_frozen_and_normalised():
    c = Config(learning_rate=1, epochs=50.0, snapshots="5, 1")
    assert isinstance(c.learning_rate, float) and c.epochs == 50 and c.snapshots == (1, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.epochs = 3


def test_snapshots_within_the_run_and_the_last():
    assert Config(epochs=50).snapshot_epochs == (1, 5, 9, 13, 50)
    assert Config(epochs=30, eval_every=10).eval_epochs == (1, 5, 9, 10, 13, 20, 30)


def test_key_changes_with_any_field_and_the_code():
    base = Config()
    keys = {base.key("1"), base.key("2"), base.replace(seed=1).key("1"), base.replace(latent_dim=3).key("1")}
    assert len(keys) == 4
    assert Config().key("1") == base.key("1")


def test_one_snapshot_epoch_may_be_a_number():
    """papermill's -p snapshots 300 passes an int."""
    assert Config(snapshots=300, epochs=300).snapshots == (300,)


def test_dict_round_trip_and_unknown_keys():
    c = Config(latent_dim=3, snapshots=(2, 4))
    assert Config.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="unknown Config field"):
        Config.from_dict({"latent_dims": 3})


def test_from_parameters_takes_the_fields_it_finds_and_names_a_bad_one():
    namespace = {"latent_dim": 3, "epochs": 50.0, "grid_size": 25, "In": [], "noise_draw": "once"}
    assert Config.from_parameters(namespace) == Config(latent_dim=3, epochs=50, noise_draw="once")
    base = Config(epochs=300, snapshots=(300,))
    assert Config.from_parameters({"seed": 2}, base=base) == base.replace(seed=2)
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1, got 0"):
        Config.from_parameters({"latent_dim": 0})


def test_from_parameters_rejects_a_field_the_chapter_varies_itself():
    with pytest.raises(ValueError, match="hidden_layers cannot be a parameter here"):
        Config.from_parameters({"hidden_layers": 3, "epochs": 5}, varied=("hidden_layers", "activation"))
    assert Config.from_parameters({"epochs": 5}, varied=("hidden_layers",)).epochs == 5


def test_a_recorded_epoch_is_checked_against_the_run():
    from vaebook.config import check_recorded_epoch

    config = Config(epochs=50)
    assert check_recorded_epoch("claimed_epoch", 20, config) == 20
    assert check_recorded_epoch("claimed_epoch", 13, config) == 13  # a snapshot epoch
    for bad in (200, 25):
        with pytest.raises(ValueError, match=r"claimed_epoch must be an epoch .*epochs=50, .*eval_every=10"):
            check_recorded_epoch("claimed_epoch", bad, config)
    with pytest.raises(ValueError, match="claimed_epoch must be an integer >= 1, got 0"):
        check_recorded_epoch("claimed_epoch", 0, config)
