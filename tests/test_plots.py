"""The book's figures: the static ones as a page shows them (size, resolution, legible text, axes
that compare), and the interactive views (which points they show, their slider, legend and HTML)."""

import colorsys
import importlib
import importlib.util
import io
import json
import re
import sys
from pathlib import Path
from unittest import mock

import matplotlib
import numpy as np
import pytest
from IPython.core.pylabtools import print_figure
from matplotlib.colors import to_hex, to_rgb
from matplotlib.text import Annotation, Text
from PIL import Image

import vaebook
from vaebook import plots


def points(n, seed):
    return np.random.default_rng(seed).normal(size=(n, 3)).astype(np.float32)


def xyz(trace):
    return np.stack([np.asarray(trace.x), np.asarray(trace.y), np.asarray(trace.z)], axis=1)


@pytest.mark.quick
def test_subsample_is_seeded_distinct_and_ordered():
    rows = plots.subsample_rows(10_000, 2_000, seed=3)
    assert len(rows) == 2_000 and len(set(rows.tolist())) == 2_000
    assert np.all(np.diff(rows) > 0) and rows.min() >= 0 and rows.max() < 10_000
    assert np.array_equal(rows, plots.subsample_rows(10_000, 2_000, seed=3))
    assert not np.array_equal(rows, plots.subsample_rows(10_000, 2_000, seed=4))
    assert np.array_equal(plots.subsample_rows(500, 2_000, seed=3), np.arange(500))


