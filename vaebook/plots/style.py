"""The book's one figure style: the colours and what each means, the sizes and resolution
for the page, and the helpers every figure is drawn with (``_styled`` makes a figure under the
style and lays it out)."""

from __future__ import annotations

import functools
import math

import matplotlib
import matplotlib.axis
import matplotlib.style
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, Locator, LogFormatter

# Colours. Red, blue and orange mean one thing each throughout the book: the real roll, the
# reconstructions (the report's "generated" points: the decoder's outputs for the training
# points) and the prior samples (decodes of z ~ N(0, I)). Greys are for reference lines.
REAL, RECON, PRIOR = "tab:red", "tab:blue", "tab:orange"


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
