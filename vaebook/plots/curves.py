"""Figures of curves against the epoch: the loss, the distances to the roll, their settling,
the original script's log, and the designs compared by speed and level."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

from vaebook.plots.style import (
    OTHERS,
    PRIOR,
    PRIOR_NAME,
    RECON,
    RECON_NAME,
    STYLE,
    TEXT,
    _figure,
    _log,
    _others,
    _plain_log,
    _styled,
    _thousands,
)

if TYPE_CHECKING:  # a hint only: the figures import no TensorFlow
    from vaebook.results import Run


@_styled()
def objective_curves(objective: np.ndarray, steps_per_epoch: int, drop: int, every: int) -> Figure:
    """Figure 4, the objective (the report's VFE) at every iteration: left, the report's view
    (first ``drop`` iterations removed, every ``every``-th value); right, the whole curve with
    its per-epoch means, both axes on log scales, so that the first epochs get their share."""
    fig = _figure(3.7)
    left, right = fig.subplots(1, 2)
    iterations = np.arange(1, len(objective) + 1)
    left.plot(iterations[drop::every], objective[drop::every], lw=0.6, color=RECON)
    left.set(
        xlabel="iteration", ylabel="VFE per point", title=f"as in the report: from iteration {drop + 1:,}"
    )
    _thousands(left.xaxis)
    left.xaxis.set_major_locator(MaxNLocator(4))
    right.plot(iterations, objective, lw=0.3, color="0.65", label="every iteration")
    means = objective.reshape(-1, steps_per_epoch).mean(axis=1)
    ends = iterations[steps_per_epoch - 1 :: steps_per_epoch]
    right.plot(ends, means, color=RECON, label="epoch mean")
    right.set(xlabel="iteration", ylabel="VFE per point")
    _log(right, "x")
    _log(right, "y")
    per_epoch = (lambda i: i / steps_per_epoch, lambda e: e * steps_per_epoch)
    epochs = right.secondary_xaxis("top", functions=per_epoch)
    epochs.set_xlabel("epoch")
    _plain_log(epochs.xaxis)
    for axis in (right.xaxis, epochs.xaxis):  # half the page's width: every other power of ten
        axis.set_major_locator(LogLocator(numticks=4))
    # The title above the epoch axis's name, a line's height clear of it: matplotlib would set it
    # right on the name, where it reads as a second line of it.
    right.annotate(
        "every iteration, log scales",
        xy=(0.5, 1),
        xycoords=epochs.xaxis.label,
        xytext=(0, STYLE["axes.titlesize"]),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=STYLE["axes.titlesize"],
    )
    # Under the panels: inside the right one, any place crosses the fall or its noise.
    key = fig.legend(*right.get_legend_handles_labels(), loc="outside lower center", ncols=2)
    for line in key.get_lines():  # the key's lines thick enough to see their colour
        line.set_linewidth(STYLE["lines.linewidth"])
    return fig


@_styled()
def distance_curves(run: Run, floors: dict[str, float], mark_epoch: int) -> Figure:
    """Left, sliced W2 to a real sample at every recorded epoch; right, the energy distance at
    the snapshot epochs. Reconstructions and prior samples, with the noise floor dashed and the
    report's convergence epoch dotted; both axes on log scales, the epochs shared."""
    fig = _figure(3.9)
    panels = (
        ("sliced_wasserstein", run.distance, {}, "sliced Wasserstein distance"),
        ("energy_distance", run.snapshot_distance, {"marker": "o", "ms": 4}, "energy distance"),
    )
    axes = fig.subplots(1, 2, sharex=True)
    for ax, (name, curve, style, label) in zip(axes, panels):
        ax.plot(*curve(name, "recon"), color=RECON, label=RECON_NAME, **style)
        ax.plot(*curve(name, "prior"), color=PRIOR, label=PRIOR_NAME, **style)
        ax.axhline(floors[name], color="0.3", ls="--", lw=1, label="noise floor (two real samples)")
        ax.axvline(mark_epoch, color="0.3", ls=":", lw=1.4, label=f"epoch {mark_epoch:,}")
        ax.set(xlabel="epoch", ylabel=f"{label}\nto a real sample (data units)")
        _log(ax, "x")
        _log(ax, "y")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=2)
    return fig