def test_subsample_is_uniform_over_the_rows():
    # Each row is kept with probability n / n_rows: over 200 seeds, each tenth of the rows holds
    # a tenth of the 20,000 kept ones, give or take 0.2% (a share's standard deviation): 5 of them.
    tenths = [np.bincount(plots.subsample_rows(1_000, 100, seed=s) // 100, minlength=10) for s in range(200)]
    counts = np.sum(tenths, axis=0)
    assert np.all(np.abs(counts / counts.sum() - 0.1) < 0.01), counts


def test_roll_shows_the_subsample_of_the_points():
    roll = points(5_000, 0)
    fig = plots.roll_3d(roll, seed=7)
    (trace,) = fig.data
    assert trace.type == "scatter3d" and trace.mode == "markers" and trace.name == "the real roll"
    assert np.array_equal(xyz(trace), roll[plots.subsample_rows(5_000, plots.SUBSAMPLE, seed=7)])


def test_overlay_has_a_frame_and_a_slider_step_per_epoch():
    real = points(3_000, 0)
    generated = {1: points(3_000, 1), 51: points(3_000, 2), 201: points(3_000, 3)}
    fig = plots.overlay_3d(real, generated, n=500, seed=5)
    rows = plots.subsample_rows(3_000, 500, seed=5)
    assert [t.name for t in fig.data] == ["reconstructions", "the real roll"]
    assert np.array_equal(xyz(fig.data[0]), generated[201][rows])  # it opens on the last epoch
    assert fig.layout.title.text == "epoch 201"
    assert np.array_equal(xyz(fig.data[1]), real[rows])  # the same rows: points and reconstructions pair
    assert [f.name for f in fig.frames] == ["1", "51", "201"]
    for frame, (epoch, shown) in zip(fig.frames, generated.items()):
        assert list(frame.traces) == [0] and frame.layout.title.text == f"epoch {epoch}"
        assert np.array_equal(xyz(frame.data[0]), shown[rows])
    (slider,) = fig.layout.sliders
    assert slider.active == 2  # the last step: the epoch shown
    assert [s.label for s in slider.steps] == ["1", "51", "201"]
    assert [(s.method, list(s.args[0])) for s in slider.steps] == [("animate", [f.name]) for f in fig.frames]
    scene = fig.layout.scene  # fixed axes, drawn to scale
    spans = np.array([np.diff(scene[f"{a}axis"].range)[0] for a in "xyz"])
    assert np.allclose([scene.aspectratio[a] for a in "xyz"], spans / spans.max())
    # Every generated and real point lies within the fixed axes, so no epoch's points are cut off.
    for i, axis in enumerate(("xaxis", "yaxis", "zaxis")):
        lo, hi = fig.layout.scene[axis].range
        inside = [np.mean((s[rows][:, i] >= lo) & (s[rows][:, i] <= hi)) for s in [real, *generated.values()]]
        assert min(inside) > 0.98


def test_legend_entries_toggle_the_sets():
    recon, prior, real = points(1_000, 1), points(1_000, 2), points(1_000, 3)
    fig = plots.side_by_side_3d({"recon": recon, "prior": prior}, real=real, n=200, seed=0)
    rows = plots.subsample_rows(1_000, 200, seed=0)
    assert [(t.name, t.scene) for t in fig.data] == [
        ("recon", "scene"),
        ("the real roll", "scene"),
        ("prior", "scene2"),
        ("the real roll", "scene2"),
    ]
    assert np.array_equal(xyz(fig.data[0]), recon[rows]) and np.array_equal(xyz(fig.data[2]), prior[rows])
    # One legend entry per set; the real roll's two traces share one, so a click hides both.
    entries = [t.name for t in fig.data if t.showlegend is not False]
    assert entries == ["recon", "the real roll", "prior"]
    assert fig.data[1].legendgroup == fig.data[3].legendgroup == "real"
    assert fig.layout.legend.itemclick == "toggle"
    overlay = plots.overlay_3d(real, {1: recon}, n=200)
    assert overlay.layout.legend.itemclick == "toggle"
    assert all(t.showlegend is not False for t in overlay.data)


@pytest.mark.quick
def test_html_figure_is_deterministic_and_leaves_plotly_js_to_the_page():
    real = points(2_000, 0)
    fig = plots.overlay_3d(real, {1: points(2_000, 1), 5: points(2_000, 2)}, n=300)
    first = plots.html_figure(fig, "plotly-test")
    assert first._repr_html_() == plots.html_figure(fig, "plotly-test")._repr_html_()
    html = first._repr_html_()
    assert 'id="plotly-test"' in html
    assert "<script src" not in html and "cdn.plot.ly" not in html
    assert len(html) < 100_000  # plotly.js alone is 4.8 MB
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", html)  # no uuid
    assert "Plotly.animate" not in html  # the slider waits for the reader: no auto-play
    assert repr(first) == "<interactive figure plotly-test>"
    # The fragment draws the figure given: its traces and layout, then its frames.
    decode = json.JSONDecoder().raw_decode
    start = re.search(r'Plotly\.newPlot\(\s*"plotly-test",\s*', html).end()
    data, end = decode(html, start)
    layout, _ = decode(html, re.compile(r",\s*").match(html, end).end())
    given = json.loads(fig.to_json())
    assert data == given["data"] and layout == given["layout"]
    start = re.search(r"Plotly\.addFrames\('plotly-test',\s*", html).end()
    assert decode(html, start)[0] == given["frames"]


def test_without_plotly_the_import_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "plotly", None)  # `import plotly` now raises ImportError
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    for name in [m for m in sys.modules if m == "vaebook.plots" or m.startswith("vaebook.plots.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=re.escape('pip install -e ".[dev]"')):
        importlib.import_module("vaebook.plots")


def test_the_latent_means_of_a_one_dimensional_latent_space_are_drawn_against_t():
    t = np.linspace(0, 10, 50)
    one = plots.latent_means(t[:, None] / 10, t)
    assert one.axes[0].get_xlabel() == "roll parameter t"
    assert one.axes[0].get_ylabel() == "encoder mean $\\mu_1$"
    two = plots.latent_means(np.stack([t, -t], axis=1), t)
    assert (two.axes[0].get_xlabel(), two.axes[0].get_ylabel()) == (
        "encoder mean $\\mu_1$",
        "encoder mean $\\mu_2$",
    )


def test_the_log_comparison_has_a_panel_per_term_and_the_log_s_dots():
    logged, log = np.array([0, 100]), np.array([[10.0, 8.0, 2.0], [5.0, 4.0, 1.0]])
    run = np.full((150, 3), 3.0)
    fig = plots.log_comparison(logged, log, {"once": run}, band=("once", run - 1, run + 1))
    assert [ax.get_title() for ax in fig.axes] == ["total", "reconstruction", "KL"]
    # Total and reconstruction (which differ by the KL term) on one log scale, KL on its own.
    assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[1])
    assert not fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[2])
    assert [ax.get_yscale() for ax in fig.axes] == ["log", "log", "linear"]
    dots = [line for line in fig.axes[2].lines if line.get_label() == "the script's log"]
    assert dots[0].get_ydata().tolist() == [2.0, 1.0]


# The static figures, as a page shows them: the PNG that IPython makes of a glued Figure.
DETAILED = ("overlay", "evolution")  # the report's Figures 2 and 3: many panels of many points


class _Run:
    """What ``distance_curves`` reads of a run: distances that fall with the epochs."""

    def distance(self, metric, source="recon"):
        epochs = np.arange(10, 1001, 10)
        return epochs, 3.0 / np.sqrt(epochs) * (1.5 if source == "prior" else 1.0)

    def snapshot_distance(self, metric, source="recon"):
        epochs = np.array([1, 5, 9, 13, 51, 101, 201, 1000])
        return epochs, 1.0 / epochs * (2 if source == "prior" else 1)


def _snapshots():
    """A real roll and "generated" points that close in on it as the epochs go by."""
    real = vaebook.swiss_roll(2_000, seed=0)
    rng = np.random.default_rng(1)
    epochs = (1, 5, 9, 13, 51, 101, 201, 1000)
    return real, {e: real + rng.normal(scale=8 / e**0.5, size=real.shape).astype(np.float32) for e in epochs}


def _objective():
    return 50 / np.arange(1, 10_001) ** 0.3 + np.random.default_rng(0).normal(scale=0.5, size=10_000)


def _all_figures() -> dict:
    """Every static figure of vaebook.plots, drawn from synthetic inputs of the chapters' shapes."""
    real, generated = _snapshots()
    epochs = np.arange(10, 251, 10)
    t = np.linspace(1, 20, 2_000)
    grid = np.stack(np.meshgrid(*[np.linspace(-3, 3, 25)] * 2), axis=-1).reshape(-1, 2)
    steps = np.arange(2_000)
    means = np.stack([4_000 / (1 + steps) ** 0.3, 3_900 / (1 + steps) ** 0.3, 40 + steps / 100], axis=1)
    logged = np.arange(0, 2_000, 100)
    floors = {"sliced_wasserstein": 0.05, "energy_distance": 0.001}
    return {
        "roll": plots.roll(real),
        "rolls_side_by_side": plots.rolls_side_by_side(  # the original-code chapter's titles
            {"original code: reconstructions": real, "original code: prior samples": generated[1],
             "report: prior samples": generated[5]}  # fmt: skip
        ),
        "overlay": plots.overlay(real, generated),
        "evolution": plots.evolution(real, generated),
        "objective_curves": plots.objective_curves(_objective(), 100, drop=100, every=10),
        "distance_curves": plots.distance_curves(_Run(), floors, 200),
        "latent_means": plots.latent_means(np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 10, t),
        "latent_grid": plots.latent_grid(real[: len(grid)], grid, real),
        "settling_curves": plots.settling_curves(
            {"a": [(epochs, np.linspace(3, 1, 25) * s) for s in (1, 1.2)], "b": [(epochs, 4 - epochs / 125)]},
            {"a": (epochs[:12], np.linspace(0.3, 0.05, 12)), "b": (epochs[:12], np.full(12, 0.2))},
            {"a": 70, "b": None},
            0.1,
            200,
        ),
        "floor_multiples": plots.floor_multiples(
            {"a": [(epochs, 20 - epochs / 14)], "b": [(epochs, np.linspace(9, 3, 25) * s) for s in (1, 1.1)]},
            {"band": 1.4, "twice": 2.0, "five times": 5.0},
            200,
        ),
        "log_comparison": plots.log_comparison(
            logged, means[logged], {"a run": means}, band=("a run", means * 0.9, means * 1.1)
        ),
        **_design_figures(),
    }


DESIGNS = ("1 × relu", "1 × tanh", "2 × relu", "2 × tanh")
CLAIM = ("1 × relu", "2 × tanh")


def _design_figures() -> dict:
    """The design chapter's figures, for four designs of three runs each."""
    epochs = np.concatenate([[1, 5, 9], np.arange(10, 2_001, 10)])
    rng = np.random.default_rng(2)
    curves = {
        name: [(epochs, (0.2 * (i + 1) + 3.0 / np.sqrt(epochs)) * rng.uniform(0.9, 1.1)) for _ in range(3)]
        for i, name in enumerate(DESIGNS)
    }
    speed = {name: list(rng.uniform(5, 300, 3)) for name in DESIGNS}
    plateau = {name: list(rng.uniform(1.2, 4.0, 3)) for name in DESIGNS}
    return {
        "design_curves": plots.design_curves(curves, "distance to a real sample", 0.1, contrast=CLAIM),
        "speed_and_ceiling": plots.speed_and_ceiling(
            speed, plateau, ("epochs to 90% of the way", "plateau, in noise floors"), contrast=CLAIM
        ),
    }


def _png(fig) -> bytes:
    return print_figure(fig, "png", bbox_inches="tight")  # what the notebook stores and the page shows


@pytest.fixture(scope="module")
def figures() -> dict:
    return _all_figures()


@pytest.fixture(scope="module")
def pngs(figures) -> dict[str, Image.Image]:
    return {name: Image.open(io.BytesIO(_png(fig))) for name, fig in figures.items()}


def test_every_static_figure_is_drawn_by_these_tests(figures):
    styled = {
        name for name, f in vars(plots).items() if hasattr(f, "__wrapped__") and not name.startswith("_")
    }
    assert styled == set(figures)


def test_every_figure_is_at_least_150_dpi_and_wide_enough_for_the_page(pngs):
    for name, image in pngs.items():
        assert image.info["dpi"][0] >= 149.9, name  # PNG stores dots per metre: 150 reads 149.9994
        assert image.width >= (1_800 if name in DETAILED else 900), (name, image.size)


@pytest.fixture(scope="module")
def texts(figures, pngs) -> dict[str, list]:
    return {name: _drawn_texts(fig) for name, fig in figures.items()}


def test_text_reads_at_the_size_of_the_page_s_text(pngs, texts):
    """Every text of a figure, shown as the HTML shows it (its PNG scaled to the column's
    plots.FIGURE_PIXELS, which tests/browser checks), is at least as high as the body's text
    (plots.BODY_PIXELS): its size in points, times the PNG's pixels per point, times the scale."""
    for name, image in pngs.items():
        pixels_per_point = image.info["dpi"][0] / 72
        scale = plots.FIGURE_PIXELS / image.width
        smallest = min(text.get_fontsize() for text, _ in texts[name])
        assert smallest * pixels_per_point * scale >= plots.BODY_PIXELS * 0.999, (name, smallest, image.width)


def _drawn_texts(fig) -> list[tuple[Text, object]]:
    """Every non-empty text the figure draws, with its box on the canvas."""
    drawn, draw = [], Text.draw

    def recording(text, renderer):
        draw(text, renderer)
        if text.get_visible() and text.get_text().strip():
            drawn.append((text, text.get_window_extent(renderer)))

    with mock.patch.object(Text, "draw", recording):
        fig.draw_without_rendering()
    return drawn


def test_no_two_texts_overlap(texts):
    """Tick labels, axis names, titles and legends: no two of them share a pixel."""
    for name, boxes in texts.items():
        for i, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[i + 1 :]:
                across = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
                down = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
                assert min(across, down) <= 0.5, (name, a.get_text(), b.get_text())


def _gap(box_a, box_b) -> float:
    """The room between two boxes, in pixels: along whichever direction they do not overlap."""
    across = max(box_a.x0, box_b.x0) - min(box_a.x1, box_b.x1)
    down = max(box_a.y0, box_b.y0) - min(box_a.y1, box_b.y1)
    return max(across, down)


def test_titles_stand_clear(figures, texts):
    """A title (an axes' title, a figure's text, an annotation) is at least 5 points from every
    other text, so that it does not read as one with an axis's name; the titles of panels side by
    side are at least plots.TITLE_GAP apart."""
    for name, fig in figures.items():
        points = fig.dpi / 72
        titles = {ax.title for ax in fig.axes} | set(fig.texts)
        titles |= {text for ax in fig.axes for text in ax.texts if isinstance(text, Annotation)}
        boxes = texts[name]
        for i, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[i + 1 :]:
                if a in titles or b in titles:
                    assert _gap(box_a, box_b) >= 5 * points, (name, a.get_text(), b.get_text())
        drawn = dict(boxes)
        row = sorted((drawn[ax.title] for ax in fig.axes if ax.title in drawn), key=lambda box: box.x0)
        for left, right in zip(row, row[1:]):
            if min(left.y1, right.y1) > max(left.y0, right.y0):  # side by side
                assert right.x0 - left.x1 >= plots.TITLE_GAP * points, (name, "titles side by side")


def test_tick_labels_are_a_label_s_size_apart(figures, texts):
    """Along an axis, the labelled ticks (a log axis's 2,000 and 5,000 between its powers of ten
    too) are at least their own font size apart."""
    checked = 0
    for name, fig in figures.items():
        drawn = dict(texts[name])
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                x = axis is ax.xaxis
                boxes = sorted(
                    ((t, drawn[t]) for t in axis.get_ticklabels(which="both") if t in drawn),
                    key=lambda item: item[1].x0 if x else item[1].y0,
                )
                checked += len(boxes)
                for (a, box_a), (b, box_b) in zip(boxes, boxes[1:]):
                    gap = box_b.x0 - box_a.x1 if x else box_b.y0 - box_a.y1
                    assert gap >= a.get_fontsize() * fig.dpi / 72, (name, a.get_text(), b.get_text())
    assert checked > 100  # the labels are found


def test_axes_are_named_in_words(figures):
    """Every axis that shows numbers has a name, and no name is a code name (snake_case)."""
    for name, fig in figures.items():
        named = [fig._supxlabel.get_text()] if getattr(fig, "_supxlabel", None) else []
        for ax in fig.axes:
            for axis, label in ((ax.xaxis, ax.get_xlabel()), (ax.yaxis, ax.get_ylabel())):
                shown = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
                assert label or not shown or named, (name, ax.get_title(), axis.axis_name)
                assert "_" not in re.sub(r"\$[^$]*\$", "", label), (name, label)


def test_colour_that_encodes_a_value_has_a_colour_bar(figures):
    for name in ("latent_means", "latent_grid"):
        bars = [ax for ax in figures[name].axes if getattr(ax, "_colorbar", None) is not None]
        assert len(bars) == 1 and bars[0].get_ylabel(), name


def test_the_epochs_panels_share_their_axes_and_show_the_spiral(figures):
    """The report's Figures 2 and 3: every epoch on the same axes, drawn to scale, x against z
    (the view along the roll's axis, where it is a spiral)."""
    for name in DETAILED:
        axes = figures[name].axes
        assert len(axes) == 8 + (name == "evolution"), name  # eight epochs; Figure 3 adds the real roll
        for ax in axes:
            assert ax.get_shared_x_axes().joined(axes[0], ax) and ax.get_shared_y_axes().joined(axes[0], ax)
            assert ax.get_xlim() == axes[0].get_xlim() == ax.get_ylim()
            assert ax.get_aspect() == 1.0
        assert axes[-1].get_xlabel() == "x = t cos t" and axes[0].get_ylabel() == "z = t sin t"


def test_the_overlay_draws_the_generated_points_first_and_the_real_ones_on_top():
    real, generated = _snapshots()
    fig = plots.overlay(real, {1000: generated[1000]})
    first, second = fig.axes[0].collections
    assert to_hex(first.get_facecolor()[0], keep_alpha=False) == to_hex(plots.RECON)
    assert to_hex(second.get_facecolor()[0], keep_alpha=False) == to_hex(plots.REAL)
    assert first.get_zorder() <= second.get_zorder()
    assert np.array_equal(first.get_offsets(), generated[1000][:, [0, 2]])


def test_the_objective_s_whole_curve_is_on_log_scales(figures):
    left, right = figures["objective_curves"].axes[:2]
    assert (left.get_xscale(), right.get_xscale(), right.get_yscale()) == ("linear", "log", "log")


def test_a_figure_looks_the_same_whatever_the_caller_s_matplotlib_settings():
    """The style is the module's: a notebook's own settings, when the figure is made and when it
    is drawn, change no pixel of it."""
    real, _ = _snapshots()
    grid = np.stack(np.meshgrid(*[np.linspace(-3, 3, 10)] * 2), axis=-1).reshape(-1, 2)
    real = real[: len(grid)]

    def both():
        made = (
            plots.objective_curves(_objective(), 100, drop=100, every=10),
            plots.latent_grid(real, grid, real),
        )
        return [_png(fig) for fig in made]

    plain = both()
    other = {
        "font.size": 18,
        "font.family": "serif",
        "xtick.labelsize": 15,
        "lines.linewidth": 4,
        "axes.facecolor": "black",
        "axes.grid": False,
        "figure.dpi": 72,
        "figure.constrained_layout.use": False,
        "image.cmap": "gray",
    }
    with matplotlib.rc_context(other):
        assert both() == plain


def test_the_settling_curves_mark_where_each_group_settles(figures):
    left, right = figures["settling_curves"].axes
    dots = [line for line in right.get_lines() if line.get_marker() == "o"]
    at = 0.3 - 6 * 0.25 / 11  # group a's gain at epoch 70, the 7th of 12 evenly spaced records
    assert [(line.get_xdata()[0], line.get_ydata()[0]) for line in dots] == [(70, pytest.approx(at))]
    # the median of group a's two runs, 1.1 times the first, between their lowest and highest
    (median, _) = [line for line in left.get_lines() if len(line.get_xdata()) == 25][:2]
    assert np.allclose(median.get_ydata(), np.linspace(3, 1, 25) * 1.1)
    labels = [text.get_text() for text in figures["settling_curves"].legends[0].get_texts()]
    assert labels[:2] == ["a: 2 runs", "b: 1 runs"] and "tolerance, 10%" in labels


def test_the_floor_multiples_name_the_grades_edges(figures):
    (ax,) = figures["floor_multiples"].axes
    assert {t.get_text() for t in ax.texts} == {"band", "twice", "five times"}
    edges = [line for line in ax.lines if line.get_transform() == ax.get_yaxis_transform()]
    assert sorted(line.get_ydata()[0] for line in edges) == [1.4, 2, 5]


def test_red_blue_and_orange_mean_the_roll_the_reconstructions_and_the_prior_samples_only(figures):
    """Figures of designs, seeds and ways of training draw their groups in other colours, so that a
    colour means one thing throughout the book (reference lines, axhline and axvline, aside)."""
    reserved = {to_hex(c) for c in (plots.REAL, plots.RECON, plots.PRIOR)}
    for name in (
        "settling_curves",
        "log_comparison",
        "design_curves",
        "speed_and_ceiling",
        "floor_multiples",
    ):
        drawn = set()
        for ax in figures[name].axes:
            reference = (ax.get_xaxis_transform(), ax.get_yaxis_transform())
            drawn |= {to_hex(line.get_color()) for line in ax.lines if line.get_transform() not in reference}
            drawn |= {to_hex(c, keep_alpha=False) for coll in ax.collections for c in coll.get_facecolor()}
        assert len(drawn) >= 2 and not drawn & reserved, (name, drawn & reserved)


# The style's rules: colours that contrast, numbers on the 3-D panels, the book's words.


def _lab(color) -> np.ndarray:
    """CIELAB (D65) of a colour, from the sRGB standard's formulas."""
    rgb = np.array(to_rgb(color))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = to_xyz @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _distance(a, b) -> float:
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def _contrast_on_white(color) -> float:
    """WCAG's contrast ratio of a colour against white."""
    rgb = np.array(to_rgb(color))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return 1.05 / (float(linear @ [0.2126, 0.7152, 0.0722]) + 0.05)


@pytest.mark.quick
def test_compared_things_get_contrasting_colours_by_the_style_s_rule():
    """Red, blue and orange stay the roll's, the reconstructions' and the prior samples'; the
    colours of compared things come in the order of the rule: each the farthest (CIELAB) from the
    three and from those before it. So the first two, which a figure gives the pair it compares,
    are far apart (purple and pink, two of tab10's colours, are 28 apart), and every one can be
    told from the reserved three and is a line that shows on white (3:1, WCAG's bar for graphics)."""
    reserved = [plots.REAL, plots.RECON, plots.PRIOR]
    assert [to_hex(c) for c in reserved] == [to_hex(c) for c in ("tab:red", "tab:blue", "tab:orange")]
    others = list(plots.OTHERS)
    for i, color in enumerate(others):
        before = reserved + others[:i]
        nearest = min(_distance(color, b) for b in before)
        assert all(nearest >= min(_distance(c, b) for b in before) for c in others[i:]), (i, color)
        assert nearest >= 30, (color, nearest)
        assert _contrast_on_white(color) >= 3, color
    assert _distance(others[0], others[1]) >= 100
    assert _distance("tab:purple", "tab:pink") < 30  # the pair the rule replaces
    assert plots.style._others(len(others) + 1)[-1] == others[0]  # more things than colours: they repeat


def test_every_3d_panel_has_numbers_on_its_axes(figures, texts):
    """Each axis of a static 3-D panel is numbered where the page shows it, with two numbers at
    least on the x and z axes (a scale, not just a place) and one at least on the short y axis."""
    panels = 0
    for name, fig in figures.items():
        drawn = {text for text, _ in texts[name]}
        for ax in fig.axes:
            if ax.name != "3d":
                continue
            panels += 1
            for axis, least in ((ax.xaxis, 2), (ax.yaxis, 1), (ax.zaxis, 2)):
                shown = [t.get_text() for t in axis.get_ticklabels() if t in drawn]
                numbers = [text for text in shown if re.fullmatch(r"[−\d.,]+", text)]
                assert len(numbers) >= least, (name, axis.axis_name, shown)
    assert panels == 5  # roll, the side-by-side rolls' three, latent_grid


def test_legends_and_titles_use_the_book_s_words(figures, texts):
    """The decoder's outputs for the training points are "reconstructions", never "generated" (the
    report's word); the real points are "the real roll"."""
    for name, boxes in texts.items():
        assert not [t.get_text() for t, _ in boxes if "generated" in t.get_text()], name
    labels = [t.get_text() for t in figures["overlay"].legends[0].get_texts()]
    assert labels == ["reconstructions (drawn first)", "the real roll (drawn on top)"]
    view = plots.overlay_3d(points(500, 0), {1: points(500, 1)}, n=100)
    assert [t.name for t in view.data] == ["reconstructions", "the real roll"]


def test_the_interactive_views_look_along_the_roll_s_axis():
    """The camera looks at the roll nearly along y, its axis, where the roll is a spiral (as the
    x-z panels of the static figures show it): within 30 degrees of the axis, and from the side of
    negative y, so that x runs to the right and z up as in those panels."""
    real = points(500, 0)
    views = [
        plots.roll_3d(real),
        plots.overlay_3d(real, {1: real}, n=100),
        plots.side_by_side_3d({"a": real, "b": real}, n=100),
    ]
    for view in views:
        for scene in [view.layout[k] for k in view.layout if k.startswith("scene")]:
            eye = np.array([scene.camera.eye[a] for a in "xyz"])
            angle = np.degrees(np.arccos(-eye[1] / np.linalg.norm(eye)))
            assert angle <= 30, (scene.camera.eye, angle)


@pytest.mark.quick
def test_the_book_loads_plotly_js_wherever_an_interactive_figure_is():
    """html_figure's fragments hold the marker that the book's HTML extension looks for, and the
    extension reads that marker from here (one definition, both halves of the contract)."""
    html = plots.html_figure(plots.roll_3d(points(100, 0)), "plotly-marker")._repr_html_()
    assert plots.MARKER in html
    path = Path(__file__).resolve().parents[1] / "book" / "_ext" / "local_plotly.py"
    spec = importlib.util.spec_from_file_location("local_plotly_under_test", path)
    extension = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extension)
    assert extension.MARKER is plots.MARKER


