"""The report's facts and the original code's, as vaebook.report holds them."""

import numpy as np
import pytest

from vaebook import Config, report

pytestmark = pytest.mark.quick


def test_the_original_log_is_the_notes_table():
    assert report.ORIGINAL_LOG.shape == (21, 3)
    assert list(report.ORIGINAL_LOG_EPOCHS) == list(range(0, 2001, 100))
    total, recon, kl = report.ORIGINAL_LOG.T
    # Each logged total is its reconstruction plus KL, up to the notes' rounding to 0.1.
    assert np.all(np.abs(total - (recon + kl)) <= 0.15)
    assert (total[0], total[2], total[-1]) == (4252.7, 445.9, 198.3)


def test_the_original_code_is_the_script_s_settings():
    code = report.ORIGINAL_CODE
    assert (code.latent_dim, code.learning_rate, code.epochs, code.loss) == (30, 5e-4, 2001, "code")
    assert (code.noise_mean, code.noise_std, code.noise_draw) == (2.0, 4.0, "once")
    assert code.replace(latent_dim=2, learning_rate=1e-3, epochs=1000, noise_mean=0, noise_std=0) == Config(
        noise_draw="once", loss="code"
    )


def test_the_claims_are_the_report_s_epochs_and_figure_2_shows_the_match_epoch():
    # The report: "generates desired Swiss-roll distribution at epoch 200. However, I did train the
    # network for 1000 epochs"; of Figure 2: "In epoch 201, they match each other quite well".
    assert (report.CONVERGENCE_EPOCH, report.MATCH_EPOCH, report.EPOCHS) == (200, 201, 1000)
    assert report.MATCH_EPOCH in report.SNAPSHOT_EPOCHS and report.MATCH_EPOCH in Config().snapshot_epochs


def test_table1_rows_come_from_the_config():
    rows = {(part, item): value for part, item, value in report.table1(Config(latent_dim=3, hidden_units=64))}
    assert rows["Encoder", "Layer1"] == "64 units. Non-linearity: tanh"
    assert rows["Encoder", "Layer3"].startswith("6 units. Linear")
    assert rows["Decoder", "Layer3"].startswith("3 units. Linear")
    assert rows["Settings", "z dimension"] == "3"
    assert rows["Settings", "Batch size"] == "100" and rows["Settings", "Learning rate"] == "0.001"
    assert rows["Settings", "Number of Swiss-roll points"] == "10,000"  # the book's one number format
    assert rows["Settings", "Number of trained epochs"] == "1,000"
    assert rows["Settings", "Convergence epoch (the report's claim)"] == "200"