@_styled()
def settling_curves(
    curves: dict[str, list[tuple[np.ndarray, np.ndarray]]],
    gains: dict[str, tuple[np.ndarray, np.ndarray]],
    settled: dict[str, int | None],
    tol: float,
    claimed: int,
) -> Figure:
    """Left, each group's runs (``curves``: label -> [(epochs, values), ...]) as the median over
    its runs with their lowest and highest around it, on a log scale; right, the share by which
    the median curve falls per doubling of the training around each epoch (``gains``: label ->
    (epochs, gains)), with the tolerance ``tol`` dashed, a dot where the group settles (``settled``: label
    -> epoch, or None: no dot) and the ``claimed`` epoch dotted. Epochs on linear axes, one colour
    per group."""
    fig = _figure(3.6)
    left, right = fig.subplots(1, 2)
    for color, (label, runs) in zip(_others(len(curves)), curves.items()):
        epochs, values = runs[0][0], np.stack([v for _, v in runs])
        left.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=color, alpha=0.18, lw=0)
        left.plot(epochs, np.median(values, axis=0), color=color, lw=1.2, label=f"{label}: {len(runs)} runs")
        at, gain = gains[label]
        right.plot(at, gain, color=color, lw=1.2)
        epoch = settled.get(label)
        if epoch is not None:
            i = int(np.flatnonzero(at == epoch)[0])
            right.plot(at[i], gain[i], "o", color=color, ms=7, mec="white", mew=1, zorder=3)
    right.axhline(tol, color="0.3", ls="--", lw=1, label=f"tolerance, {tol:.0%}")
    for ax in (left, right):
        ax.axvline(claimed, color="0.3", ls=":", lw=1.2, label=f"epoch {claimed:,}" if ax is right else None)
        ax.set_xlim(0, None)
        _thousands(ax.xaxis)
    left.set(xlabel="epoch", ylabel="distance to a real sample,\n× the noise floor (median, range)")
    _log(left, "y")
    right.set(xlabel="epoch", ylabel="fall of the median curve\nper doubling of the training")
    right.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0%}"))
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = left.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    fig.legend(handles, labels, loc="outside upper center", ncols=len(handles))
    return fig


@_styled()
def log_comparison(
    logged: np.ndarray,
    log: np.ndarray,
    runs: dict[str, np.ndarray],
    band: tuple[str, np.ndarray, np.ndarray] | None = None,
    columns: tuple[str, ...] = ("total", "reconstruction", "KL"),
) -> Figure:
    """The original script's log (dots at its 0-based ``logged`` epochs; one row of ``columns``
    per epoch) beside runs' epoch means in the same units (``runs``: label -> (epochs, columns);
    a run's epoch e + 1 is drawn at the script's epoch e), one panel per column, the epochs
    shared. The first two columns (total and reconstruction, which differ by the third) share a
    log scale; the last is drawn on its own, linear scale. ``band``: (a label of ``runs``,
    lowest, highest): the range of that run's seeds, shaded in its colour."""
    fig = _figure(3.4)
    colors = dict(zip(runs, _others(len(runs))))
    axes = fig.subplots(1, len(columns), sharex=True, squeeze=False)[0]
    for i, (ax, name) in enumerate(zip(axes, columns)):
        if i == 1:
            ax.sharey(axes[0])
        if band is not None:
            of, low, high = band
            x, shade = np.arange(len(low)), {"color": colors[of], "alpha": 0.25, "lw": 0}
            ax.fill_between(x, low[:, i], high[:, i], label="its seeds' range", **shade)
        for label, means in runs.items():
            ax.plot(np.arange(len(means)), means[:, i], color=colors[label], lw=0.9, label=label)
        ax.plot(logged, log[:, i], "o", color="black", ms=3.5, label="the script's log")
        ax.set_title(name)
        ax.xaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 5, 10]))
        _thousands(ax.xaxis)
        if i < 2:
            _log(ax, "y")
    if len(axes) > 1:
        axes[1].tick_params(which="both", labelleft=False)  # on the first panel's scale
    axes[0].set_ylabel("epoch mean, in the script's units")
    fig.supxlabel("epoch (the script's, counted from 0)", fontsize=STYLE["axes.labelsize"])
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=2)
    return fig