def test_the_two_designs_a_claim_compares_get_contrasting_hues_and_solid_lines(figures):
    (ax,) = figures["design_curves"].axes
    lines = {line.get_label().split(" (")[0]: line for line in ax.lines if "seeds" in line.get_label()}
    assert set(lines) == set(DESIGNS)
    assert [to_hex(lines[name].get_color()) for name in CLAIM] == [to_hex(c) for c in plots.CONTRAST]
    assert {lines[name].get_linestyle() for name in CLAIM} == {"-"}
    others = [name for name in DESIGNS if name not in CLAIM]
    assert {lines[name].get_linestyle() for name in others} == {"--"}
    assert len({to_hex(line.get_color()) for line in lines.values()}) == 4  # four designs, four hues
    # Contrasting: the claim's two hues lie far apart on the colour wheel (purple and pink did not).
    hues = [colorsys.rgb_to_hsv(*to_rgb(c))[0] for c in plots.CONTRAST]
    assert min(abs(hues[0] - hues[1]), 1 - abs(hues[0] - hues[1])) > 0.25
    # The speed-and-plateau figure: a row per design, in the same hues; epochs on a log scale.
    left, right = figures["speed_and_ceiling"].axes
    assert [t.get_text() for t in left.get_yticklabels()] == list(DESIGNS)
    assert (left.get_xscale(), right.get_xscale()) == ("log", "linear")
    dots = {to_hex(line.get_color()) for line in left.lines}
    assert {to_hex(c) for c in plots.CONTRAST} <= dots
