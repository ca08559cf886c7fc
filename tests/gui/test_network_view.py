"""The network view: geometry hit-testing, colours from the engine's arrays, wide layers as bands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication

from engine import ParameterRef, parse_session
from gui.colormap import buckets
from gui.controller import SessionController
from gui.main_window import MainWindow
from gui.network.label_board import TextLabel, ViewScale
from gui.network.layout import layout_network
from gui.network_view import NetworkView
from tests.gui.conftest import open_window
from tests.gui.hosting import show_in_host
from tests.helpers import all_refs, tiny_session_dict, wide_network_dict


def make_view(qtbot, config) -> tuple[SessionController, NetworkView]:
    controller = SessionController(config)
    view = NetworkView(controller)
    view.host_window = show_in_host(qtbot, view, 900, 600, margin=0)  # keeps the host alive
    view.fit()
    return controller, view


@pytest.fixture
def tiny(qtbot) -> tuple[SessionController, NetworkView]:
    return make_view(qtbot, parse_session(tiny_session_dict()))


def test_every_parameter_is_found_where_it_is_drawn(tiny) -> None:
    _, view = tiny
    tolerance = view.hover_tolerance()
    for ref in all_refs(view.sizes):
        hit = view.hit_test(view.parameter_point(ref), tolerance)
        assert hit is not None
        assert hit.ref == ref


def test_nodes_inputs_and_empty_space(tiny) -> None:
    _, view = tiny
    column = view.network_layout.columns[1]
    hit = view.hit_test(QPointF(column.x, float(column.y[2])), view.hover_tolerance())
    assert hit.kind == "unit"
    assert hit.ref == ParameterRef(0, 2, None)
    hit = view.hit_test(QPointF(0.0, float(view.network_layout.columns[0].y[1])), view.hover_tolerance())
    assert hit.kind == "input"
    assert hit.index == 1
    assert view.hit_test(QPointF(-50.0, 40.0), view.hover_tolerance()) is None


def test_edge_colours_follow_the_mode_and_stage(tiny) -> None:
    controller, view = tiny
    params = controller.snapshot().params
    np.testing.assert_array_equal(view.edge_values(0), params[0].weights)
    np.testing.assert_array_equal(view.edge_buckets(1), buckets(params[1].weights, view.color_scale))
    controller.set_color_by("gradient")
    assert view.edge_values(0) is None
    assert view.color_scale is None  # the colour bar says pending
    for _ in range(4):  # forward 0, forward 1, loss, backward 1
        controller.step()
    assert view.edge_values(0) is None
    np.testing.assert_array_equal(view.edge_values(1), controller.snapshot().record.backward_of(1).dW)
    controller.set_color_by("update")
    assert view.edge_values(1) is None
    controller.finish_iteration()
    record = controller.session.iteration_record(0)
    expected = record.update.params_after[0].weights - record.update.params_before[0].weights
    np.testing.assert_array_equal(view.edge_values(0), expected)
    assert view.edges.changed_dots.isVisible()  # the update just ran: changed edges are marked


def test_tooltip_has_value_gradient_and_update(tiny) -> None:
    controller, view = tiny
    ref = ParameterRef(1, 0, 2)
    text = view.describe(view.hit_test(view.parameter_point(ref), view.hover_tolerance()))
    assert "W[1][0,2]" in text
    assert "gradient ∂L/∂w pending" in text
    controller.finish_iteration()
    view.digits = 10
    text = view.describe(view.hit_test(view.parameter_point(ref), view.hover_tolerance()))
    record = controller.session.iteration_record(0)
    from gui.formatting import format_number

    assert format_number(float(record.backward_of(1).dW[0, 2]), 10) in text
    assert format_number(float(controller.snapshot().params[1].weights[0, 2]), 10) in text


def test_selection_highlights_paths_to_the_loss(tiny) -> None:
    controller, view = tiny
    controller.select(ParameterRef(0, 1, 0))
    xs, _ = view.selection.path_curve.getData()
    assert len(xs) == 2  # 2-3-1: one edge leaves hidden unit 1, to the output
    assert view.selection.selected_curve.isVisible()
    controller.select(None)
    assert not view.selection.selected_curve.isVisible()


def test_nodes_show_the_selected_sample(tiny) -> None:
    controller, view = tiny
    controller.step()
    controller.set_sample(2)
    np.testing.assert_array_equal(view.node_values(0), controller.snapshot().record.inputs[2])
    np.testing.assert_array_equal(view.node_values(1), controller.snapshot().record.forward[0].a[2])
    assert view.node_values(2) is None
    assert view.header.sample_box.value() == 2


def test_wide_layer_is_a_weight_band_with_selectable_pixels(qtbot) -> None:
    controller, view = make_view(qtbot, parse_session(wide_network_dict([784, 128, 10], samples=8)))
    assert 0 in view.network_layout.band_rects  # 100,352 weights: one pixel each, not one line each
    assert 1 in view.network_layout.edge_offset  # 1,280 weights: lines
    assert view.network_layout.x0.size == 128 * 10
    tolerance = view.hover_tolerance()
    for ref in (ParameterRef(0, 0, 0), ParameterRef(0, 127, 783), ParameterRef(0, 64, 300)):
        hit = view.hit_test(view.parameter_point(ref), tolerance)
        assert hit.ref == ref
    hit = view.hit_test(view.parameter_point(ParameterRef(1, 9, 127)), tolerance)
    assert hit.ref == ParameterRef(1, 9, 127)
    image = view.edges.band_images[0].image
    weights = controller.snapshot().params[0].weights
    # the image holds each weight's place on the map (-1 to 1); input 0 is drawn at the top
    assert image[5, 0] == weights[5, 783] / view.color_scale
    assert image[5, 0] != weights[5, 0] / view.color_scale


def test_export_svg_and_png(tiny, tmp_path: Path) -> None:
    _, view = tiny
    view.export_svg(tmp_path / "n.svg")
    view.export_png(tmp_path / "n.png")
    assert "<svg" in (tmp_path / "n.svg").read_text()
    assert (tmp_path / "n.png").stat().st_size > 1000


def test_a_bias_free_layer_is_drawn_without_bias_squares(qtbot) -> None:
    doc = tiny_session_dict()
    doc["network"]["layers"][0]["bias"] = False
    controller, view = make_view(qtbot, parse_session(doc))
    controller.finish_iteration()
    squares = view.edges._bias_item.data
    assert len(squares) == 1  # the output unit's bias only
    column = view.network_layout.columns[1]
    hit = view.hit_test(QPointF(column.x, float(column.y[0])), view.hover_tolerance())
    assert hit is not None
    assert hit.ref is None
    tip = view.describe(hit)
    assert "no bias (a layer without biases)" in tip
    assert "a = " in tip


def test_dense_networks_draw_their_edges_aliased_and_small_ones_smooth(qtbot, tiny) -> None:
    """Thousands of antialiased lines cost most of a frame (an update recolours all of them), and
    read as a texture anyway: above SMOOTH_EDGES edges the edge layer draws them aliased."""
    from gui.network.style import SMOOTH_EDGES

    _, small = tiny
    assert small.edges.layer.antialias
    sizes = [64, 64, 10]
    assert sizes[0] * sizes[1] + sizes[1] * sizes[2] > SMOOTH_EDGES  # dense
    controller, dense = make_view(qtbot, parse_session(wide_network_dict(sizes, 8)))
    assert not dense.edges.layer.antialias
    controller.new_session(parse_session(tiny_session_dict()))  # and back: smooth again
    assert dense.edges.layer.antialias


def test_the_selected_paths_are_drawn_from_a_cache(tiny) -> None:
    """A step repaints what lies under the labels it moves; the selection's paths (thousands of
    lines in a dense network) change only with the selection, so they are kept as a pixmap."""
    from PySide6.QtWidgets import QGraphicsItem

    controller, view = tiny
    controller.select(ParameterRef(0, 1, 0))
    for curve in (view.selection.path_curve, view.selection.selected_curve):
        assert curve.isVisible()
        assert curve.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache


@pytest.fixture
def tall_window(qtbot, settings: QSettings) -> Iterator[MainWindow]:
    """A window on 2-128-128-1: columns as tall as the drawing allows, so it is narrow unstretched."""
    yield from open_window(qtbot, parse_session(wide_network_dict([2, 128, 128, 1], 6)), settings)


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def pixel_span(view: NetworkView) -> float:
    """How many pixels lie between the input column and the loss node as drawn."""
    layout = view.network_layout
    left = view.view_box.mapViewToScene(QPointF(layout.columns[0].x, 0.0)).x()
    right = view.view_box.mapViewToScene(QPointF(*layout.loss_position)).x()
    return float(right - left)


def test_a_tall_network_spreads_across_a_wide_window(tall_window: MainWindow) -> None:
    tall_window.resize(1366, 768)
    settle()
    view = tall_window.network_view
    layout = view.network_layout
    span = pixel_span(view)
    plain = layout_network(layout.sizes, layout.biased)
    pixels_per_unit, _ = (1 / p for p in view.view_box.viewPixelSize())
    plain_span = (plain.loss_position[0] - plain.columns[0].x) * pixels_per_unit  # same height, same scale
    assert span >= 1.5 * plain_span
    assert span >= 0.6 * view.view_box.width()
    for stretched, column in zip(layout.columns, plain.columns, strict=True):  # only x moved
        np.testing.assert_array_equal(stretched.y, column.y)
        assert stretched.diameter == column.diameter
    bounds = view.view_box.mapViewToScene(view.scene_bounds()).boundingRect()
    assert view.view_box.sceneBoundingRect().contains(bounds)  # and it still fits


def test_a_step_keeps_the_stretched_layout(tall_window: MainWindow) -> None:
    tall_window.resize(1366, 768)
    settle()
    view = tall_window.network_view
    layout = view.network_layout
    tall_window.controller.step()
    settle()
    assert view.network_layout is layout  # laid out again on a resize, never on a step
    assert view.edge_values(0) is not None


def test_a_click_selects_the_weight_under_it_after_a_resize(qtbot) -> None:
    controller = SessionController(parse_session(tiny_session_dict()))
    view = NetworkView(controller)
    host = show_in_host(qtbot, view, 700, 600, margin=0)
    view.fit()
    before = view.network_layout
    ref = ParameterRef(0, 1, 0)
    controller.select(ref)
    host.resize(1500, 450)
    settle()
    after = view.network_layout
    assert after.stretch > before.stretch  # a wider view: wider gaps, laid out anew
    assert after.columns[1].x > before.columns[1].x
    assert controller.selection == ref  # kept through the new layout
    for ref in all_refs(view.sizes):
        if ref.input is None:
            continue
        qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=view.viewport_point(ref))
        assert controller.selection == ref


def _header_labels(view: NetworkView) -> list[TextLabel]:
    """The column headers, left to right (the loss's last)."""
    labels = view.captions.text_labels(ViewScale.of(view.view_box))
    return [label for label in labels if label.kind == "header"]


def _headers(view: NetworkView) -> list[str]:
    return [label.item.toPlainText() for label in _header_labels(view)]


def test_a_network_of_the_same_shape_keeps_its_drawing_and_shows_the_new_numbers(tiny) -> None:
    """Apply of new data or a new seed, or a file of the same network, recolours the drawing it
    has (making it anew took 30-50 ms of the window's thread); a change to what the drawing
    shows of the network itself (its shape, an activation, the loss) makes it anew."""
    controller, view = tiny
    items = list(view.view_box.addedItems)
    controller.apply_config(parse_session(tiny_session_dict(seed=8, data={"preset": "and"})))
    assert view.view_box.addedItems == items  # the same items, recoloured
    controller.step()  # forward 0: the first layer's values for the new data and weights
    record = controller.snapshot().record
    np.testing.assert_array_equal(view.node_values(0), record.inputs[0])
    np.testing.assert_array_equal(view.node_values(1), record.forward[0].a[0])
    assert _headers(view) == ["input x\n2", "layer 0\n3 × sigmoid", "layer 1\n1 × sigmoid", "loss\nhalf_sse"]

    network = tiny_session_dict()["network"]
    tanh = [{"units": 3, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}]
    wider = [{"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}]
    for changed, header in (
        ({"loss": "mse"}, "loss\nmse"),
        ({"network": {**network, "layers": tanh}}, "layer 0\n3 × tanh"),
        ({"network": {**network, "layers": wider}}, "layer 0\n4 × sigmoid"),
    ):
        headers = [label.item for label in _header_labels(view)]
        controller.apply_config(parse_session(tiny_session_dict(**changed)))
        assert not {id(item) for item in headers} & {id(label.item) for label in _header_labels(view)}
        assert header in _headers(view)
