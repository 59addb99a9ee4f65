"""The book's figures. Each function returns a matplotlib Figure drawn from the arrays or run it
is given; the ``*_3d`` functions return the interactive plotly views the HTML shows beside them.

Figures are made without pyplot, so a notebook shows (or glues) exactly the one it asks for.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

try:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
except ImportError as err:  # a dependency, not an option: say how to get it
    raise ImportError(
        'vaebook.plots needs plotly: install the project\'s dependencies with `pip install -e ".[dev]"`'
    ) from err

from vaebook.results import Run

REAL, GENERATED = "tab:red", "tab:blue"  # the report's colours: real red, generated blue
PRIOR = "tab:orange"
VIEW = (20, -60)  # the 3-D figures' elevation and azimuth, in degrees
# Points per set in an interactive view: enough to see the roll, few enough for a light page.
SUBSAMPLE = 2_000


def _scatter3d(ax, points: np.ndarray, color, size: float = 1.0, label: str | None = None) -> None:
    ax.scatter(
        points[:, 0], points[:, 1], points[:, 2], s=size, c=color, label=label, linewidths=0, rasterized=True
    )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("z")
    ax.view_init(elev=VIEW[0], azim=VIEW[1])


def _limits(*sets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axis limits that hold the real roll, so that panels of different epochs compare."""
    stacked = np.concatenate(sets)
    lo, hi = np.percentile(stacked, [0.5, 99.5], axis=0)
    pad = 0.1 * (hi - lo)
    return lo - pad, hi + pad


def _grid(n: int, cols: int = 4) -> tuple[Figure, list]:
    rows = -(-n // cols)
    fig = Figure(figsize=(3.2 * cols, 3.0 * rows))
    return fig, [fig.add_subplot(rows, cols, i + 1, projection="3d") for i in range(n)]


def roll(points: np.ndarray, color=REAL, title: str | None = None) -> Figure:
    """One Swiss roll as a 3-D scatter (Figure 1)."""
    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.add_subplot(projection="3d")
    _scatter3d(ax, points, color)
    if title:
        ax.set_title(title)
    return fig


def rolls_side_by_side(sets: dict[str, np.ndarray], colors=None) -> Figure:
    """Several point sets, one 3-D panel each, titled by their keys."""
    fig, axes = _grid(len(sets), cols=len(sets))
    for ax, (title, points), color in zip(axes, sets.items(), colors or [REAL] * len(sets)):
        _scatter3d(ax, points, color)
        ax.set_title(title)
    fig.tight_layout()
    return fig


def overlay(real: np.ndarray, generated: dict[int, np.ndarray]) -> Figure:
    """Figure 2: per epoch, generated points (blue, drawn first) under the real ones (red)."""
    fig, axes = _grid(len(generated))
    lo, hi = _limits(real)
    for ax, (epoch, points) in zip(axes, generated.items()):
        _scatter3d(ax, points, GENERATED, label="generated")
        _scatter3d(ax, real, REAL, label="real")
        ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), zlim=(lo[2], hi[2]), title=f"epoch {epoch}")
    axes[0].legend(loc="upper left", markerscale=8, fontsize="small")
    fig.tight_layout()
    return fig


def evolution(real: np.ndarray, generated: dict[int, np.ndarray]) -> Figure:
    """Figure 3: the generated points alone at each epoch, on the real roll's axes."""
    fig, axes = _grid(len(generated))
    lo, hi = _limits(real)
    colors = matplotlib.colormaps["viridis"](np.linspace(0, 0.9, len(generated)))
    for ax, (epoch, points), color in zip(axes, generated.items(), colors):
        _scatter3d(ax, points, [color])
        ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), zlim=(lo[2], hi[2]), title=f"epoch {epoch}")
    fig.tight_layout()
    return fig


def objective_curves(objective: np.ndarray, steps_per_epoch: int, drop: int, every: int) -> Figure:
    """Figure 4, the objective (the report's VFE) at every iteration: left, the report's view
    (first ``drop`` iterations removed, every ``every``-th value); right, the whole curve on a
    log scale with its per-epoch means."""
    fig = Figure(figsize=(11, 3.8))
    left, right = fig.subplots(1, 2)
    iterations = np.arange(1, len(objective) + 1)
    left.plot(iterations[drop::every], objective[drop::every], lw=0.6, color=GENERATED)
    left.set(xlabel="iteration", ylabel="VFE", title=f"as in the report: from iteration {drop + 1}")
    right.plot(iterations, objective, lw=0.3, color="0.7", label="every iteration")
    means = objective.reshape(-1, steps_per_epoch).mean(axis=1)
    right.plot(iterations[steps_per_epoch - 1 :: steps_per_epoch], means, color=GENERATED, label="epoch mean")
    right.set(xlabel="iteration", ylabel="VFE", yscale="log", title="the whole curve, log scale")
    right.legend(fontsize="small")
    fig.tight_layout()
    return fig


