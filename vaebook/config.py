"""Every setting of a run in one frozen dataclass; its defaults are the report's Table 1."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

ACTIVATIONS = ("tanh", "relu", "sigmoid", "elu")
DATA_KINDS = ("report", "sklearn")
OPTIMIZERS = ("adam",)
LOSSES = ("report", "code")
# "step": a fresh draw of the input noise at every step; "once": the original script's one
# noisy copy of the points, drawn before training and fed at every epoch.
NOISE_DRAWS = ("step", "once")
# How the encoder's output layer (mu and log sigma^2) is initialised: "joint", one Glorot-uniform
# layer of 2 x latent_dim outputs, as Table 1's one linear layer; "separate", the original
# script's two heads, each Glorot-uniform over latent_dim outputs (a wider range).
HEAD_INITS = ("joint", "separate")
# The k-NN precision and coverage (vaebook.metrics), which every run records at its snapshots,
# measure each point's distance to its NEIGHBOURS-th nearest other point: a run needs more points
# than that.
NEIGHBOURS = 5
# The epochs of the report's Figures 2 and 3 (vaebook.report.SNAPSHOT_EPOCHS).
DEFAULT_SNAPSHOTS = (1, 5, 9, 13, 51, 101, 201)


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, or a ValueError naming ``name`` and the range."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_float(name: str, value: object, *, positive: bool = False) -> float:
    """``value`` as a finite float (> 0 if ``positive``), or a ValueError naming ``name``."""
    allowed = "a finite number > 0" if positive else "a finite number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def check_recorded_epoch(name: str, value: object, config: Config) -> int:
    """``value`` as an epoch at which a run of ``config`` records its distances (a multiple of
    ``eval_every`` or a snapshot epoch, within the run), or a ValueError naming ``name``, what
    it needs and the run's settings."""
    epoch = check_int(name, value, 1)
    if epoch not in config.eval_epochs:
        snapshots = ", ".join(map(str, config.snapshot_epochs))
        raise ValueError(
            f"{name} must be an epoch at which the run records its distances: at most "
            f"epochs={config.epochs}, and a multiple of eval_every={config.eval_every} or a snapshot "
            f"epoch ({snapshots}); got {value!r}"
        )
    return epoch


def check_choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``, or a ValueError naming ``name`` and the choices."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return str(value)


@dataclass(frozen=True)
class Config:
    """The settings of one training run. Invalid values raise ``ValueError`` naming the field."""

    latent_dim: int = 2
    hidden_units: int = 100
    hidden_layers: int = 2
    activation: str = "tanh"
    head_init: str = "joint"
    batch_size: int = 100
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    n_points: int = 10_000
    epochs: int = 1000
    data: str = "report"
    noise_mean: float = 0.0
    noise_std: float = 0.0
    noise_draw: str = "step"
    loss: str = "report"
    seed: int = 0
    snapshots: tuple[int, ...] = field(default=DEFAULT_SNAPSHOTS)
    eval_every: int = 10

    def __post_init__(self) -> None:
        checked = {
            "latent_dim": check_int("latent_dim", self.latent_dim, 1),
            "hidden_units": check_int("hidden_units", self.hidden_units, 1),
            "hidden_layers": check_int("hidden_layers", self.hidden_layers, 1),
            "activation": check_choice("activation", self.activation, ACTIVATIONS),
            "head_init": check_choice("head_init", self.head_init, HEAD_INITS),
            "batch_size": check_int("batch_size", self.batch_size, 1),
            "learning_rate": check_float("learning_rate", self.learning_rate, positive=True),
            "optimizer": check_choice("optimizer", self.optimizer, OPTIMIZERS),
            "n_points": check_int("n_points", self.n_points, NEIGHBOURS + 1),
            "epochs": check_int("epochs", self.epochs, 1),
            "data": check_choice("data", self.data, DATA_KINDS),
            "noise_mean": check_float("noise_mean", self.noise_mean),
            "noise_std": check_float("noise_std", self.noise_std),
            "noise_draw": check_choice("noise_draw", self.noise_draw, NOISE_DRAWS),
            "loss": check_choice("loss", self.loss, LOSSES),
            "seed": check_int("seed", self.seed, 0),
            "snapshots": _check_snapshots(self.snapshots),
            "eval_every": check_int("eval_every", self.eval_every, 1),
        }
        if checked["noise_std"] < 0:
            raise ValueError(f"noise_std must be a finite number >= 0, got {self.noise_std!r}")
        if checked["n_points"] % checked["batch_size"]:
            raise ValueError(
                f"n_points must be a multiple of batch_size ({checked['batch_size']}), "
                f"got {checked['n_points']}"
            )
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def steps_per_epoch(self) -> int:
        """Batches per epoch: consecutive, unshuffled blocks, as in the original code."""
        return self.n_points // self.batch_size

    @property
    def snapshot_epochs(self) -> tuple[int, ...]:
        """The snapshot epochs that fall within the run, and always the last epoch."""
        return tuple(sorted({e for e in self.snapshots if e <= self.epochs} | {self.epochs}))

    @property
    def eval_epochs(self) -> tuple[int, ...]:
        """Epochs at which distances to the real roll are recorded: every ``eval_every`` and
        every snapshot epoch."""
        grid = set(range(self.eval_every, self.epochs + 1, self.eval_every))
        return tuple(sorted(grid | set(self.snapshot_epochs)))

    def replace(self, **changes: object) -> Config:
        """A copy with some fields changed (and validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, object]:
        """The fields as plain JSON-able values."""
        d = dataclasses.asdict(self)
        d["snapshots"] = list(self.snapshots)
        return d

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> Config:
        """The inverse of ``to_dict``; unknown keys are an error."""
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown Config field(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    @classmethod
    def from_parameters(
        cls, namespace: Mapping[str, object], base: Config | None = None, varied: tuple[str, ...] = ()
    ) -> Config:
        """A chapter's Config from its parameters: the Config fields found in ``namespace`` (the
        notebook's ``globals()``, papermill's values included), the others from ``base``
        (default: ``Config()``). A field in ``varied`` is one the chapter sets itself: finding
        it in ``namespace`` is an error, not a value silently ignored."""
        names = [f.name for f in dataclasses.fields(cls)]
        clash = [name for name in varied if name in namespace]
        if clash:
            raise ValueError(
                f"{', '.join(clash)} cannot be a parameter here: this chapter varies "
                f"{', '.join(varied)} itself"
            )
        return (base or cls()).replace(**{name: namespace[name] for name in names if name in namespace})

    def key(self, code: str) -> str:
        """A short hash of the settings and of ``code``, the digest of the code that computes a
        run (``vaebook.digest``): the run's cache key."""
        blob = json.dumps({"config": self.to_dict(), "code": code}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _check_snapshots(value: object) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]  # one epoch, as papermill's -p passes it
    elif isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
        try:
            value = [int(v) for v in value]
        except ValueError:
            raise ValueError(f"snapshots must be positive integer epochs, got {value!r}") from None
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"snapshots must be a non-empty list of positive integer epochs, got {value!r}")
    return tuple(sorted({check_int("snapshots", v, 1) for v in value}))
