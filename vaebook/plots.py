"""The book's figures. Each function returns a matplotlib Figure drawn from the arrays or run it
is given; the ``*_3d`` functions return the interactive plotly views the HTML shows beside them.

Every matplotlib figure is drawn in one style, ``STYLE``, whatever the caller's own settings, for
the page: 7 inches wide (the PDF's text width), at least 150 dpi and 960 pixels (Figures 5.1 and
5.2, of eight panels of 10,000 points: 1,900), its text as large as the page's where the HTML
shows it, compared things in contrasting colours (``OTHERS``), 3-D panels numbered. Figures are
made without pyplot, so a notebook shows (or glues) exactly the one it asks for.

The module holds, in this order: the style, the matplotlib figures, the interactive views.
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.axis
import matplotlib.style
import numpy as np
from matplotlib.colors import ListedColormap, to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, Locator, LogFormatter, LogLocator, MaxNLocator

try:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
except ImportError as err:  # a dependency, not an option: say how to get it
    raise ImportError(
        'vaebook.plots needs plotly: install the project\'s dependencies with `pip install -e ".[dev]"`'
    ) from err

if TYPE_CHECKING:  # a hint only: the figures import no TensorFlow (the book's HTML tools read MARKER)
    from vaebook.results import Run

# Colours. Red, blue and orange mean one thing each throughout the book: the real roll, the
# reconstructions (the report's "generated" points: the decoder's outputs for the training
# points) and the prior samples (decodes of z ~ N(0, I)). Greys are for reference lines.
REAL, RECON, PRIOR = "tab:red", "tab:blue", "tab:orange"
GENERATED = RECON  # the report's word for the reconstructions; chapters may still name it so
# What legends call them: the book's words.
REAL_NAME, RECON_NAME, PRIOR_NAME = "the real roll", "reconstructions", "prior samples"
# The colours of compared things that are none of those three (designs, seeds, ways of
# training), in the order they are handed out, by one rule: each is the colour farthest (in
# CIELAB) from red, blue, orange and the colours before it, so the first two, which a figure gives
# the pair it compares, contrast most; each has at least 3:1 contrast against the white page.
OTHERS = ("tab:green", "#c2419b", "tab:brown", "#808000", "#6a3d9a", "#11808c")
VIEW = (20, -60)  # the static 3-D panels' elevation and azimuth, in degrees
# The interactive views' camera: nearly along the roll's axis (y), as the x-z panels look, so that
# the spiral shows; a little above and to the side, so that the roll's length shows too.
CAMERA = (15, -75)
# Points per set in an interactive view: enough to see the roll, few enough for a light page.
SUBSAMPLE = 2_000


# One figure style, in one place: every figure below is made and laid out under it (``_styled``).
WIDTH = 7.0  # inches: the PDF's text width; the HTML shows a figure at its column's width
DPI = 150  # at least: a figure narrower than MIN_PIXELS / DPI inches gets more (``_styled``)
MIN_PIXELS = 960  # the natural width of every PNG, in pixels
DETAIL_PIXELS = 1_900  # Figures 5.1 and 5.2: many panels of 10,000 points each
# The HTML shows a figure at least FIGURE_PIXELS wide (its column: 705 pixels in a window 800
# pixels wide, 756 at 1,400) beside body text BODY_PIXELS high. A figure's text is no smaller
# than the body's there: TEXT points, which read BODY_PIXELS high on a figure whose drawn part
# (what its PNG holds) is up to TEXT * FIGURE_PIXELS / (72 * BODY_PIXELS) = 7.29 inches wide.
FIGURE_PIXELS = 700
BODY_PIXELS = 16
TEXT = 12.0
STYLE = {
    "figure.dpi": DPI,
    "figure.facecolor": "white",
    "figure.constrained_layout.use": True,
    "savefig.facecolor": "white",
    "font.size": TEXT,
    "axes.titlesize": TEXT,
    "axes.labelsize": TEXT,
    "xtick.labelsize": TEXT,
    "ytick.labelsize": TEXT,
    "legend.fontsize": TEXT,
    "figure.titlesize": TEXT,
    "figure.labelsize": TEXT,
    "legend.frameon": False,
    "legend.markerscale": 1.5,
    "axes.facecolor": "white",
    "axes.edgecolor": "0.25",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "0.88",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
}
# A value drawn as colour: viridis without its palest yellow, which fades into a white page.
CMAP = ListedColormap(matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, 256)), name="viridis_on_white")
# The roll's coordinates (t cos t, y, t sin t): their names in the x-z views and in the 3-D ones.
XZ_LABELS = ("x = t cos t", "z = t sin t")
LABELS_3D = ("x", "y", "z")
ROLL_DOT = {"s": 1.2, "alpha": 0.5}  # 10,000 points of one set
TITLE_GAP = 18  # points: the least room between the titles of panels side by side
APART = 0.08  # of the figure's width: between a 3-D panel and the x-z panel beside it


def _styled(min_pixels: int = MIN_PIXELS):
    """Make the decorated function's figure under matplotlib's defaults and ``STYLE``, and lay it
    out then, so that it looks the same whatever the caller's matplotlib settings; then raise its
    dpi, if need be, until its drawn part is at least ``min_pixels`` wide."""

    def decorate(make):
        @functools.wraps(make)
        def styled(*args, **kwargs) -> Figure:
            with matplotlib.style.context(["default", STYLE]):  # matplotlib's defaults, then ours
                fig = make(*args, **kwargs)
                for axis in fig.findobj(matplotlib.axis.Axis):
                    # Else matplotlib reads the size from the settings when it draws, to choose
                    # how many ticks fit: those of whoever draws the figure.
                    size = STYLE[f"{'y' if axis.axis_name == 'y' else 'x'}tick.labelsize"]
                    axis.set_tick_params(which="both", labelsize=size)
                fig.draw_without_rendering()  # ticks and layout made now, under the style
                _fit_3d(fig)
                width = fig.get_tightbbox().width  # inches
                fig.set_dpi(max(DPI, math.ceil(min_pixels / width)))
            return fig

        return styled

    return decorate


def _others(n: int) -> list[str]:
    """``n`` colours from OTHERS, in order, repeating if there are more than OTHERS has."""
    return [OTHERS[i % len(OTHERS)] for i in range(n)]


# The style's numbers on 3-D axes: round values clear of the panel's corners, fewer where an
# axis is drawn short (``_styled`` fits them once the figure is laid out).


class _InnerTicks(Locator):
    """Ticks of round values on a 3-D axis, at most ``most`` of them, none in the outer part of
    the axis at either end (a 3-D panel's axes meet at its corners, where their numbers would
    collide): a sixth, or a twelfth for two ticks, which then stand farther apart. ``_fit_3d``
    lowers ``most`` where the drawn axis is too short for its numbers."""

    MARGINS = {1: 1 / 6, 2: 1 / 12, 3: 1 / 6}

    def __init__(self, most: int = 3) -> None:
        self.most = most

    def __call__(self) -> np.ndarray:
        return self.tick_values(*self.axis.get_view_interval())

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        vmin, vmax = sorted((vmin, vmax))
        margin = self.MARGINS[self.most] * (vmax - vmin)
        lo, hi = vmin + margin, vmax - margin
        if not hi > lo:  # all points at one value
            return np.array([lo])
        power = math.floor(math.log10(hi - lo))
        several = []  # the ticks of each round step that gives two or more, finest first
        for step in (m * 10.0**e for e in range(power - 2, power + 2) for m in (1, 2, 2.5, 5)):
            ticks = np.arange(math.ceil(lo / step), math.floor(hi / step) + 1) * step
            if 2 <= len(ticks) <= self.most:
                return ticks
            if len(ticks) >= 2:
                several.append(ticks)
        ticks = several[-1]
        if self.most == 1:  # the round value nearest the middle
            return ticks[[np.argmin(np.abs(ticks - (lo + hi) / 2))]]
        return ticks[[0, -1]]  # two ticks as far apart as round values allow

    def fewer(self) -> None:
        """One tick fewer."""
        self.most = max(self.most - 1, 1)


def _tick_boxes(axis) -> list:
    """The drawn boxes of an axis's numbers (after a draw)."""
    lo, hi = sorted(axis.get_view_interval())
    labels = [tick.label1 for tick in axis.majorTicks if lo <= tick.get_loc() <= hi]
    return [label.get_window_extent() for label in labels if label.get_visible() and label.get_text()]


