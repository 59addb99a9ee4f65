"""Every setting of a run in one frozen dataclass; its defaults are the report's Table 1. Each
setting is checked, against a range a laptop can hold, before anything computes."""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from vaebook.errors import SettingError

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
DATA_DIM = 3  # the roll's points are 3-D: the networks' input and output width
# The k-NN precision and coverage (vaebook.metrics), which every run records at its snapshots,
# measure each point's distance to its NEIGHBOURS-th nearest other point: a run needs more points
# than that.
NEIGHBOURS = 5
# The epochs of the report's Figures 2 and 3 (vaebook.report.SNAPSHOT_EPOCHS).
DEFAULT_SNAPSHOTS = (1, 5, 9, 13, 51, 101, 201)

# The largest value of each size: each alone, the others at their defaults, fits well within a
# laptop's memory; together they are bounded by MEMORY_LIMIT (below).
MAX_EPOCHS = 100_000  # 100 times the report's run
MAX_N_POINTS = 1_000_000  # 100 times the report's roll (batch_size too)
MAX_HIDDEN_UNITS = 4_096
MAX_HIDDEN_LAYERS = 64
MAX_LATENT_DIM = 1_024
MAX_SEED = 2**63 - 1  # NumPy's and TensorFlow's seeds are 64-bit integers
MAX_SNAPSHOTS = 1_000  # snapshot epochs asked for
# The chapters' own counts, checked with check_int(name, value, minimum, MAX_...): the runs of
# one design a chapter trains (its ``seeds``), and the points a chapter draws or decodes at once
# (Monte Carlo samples, a grid's points).
MAX_SEEDS = 100
MAX_SAMPLES = 10_000_000

# The memory a process training one run holds at its peak, in bytes: measured with
# benchmarks/memory.py (peak resident memory of a fresh process training small configurations,
# varying one size at a time) and extrapolated linearly, with each slope rounded up at least
# 1.5-fold. A Config whose estimate (Config.peak_memory) exceeds MEMORY_LIMIT is refused.
MEMORY_LIMIT = 24 << 30  # a laptop with 32 GiB
MEMORY_BASE = 1 << 30  # Python, TensorFlow, the compiled programs (about 0.8 GiB measured)
MEMORY_PER_POINT = 4096  # the roll, its copies, the real samples, the distances' memoised projections
MEMORY_PER_POINT_UNIT = 8  # a snapshot's activations, n_points x hidden_units floats
MEMORY_PER_POINT_LATENT = 32  # a snapshot's draws and codes, n_points x latent_dim floats
MEMORY_PER_SNAPSHOT_POINT = 48  # the points of each snapshot kept (2 x 3 float32 a point) and their copy
MEMORY_PER_PARAMETER = 64  # parameters, Adam's moments, gradients, their copies, compilation
MEMORY_PER_STEP = 48  # each step's three float32 losses and their copies


def check_int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an int from ``minimum`` to ``maximum`` (if given), or a SettingError naming
    ``name`` and the range. An integral float (papermill's ``-p epochs 1e3``) counts as an int."""
    number = value
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    allowed = "" if maximum is None else f" (its range: {minimum:,} to {maximum:,})"
    if isinstance(number, bool) or not isinstance(number, int) or number < minimum:
        raise SettingError(f"{name} must be an integer >= {minimum}, got {value!r}{allowed}")
    if maximum is not None and number > maximum:
        raise SettingError(f"{name} must be an integer <= {maximum:,}, got {value!r}{allowed}")
    return int(number)


def check_float(name: str, value: object, *, positive: bool = False) -> float:
    """``value`` as a finite float (> 0 if ``positive``), or a SettingError naming ``name``."""
    allowed = "a finite number > 0" if positive else "a finite number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingError(f"{name} must be {allowed}, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0):
        raise SettingError(f"{name} must be {allowed}, got {value!r}")
    return value


