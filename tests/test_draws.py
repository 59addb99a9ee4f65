"""The runs' random draws: pure functions of (seed, stream, counter), with the noise as noise_draw says."""

import numpy as np
import pytest

from vaebook import Config, snapshot_draws, swiss_roll
from vaebook.draws import TrainingPoints

NOISY = Config(n_points=4000, batch_size=100, latent_dim=3, noise_mean=2.0, noise_std=4.0, seed=5)


def test_snapshot_draws_are_a_function_of_seed_and_epoch():
    a, b = snapshot_draws(NOISY, 7), snapshot_draws(NOISY, 7)
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("inputs", "eps", "z"))
    c = snapshot_draws(NOISY, 8)
    assert not np.array_equal(a.eps, c.eps) and not np.array_equal(a.z, c.z)
    assert a.eps.shape == a.z.shape == (4000, 3)
    assert not np.array_equal(a.z, snapshot_draws(NOISY.replace(seed=6), 7).z)
    handed = snapshot_draws(NOISY, 7, TrainingPoints.of(NOISY))  # the trainer's points, built once
    assert all(np.array_equal(getattr(a, f), getattr(handed, f)) for f in ("inputs", "eps", "z"))


@pytest.mark.quick
def test_without_noise_the_inputs_are_the_training_points():
    clean = Config(n_points=200, batch_size=100)
    assert np.array_equal(snapshot_draws(clean, 3).inputs, swiss_roll(200))


@pytest.mark.parametrize("noise_draw", ["step", "once"])
def test_the_noise_is_one_normal_draw_per_point_on_all_coordinates(noise_draw):
    config = NOISY.replace(noise_draw=noise_draw)
    shift = snapshot_draws(config, 1).inputs - swiss_roll(config.n_points, config.seed)
    np.testing.assert_allclose(shift, shift[:, :1].repeat(3, axis=1), atol=1e-4)
    n = config.n_points
    assert abs(shift[:, 0].mean() - 2.0) < 5 * 4.0 / np.sqrt(n)
    assert abs(shift[:, 0].std() - 4.0) < 5 * 4.0 / np.sqrt(2 * n)
    again = snapshot_draws(config, 2).inputs
    # "once": the one noisy copy at every epoch; "step": a fresh draw each time.
    assert np.array_equal(again, snapshot_draws(config, 1).inputs) == (noise_draw == "once")