def _crowded(axis, others: list) -> bool:
    """Whether an axis's numbers come within a number's height of each other, or touch the
    boxes ``others`` (the panel's other numbers and its axes' names)."""
    boxes, room = _tick_boxes(axis), axis.label.get_fontsize() * axis.get_figure(root=True).dpi / 72
    near = any(_gap(a, b) < room for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    return near or any(_gap(a, b) < room / 3 for a in boxes for b in others)


def _gap(a, b) -> float:
    """The room between two boxes: along whichever direction they do not overlap (negative
    where they overlap)."""
    return max(max(a.x0, b.x0) - min(a.x1, b.x1), max(a.y0, b.y0) - min(a.y1, b.y1))


def _fit_3d(fig: Figure) -> None:
    """Fewer ticks on the 3-D axes whose numbers crowd, until none does: in each panel, one axis
    a round, the one with the most ticks (the y axis first, which the view foreshortens), down to
    two on x and z, a scale, and one on y. The figure is drawn between rounds: a drawn axis's
    length and its numbers' places are known only then."""
    panels = [ax for ax in fig.axes if ax.name == "3d"]
    for _ in range(8):
        changed = False
        for ax in panels:
            axes = (ax.xaxis, ax.yaxis, ax.zaxis)
            crowded = []
            for axis in axes:
                others = [box for other in axes if other is not axis for box in _tick_boxes(other)]
                others += [a.label.get_window_extent() for a in axes if a.label.get_text()]
                locator = axis.get_major_locator()
                if not isinstance(locator, _InnerTicks):  # a panel not laid out by _axes3d
                    continue
                if _crowded(axis, others) and locator.most > (1 if axis is ax.yaxis else 2):
                    crowded.append((locator.most, axis is ax.yaxis, locator))
            if crowded:
                max(crowded, key=lambda c: c[:2])[2].fewer()
                changed = True
        if not changed:
            return
        fig.draw_without_rendering()


def _whole_box(axis, renderer=None, *, for_layout_only: bool = False):
    """A 3-D axis's box with its name, whatever the layout asks."""
    return type(axis).get_tightbbox(axis, renderer)


# Matplotlib figures: their shared helpers, then the figures, each under ``_styled``.


def _figure(height: float, width: float = WIDTH) -> Figure:
    return Figure(figsize=(width, height))


def _number(value: float) -> str:
    """A tick's value as the book prints numbers: 0.2, 5, 4,000, −20 (a minus sign, as
    matplotlib's own ticks have it, not a hyphen)."""
    text = f"{value:,.0f}" if abs(value) >= 1 and value == round(value) else f"{value:g}"
    return text.replace("-", "\N{MINUS SIGN}")


class _PlainLog(LogFormatter):
    """Log-axis ticks written as plain numbers (0.2, 3, 4,000), not as powers of ten. Where
    matplotlib would label a subset of the ticks between two powers of ten (2, 3, 4 and 6 of
    them: 3,000 and 4,000 cramped together), it labels 2 and 5."""

    def set_locs(self, locs=None) -> None:
        super().set_locs(locs)
        if self._sublabels is not None and 1 < len(self._sublabels) < self._base:
            self._sublabels = {1, 2, 5}

    def _num_to_string(self, x: float, vmin: float, vmax: float) -> str:
        return _number(x)


def _log(ax, which: str) -> None:
    """A log scale on ``ax``'s ``which`` axis ("x" or "y"), its ticks written as plain numbers."""
    getattr(ax, f"set_{which}scale")("log")
    _plain_log(getattr(ax, f"{which}axis"))


def _plain_log(axis) -> None:
    axis.set_major_formatter(_PlainLog())
    axis.set_minor_formatter(_PlainLog(labelOnlyBase=False, minor_thresholds=(1, 0.4)))


def _thousands(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda value, _: _number(value)))


