"""The real chapters re-executed with papermill, each from a scratch cache and with small runs:
every chapter with one of the re-runs its "Try it" section suggests (read from the chapter, so
the test and the page cannot drift apart), with edge values of their parameters (they complete,
or stop at once naming the parameter), and with parameters that flip a claim chapter's verdict
(the rendered verdict flips with it, and no assert fires). Two classes of about equal cost, which
pytest-xdist runs on the two cores side by side; a class's executions share their cache, so a run
is trained once per class. A third re-runs chapters 5 and 6 at the report's own settings, on
fewer runs than the book. All are the integration tier's (make integration)."""

import os
import re

import nbformat
import papermill
import pytest
from papermill_runs import BOOK, SMALL, execute, glued, stops_at_once, suggestion

pytestmark = pytest.mark.integration  # each test executes a chapter in a kernel


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

    def test_the_data_chapter_s_suggestion_draws_scikit_learn_s_roll(self, folder):
        values = glued(execute("01_data", folder, **suggestion("01_data", 0), n_points=1000))
        assert values["roll-name"] == "scikit-learn's roll"

    def test_the_loss_chapter_s_suggestion_checks_the_smallest_case(self, folder):
        values = glued(execute("02_loss", folder, **suggestion("02_loss", 0), mc_samples=1000))
        assert values["loss-rel-error"] < 1e-12 and values["kl-worst-se"] <= 5

    def test_the_architecture_chapter_s_suggestion_prints_the_first_design(self, folder):
        values = glued(execute("03_architecture", folder, **suggestion("03_architecture", 0)))
        # one hidden layer of 100 ReLU units: 3-100-4 and 2-100-3, kernels and biases
        assert values["total-params"] == (3 * 100 + 100) + (100 * 4 + 4) + (2 * 100 + 100) + (100 * 3 + 3)

    def test_the_architecture_at_its_smallest(self, folder):
        nb = execute("03_architecture", folder, latent_dim=1, hidden_layers=1, hidden_units=1)
        assert glued(nb)["total-params"] == (3 + 1) * 1 + (1 + 1) * 2 + (1 + 1) * 1 + (1 + 1) * 3

    @pytest.mark.integration
    def test_the_original_code_chapter_s_suggestion_leaves_the_noise_question_open(self, folder):
        # Without input noise the two ways of drawing it are one run: the log cannot tell them apart,
        # and the variant without noise is the script's own run, so it changes nothing.
        small = {**SMALL, "seeds": 3, "change_epochs": 30, **suggestion("09_original_code", 1)}
        clean = glued(execute("09_original_code", folder, **small))
        assert clean["way-verdict"] == "either way"
        assert clean["n-logged"] == 1  # a 30-epoch run reaches the log's epoch 0 only
        assert clean["change-noise"] == "no difference shown" and clean["change-noise-ratio"] == 1.0
        # Three seeds: no paired test can reach 5% (2 / 2**3), so no change is shown to matter.
        assert clean["change-mean"] == clean["change-latent"] == "no difference shown"
        assert set(clean[f"{t}-place"] for t in ("total", "reconstruction", "kl")) <= {
            "not shown to differ from our runs", "below", "above"
        }

    @pytest.mark.integration
    def test_a_one_setting_epoch_the_runs_do_not_record_stops_at_once(self, folder):
        message = stops_at_once("09_original_code", folder, "change_epochs", change_epochs=7)
        assert "a multiple of eval_every=10" in message and "got 7" in message


