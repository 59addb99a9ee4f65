"""The original script's log beside a run: the script's units, the logged epochs, and each term's
place among several seeds."""

import numpy as np
import pytest

import vaebook
from vaebook import original_log, report


def test_the_script_s_units_are_the_coded_objective():
    # A small run with the script's loss: its per-step objective, averaged over each epoch, is
    # the script's logged total; the reconstruction is summed over the batch, the KL averaged.
    small = {"n_points": 200, "epochs": 3, "hidden_units": 8, "snapshots": (3,), "eval_every": 3}
    config = report.ORIGINAL_CODE.replace(**small)
    run = vaebook.train(config, progress=False)
    means = original_log.coded_epoch_means(run)
    by_epoch = run.objective.reshape(config.epochs, -1).mean(axis=1)
    assert means.shape == (3, 3)
    np.testing.assert_allclose(means[:, 0], by_epoch, rtol=1e-5)
    np.testing.assert_allclose(means[:, 1], run.reconstruction_loss * config.batch_size)
    np.testing.assert_allclose(means[:, 0], means[:, 1] + means[:, 2])
    # The log's epoch 0 is the run's first epoch; a 3-epoch run reaches only that one.
    assert list(original_log.logged_epochs(config)) == [0]
    np.testing.assert_array_equal(original_log.at_logged_epochs(run), means[:1])
    assert original_log.the_log(config).tolist() == [list(report.ORIGINAL_LOG[0])]


@pytest.mark.quick
def test_the_logged_epochs_of_the_script_s_run_are_all_21():
    assert len(original_log.logged_epochs(report.ORIGINAL_CODE)) == 21
    assert len(original_log.logged_epochs(report.ORIGINAL_CODE.replace(epochs=2000))) == 20


def test_the_prediction_interval_covers_one_more_draw_as_often_as_it_says():
    # Monte Carlo: for normal draws of any mean and spread, one more draw falls inside the
    # interval of five as often as its level says (the t distribution's claim, checked by simulation).
    rng = np.random.default_rng(0)
    trials, hits = 4000, {0.9: 0, 0.95: 0}
    for _ in range(trials):
        mean, spread = rng.normal(0, 10), rng.uniform(0.1, 5)
        draws = rng.normal(mean, spread, size=6)
        for level in hits:
            low, high = original_log.prediction_interval(draws[:5], level)
            hits[level] += low <= draws[5] <= high
    for level, count in hits.items():  # ~3.5 standard errors of a proportion at 4,000 trials
        assert abs(count / trials - level) < 3.5 * np.sqrt(level * (1 - level) / trials), (level, count)
    with pytest.raises(ValueError, match="two values"):
        original_log.prediction_interval([1.0], 0.9)


def test_each_term_is_compared_on_its_own():
    # Twelve seeds whose epoch means agree with the log in total and reconstruction; their KL term
    # is 30% above the log's at every epoch: only the KL term lies below the seeds.
    rng = np.random.default_rng(1)
    log = np.array([[400.0, 360.0, 40.0], [300.0, 260.0, 40.0], [200.0, 160.0, 40.0]])
    seeds = [log * np.exp(rng.normal(0, 0.02, size=log.shape)) * [1, 1, 1.3] for _ in range(12)]
    terms = original_log.compare_terms(log, seeds)
    total, recon, kl = terms
    assert (total.term, recon.term, kl.term) == original_log.COLUMNS
    assert original_log.places(terms) == {"total": "within", "reconstruction": "within", "kl": "below"}
    assert kl.ratio == pytest.approx(1 / 1.3 - 1, abs=0.03)
    # The level is the mean of log over the epochs: a constant factor moves it by log(factor).
    np.testing.assert_allclose(original_log.levels(log * 2) - original_log.levels(log), np.log(2))
    below, above = original_log.outside_the_seeds(log, seeds)
    assert below[2] == 3 and above[2] == 0


def test_the_p_value_is_where_the_interval_s_edge_meets_the_log():
    seeds = (0.0, 0.01, -0.01, 0.02, -0.02)  # levels: mean 0, standard deviation 0.0158
    for level in (0.5, 0.9, 0.95, 0.999):
        low, high = original_log.prediction_interval(seeds, level)
        assert original_log.prediction_p(seeds, high) == pytest.approx(1 - level)
        assert original_log.prediction_p(seeds, low) == pytest.approx(1 - level)
    assert original_log.prediction_p(seeds, 0.0) == pytest.approx(1.0)
    # By hand: t = 0.05 / (s sqrt(1 + 1/5)) with 4 degrees of freedom, from the t distribution.
    from scipy import stats

    t = 0.05 / (np.std(seeds, ddof=1) * np.sqrt(1.2))
    assert original_log.prediction_p(seeds, 0.05) == pytest.approx(2 * stats.t.sf(t, 4))


def test_the_three_terms_are_corrected_together():
    # Each term's p-value set by placing the log: 0.03, 0.2 and 0.5. Alone, 0.03 is below 5%;
    # Holm compares the smallest of three with 5% / 3, so no term leaves the seeds. At 0.004 it does.
    seeds = tuple(np.linspace(-1, 1, 12))

    def at(p):
        return float(np.mean(seeds) - (original_log.prediction_interval(seeds, 1 - p)[1] - np.mean(seeds)))

    terms = [
        original_log.TermComparison(term, at(p), seeds)
        for term, p in zip(original_log.COLUMNS, (0.03, 0.2, 0.5))
    ]
    assert [t.p for t in terms] == pytest.approx([0.03, 0.2, 0.5])
    assert set(original_log.places(terms).values()) == {"within"}
    assert original_log.places(terms, alpha=0.1)["total"] == "below"
    terms[0] = original_log.TermComparison("total", at(0.004), seeds)
    assert original_log.places(terms)["total"] == "below"
    terms[0] = original_log.TermComparison("total", -at(0.004), seeds)
    assert original_log.places(terms)["total"] == "above"