def _limits(*sets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axis limits that hold (all but the outermost 0.5% of) every set, so that panels compare."""
    stacked = np.concatenate(sets)
    lo, hi = np.percentile(stacked, [0.5, 99.5], axis=0)
    pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad


def _square(lo: np.ndarray, hi: np.ndarray) -> tuple[float, float]:
    """One range for x and z, so that the x-z view is drawn to scale in a square panel."""
    return float(min(lo[0], lo[2])), float(max(hi[0], hi[2]))


def _scatter_xz(ax, points: np.ndarray, color, **style) -> None:
    """The points seen along the roll's axis (y): x against z, where the roll is a spiral."""
    dots = {**ROLL_DOT, **style}
    ax.scatter(points[:, 0], points[:, 2], c=color, linewidths=0, rasterized=True, **dots)


def _axes_xz(ax, lo: np.ndarray, hi: np.ndarray) -> None:
    low, high = _square(lo, hi)
    ax.set(xlim=(low, high), ylim=(low, high), xlabel=XZ_LABELS[0], ylabel=XZ_LABELS[1])
    ax.set_aspect("equal", adjustable="box")
    ax.xaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 2.5, 5, 10]))


def _scatter3d(ax, points: np.ndarray, color, **style) -> None:
    dots = {**ROLL_DOT, **style}
    x, y, z = points.T
    ax.scatter(x, y, z, c=color, linewidths=0, depthshade=False, rasterized=True, **dots)


