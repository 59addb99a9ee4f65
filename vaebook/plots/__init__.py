"""The book's figures. Each function returns a matplotlib Figure drawn from the arrays or run it
is given; the ``*_3d`` functions return the interactive plotly views the HTML shows beside them.

Every matplotlib figure is drawn in one style (``style``), whatever the caller's own settings, for
the page: 7 inches wide (the PDF's text width), at least 150 dpi and 960 pixels (Figures 5.1 and
5.2, of eight panels of 10,000 points: 1,900), its text as large as the page's where the HTML
shows it, compared things in contrasting colours (``OTHERS``), 3-D panels numbered. Figures are
made without pyplot, so a notebook shows (or glues) exactly the one it asks for.

The rooms: ``style`` (colours, sizes, the helpers every figure uses), ``rolls`` (point sets: the
roll, the report's Figures 2 and 3, the latent space), ``curves`` (curves against the epoch), and
``views`` (the interactive 3-D views and their HTML). Every public name is here too.
"""

from vaebook.plots.curves import (
    CONTRAST,
    REST,
    design_curves,
    distance_curves,
    floor_multiples,
    log_comparison,
    objective_curves,
    settling_curves,
    speed_and_ceiling,
)
from vaebook.plots.rolls import evolution, latent_grid, latent_means, overlay, roll, rolls_side_by_side
from vaebook.plots.style import (
    BODY_PIXELS,
    CAMERA,
    CMAP,
    DETAIL_PIXELS,
    DPI,
    FIGURE_PIXELS,
    MIN_PIXELS,
    OTHERS,
    PRIOR,
    PRIOR_NAME,
    REAL,
    REAL_NAME,
    RECON,
    RECON_NAME,
    STYLE,
    SUBSAMPLE,
    TEXT,
    TITLE_GAP,
    VIEW,
    WIDTH,
)
from vaebook.plots.views import (
    MARKER,
    HTMLFigure,
    html_figure,
    overlay_3d,
    roll_3d,
    side_by_side_3d,
    subsample_rows,
)

__all__ = [
    "BODY_PIXELS", "CAMERA", "CMAP", "CONTRAST", "DETAIL_PIXELS", "DPI", "FIGURE_PIXELS", "MARKER",
    "MIN_PIXELS", "OTHERS", "PRIOR", "PRIOR_NAME", "REAL", "REAL_NAME", "RECON", "RECON_NAME",
    "REST", "STYLE", "SUBSAMPLE", "TEXT", "TITLE_GAP", "VIEW", "WIDTH", "HTMLFigure",
    "design_curves", "distance_curves", "evolution", "floor_multiples", "html_figure",
    "latent_grid", "latent_means", "log_comparison", "objective_curves", "overlay", "overlay_3d",
    "roll", "roll_3d", "rolls_side_by_side", "settling_curves", "side_by_side_3d",
    "speed_and_ceiling", "subsample_rows",
]  # fmt: skip