def distance_curves(run: Run, floors: dict[str, float], mark_epoch: int) -> Figure:
    """Left, sliced W2 to a real sample at every recorded epoch; right, the energy distance at
    the snapshot epochs. Reconstructions and prior samples, with the noise floor dashed and the
    report's convergence epoch dotted."""
    fig = Figure(figsize=(11, 3.9))
    panels = (
        ("sliced_wasserstein", run.distance, {}),
        ("energy_distance", run.snapshot_distance, {"marker": "o", "ms": 4}),
    )
    for ax, (name, curve, style) in zip(fig.subplots(1, 2), panels):
        ax.plot(*curve(name, "recon"), color=GENERATED, label="reconstructions", **style)
        ax.plot(*curve(name, "prior"), color=PRIOR, label="prior samples", **style)
        ax.axhline(floors[name], color="0.3", ls="--", lw=1, label="noise floor")
        ax.axvline(mark_epoch, color=REAL, ls=":", lw=1, label=f"epoch {mark_epoch}")
        ax.set(xlabel="epoch", ylabel=name.replace("_", " "), yscale="log", xscale="log")
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def latent_means(mu: np.ndarray, t: np.ndarray) -> Figure:
    """The encoder's means of the training points, coloured by t: the first two latent dimensions
    against each other, or, for a one-dimensional latent space, its one dimension against t."""
    fig = Figure(figsize=(5.2, 4.4))
    ax = fig.add_subplot()
    if mu.shape[1] == 1:
        x, y, labels = t, mu[:, 0], ("roll parameter t", "$\\mu_1$")
    else:
        x, y, labels = mu[:, 0], mu[:, 1], ("$\\mu_1$", "$\\mu_2$")
    dots = ax.scatter(x, y, c=t, s=2, cmap="viridis", linewidths=0, rasterized=True)
    fig.colorbar(dots, ax=ax, label="roll parameter t")
    ax.set(xlabel=labels[0], ylabel=labels[1], title="encoder means")
    if mu.shape[1] > 1:
        ax.set_aspect("equal", adjustable="datalim")
    return fig


def latent_grid(decoded: np.ndarray, grid: np.ndarray, real: np.ndarray) -> Figure:
    """Decodes of a regular grid of z (coloured by z_1) over the real roll (light red)."""
    fig = Figure(figsize=(5.5, 4.5))
    ax = fig.add_subplot(projection="3d")
    _scatter3d(ax, real, [(0.84, 0.15, 0.16, 0.08)], size=1.0)
    ax.scatter(decoded[:, 0], decoded[:, 1], decoded[:, 2], c=grid[:, 0], cmap="viridis", s=4, linewidths=0)
    ax.set_title("decoded latent grid")
    return fig