def _axes3d(ax, lo: np.ndarray, hi: np.ndarray) -> None:
    """Fixed limits drawn to scale, clear panes, and each axis named and numbered, with few ticks,
    so that the numbers stay clear of each other."""
    ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), zlim=(lo[2], hi[2]))
    ax.set_box_aspect(hi - lo, zoom=1.25)
    ax.view_init(elev=VIEW[0], azim=VIEW[1])
    for axis, label in zip((ax.xaxis, ax.yaxis, ax.zaxis), LABELS_3D):
        axis.set_major_locator(_InnerTicks())
        _thousands(axis)
        axis.set_pane_color((1, 1, 1, 0))
        axis.set_label_text(label)
        axis.labelpad = 0
        axis.set_tick_params(pad=0)
        # The layout makes room for the name too, which matplotlib leaves out for a 3-D axis.
        axis.get_tightbbox = functools.partial(_whole_box, axis)


def _apart(fig: Figure) -> None:
    """Room between a 3-D panel and the panel beside it, so that the one's z and the other's
    axis name do not read as one."""
    fig.get_layout_engine().set(wspace=APART)


@_styled()
def roll(points: np.ndarray, color=REAL, title: str | None = None) -> Figure:
    """One Swiss roll (Figure 1): left, in 3-D; right, seen along its axis (x against z), where it
    shows as the spiral it is."""
    fig = _figure(3.5)
    lo, hi = _limits(points)
    left = fig.add_subplot(1, 2, 1, projection="3d")
    right = fig.add_subplot(1, 2, 2)
    _scatter3d(left, points, color)
    _axes3d(left, lo, hi)
    _scatter_xz(right, points, color)
    _axes_xz(right, lo, hi)
    left.set_title("in 3-D")
    right.set_title("seen along the y axis")
    _apart(fig)
    if title:
        fig.suptitle(title)
    return fig


@_styled()
def rolls_side_by_side(sets: dict[str, np.ndarray], colors: Sequence | None = None) -> Figure:
    """Several point sets, one column each, titled by their keys: in 3-D above, seen along the
    roll's axis (x against z) below; every panel on the same axes."""
    n = len(sets)
    fig = _figure(2 * WIDTH / max(n, 2.4))
    lo, hi = _limits(*sets.values())
    first, tops = None, []
    for i, ((title, points), color) in enumerate(zip(sets.items(), colors or [REAL] * n)):
        top = fig.add_subplot(2, n, i + 1, projection="3d")
        _scatter3d(top, points, color)
        _axes3d(top, lo, hi)
        top.set_title(title)
        tops.append(top)
        bottom = fig.add_subplot(2, n, n + i + 1, sharex=first, sharey=first)
        first = first or bottom
        _scatter_xz(bottom, points, color)
        _axes_xz(bottom, lo, hi)
        if i:
            bottom.set_ylabel("")
            bottom.tick_params(labelleft=False)
    _fit_titles(fig, tops)
    return fig


