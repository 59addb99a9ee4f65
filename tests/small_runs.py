"""The small runs the unit tests train. They share one network, batch size and learning rate, so
that each pytest worker compiles the training loop for few settings (a run's length and seed are
inputs of the compiled loop, not part of it); the runs a test only reads are trained once per
session (``conftest.trained``)."""

from vaebook import Config

# 200 points in batches of 20: ten steps an epoch, enough for the loss to halve in 30 epochs.
BASE = Config(n_points=200, batch_size=20, hidden_units=16)
SMALL = BASE.replace(epochs=30, eval_every=10)  # snapshots at 1, 5, 9, 13 and 30
TINY = BASE.replace(epochs=2, snapshots=(2,), eval_every=2)  # a finished run file, quickly
# Flags of `vaebook train` for a run of BASE's settings.
TINY_FLAGS = ["--n-points", "200", "--batch-size", "20", "--hidden-units", "16", "--no-progress"]


def noisy(noise_draw: str, epochs: int = 1) -> Config:
    """A run whose encoder reads its points with N(2, 4^2) noise, drawn as ``noise_draw`` says."""
    return BASE.replace(epochs=epochs, noise_mean=2.0, noise_std=4.0, noise_draw=noise_draw, seed=4)