class TestChaptersFourToEight:
    """04 to 07 read the same runs, trained once by the first of them; then the designs."""

    DESIGN = {**SMALL, "seeds": 3, "epochs": 20, "snapshots": [20], "eval_every": 5}
    SEEDS = {**SMALL, "seeds": 2}

    def test_the_training_chapter_s_suggestion_trains_with_the_script_s_rate(self, folder):
        values = glued(execute("04_training", folder, **{**self.SEEDS, **suggestion("04_training", 0)}))
        assert values["learning-rate"] == "0.0005" and values["iterations"] == 300

    def test_the_results_chapter_s_suggestion_and_the_grade_flipping_with_its_epoch(self, folder):
        # The suggested one-dimensional latent space is SMALL's; graded late and at the first epoch.
        assert suggestion("05_results", 1) == {"latent_dim": 1} and SMALL["latent_dim"] == 1
        small = {**self.SEEDS, "script_seeds": 0}
        late = glued(execute("05_results", folder / "late", **small, match_epoch=30))
        first = glued(execute("05_results", folder / "first", **small, match_epoch=1))
        assert first["match-grade"] == "more than five times the floor" != late["match-grade"]
        assert first["quite-well"] == "describes none of the runs"
        assert late["ratio-median"] < first["ratio-median"] and late["band"] == first["band"]
        assert late["script-quite-well"] == "not measured (script_seeds = 0)"

    def test_a_misspelt_name_stops_a_training_chapter_before_it_trains(self, folder):
        # papermill injects any name; without the set-up cell's check, `seds` would be ignored
        # and the chapter would train its default ten seeds.
        with pytest.raises(papermill.PapermillExecutionError) as caught:
            execute("04_training", folder, **SMALL, seds=2)
        assert caught.value.ename == "UnknownParameter", caught.value.ename
        assert caught.value.evalue.startswith("unknown parameter 'seds' (did you mean 'seeds'?)")
        executed = nbformat.read(folder / "04_training.ipynb", as_version=4)
        ran = [c for c in executed.cells if c.get("execution_count")]
        assert not any(re.search(r"\btrain(_many)?\(", c.source) for c in ran), "it trained"

    def test_a_match_epoch_past_the_run_stops_at_once(self, folder):
        message = stops_at_once("05_results", folder, "match_epoch", **SMALL)
        assert "at most epochs=30" in message and "got 201" in message

    def test_one_run_of_the_script_s_settings_is_no_spread_and_stops_at_once(self, folder):
        message = stops_at_once("05_results", folder, "script_seeds", **SMALL, script_seeds=1)
        assert "0 (none) or at least 2, got 1" in message

    def test_the_convergence_chapter_s_suggestion_loosens_the_tolerance(self, folder):
        # (tests/test_check.py runs the chapter with a tolerance so small that the claim does not hold)
        # 60 epochs: the rate of fall is judged at epochs 10 and 40 (windows of three records at
        # least), so a settling can be dated at epoch 10, whose double is judged.
        small = {**self.SEEDS, "epochs": 60, "claimed_epoch": 10, "script_seeds": 0}
        loose = glued(execute("06_convergence", folder, **small, **suggestion("06_convergence", 0)))
        assert loose["verdict"] in ("holds", "does not hold") and loose["rel-tol-pct"] == "20%"
        assert (loose["judged-to"], loose["dated-to"]) == (40, 10)

    def test_a_claimed_epoch_past_the_run_stops_at_once(self, folder):
        message = stops_at_once("06_convergence", folder, "claimed_epoch", epochs=50)
        assert "at most epochs=50" in message and "got 200" in message
        message = stops_at_once("06_convergence", folder, "claimed_epoch", epochs=50, claimed_epoch=20)
        assert "at most epochs / (2 sqrt 2) = 18" in message and "got 20" in message

    def test_the_generation_chapter_s_suggestion_decodes_a_wider_grid(self, folder):
        three = {**self.SEEDS, "seeds": 3}  # a paired comparison with any one run left out
        values = glued(execute("07_generation", folder, **three, **suggestion("07_generation", 1)))
        assert values["grid-extent"] == "5" and values["grid-shape"] == "25"
        assert values["grid-dims"] == "its one dimension"
        assert values["latent-shown"] == "its one latent dimension, against $t$"
        assert values["subsample"] == 1000 and values["k"] == 5  # SMALL's 1,000 points, all scored

    @pytest.mark.integration
    def test_the_design_chapter_s_suggestion_and_three_seeds_that_cannot_tell_designs_apart(self, folder):
        values = glued(execute("08_design", folder, **self.DESIGN, **suggestion("08_design", 0)))
        assert values["fraction-pct"] == "80%" and values["n-tests"] == 10
        # Three runs per design: the smallest two-sided p-value is 2 / C(6, 3) = 0.1, above 5%,
        # so no test can reject and every verdict is "no difference shown".
        assert values["claim"] == "is not supported"
        assert values["claim-speed"] == values["claim-plateau"] == "no difference shown"
        assert values["loo-same"] == values["half-same"] == 10

    @pytest.mark.integration
    def test_a_fraction_of_the_way_past_the_plateau_stops_at_once(self, folder):
        assert "between 0 and 1" in stops_at_once("08_design", folder, "fraction", fraction=1.5)


@pytest.mark.integration
class TestTheReportsClaimsAtTheReportsSettings:
    """Chapters 5 and 6 at Table 1's settings, on fewer runs than the book reads: the grade tells
    epoch 5 from epoch 201, and settling does not move with the run's length. Each trains its runs
    from an empty cache, as every test does: runs of 201 epochs (the first 201 epochs of the
    book's runs, bit for bit), then two runs of 1,000 epochs and two of 2,000."""

    def test_the_grade_of_epoch_5_differs_from_that_of_epoch_201(self, folder):
        runs = {"seeds": 3, "script_seeds": 0, "epochs": 201}
        early = glued(execute("05_results", folder / "early", **runs, match_epoch=5))
        claim = glued(execute("05_results", folder / "claim", **runs))
        book = glued(nbformat.read(BOOK / "05_results.ipynb", as_version=4))  # ten runs
        assert early["match-grade"] == "more than five times the floor"
        assert early["match-grade"] != claim["match-grade"] and early["match-grade"] != book["match-grade"]
        assert early["quite-well"] == "describes none of the runs" and early["ratio-low"] > 5

    def test_settling_is_the_same_in_runs_twice_as_long(self, folder):
        runs = {"seeds": 2, "script_seeds": 0}
        short = glued(execute("06_convergence", folder / "short", **runs))
        long = glued(execute("06_convergence", folder / "long", **runs, epochs=2000))
        assert short["verdict"] == long["verdict"] and short["dated-to"] < long["dated-to"]
        pairs = [
            (short["settled-at"], long["settled-at"]),
            (short["prior-settled-at"], long["prior-settled-at"]),
            *zip(short["sweep-epochs"], long["sweep-epochs"]),
        ]
        for at_1000, at_2000 in pairs:
            if at_1000 is not None:  # dated by the shorter run: the same epoch, within 15%
                assert at_2000 is not None and abs(at_2000 - at_1000) <= 0.15 * at_1000
            else:  # later than the shorter run can date: so in the longer one, if dated at all
                assert at_2000 is None or at_2000 > 0.85 * short["dated-to"]
        assert any(at is not None for at in short["sweep-epochs"])  # something is compared