def spread_curves(
    groups: dict[str, list[tuple[np.ndarray, np.ndarray]]],
    ylabel: str,
    floor: float,
    threshold: float | None = None,
) -> Figure:
    """One line per group: the median over its runs' (epochs, values) curves, with the min-max
    band; the noise floor dashed, and a ``threshold`` dotted if given."""
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    colors = matplotlib.colormaps["tab10"].colors
    for color, (label, curves) in zip(colors, groups.items()):
        epochs = curves[0][0]
        values = np.stack([v for _, v in curves])
        ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=color, alpha=0.2, lw=0)
        ax.plot(epochs, np.median(values, axis=0), color=color, label=f"{label} ({len(curves)} seeds)")
    ax.axhline(floor, color="0.3", ls="--", lw=1, label="noise floor")
    if threshold is not None:
        ax.axhline(threshold, color="0.3", ls=":", lw=1, label="threshold")
    ax.set(xlabel="epoch", ylabel=ylabel, yscale="log")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def threshold_epochs(epochs: dict[str, list[float]], limit: int) -> Figure:
    """Each run's epoch at which it gets to the threshold, one row of dots per design; runs that
    never get there within the ``limit`` epochs are counted at the right edge."""
    fig = Figure(figsize=(7, 1.0 + 0.45 * len(epochs)))
    ax = fig.add_subplot()
    colors = matplotlib.colormaps["tab10"].colors
    for row, (color, values) in enumerate(zip(colors, epochs.values())):
        values = np.asarray(values, dtype=float)
        reached = np.isfinite(values)
        ax.plot(values[reached], np.full(reached.sum(), row), "o", color=color, alpha=0.6, ms=6)
        if not reached.all():
            ax.plot([limit], [row], ">", color=color, ms=7)
            never = f"never: {(~reached).sum()}"
            ax.annotate(never, (limit, row), xytext=(8, -4), textcoords="offset points")
    ax.set(
        yticks=range(len(epochs)),
        yticklabels=list(epochs),
        ylim=(-0.6, len(epochs) - 0.4),
        xlim=(0, limit * 1.2),
        xlabel="epoch at which the run gets to the threshold",
    )
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def log_comparison(
    logged: np.ndarray,
    log: np.ndarray,
    runs: dict[str, np.ndarray],
    band: tuple[str, np.ndarray, np.ndarray] | None = None,
    columns: tuple[str, ...] = ("total", "reconstruction", "KL"),
) -> Figure:
    """The original script's log (dots at its 0-based ``logged`` epochs; one row of ``columns``
    per epoch) beside runs' epoch means in the same units (``runs``: label -> (epochs, columns);
    a run's epoch e + 1 is drawn at the script's epoch e), one panel per column. ``band``: (a
    label of ``runs``, lowest, highest): the range of that run's seeds, shaded in its colour."""
    fig = Figure(figsize=(11, 3.8))
    colors = dict(zip(runs, [GENERATED, PRIOR, "tab:green", "tab:purple"]))
    for i, (ax, name) in enumerate(zip(fig.subplots(1, len(columns)), columns)):
        if band is not None:
            of, low, high = band
            x, shade = np.arange(len(low)), {"color": colors[of], "alpha": 0.25, "lw": 0}
            ax.fill_between(x, low[:, i], high[:, i], label="its seeds' range", **shade)
        for label, means in runs.items():
            ax.plot(np.arange(len(means)), means[:, i], color=colors[label], lw=0.8, label=label)
        ax.plot(logged, log[:, i], "o", color="black", ms=3.5, label="the script's log")
        ax.set(xlabel="epoch (the script's, from 0)", title=name, yscale="log" if i < 2 else "linear")
    fig.axes[0].set_ylabel("epoch mean, the script's units")
    fig.axes[0].legend(fontsize="small")
    fig.tight_layout()
    return fig


# Interactive views (plotly). Each shows a seeded subsample of the points; the same rows of every
# set, so a training point and its reconstructions stay paired across sets and epochs.


def subsample_rows(n_rows: int, n: int = SUBSAMPLE, seed: int = 0) -> np.ndarray:
    """``n`` distinct row indices out of ``n_rows`` (all of them if fewer), drawn with ``seed``,
    in increasing order."""
    if n >= n_rows:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=n, replace=False))


def _points3d(points: np.ndarray, name: str, color: str, **kwargs) -> go.Scatter3d:
    x, y, z = np.asarray(points, np.float32).T
    marker = {"size": 1.6, "color": to_hex(color), "opacity": 0.8}
    return go.Scatter3d(x=x, y=y, z=z, mode="markers", name=name, marker=marker, **kwargs)


def _eye(distance: float = 1.9) -> dict[str, float]:
    """plotly's camera position for the static figures' view (``VIEW``), a bit further out than
    plotly's default so that the whole roll shows in a narrow scene."""
    elevation, azimuth = np.radians(VIEW)
    x, y, z = distance * np.array(
        [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
    )
    return {"x": float(x), "y": float(y), "z": float(z)}


def _scene(lo: np.ndarray | None = None, hi: np.ndarray | None = None) -> dict:
    """Axes x, y, z; with limits, fixed ranges drawn to scale (so that frames compare), else the
    data's own ranges to scale."""
    axes = {f"{a}axis": {"title": {"text": a}} for a in "xyz"}
    axes["camera"] = {"eye": _eye()}
    if lo is None:
        return {**axes, "aspectmode": "data"}
    for i, a in enumerate("xyz"):
        axes[f"{a}axis"]["range"] = [float(lo[i]), float(hi[i])]
    ratio = (hi - lo) / (hi - lo).max()
    return {**axes, "aspectmode": "manual", "aspectratio": dict(zip("xyz", map(float, ratio)))}


def _interactive_layout(fig: go.Figure, height: int, bottom: int = 0) -> go.Figure:
    # Clicking a legend entry hides or shows that point set; double-clicking isolates it.
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 0, "r": 0, "t": 40, "b": bottom},
        legend={"itemclick": "toggle", "itemdoubleclick": "toggleothers", "itemsizing": "constant"},
        uirevision="keep",  # the reader's camera survives the slider's redraws
    )
    return fig


def roll_3d(
    points: np.ndarray, name: str = "real", color: str = REAL, n: int = SUBSAMPLE, seed: int = 0
) -> go.Figure:
    """One point set as a 3-D scatter that turns and zooms: ``n`` of its points, drawn with ``seed``."""
    rows = subsample_rows(len(points), n, seed)
    fig = go.Figure(_points3d(points[rows], name, color, showlegend=True))
    fig.update_layout(scene=_scene())
    return _interactive_layout(fig, height=520)


