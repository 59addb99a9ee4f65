"""Figures of point sets: the roll, the report's Figures 2 and 3 (the reconstructions beside
the real roll, epoch by epoch) and the latent space, each seen along the roll's axis (x-z) and in
3-D."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from vaebook.plots.style import (
    APART,
    CMAP,
    DETAIL_PIXELS,
    LABELS_3D,
    REAL,
    REAL_NAME,
    RECON,
    RECON_NAME,
    ROLL_DOT,
    TITLE_GAP,
    VIEW,
    WIDTH,
    XZ_LABELS,
    _figure,
    _InnerTicks,
    _limits,
    _styled,
    _thousands,
    _whole_box,
)


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
def latent_means(mu: np.ndarray, t: np.ndarray) -> Figure:
    """The encoder's means of the training points, coloured by t: the first two latent dimensions
    against each other, or, for a one-dimensional latent space, its one dimension against t."""
    fig = _figure(3.6)
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
