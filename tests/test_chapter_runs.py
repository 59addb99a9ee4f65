"""The real chapters re-executed with papermill, each from a scratch cache and with small runs:
with edge values of their parameters (they complete, or stop at once naming the parameter), and
with parameters that flip each claim chapter's verdict (the rendered verdict flips with it, and
no assert fires). Two classes of about equal cost, which pytest-xdist runs on the two cores side
by side; a class's executions share their cache, so a run is trained once per class."""

import os

import pytest
from papermill_runs import SMALL, execute, glued, stops_at_once


@pytest.fixture(scope="class")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("chapters")


@pytest.fixture(autouse=True)
def shared_cache(folder, monkeypatch):
    """The class's own cache, which the kernels inherit; sweeps train in the kernel itself."""
    monkeypatch.setenv("VAEBOOK_CACHE", str(folder / "cache"))
    monkeypatch.setenv("VAEBOOK_WORKERS", "1")
    monkeypatch.setenv("VAEBOOK_TF_THREADS", os.environ.get("VAEBOOK_TF_THREADS", "1"))


class TestChaptersOneToThreeAndNine:
    """The chapters that train nothing, and the original code's."""

    def test_the_data_with_the_other_roll_and_few_points(self, folder):
        execute("01_data", folder, data="sklearn", n_points=1000)

    def test_the_loss_with_one_latent_dimension_and_a_batch_of_one(self, folder):
        execute("02_loss", folder, latent_dim=1, batch=1, mc_samples=1000)

    def test_the_architecture_at_its_smallest(self, folder):
        nb = execute("03_architecture", folder, latent_dim=1, hidden_layers=1, hidden_units=1)
        assert glued(nb)["total-params"] == (3 + 1) * 1 + (1 + 1) * 2 + (1 + 1) * 1 + (1 + 1) * 3

    def test_which_way_the_script_trained_flips_without_noise(self, folder):
        noisy = glued(execute("09_original_code", folder / "noisy", **SMALL, seeds=2))
        without = {**SMALL, "seeds": 2, "noise_std": 0.0, "noise_mean": 0.0}
        clean = glued(execute("09_original_code", folder / "clean", **without))
        assert noisy["trained-verdict"].startswith("the script trained with its noise drawn")
        assert clean["trained-verdict"].startswith("the two ways are one run here")
        assert noisy["n-logged"] == 1  # a 30-epoch run reaches the log's epoch 0 only
        assert noisy["settings-note"].startswith("This execution changes some of them (latent_dim=1,")


class TestChaptersFourToEight:
    """04 to 07 read one run, trained once by the first of them; then the designs."""

    DESIGN = {**SMALL, "seeds": 3, "epochs": 20, "snapshots": [20], "eval_every": 5}

    def test_training_a_small_run(self, folder):
        nb = execute("04_training", folder, **SMALL)
        assert glued(nb)["iterations"] == 300

    def test_generation_with_a_one_dimensional_latent_space(self, folder):
        values = glued(execute("07_generation", folder, **SMALL))
        assert (values["grid-space"], values["grid-shape"]) == ("line", "25")
        assert values["latent-shown"] == "its one latent dimension, against $t$"

    def test_a_match_epoch_past_the_run_stops_at_once(self, folder):
        message = stops_at_once("05_results", folder, "match_epoch", **SMALL)
        assert "at most epochs=30" in message and "got 201" in message

    def test_the_grade_of_the_match_flips_with_its_epoch(self, folder):
        late = glued(execute("05_results", folder / "late", **SMALL, match_epoch=30))
        first = glued(execute("05_results", folder / "first", **SMALL, match_epoch=1))
        assert (late["match-grade"], first["match-grade"]) == ("partial", "poor")
        assert late["match-judgement"] == '"quite well" is fair for most of the way, but not all of it'
        assert first["match-judgement"] == '"quite well" is not yet fair'
        assert first["gap-closed"] == "0%"

    def test_a_claimed_epoch_past_the_run_stops_at_once(self, folder):
        message = stops_at_once("06_convergence", folder, "claimed_epoch", epochs=50)
        assert "at most epochs=50" in message and "got 200" in message

    def test_the_claim_flips_with_a_threshold_no_design_reaches(self, folder):
        reached = glued(execute("08_design", folder / "reached", **self.DESIGN, threshold_factor=6.0))
        never = glued(execute("08_design", folder / "never", **self.DESIGN, threshold_factor=0.5))
        assert (reached["claim"], never["claim"]) == ("holds", "is not supported")
        assert reached["claim-wins"] == "9" and never["claim-wins"] == "4.5"
        assert never["fastest"] == "no design is faster than another: all 4 tie"
        assert reached["smallest-p"].startswith("With 3 seeds per design, one that gets there first in every")

    def test_too_many_seeds_for_the_exact_test_stop_at_once(self, folder):
        assert "from 2 to 10" in stops_at_once("08_design", folder, "seeds", seeds=11)
