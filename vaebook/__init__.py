"""vaebook: the model, loss, data and trainer behind the book "Variational Auto-Encoder in
TensorFlow, re-created"."""

import os

# Quiet TensorFlow's C++ start-up logs before it is first imported; they would otherwise land
# in every notebook's output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# The trainer keeps the cores busy; BLAS threads for the distance evaluations would only
# compete with it (this takes effect only if numpy is not imported yet).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import tensorflow as tf  # noqa: E402

from vaebook.threads import set_tf_threads  # noqa: E402

tf.config.experimental.enable_op_determinism()
# Two threads: the trainer runs each batch as two independent halves, one per core (1.3x,
# benchmarks/speed.py); more would only contend. If the caller already initialised TensorFlow,
# its settings stay.
set_tf_threads(int(os.environ.get("VAEBOOK_TF_THREADS", min(2, os.cpu_count() or 1))))

from vaebook import metrics, report  # noqa: E402
from vaebook.config import Config  # noqa: E402
from vaebook.data import swiss_roll  # noqa: E402
from vaebook.draws import snapshot_draws  # noqa: E402
from vaebook.loss import loss_terms, negative_elbo, objective  # noqa: E402
from vaebook.model import VAE  # noqa: E402
from vaebook.results import Run, Snapshot  # noqa: E402
from vaebook.training import TrainingDiverged, train  # noqa: E402

__version__ = "0.2.0"
__all__ = [
    "VAE",
    "Config",
    "Run",
    "Snapshot",
    "TrainingDiverged",
    "loss_terms",
    "metrics",
    "negative_elbo",
    "objective",
    "report",
    "snapshot_draws",
    "swiss_roll",
    "train",
]
