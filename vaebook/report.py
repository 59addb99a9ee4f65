"""What the report claims and what its original code did: the numbers the book tests, in one place.

The report is Karimi (2017), "Variational Auto-Encoder in Tensorflow"; its settings are
``Config``'s defaults (its Table 1). The original code's facts are read from the author's script
``VAE_SwissRoll.py`` and its log (repository hamidkarimi/VAESwissRoll), as the project's notes on
the original code (``original-code-notes.md``) record them.
"""

from __future__ import annotations

import numpy as np

from vaebook.config import DEFAULT_SNAPSHOTS, Config
from vaebook.data import DATA_DIM

# The report's run: Table 1's settings are Config's defaults.
EPOCHS = Config().epochs  # 1,000
SNAPSHOT_EPOCHS = DEFAULT_SNAPSHOTS  # the (1-based) epochs its Figures 2 and 3 show
# Its claims. Table 1's last row: "the generator generates desired Swiss-roll distribution at
# epoch 200"; and of Figure 2: "in epoch 201, they match each other quite well".
CONVERGENCE_EPOCH = 200
MATCH_EPOCH = 201

# The original script's settings where they differ from Table 1: z dimension 30, learning rate
# 5e-4, 2,001 epochs, input noise N(2, 4^2) drawn once before training, and its coded loss.
ORIGINAL_CODE = Config(
    latent_dim=30,
    learning_rate=5e-4,
    epochs=2001,
    noise_mean=2.0,
    noise_std=4.0,
    noise_draw="once",
    loss="code",
)
# The original log's epoch means (coded units) at every 100th epoch, 0-based as the script
# counts them: columns total, reconstruction, KL. From the script's log (VAEResults/logVAE), as
# the notes on the original code tabulate it (section "Training").
ORIGINAL_LOG_EPOCHS = np.arange(0, 2001, 100)
ORIGINAL_LOG = np.array(
    [
        [4252.7, 4208.8, 43.9],
        [486.0, 434.4, 51.7],
        [445.9, 403.3, 42.6],
        [426.6, 387.2, 39.4],
        [402.3, 364.7, 37.6],
        [385.4, 349.2, 36.2],
        [366.7, 329.2, 37.6],
        [351.2, 313.1, 38.1],
        [339.4, 299.2, 40.3],
        [323.4, 281.3, 42.0],
        [300.5, 256.9, 43.6],
        [289.0, 243.8, 45.2],
        [270.5, 223.6, 46.9],
        [255.6, 207.1, 48.4],
        [244.1, 194.4, 49.7],
        [232.2, 180.7, 51.5],
        [224.7, 172.0, 52.7],
        [222.6, 169.1, 53.4],
        [203.1, 149.5, 53.6],
        [202.8, 147.9, 54.9],
        [198.3, 142.6, 55.7],
    ]
)
ORIGINAL_LOG_COLUMNS = ("total", "reconstruction", "kl")


def table1(config: Config) -> list[tuple[str, str, str]]:
    """The rows (part, item, setting) of the report's Table 1, filled from ``config``; the last
    row is the report's claim, not a setting."""
    hidden = [f"{config.hidden_units} units. Non-linearity: {config.activation}"] * config.hidden_layers
    layers = len(hidden) + 1
    rows = [("Encoder", f"Layer{i + 1}", s) for i, s in enumerate(hidden)]
    rows.append(
        (
            "Encoder",
            f"Layer{layers}",
            f"{2 * config.latent_dim} units. Linear (yielding latent variables μ and log σ²)",
        )
    )
    rows += [("Decoder", f"Layer{i + 1}", s) for i, s in enumerate(hidden)]
    rows.append(("Decoder", f"Layer{layers}", f"{DATA_DIM} units. Linear (yielding generated points)"))
    return rows + [
        ("Settings", "z dimension", str(config.latent_dim)),
        ("Settings", "Batch size", str(config.batch_size)),
        ("Settings", "Learning rate", f"{config.learning_rate:g}"),
        ("Settings", "Optimizer", {"adam": "Adam"}[config.optimizer]),
        ("Settings", "Number of Swiss-roll points", f"{config.n_points:,}"),
        ("Settings", "Number of trained epochs", f"{config.epochs:,}"),
        ("Settings", "Convergence epoch (the report's claim)", str(CONVERGENCE_EPOCH)),
    ]
