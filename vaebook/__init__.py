"""vaebook: the model, loss, data and trainer behind the book "Variational Auto-Encoder in
TensorFlow, re-created".

The public names load on first use (PEP 562), so that ``import vaebook``, the ``vaebook``
command's argument errors, ``vaebook build`` and ``vaebook check`` start at once: TensorFlow,
slow to import, loads with the first module that computes, set up by ``vaebook.backend``.

The library is the modules of this package; the book's tooling (``vaebook.book``) and the
command line (``vaebook.cli``) sit above it and the library never imports them."""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING

__version__ = "0.4.0"
# Each public name, and the module that defines it.
_SOURCES = {
    "Config": "config",
    "swiss_roll": "data",
    "snapshot_draws": "draws",
    "loss_terms": "loss",
    "negative_elbo": "loss",
    "objective": "loss",
    "VAE": "keras_model",
    "Run": "results",
    "Snapshot": "results",
    "TrainingDiverged": "errors",
    "train": "training",
}
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

if TYPE_CHECKING:
    from vaebook import metrics, report
    from vaebook.config import Config
    from vaebook.data import swiss_roll
    from vaebook.draws import snapshot_draws
    from vaebook.errors import TrainingDiverged
    from vaebook.keras_model import VAE
    from vaebook.loss import loss_terms, negative_elbo, objective
    from vaebook.results import Run, Snapshot
    from vaebook.training import train


def __getattr__(name: str) -> object:
    """A public name, or a submodule (``vaebook.plots``), imported on first use."""
    if name in _SOURCES:
        value = getattr(importlib.import_module(f"vaebook.{_SOURCES[name]}"), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"vaebook.{name}") is not None:
        value = importlib.import_module(f"vaebook.{name}")
    else:
        raise AttributeError(f"module 'vaebook' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
