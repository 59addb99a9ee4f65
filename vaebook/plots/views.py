"""The interactive 3-D views (plotly) the HTML shows beside the static figures, and the HTML
fragment that carries one into a page (``html_figure``), with the marker the book's HTML
extension looks for (``MARKER``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.colors import to_hex

try:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
except ImportError as err:  # a dependency, not an option: say how to get it
    raise ImportError(
        'vaebook.plots needs plotly: install the project\'s dependencies with `pip install -e ".[dev]"`'
    ) from err
from vaebook.plots.style import (
    BODY_PIXELS,
    CAMERA,
    REAL,
    REAL_NAME,
    RECON,
    RECON_NAME,
    SUBSAMPLE,
    _limits,
)


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