def check_recorded_epoch(name: str, value: object, config: Config) -> int:
    """``value`` as an epoch at which a run of ``config`` records its distances (a multiple of
    ``eval_every`` or a snapshot epoch, within the run), or a SettingError naming ``name``, what
    it needs and the run's settings."""
    epoch = check_int(name, value, 1, MAX_EPOCHS)
    if not config.records_distances(epoch):
        epochs = ", ".join(map(str, config.snapshot_epochs))
        raise SettingError(
            f"{name} must be an epoch at which the run records its distances: at most "
            f"epochs={config.epochs}, and a multiple of eval_every={config.eval_every} or a snapshot "
            f"epoch ({epochs}); got {value!r}"
        )
    return epoch


def check_choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``, or a ValueError naming ``name`` and the choices."""
    if value not in allowed:
        raise SettingError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return str(value)


@dataclass(frozen=True)
class Config:
    """The settings of one training run. An invalid value raises ``SettingError`` (a
    ``ValueError``) naming the field and its range."""

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
    snapshots: tuple[int, ...] = field(default=DEFAULT_SNAPSHOTS)  # epochs asked for; see snapshot_epochs
    eval_every: int = 10

    def __post_init__(self) -> None:
        checked = {
            "latent_dim": check_int("latent_dim", self.latent_dim, 1, MAX_LATENT_DIM),
            "hidden_units": check_int("hidden_units", self.hidden_units, 1, MAX_HIDDEN_UNITS),
            "hidden_layers": check_int("hidden_layers", self.hidden_layers, 1, MAX_HIDDEN_LAYERS),
            "activation": check_choice("activation", self.activation, ACTIVATIONS),
            "head_init": check_choice("head_init", self.head_init, HEAD_INITS),
            "batch_size": check_int("batch_size", self.batch_size, 1, MAX_N_POINTS),
            "learning_rate": check_float("learning_rate", self.learning_rate, positive=True),
            "optimizer": check_choice("optimizer", self.optimizer, OPTIMIZERS),
            "n_points": check_int("n_points", self.n_points, NEIGHBOURS + 1, MAX_N_POINTS),
            "epochs": check_int("epochs", self.epochs, 1, MAX_EPOCHS),
            "data": check_choice("data", self.data, DATA_KINDS),
            "noise_mean": check_float("noise_mean", self.noise_mean),
            "noise_std": check_float("noise_std", self.noise_std),
            "noise_draw": check_choice("noise_draw", self.noise_draw, NOISE_DRAWS),
            "loss": check_choice("loss", self.loss, LOSSES),
            "seed": check_int("seed", self.seed, 0, MAX_SEED),
            "snapshots": _check_snapshots(self.snapshots),
            "eval_every": check_int("eval_every", self.eval_every, 1, MAX_EPOCHS),
        }
        if checked["noise_std"] < 0:
            raise SettingError(f"noise_std must be a finite number >= 0, got {self.noise_std!r}")
        if checked["n_points"] % checked["batch_size"]:
            raise SettingError(
                f"n_points must be a multiple of batch_size ({checked['batch_size']}), "
                f"got {checked['n_points']}"
            )
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        _check_memory(self)

    @property
    def steps_per_epoch(self) -> int:
        """Batches per epoch: consecutive, unshuffled blocks, as in the original code."""
        return self.n_points // self.batch_size

    @property
    def snapshot_epochs(self) -> tuple[int, ...]:
        """The epochs at which the run takes a snapshot: those of ``snapshots`` (the epochs
        asked for) within the run, and always the last epoch."""
        return tuple(sorted({e for e in self.snapshots if e <= self.epochs} | {self.epochs}))

    def records_distances(self, epoch: int) -> bool:
        """Whether the run records its distances to the real roll at the end of ``epoch``: every
        ``eval_every`` epochs and at every snapshot epoch, within the run."""
        if not 1 <= epoch <= self.epochs:
            return False
        return epoch % self.eval_every == 0 or epoch in self.snapshot_epochs

    def next_recorded_epoch(self, epoch: int) -> int:
        """The first epoch after ``epoch`` at which the run records its distances (the last
        epoch, if none comes before it)."""
        grid = (epoch // self.eval_every + 1) * self.eval_every
        later = self.snapshot_epochs[bisect.bisect_right(self.snapshot_epochs, epoch) :]
        return min(grid, *later[:1], self.epochs)

    @property
    def eval_epochs(self) -> tuple[int, ...]:
        """Every epoch at which the run records its distances (``records_distances``), in order."""
        grid = range(self.eval_every, self.epochs + 1, self.eval_every)
        return tuple(sorted(set(grid) | set(self.snapshot_epochs)))

    @property
    def peak_memory(self) -> int:
        """An estimate, in bytes, of the most memory a process training this run holds at once,
        from the trainer's measured use (``MEMORY_PER_*``)."""
        return _memory_terms(self)[0]

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
            raise SettingError(f"unknown Config field(s): {', '.join(sorted(unknown))}")
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
            raise SettingError(
                f"{', '.join(clash)} cannot be a parameter here: this chapter varies "
                f"{', '.join(varied)} itself"
            )
        return (base or cls()).replace(**{name: namespace[name] for name in names if name in namespace})


