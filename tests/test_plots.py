"""The interactive views: which points they show, their slider and legend, and their HTML."""

import importlib
import json
import re
import sys

import numpy as np
import pytest

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
    assert trace.type == "scatter3d" and trace.mode == "markers" and trace.name == "real"
    assert np.array_equal(xyz(trace), roll[plots.subsample_rows(5_000, plots.SUBSAMPLE, seed=7)])


def test_overlay_has_a_frame_and_a_slider_step_per_epoch():
    real = points(3_000, 0)
    generated = {1: points(3_000, 1), 51: points(3_000, 2), 201: points(3_000, 3)}
    fig = plots.overlay_3d(real, generated, n=500, seed=5)
    rows = plots.subsample_rows(3_000, 500, seed=5)
    assert [t.name for t in fig.data] == ["generated", "real"]
    assert np.array_equal(xyz(fig.data[0]), generated[1][rows])  # the first epoch is shown first
    assert np.array_equal(xyz(fig.data[1]), real[rows])  # the same rows: points and reconstructions pair
    assert [f.name for f in fig.frames] == ["1", "51", "201"]
    for frame, (epoch, shown) in zip(fig.frames, generated.items()):
        assert list(frame.traces) == [0] and frame.layout.title.text == f"epoch {epoch}"
        assert np.array_equal(xyz(frame.data[0]), shown[rows])
    (slider,) = fig.layout.sliders
    assert slider.active == 0
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
        ("real", "scene"),
        ("prior", "scene2"),
        ("real", "scene2"),
    ]
    assert np.array_equal(xyz(fig.data[0]), recon[rows]) and np.array_equal(xyz(fig.data[2]), prior[rows])
    # One legend entry per set; the real roll's two traces share one, so a click hides both.
    entries = [t.name for t in fig.data if t.showlegend is not False]
    assert entries == ["recon", "real", "prior"]
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
    monkeypatch.delitem(sys.modules, "vaebook.plots")
    with pytest.raises(ImportError, match=re.escape('pip install -e ".[dev]"')):
        importlib.import_module("vaebook.plots")


def test_the_latent_means_of_a_one_dimensional_latent_space_are_drawn_against_t():
    t = np.linspace(0, 10, 50)
    one = plots.latent_means(t[:, None] / 10, t)
    assert one.axes[0].get_xlabel() == "roll parameter t" and one.axes[0].get_ylabel() == "$\\mu_1$"
    two = plots.latent_means(np.stack([t, -t], axis=1), t)
    assert (two.axes[0].get_xlabel(), two.axes[0].get_ylabel()) == ("$\\mu_1$", "$\\mu_2$")


def test_the_threshold_epochs_count_the_runs_that_never_get_there():
    fig = plots.threshold_epochs({"a": [10.0, 20.0, np.inf], "b": [np.inf, np.inf]}, limit=30)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert sorted(t.get_text() for t in ax.texts) == ["never: 1", "never: 2"]


def test_the_log_comparison_has_a_panel_per_term_and_the_log_s_dots():
    logged, log = np.array([0, 100]), np.array([[10.0, 8.0, 2.0], [5.0, 4.0, 1.0]])
    run = np.full((150, 3), 3.0)
    fig = plots.log_comparison(logged, log, {"once": run}, band=("once", run - 1, run + 1))
    assert [ax.get_title() for ax in fig.axes] == ["total", "reconstruction", "KL"]
    dots = [line for line in fig.axes[2].lines if line.get_label() == "the script's log"]
    assert dots[0].get_ydata().tolist() == [2.0, 1.0]