def overlay_3d(
    real: np.ndarray, generated: dict[int, np.ndarray], n: int = SUBSAMPLE, seed: int = 0
) -> go.Figure:
    """Figure 2 to explore: generated (blue) and real (red) points in one scene, with a slider over
    the epochs of ``generated``; trace 0 is the generated set, which each epoch's frame replaces."""
    rows = subsample_rows(len(real), n, seed)
    shown = {epoch: points[rows] for epoch, points in generated.items()}
    lo, hi = _limits(real[rows], *shown.values())
    epochs = list(shown)
    fig = go.Figure(
        [_points3d(shown[epochs[0]], "generated", GENERATED), _points3d(real[rows], "real", REAL)],
        frames=[
            go.Frame(
                name=str(epoch),
                data=[_points3d(points, "generated", GENERATED)],
                traces=[0],
                layout={"title": {"text": f"epoch {epoch}"}},
            )
            for epoch, points in shown.items()
        ],
    )
    step = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    fig.update_layout(
        title={"text": f"epoch {epochs[0]}"},
        scene=_scene(lo, hi),
        sliders=[
            {
                "active": 0,
                "currentvalue": {"prefix": "epoch "},
                "pad": {"t": 10},
                "steps": [
                    {"label": str(epoch), "method": "animate", "args": [[str(epoch)], step]}
                    for epoch in epochs
                ],
            }
        ],
    )
    return _interactive_layout(fig, height=680, bottom=90)  # the slider sits in the bottom margin


def side_by_side_3d(
    sets: dict[str, np.ndarray],
    colors: Sequence[str] | None = None,
    real: np.ndarray | None = None,
    n: int = SUBSAMPLE,
    seed: int = 0,
) -> go.Figure:
    """One scene per point set (all of the same length), titled by the keys; with ``real``, the
    real roll faintly in every scene as one legend entry, so that a click shows or hides it
    everywhere."""
    rows = subsample_rows(len(next(iter(sets.values()))), n, seed)
    fig = make_subplots(
        rows=1, cols=len(sets), specs=[[{"type": "scene"}] * len(sets)], subplot_titles=list(sets)
    )
    for col, ((name, points), color) in enumerate(zip(sets.items(), colors or [GENERATED] * len(sets)), 1):
        fig.add_trace(_points3d(points[rows], name, color), row=1, col=col)
        if real is not None:
            faint = _points3d(real[rows], "real", REAL, legendgroup="real", showlegend=col == 1)
            faint.marker.opacity = 0.15
            fig.add_trace(faint, row=1, col=col)
    fig.update_scenes(_scene())
    _interactive_layout(fig, height=560, bottom=40)
    # The legend under the scenes, which then get the figure's whole width.
    fig.update_layout(legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": 0, "yanchor": "top"})
    return fig


class HTMLFigure:
    """An interactive figure as an HTML fragment, for ``glue``: the page supplies plotly.js."""

    def __init__(self, html: str, div_id: str) -> None:
        self.html, self.div_id = html, div_id

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:  # the text/plain copy glue keeps beside the HTML: short
        return f"<interactive figure {self.div_id}>"


def html_figure(fig: go.Figure, div_id: str) -> HTMLFigure:
    """``fig`` as a div with the fixed id ``div_id`` (a re-run gives the same bytes) and the script
    that draws it with the page's shared plotly.js, which the fragment does not embed."""
    html = fig.to_html(
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        auto_play=False,
        default_height=f"{fig.layout.height}px",
        config={"displaylogo": False, "responsive": True},
    )
    return HTMLFigure(html, div_id)


def settling_curves(
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    settled: dict[str, int | None],
    band: float,
    claimed: int,
) -> Figure:
    """Each run's smoothed distance as a multiple of its final level (``curves``: label -> (epochs,
    values)), a dot where it settles (``settled``: label -> epoch, or None), the band's upper edge
    ``band`` dashed and the ``claimed`` epoch dotted."""
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    colors = matplotlib.colormaps["tab10"].colors
    for color, (label, (epochs, values)) in zip(colors, curves.items()):
        ax.plot(epochs, values, color=color, lw=1, label=label)
        if settled.get(label) is not None:
            at = int(np.flatnonzero(epochs == settled[label])[0])
            ax.plot(epochs[at], values[at], "o", color=color, ms=6)
    ax.axhline(band, color="0.3", ls="--", lw=1, label="the band's upper edge")
    ax.axvline(claimed, color=REAL, ls=":", lw=1, label=f"epoch {claimed}")
    ax.set(xlabel="epoch", ylabel="distance / its final level", yscale="log", xscale="log")
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