@_styled()
def floor_multiples(
    groups: dict[str, list[tuple[np.ndarray, np.ndarray]]],
    edges: dict[str, float],
    mark_epoch: int,
) -> Figure:
    """Each run's distance to a real sample as a multiple of its noise floor against the epoch,
    one colour per group of runs (``groups``: label -> [(epochs, multiples), ...]); the grades'
    edges (``edges``: label -> multiple) as grey lines named at the right, ``mark_epoch``
    dotted; both axes on log scales."""
    fig = _figure(3.8)
    ax = fig.add_subplot()
    for color, (label, curves) in zip(_others(len(groups)), groups.items()):
        for i, (epochs, values) in enumerate(curves):
            name = f"{label}: {len(curves)} runs" if i == 0 else None
            ax.plot(epochs, values, color=color, lw=0.9, alpha=0.75, label=name)
    for (label, value), style in zip(edges.items(), (":", "--", "-.")):
        ax.axhline(value, color="0.3", ls=style, lw=1)
        ax.annotate(label, (1, value), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=TEXT)  # fmt: skip
    ax.axvline(mark_epoch, color="0.3", ls=":", lw=1.2, label=f"epoch {mark_epoch:,}")
    ax.set(xlabel="epoch", ylabel="distance to a real sample\nas a multiple of the noise floor")
    _log(ax, "x")
    _log(ax, "y")
    fig.legend(loc="outside upper center", ncols=len(groups) + 1)
    return fig


# The design chapter's figures. The two designs a claim compares get the first two colours of
# OTHERS, the most distinct pair, and solid lines; the other designs the rest of OTHERS, dashed.
CONTRAST, REST = OTHERS[:2], OTHERS[2:]


def _design_colors(labels: Sequence[str], contrast: tuple[str, str]) -> dict[str, str]:
    rest = iter(REST * len(labels))
    return {label: CONTRAST[contrast.index(label)] if label in contrast else next(rest) for label in labels}


@_styled()
def design_curves(
    groups: dict[str, list[tuple[np.ndarray, np.ndarray]]],
    ylabel: str,
    floor: float,
    contrast: tuple[str, str],
) -> Figure:
    """One line per design: the median over its runs' (epochs, values) curves, with the band from
    the lowest to the highest; the two designs in ``contrast`` solid, in contrasting hues, the
    others dashed; the noise floor dashed grey. Both axes on log scales, so that the first epochs'
    fall and the last epochs' level both show."""
    fig = _figure(3.8)
    ax = fig.add_subplot()
    colors = _design_colors(list(groups), contrast)
    for label, curves in groups.items():
        epochs = curves[0][0]
        values = np.stack([v for _, v in curves])
        color, style = colors[label], "-" if label in contrast else "--"
        ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=color, alpha=0.18, lw=0)
        median = np.median(values, axis=0)
        ax.plot(epochs, median, color=color, ls=style, label=f"{label} ({len(curves)} seeds)")
    ax.axhline(floor, color="0.3", ls=":", lw=1.2, label="noise floor")
    ax.set(xlabel="epoch", ylabel=ylabel)
    _log(ax, "x")
    _log(ax, "y")
    fig.legend(loc="outside right upper")
    return fig


@_styled()
def speed_and_ceiling(
    speed: dict[str, Sequence[float]],
    ceiling: dict[str, Sequence[float]],
    labels: tuple[str, str],
    contrast: tuple[str, str],
) -> Figure:
    """Two panels, one row per design, one dot per run and a bar at the median: left the
    ``speed`` values (epochs, on a log scale), right the ``ceiling`` values; ``labels`` name the
    two axes. The designs in ``contrast`` in the hues of ``design_curves``."""
    designs = list(speed)
    colors = _design_colors(designs, contrast)
    fig = _figure(1.3 + 0.42 * len(designs))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, values, label in zip(axes, (speed, ceiling), labels):
        for row, design in enumerate(designs):
            v = np.asarray(values[design], dtype=float)
            ax.plot(v, np.full(len(v), row), "o", color=colors[design], alpha=0.6, ms=5, mew=0)
            ax.plot([np.median(v)] * 2, [row - 0.3, row + 0.3], color=colors[design], lw=2)
        ax.set_xlabel(label)
        ax.grid(False, axis="y")
    _log(axes[0], "x")
    rows = range(len(designs))
    axes[0].set(yticks=rows, yticklabels=designs, ylim=(-0.6, len(designs) - 0.4), ylabel="design")
    axes[0].invert_yaxis()
    return fig
