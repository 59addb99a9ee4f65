import dataclasses
import math

import pytest

from vaebook import Config
from vaebook.config import MAX_SEED, check_int, check_recorded_epoch
from vaebook.errors import SettingError, VaebookError

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
        # Sizes a laptop cannot hold, each named with its range.
        ("epochs", 10**12, "<= 100,000, got 1000000000000 (its range: 1 to 100,000)"),
        ("n_points", 10**9, "n_points must be an integer <= 1,000,000"),
        ("latent_dim", 10**6, "latent_dim must be an integer <= 1,024"),
        ("hidden_units", 100_000, "hidden_units must be an integer <= 4,096"),
        ("hidden_layers", 100_000, "hidden_layers must be an integer <= 64"),
        ("seed", 1e29, "seed must be an integer <= 9,223,372,036,854,775,807, got 1e+29"),
        ("seed", 2**63, "its range: 0 to 9,223,372,036,854,775,807"),
        ("eval_every", 10**9, "eval_every must be an integer <= 100,000"),
        ("snapshots", [1, 10**9], "snapshots must be an integer <= 100,000"),
        ("snapshots", list(range(1, 2002)), "snapshots may list at most 1,000 epochs, got 2,001"),
    ],
)
def test_every_invalid_field_is_named(field, value, words):
    with pytest.raises(SettingError) as err:
        Config(**{field: value})
    assert field in str(err.value) and words in str(err.value)
    assert isinstance(err.value, ValueError) and isinstance(err.value, VaebookError)


def test_the_largest_seed_is_allowed():
    assert Config(seed=MAX_SEED).seed == 2**63 - 1


@pytest.mark.parametrize(
    ("changes", "largest"),
    [
        ({"n_points": 1_000_000, "hidden_units": 4096}, "n_points x hidden_units"),
        ({"hidden_units": 4096, "hidden_layers": 64}, "the parameters"),
        ({"n_points": 1_000_000, "batch_size": 1, "epochs": 1000}, "the steps"),
        ({"n_points": 1_000_000, "snapshots": tuple(range(1, 1001))}, "n_points x the snapshot epochs"),
    ],
)
def test_sizes_each_allowed_but_too_large_together_are_refused(changes, largest):
    with pytest.raises(SettingError, match=rf"need about \d+ GiB of memory, more than the 24 GiB.*{largest}"):
        Config(**changes)


def test_the_memory_estimate_grows_with_each_size_from_the_measured_base():
    """Each term of the estimate by hand: the report's run is about the measured 1 GiB base."""
    base = Config()
    assert 1 << 30 < base.peak_memory < (1 << 30) + (100 << 20)
    for change in ({"n_points": 20_000}, {"hidden_units": 200}, {"latent_dim": 4}, {"epochs": 2000}):
        assert base.replace(**change).peak_memory > base.peak_memory
    more_points = base.replace(n_points=20_000).peak_memory - base.peak_memory
    per_point = 4096 + 8 * 100 + 32 * 2 + 48 * len(base.snapshot_epochs) + 48 * 1000 / 100
    assert more_points == pytest.approx(10_000 * per_point)


def test_check_int_names_the_range_and_takes_integral_floats():
    assert check_int("seeds", 5.0, 2, 100) == 5
    with pytest.raises(SettingError, match=r"seeds must be an integer <= 100, got 101 \(its range: 2 to 100"):
        check_int("seeds", 101, 2, 100)
    with pytest.raises(SettingError, match=r"seeds must be an integer >= 2, got 1 \(its range: 2 to 100"):
        check_int("seeds", 1, 2, 100)
    with pytest.raises(SettingError, match=r"seeds must be an integer >= 2, got 2.5$"):
        check_int("seeds", 2.5, 2)


def test_n_points_must_be_a_multiple_of_batch_size():
    with pytest.raises(ValueError, match="n_points must be a multiple of batch_size"):
        Config(n_points=1050, batch_size=100)


def test_frozen_and_normalised():
    """Settings given as another type (an int rate, a float epoch count, snapshots as text) are
    stored as the field's type, and a Config cannot be changed in place."""
    c = Config(learning_rate=1, epochs=50.0, snapshots="5, 1")
    assert isinstance(c.learning_rate, float) and c.epochs == 50 and c.snapshots == (1, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.epochs = 3


def test_snapshots_within_the_run_and_the_last():
    assert Config(epochs=50).snapshot_epochs == (1, 5, 9, 13, 50)
    assert Config(epochs=30, eval_every=10).eval_epochs == (1, 5, 9, 10, 13, 20, 30)


@pytest.mark.parametrize(
    "config",
    [
        Config(epochs=30, eval_every=10),
        Config(epochs=47, eval_every=7, snapshots=(3, 21, 46, 60)),
        Config(epochs=5, eval_every=100, snapshots=(2,)),
    ],
)
def test_recorded_epochs_are_arithmetic_and_agree_with_the_listed_ones(config):
    """records_distances and next_recorded_epoch against the set of every multiple of eval_every
    and every snapshot epoch, listed here."""
    listed = set(range(config.eval_every, config.epochs + 1, config.eval_every)) | set(config.snapshot_epochs)
    assert [e for e in range(-1, config.epochs + 3) if config.records_distances(e)] == sorted(listed)
    for epoch in range(config.epochs):
        assert config.next_recorded_epoch(epoch) == min(e for e in listed if e > epoch)


def test_the_largest_run_answers_without_listing_its_epochs():
    config = Config(epochs=100_000, eval_every=1)
    assert config.records_distances(99_999) and config.next_recorded_epoch(99_999) == 100_000


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
    with pytest.raises(ValueError, match=r"latent_dim must be an integer >= 1, got 0 \(its range: 1 to"):
        Config.from_parameters({"latent_dim": 0})


def test_from_parameters_rejects_a_field_the_chapter_varies_itself():
    with pytest.raises(ValueError, match="hidden_layers cannot be a parameter here"):
        Config.from_parameters({"hidden_layers": 3, "epochs": 5}, varied=("hidden_layers", "activation"))
    assert Config.from_parameters({"epochs": 5}, varied=("hidden_layers",)).epochs == 5


def test_a_recorded_epoch_is_checked_against_the_run():
    config = Config(epochs=50)
    assert check_recorded_epoch("claimed_epoch", 20, config) == 20
    assert check_recorded_epoch("claimed_epoch", 13, config) == 13  # a snapshot epoch
    for bad in (200, 25):
        with pytest.raises(ValueError, match=r"claimed_epoch must be an epoch .*epochs=50, .*eval_every=10"):
            check_recorded_epoch("claimed_epoch", bad, config)
    with pytest.raises(SettingError, match="claimed_epoch must be an integer >= 1, got 0"):
        check_recorded_epoch("claimed_epoch", 0, config)