def _memory_terms(config: Config) -> tuple[int, dict[str, int]]:
    """The estimate of ``Config.peak_memory`` and its terms, each named by the settings it grows with."""
    n = config.n_points
    widths = [config.hidden_units] * config.hidden_layers
    encoder, decoder = [DATA_DIM, *widths, 2 * config.latent_dim], [config.latent_dim, *widths, DATA_DIM]
    parameters = sum((a + 1) * b for layers in (encoder, decoder) for a, b in zip(layers, layers[1:]))
    steps = config.epochs * config.steps_per_epoch
    terms = {
        "n_points": n * MEMORY_PER_POINT,
        "n_points x hidden_units": n * config.hidden_units * MEMORY_PER_POINT_UNIT,
        "n_points x latent_dim": n * config.latent_dim * MEMORY_PER_POINT_LATENT,
        "n_points x the snapshot epochs": n * len(config.snapshot_epochs) * MEMORY_PER_SNAPSHOT_POINT,
        "the parameters (hidden_units, hidden_layers)": parameters * MEMORY_PER_PARAMETER,
        "the steps (epochs x n_points / batch_size)": steps * MEMORY_PER_STEP,
    }
    return MEMORY_BASE + sum(terms.values()), terms


def _check_memory(config: Config) -> None:
    total, terms = _memory_terms(config)
    if total > MEMORY_LIMIT:
        largest = max(terms, key=terms.get)
        raise SettingError(
            f"these settings need about {total / 2**30:,.0f} GiB of memory, more than the "
            f"{MEMORY_LIMIT >> 30} GiB vaebook allows; most of it for {largest} "
            f"({terms[largest] / 2**30:,.0f} GiB): lower these settings"
        )


def _check_snapshots(value: object) -> tuple[int, ...]:
    """The snapshot epochs asked for, sorted and without repeats: a list or tuple of epochs, one
    epoch (papermill's ``-p snapshots 300``), or a text of epochs separated by commas or spaces
    (``-p snapshots 1,5``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    elif isinstance(value, str):
        words = [v for v in value.replace(",", " ").split() if v]
        try:
            value = [int(v) for v in words]
        except ValueError:
            raise SettingError(f"snapshots must be positive integer epochs, got {value!r}") from None
    if not isinstance(value, (list, tuple)) or not value:
        raise SettingError(f"snapshots must be a non-empty list of positive integer epochs, got {value!r}")
    if len(value) > MAX_SNAPSHOTS:
        raise SettingError(f"snapshots may list at most {MAX_SNAPSHOTS:,} epochs, got {len(value):,}")
    return tuple(sorted({check_int("snapshots", v, 1, MAX_EPOCHS) for v in value}))