def _fit_titles(fig: Figure, axes: Sequence) -> None:
    """Break the titles of panels side by side onto two lines (after a colon, else near the
    middle) when one line would come within TITLE_GAP of the next panel's title."""
    room = fig.get_figwidth() * fig.dpi / len(axes) - TITLE_GAP * fig.dpi / 72
    if max(ax.title.get_window_extent().width for ax in axes) <= room:
        return
    for ax in axes:
        title = ax.get_title()
        head, colon, tail = title.partition(": ")
        ax.set_title(f"{head}:\n{tail}" if colon else textwrap.fill(title, -(-len(title) // 2) + 1))


def _epoch_panels(fig: Figure, n: int, cols: int) -> list:
    """``n`` panels in rows of ``cols``, sharing their axes."""
    rows = -(-n // cols)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    return list(axes[:n])


def _outer_labels(axes: list, cols: int) -> None:
    """Tick labels and axis names only where no panel is below (x) or to the left (y)."""
    for i, ax in enumerate(axes):
        bottom, left = i + cols >= len(axes), i % cols == 0
        ax.tick_params(labelbottom=bottom, labelleft=left)
        if not bottom:
            ax.set_xlabel("")
        if not left:
            ax.set_ylabel("")


def _key(labels_and_colors: dict[str, object]) -> list[Line2D]:
    """Legend entries for point sets: one large dot per set, whatever its dots' size."""
    return [
        Line2D([], [], ls="", marker="o", ms=6, color=c, label=label)
        for label, c in labels_and_colors.items()
    ]


@_styled(DETAIL_PIXELS)
def overlay(real: np.ndarray, recon: dict[int, np.ndarray]) -> Figure:
    """Figure 2, per epoch: the reconstructions (blue; the report's "generated" points) under the
    real points (red), seen along the roll's axis (x against z). The real roll is a thin spiral
    there, so blue shows wherever the model puts points off it."""
    cols = min(len(recon), 3)
    fig = _figure(-(-len(recon) // cols) * WIDTH / cols + 0.35)
    lo, hi = _limits(real, *recon.values())
    axes = _epoch_panels(fig, len(recon), cols)
    for ax, (epoch, points) in zip(axes, recon.items()):
        _scatter_xz(ax, points, RECON, s=1.5, alpha=0.6)
        _scatter_xz(ax, real, REAL, s=0.6, alpha=0.5)
        _axes_xz(ax, lo, hi)
        ax.set_title(f"epoch {epoch:,}")
    _outer_labels(axes, cols)
    key = _key({f"{RECON_NAME} (drawn first)": RECON, f"{REAL_NAME} (drawn on top)": REAL})
    fig.legend(handles=key, loc="outside upper center", ncols=2)
    return fig


@_styled(DETAIL_PIXELS)
def evolution(real: np.ndarray, recon: dict[int, np.ndarray]) -> Figure:
    """Figure 3: the reconstructions alone at each epoch, seen along the roll's axis (x against
    z), and the real roll last, all on the same axes."""
    n = len(recon) + 1
    cols = min(n, 3)
    fig = _figure(-(-n // cols) * WIDTH / cols)
    lo, hi = _limits(real, *recon.values())
    axes = _epoch_panels(fig, n, cols)
    for ax, (epoch, points) in zip(axes, recon.items()):
        _scatter_xz(ax, points, RECON, s=1.0, alpha=0.5)
        ax.set_title(f"epoch {epoch:,}")
    _scatter_xz(axes[-1], real, REAL, s=1.0, alpha=0.5)
    axes[-1].set_title("the real roll")
    for ax in axes:
        _axes_xz(ax, lo, hi)
    _outer_labels(axes, cols)
    return fig


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
def latent_means(mu: np.ndarray, t: np.ndarray) -> Figure:
    """The encoder's means of the training points, coloured by t: the first two latent dimensions
    against each other, or, for a one-dimensional latent space, its one dimension against t."""
    fig = _figure(4.6)
    ax = fig.add_subplot()
    if mu.shape[1] == 1:
        x, y, labels = t, mu[:, 0], ("roll parameter t", "encoder mean $\\mu_1$")
    else:
        x, y, labels = mu[:, 0], mu[:, 1], ("encoder mean $\\mu_1$", "encoder mean $\\mu_2$")
    dots = ax.scatter(x, y, c=t, s=2, cmap=CMAP, linewidths=0, rasterized=True)
    fig.colorbar(dots, ax=ax, label="roll parameter t", shrink=0.9)
    ax.set(xlabel=labels[0], ylabel=labels[1])
    if mu.shape[1] > 1:
        ax.set_aspect("equal", adjustable="datalim")
    return fig


@_styled()
def latent_grid(decoded: np.ndarray, grid: np.ndarray, real: np.ndarray) -> Figure:
    """Decodes of a regular grid of z, coloured by z_1, over the real roll (faint red): in 3-D,
    and seen along the roll's axis (x against z)."""
    fig = _figure(3.5)
    lo, hi = _limits(real, decoded)
    left = fig.add_subplot(1, 2, 1, projection="3d")
    right = fig.add_subplot(1, 2, 2)
    faint = {"s": 1.0, "alpha": 0.2}
    _scatter3d(left, real, REAL, **faint)
    _scatter_xz(right, real, REAL, **faint)
    shown = {"c": grid[:, 0], "cmap": CMAP, "s": 5, "linewidths": 0}
    left.scatter(*decoded.T, depthshade=False, **shown)
    dots = right.scatter(decoded[:, 0], decoded[:, 2], **shown)
    _axes3d(left, lo, hi)
    _axes_xz(right, lo, hi)
    left.set_title("in 3-D")
    right.set_title("seen along the y axis")
    _apart(fig)
    fig.colorbar(dots, ax=right, label="$z_1$, the grid's first latent coordinate", shrink=0.9)
    return fig


@_styled()
def spread_curves(
    groups: dict[str, list[tuple[np.ndarray, np.ndarray]]],
    ylabel: str,
    floor: float,
    threshold: float | None = None,
) -> Figure:
    """One line per group: the median over its runs' (epochs, values) curves, with the min-max
    band; the noise floor dashed, and a ``threshold`` dotted if given."""
    fig = _figure(3.8)
    ax = fig.add_subplot()
    for color, (label, curves) in zip(_others(len(groups)), groups.items()):
        epochs = curves[0][0]
        values = np.stack([v for _, v in curves])
        ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=color, alpha=0.2, lw=0)
        ax.plot(epochs, np.median(values, axis=0), color=color, label=f"{label} ({len(curves)} seeds)")
    ax.axhline(floor, color="0.3", ls="--", lw=1, label="noise floor")
    if threshold is not None:
        ax.axhline(threshold, color="0.3", ls=":", lw=1.2, label="threshold")
    ax.set(xlabel="epoch", ylabel=ylabel)
    _log(ax, "y")
    fig.legend(loc="outside right upper")
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
def threshold_epochs(epochs: dict[str, list[float]], limit: int) -> Figure:
    """Each run's epoch at which it gets to the threshold, one row of dots per design; runs that
    never get there within the ``limit`` epochs (dotted: where training ends) are counted right of
    it."""
    fig = _figure(1.1 + 0.45 * len(epochs))
    ax = fig.add_subplot()
    ax.axvline(limit, color="0.3", ls=":", lw=1.2)  # where training ends
    for row, (color, values) in enumerate(zip(_others(len(epochs)), epochs.values())):
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
        xlabel="epoch at which the run first gets to the threshold",
        ylabel="design",
    )
    ax.grid(False, axis="y")
    ax.invert_yaxis()
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


def _eye(distance: float) -> dict[str, float]:
    """plotly's camera position for ``CAMERA``, ``distance`` from the centre (plotly's default
    is 2.2)."""
    elevation, azimuth = np.radians(CAMERA)
    x, y, z = distance * np.array(
        [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
    )
    return {"x": float(x), "y": float(y), "z": float(z)}


def _scene(lo: np.ndarray | None = None, hi: np.ndarray | None = None, distance: float = 2.1) -> dict:
    """Axes x, y, z; with limits, fixed ranges drawn to scale (so that frames compare), else the
    data's own ranges to scale; seen from ``distance``."""
    axes = {f"{a}axis": {"title": {"text": a}, "nticks": 4, "tickfont": {"size": 14}} for a in "xyz"}
    # Looking at a point a little below the centre raises the scene in its frame: seen from
    # above (VIEW), the near bottom corner would come nearest the frame's edge.
    axes["camera"] = {"eye": _eye(distance), "center": {"x": 0, "y": 0, "z": -0.12}}
    if lo is None:
        return {**axes, "aspectmode": "data"}
    for i, a in enumerate("xyz"):
        axes[f"{a}axis"]["range"] = [float(lo[i]), float(hi[i])]
    ratio = (hi - lo) / (hi - lo).max()
    return {**axes, "aspectmode": "manual", "aspectratio": dict(zip("xyz", map(float, ratio)))}


def _interactive_layout(fig: go.Figure, height: int, bottom: int = 0, top: int = 40) -> go.Figure:
    # Clicking a legend entry hides or shows that point set; double-clicking isolates it.
    fig.update_layout(
        template="plotly_white",
        font={"size": BODY_PIXELS},  # as large as the page's text
        height=height,
        margin={"l": 10, "r": 10, "t": top, "b": bottom},
        legend={"itemclick": "toggle", "itemdoubleclick": "toggleothers", "itemsizing": "constant"},
        uirevision="keep",  # the reader's camera survives the slider's redraws
    )
    return fig


def roll_3d(
    points: np.ndarray, name: str = REAL_NAME, color: str = REAL, n: int = SUBSAMPLE, seed: int = 0
) -> go.Figure:
    """One point set as a 3-D scatter that turns and zooms: ``n`` of its points, drawn with ``seed``."""
    rows = subsample_rows(len(points), n, seed)
    fig = go.Figure(_points3d(points[rows], name, color, showlegend=True))
    fig.update_layout(scene=_scene(distance=2.4))  # a scene wider than high: its height binds
    return _interactive_layout(fig, height=520)


def overlay_3d(
    real: np.ndarray, recon: dict[int, np.ndarray], n: int = SUBSAMPLE, seed: int = 0
) -> go.Figure:
    """Figure 2 to explore: reconstructions (blue) and real (red) points in one scene, with a
    slider over the epochs of ``recon``; trace 0 is the reconstructions, which each epoch's frame
    replaces.
    It opens on the last epoch, the model the report's claims are about."""
    rows = subsample_rows(len(real), n, seed)
    shown = {epoch: points[rows] for epoch, points in recon.items()}
    lo, hi = _limits(real[rows], *shown.values())
    epochs = list(shown)
    fig = go.Figure(
        [_points3d(shown[epochs[-1]], RECON_NAME, RECON), _points3d(real[rows], REAL_NAME, REAL)],
        frames=[
            go.Frame(
                name=str(epoch),
                data=[_points3d(points, RECON_NAME, RECON)],
                traces=[0],
                layout={"title": {"text": f"epoch {epoch:,}"}},
            )
            for epoch, points in shown.items()
        ],
    )
    step = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    fig.update_layout(
        title={"text": f"epoch {epochs[-1]:,}"},
        scene=_scene(lo, hi),
        sliders=[
            {
                "active": len(epochs) - 1,
                "currentvalue": {"prefix": "epoch "},
                "pad": {"t": 10},
                "steps": [
                    {"label": f"{epoch:,}", "method": "animate", "args": [[str(epoch)], step]}
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
    for col, ((name, points), color) in enumerate(zip(sets.items(), colors or [RECON] * len(sets)), 1):
        fig.add_trace(_points3d(points[rows], name, color), row=1, col=col)
        if real is not None:
            faint = _points3d(real[rows], REAL_NAME, REAL, legendgroup="real", showlegend=col == 1)
            faint.marker.opacity = 0.15
            fig.add_trace(faint, row=1, col=col)
    # Scenes about as high as they are wide in a window 800 pixels wide (half of the page's
    # 720-pixel column each), seen from further out: plotly fits a scene to its height, so a
    # narrower scene, or a nearer camera, cuts the roll's sides.
    fig.update_scenes(_scene(distance=2.9))
    # The scenes' titles sit low in a tall top margin, under plotly's toolbar (about 30 pixels).
    _interactive_layout(fig, height=450, bottom=40, top=60)
    # The legend under the scenes, which then get the figure's whole width.
    fig.update_layout(legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": 0, "yanchor": "top"})
    return fig


# What every fragment of ``html_figure`` holds (plotly's to_html writes it for each figure): the
# book's HTML loads plotly.js on the pages that hold it (book/_ext/local_plotly.py).
MARKER = 'class="plotly-graph-div"'


class HTMLFigure:
    """An interactive figure as an HTML fragment, for ``glue``: the page supplies plotly.js
    wherever it finds ``MARKER``."""

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
