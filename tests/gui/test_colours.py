"""Colours that inform (issue 13.4): gradients and updates scaled per layer or on a shared symlog
scale, a colour bar with each layer's range, changed edges ringed rather than haloed, a legend,
and a dark palette followed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from engine import parse_session
from engine.files.walkthrough import Step, Walkthrough
from gui.colormap import BUCKETS, buckets
from gui.controller import SessionController
from gui.export import render_frames
from gui.main_window import MainWindow
from gui.network.color_bar import MIN_SHORT_BAR
from gui.network.edges import CHANGED_DOT
from gui.network.values import SYMLOG_THRESHOLD
from gui.network_view import NetworkView
from tests.gui.hosting import show_in_host
from tests.helpers import tiny_session_dict

# 2-8-8-1 sigmoid: each sigmoid layer shrinks the gradient, so layer 0's is ~30 times layer 2's
DEEP = tiny_session_dict(
    network={
        "inputs": 2,
        "init": "xavier_uniform",
        "layers": [
            {"units": 8, "activation": "sigmoid"},
            {"units": 8, "activation": "sigmoid"},
            {"units": 1, "activation": "sigmoid"},
        ],
    }
)
ENDS = (0, BUCKETS - 1)


@pytest.fixture
def deep(qtbot) -> Iterator[tuple[SessionController, NetworkView]]:
    controller = SessionController(parse_session(DEEP))
    view = NetworkView(controller)
    view.host_window = show_in_host(qtbot, view, 900, 600, margin=0)
    view.fit()
    yield controller, view
    controller.wait_idle()


def after_backward(controller: SessionController) -> None:
    """Run the first iteration up to and including its last backward stage (Backward 0)."""
    controller.set_color_by("gradient")
    while controller.snapshot().record.backward_of(0) is None:
        controller.step()


def gradients(controller: SessionController) -> list[np.ndarray]:
    record = controller.snapshot().shown_record()
    return [record.backward_of(k).dW for k in range(len(record.params))]


def drawn_color(view: NetworkView, layer: int, unit: int, inp: int) -> QColor:
    """The pen colour the edge W[layer][unit, inp] is drawn with."""
    layout = view.network_layout
    line = layout.lines(np.array([layout.edge_index(layer, unit, inp)]))[0]
    colours = [
        pen.color() for pen, lines in view.edges.layer.drawn_lines() if (lines == line).all(axis=1).any()
    ]
    assert len(colours) == 1  # each edge is in exactly one colour group
    return colours[0]


def test_per_layer_scale_puts_each_layers_largest_gradient_at_the_end_of_the_map(deep) -> None:
    controller, view = deep
    assert view.scale_mode == "layer"  # the default
    after_backward(controller)
    dws = gradients(controller)
    overall = max(float(np.abs(dw).max()) for dw in dws)
    small = float(np.abs(dws[0]).max())
    # one shared linear scale would draw layer 0's largest gradient next to white
    assert small < 0.1 * overall
    assert buckets(np.array([small]), overall)[0] in range(BUCKETS // 2 - 2, BUCKETS // 2 + 3)
    end_colours = view.edges.bucket_colors()
    for layer, dw in enumerate(dws):
        unit, inp = np.unravel_index(int(np.argmax(np.abs(dw))), dw.shape)
        expected = BUCKETS - 1 if dw[unit, inp] > 0 else 0
        assert view.edge_buckets(layer)[unit, inp] == expected
        assert drawn_color(view, layer, int(unit), int(inp)) == end_colours[expected]
        # and the layer's scale is its own largest |gradient|, not the network's
        assert view.edge_color_scale.half_width(layer) == float(np.abs(dw).max())


def test_weights_keep_one_shared_scale(deep) -> None:
    controller, view = deep
    params = controller.snapshot().params
    peak = max(float(np.abs(p.weights).max()) for p in params)
    assert view.edge_color_scale.kind == "linear"
    for layer, p in enumerate(params):
        np.testing.assert_array_equal(view.edge_buckets(layer), buckets(p.weights, peak))


def test_symlog_is_shared_and_lifts_small_layers_off_white(deep) -> None:
    controller, view = deep
    after_backward(controller)
    view.set_scale_mode("symlog")
    assert view.header.scale_box.currentData() == "symlog"
    scale = view.edge_color_scale
    dws = gradients(controller)
    overall = max(
        float(np.abs(a).max())
        for a in dws + [controller.snapshot().record.backward_of(k).db for k in range(3)]
    )
    assert scale.kind == "symlog"
    assert scale.peak == overall
    assert scale.threshold == pytest.approx(SYMLOG_THRESHOLD * overall)
    small = dws[0]
    unit, inp = np.unravel_index(int(np.argmax(np.abs(small))), small.shape)
    index = view.edge_buckets(0)[unit, inp]
    # far from the middle on symlog, where a linear shared scale left it next to white
    assert abs(int(index) - BUCKETS // 2) >= BUCKETS // 4
    assert view.edge_bar.ranges() == [("", overall)]
    with pytest.raises(ValueError, match="unknown colour scale"):
        view.set_scale_mode("log")
    assert view.scale_mode == "symlog"


def test_the_colour_bar_lists_each_layers_range_from_the_engine(deep) -> None:
    controller, view = deep
    after_backward(controller)
    dws = gradients(controller)
    assert view.edge_bar.ranges() == [(f"L{k}", float(np.abs(dw).max())) for k, dw in enumerate(dws)]
    assert "layer 0: ±" in view.edge_bar.toolTip()
    # the last update's ranges once the update has run
    controller.set_color_by("update")
    controller.finish_iteration()
    record = controller.session.iteration_record(0)
    steps = [
        float(np.abs(after.weights - before.weights).max())
        for after, before in zip(record.update.params_after, record.update.params_before, strict=True)
    ]
    assert view.edge_bar.ranges() == [(f"L{k}", pytest.approx(s)) for k, s in enumerate(steps)]


def test_the_colour_bar_is_drawn_with_every_range_at_a_small_size(deep) -> None:
    controller, view = deep
    after_backward(controller)
    bar = view.edge_bar
    for height, beside in ((260, False), (110, True)):  # a roomy window; a 960x640 one
        bar.resize(bar.width(), height)
        parts = bar.parts()
        assert parts.bar is not None
        assert parts.bar.height() >= MIN_SHORT_BAR
        assert parts.ranges == 3  # every layer's range has its line ...
        assert parts.ranges_beside == beside  # ... under the bar, or beside it when short
        assert parts.bar.bottom() <= height
        image = bar.grab().toImage()
        # the bar's middle row is the map's zero: pale on a light background; its top is deep red
        x = int(parts.bar.center().x())
        assert QColor(image.pixel(x, int(parts.bar.center().y()))).lightness() > 200
        top = QColor(image.pixel(x, int(parts.bar.top()) + 2))
        assert top.lightness() < 120
        assert top.red() > top.blue()


def test_changed_edges_get_a_small_ring_that_leaves_the_edge_colour_visible(deep) -> None:
    controller, view = deep
    controller.set_color_by("update")
    controller.finish_iteration()
    layout = view.network_layout
    record = controller.session.iteration_record(0)
    moved = [
        np.flatnonzero((after.weights != before.weights).ravel()) + layout.edge_offset[k]
        for k, (after, before) in enumerate(
            zip(record.update.params_after, record.update.params_before, strict=True)
        )
    ]
    changed = np.concatenate(moved)
    points = view.edges.changed_points()
    assert len(points) == changed.size > 0
    dots = view.edges.changed_dots
    # a hollow ring of a few pixels: the edge's own colour shows inside and along the rest of it
    assert dots.opts["pxMode"]
    assert dots.opts["size"] == CHANGED_DOT
    assert all(spot.brush().style().name == "NoBrush" for spot in dots.points())
    px, _ = view.view_box.viewPixelSize()
    lengths = np.hypot(layout.segment_dx[changed], layout.segment_dy[changed]) / px
    assert 0.2 * lengths.min() > CHANGED_DOT
    # each ring sits on its own edge, away from both ends, and no two rings coincide
    x0, y0, x1, y1 = layout.lines(changed).T
    t = (points[:, 0] - x0) / (x1 - x0)
    assert ((t > 0.2) & (t < 0.8)).all()
    np.testing.assert_allclose(points[:, 1], y0 + t * (y1 - y0))
    assert len({(round(x, 9), round(y, 9)) for x, y in points}) == len(points)
    controller.step()  # Forward 0 of the next iteration: the rings go
    assert not dots.isVisible()


def test_legend_explains_bias_squares_the_loss_node_and_the_rings(deep) -> None:
    _, view = deep
    assert view.node_bar.legend_entries() == ("bias b", "loss L", "changed")
    assert view.edge_bar.legend_entries() == ()
    tip = view.node_bar.toolTip()
    assert "bias b" in tip
    assert "loss L" in tip
    assert "changed" in tip


@pytest.fixture
def dark_palette(qtbot) -> Iterator[QPalette]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    dark = QPalette(before)
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8e8e8"),
        (QPalette.ColorRole.Base, "#1b1b1b"),
        (QPalette.ColorRole.Text, "#e8e8e8"),
    ):
        dark.setColor(role, QColor(colour))
    yield dark
    app.setPalette(before)
    app.processEvents()


def test_a_dark_palette_gives_a_dark_background_and_a_dark_zero(deep, dark_palette) -> None:
    controller, view = deep
    after_backward(controller)
    assert not view.theme.dark
    light_zero = view.edges.bucket_colors()[BUCKETS // 2]
    assert light_zero.lightness() > 230
    QApplication.instance().setPalette(dark_palette)
    QApplication.processEvents()  # Qt posts the palette change to the widgets
    assert view.theme.dark
    assert view.plot.backgroundBrush().color().lightness() < 60
    zero = view.edges.bucket_colors()[BUCKETS // 2]
    background = view.plot.backgroundBrush().color()
    # zero is faint on the dark background: dark, close to it; both ends stand out from it
    assert zero.lightness() < 80
    assert abs(zero.lightness() - background.lightness()) < 40
    for end in ENDS:
        assert view.edges.bucket_colors()[end].lightness() > 150
    # blue still negative, red still positive
    neg, pos = view.edges.bucket_colors()[0], view.edges.bucket_colors()[-1]
    assert neg.blue() > neg.red()
    assert pos.red() > pos.blue()
    assert QColor(view.edge_bar.theme.text).lightness() > 180  # light text on the dark bar
    QApplication.instance().setPalette(QPalette())
    QApplication.processEvents()
    assert not view.theme.dark


def test_scale_mode_is_in_the_view_menu_and_remembered(
    qtbot, window: MainWindow, settings: QSettings
) -> None:
    actions = window.view_actions.scale_actions
    assert actions["layer"].isChecked()
    menu_actions = [a for a in window.menus.view.actions() if a.menu() is not None]
    assert window.view_actions.scale_menu in [a.menu() for a in menu_actions]
    actions["symlog"].trigger()
    assert window.network_view.scale_mode == "symlog"
    assert window.network_view.header.scale_box.currentData() == "symlog"
    window.network_view.header.scale_box.setCurrentIndex(
        window.network_view.header.scale_box.findData("layer")
    )
    assert actions["layer"].isChecked()
    actions["symlog"].trigger()
    other = MainWindow(parse_session(tiny_session_dict()), None, settings)
    assert other.network_view.scale_mode == "symlog"
    assert other.view_actions.scale_actions["symlog"].isChecked()
    other.controller.mark_unmodified()
    other.deleteLater()


def test_exported_frames_use_the_scale_asked_for(qtbot, tmp_path: Path) -> None:
    steps = (Step("step", count=7), Step("view", color_by="gradient"))
    walkthrough = Walkthrough("Scale", parse_session(DEEP), steps)
    seen: list[tuple[str, str | None]] = []

    def record(index: int, image: object, results: object) -> None:
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        scale = window.network_view.edge_color_scale
        seen.append((window.network_view.scale_mode, None if scale is None else scale.kind))

    render_frames(walkthrough, (640, 480), record, scale_mode="symlog")
    assert seen == [("symlog", "linear"), ("symlog", "symlog")]  # weights stay linear
