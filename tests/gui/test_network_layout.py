"""The network drawing's geometry, hit-testing and values: plain arrays, tested without Qt."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import ParameterRef, Session, parse_session
from gui.network.hits import hit_test
from gui.network.layout import (
    BAND_GAP,
    GAP,
    MAX_COLUMN_HEIGHT,
    MAX_STRETCH,
    STRETCH_STEP,
    STRIP_NODES,
    NetworkLayout,
    fill_stretch,
    layout_network,
    node_name,
)
from gui.network.values import colored_values, edge_scale, node_scale, node_values
from tests.conftest import tiny_session_dict
from tests.helpers import all_refs, assert_imports_without_qt


def node_centre(layout: NetworkLayout, column: int, index: int) -> tuple[float, float]:
    col = layout.columns[column]
    return col.x, float(col.y[index])


def test_columns_are_centred_with_unit_zero_on_top() -> None:
    layout = layout_network((2, 3, 1))
    assert [c.x for c in layout.columns] == [0.0, GAP, 2 * GAP]
    for n, column in zip((2, 3, 1), layout.columns, strict=True):
        assert len(column.y) == n
        assert column.y.sum() == pytest.approx(0.0)  # centred on y = 0
        assert np.all(np.diff(column.y) == -1.0)  # one unit apart, unit 0 highest
    assert layout.loss_position[0] > layout.columns[-1].x


def test_each_edge_joins_its_input_node_to_its_unit_node() -> None:
    sizes = (2, 3, 1)
    layout = layout_network(sizes)
    assert layout.x0.size == 2 * 3 + 3 * 1
    for layer in range(2):
        for unit in range(sizes[layer + 1]):
            for inp in range(sizes[layer]):
                k = layout.edge_index(layer, unit, inp)
                x0, y0, x1, y1 = layout.lines(np.array([k]))[0]
                left, right = layout.columns[layer], layout.columns[layer + 1]
                assert (x0, y0) == (left.x + left.radius, left.y[inp])  # leaves the input's node
                assert (x1, y1) == (right.x - right.radius, right.y[unit])  # enters the unit's node


def test_tall_columns_are_squeezed_and_wide_ones_become_strips() -> None:
    layout = layout_network((300, 20, 2))
    tall = layout.columns[1]
    assert tall.y[0] - tall.y[-1] == pytest.approx(MAX_COLUMN_HEIGHT * 19 / 20)
    assert layout.columns[0].strip  # more than STRIP_NODES inputs
    assert len(layout.columns[0].y) > STRIP_NODES
    assert not layout.columns[1].strip


def test_a_dense_layer_is_a_band_one_pixel_per_weight() -> None:
    layout = layout_network((784, 128, 10))
    assert list(layout.band_rects) == [0]
    assert layout.line_layers == [1]
    assert layout.x0.size == 128 * 10
    assert layout.columns[1].x - layout.columns[0].x == BAND_GAP
    band = layout.band_rects[0]
    first = layout.band_pixel_rect(0, 0, 0)
    last = layout.band_pixel_rect(0, 127, 783)
    assert first.width == pytest.approx(band.width / 128)
    assert first.height == pytest.approx(band.height / 784)
    assert first.x == band.x
    assert first.y_max == pytest.approx(band.y_max)  # input 0 at the top, as its node
    assert last.right == pytest.approx(band.right)
    assert last.y == pytest.approx(band.y)


@pytest.mark.parametrize("stretch", [1.0, 2.25])
@pytest.mark.parametrize("sizes", [(2, 3, 1), (3, 5, 4, 2), (1, 2, 2, 1)])
def test_every_parameter_is_hit_where_it_is_drawn(sizes: tuple[int, ...], stretch: float) -> None:
    layout = layout_network(sizes, stretch=stretch)
    for ref in all_refs(sizes):
        hit = hit_test(layout, *layout.parameter_point(ref), 0.01)
        assert hit is not None
        assert hit.ref == ref


@pytest.mark.parametrize("stretch", [1.0, 3.0])
def test_every_band_pixel_is_hit_where_it_is_drawn(stretch: float) -> None:
    layout = layout_network((784, 128, 10), stretch=stretch)
    rng = np.random.default_rng(0)
    refs = [ParameterRef(0, 0, 0), ParameterRef(0, 127, 783), ParameterRef(0, 64, 300)]
    units, inputs = rng.integers(0, 128, 200), rng.integers(0, 784, 200)
    refs += [ParameterRef(0, int(j), int(i)) for j, i in zip(units, inputs, strict=True)]
    for ref in refs:
        hit = hit_test(layout, *layout.parameter_point(ref), 0.0)
        assert hit is not None
        assert hit.ref == ref


def test_nodes_loss_and_empty_space_are_hit() -> None:
    layout = layout_network((2, 3, 1))
    hit = hit_test(layout, *node_centre(layout, 1, 2), 0.01)
    assert hit is not None
    assert (hit.kind, hit.ref) == ("unit", ParameterRef(0, 2, None))
    hit = hit_test(layout, *node_centre(layout, 0, 1), 0.01)
    assert hit is not None
    assert (hit.kind, hit.index) == ("input", 1)
    hit = hit_test(layout, *layout.loss_position, 0.01)
    assert hit is not None
    assert hit.kind == "loss"
    assert hit_test(layout, -50.0, 40.0, 0.01) is None


def test_path_to_the_loss() -> None:
    layout = layout_network((2, 3, 4, 1))
    indices, rects = layout.path_to_loss(0, 1)  # hidden unit 1 of layer 0
    assert rects == []
    expected = {layout.edge_index(1, j, 1) for j in range(4)} | {layout.edge_index(2, 0, i) for i in range(4)}
    assert indices is not None
    assert set(indices.tolist()) == expected
    indices, _ = layout.path_to_loss(2, 0)  # the output unit: nothing lies between it and the loss
    assert indices is None


def test_scene_bounds_hold_every_node_and_the_loss() -> None:
    for sizes in ((2, 3, 1), (784, 128, 10), (1, 1)):
        layout = layout_network(sizes)
        bounds = layout.scene_bounds()
        for c, column in enumerate(layout.columns):
            for i in (0, len(column.y) - 1):
                assert bounds.contains(*node_centre(layout, c, i))
        assert bounds.contains(*layout.loss_position)
        assert bounds.y_max > layout.header_top()  # room for the headers


def test_labels_hang_clear_of_what_they_label() -> None:
    layout = layout_network((784, 128, 3))
    for c, column in enumerate(layout.columns):
        assert layout.header_top() > float(column.y[0]) + column.spacing / 2  # over every column
        if not column.strip:
            for i, y in enumerate(column.y):
                assert layout.value_label_y(c, i) < float(y) - column.diameter / 2  # under its node
    band = layout.band_rects[0]
    x, y = layout.band_caption_position(0)
    assert band.x < x < band.right
    assert y < band.y  # under the band (y grows upwards)
    assert y > layout.scene_bounds().y  # ... and inside the picture
    assert layout.loss_value_position()[1] < layout.loss_position[1]


def test_node_names_follow_the_textbook() -> None:
    assert node_name((2, 3, 1), 0, 1) == "x₁"
    assert node_name((2, 3, 1), 1, 2) == "h₂"
    assert node_name((2, 3, 1), 2, 0) == "o₀"
    assert node_name((2, 3, 3, 1), 2, 0) == "h₀⁽¹⁾"


def test_invalid_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one layer"):
        layout_network((3,))
    with pytest.raises(ValueError, match="at least one layer"):
        layout_network((3, 0, 1))


def test_values_shown_follow_the_mode_and_the_stage() -> None:
    session = Session(parse_session(tiny_session_dict()))
    snap = session.snapshot()
    edges, biases = colored_values(snap, "weight", None)
    assert edges[0] is snap.params[0].weights
    assert biases[1] is snap.params[1].bias
    peak = max(float(np.abs(p.weights).max()) for p in snap.params)
    peak = max([peak, *(float(np.abs(p.bias).max()) for p in snap.params)])
    assert edge_scale(edges, biases) == peak
    edges, biases = colored_values(snap, "gradient", None)
    assert edges == {0: None, 1: None}
    assert edge_scale(edges, biases) is None  # nothing computed: the colour bar says pending
    session.step()  # forward 0
    values = node_values(session.snapshot().record, 2)
    np.testing.assert_array_equal(values[0], [1.0, 0.0])  # XOR's third row: x = (1, 0)
    assert values[2] is None
    assert node_scale(values) == 1.0  # sigmoid activations stay on the fixed scale
    with pytest.raises(ValueError, match="unknown colour mode"):
        colored_values(snap, "height", None)


def test_geometry_and_values_import_without_qt() -> None:
    assert_imports_without_qt(
        "gui.network.layout", "gui.network.hits", "gui.network.values", "gui.network.tooltips"
    )


def test_a_layer_without_biases_has_no_squares_and_its_units_select_nothing() -> None:
    layout = layout_network((2, 3, 1), (False, True))
    assert not layout.has_bias_squares(0)
    assert layout.has_bias_squares(1)
    hit = hit_test(layout, *node_centre(layout, 1, 2), 0.01)
    assert hit is not None
    assert (hit.kind, hit.ref, hit.column, hit.index) == ("unit", None, 1, 2)
    hit = hit_test(layout, *node_centre(layout, 2, 0), 0.01)
    assert hit is not None
    assert hit.ref == ParameterRef(1, 0, None)
    with pytest.raises(ValueError, match="one bias flag per layer"):
        layout_network((2, 3, 1), (False,))


@pytest.mark.parametrize("sizes", [(2, 3, 1), (2, 128, 128, 1), (784, 128, 10), (3, 5, 4, 2)])
def test_a_stretch_widens_the_gaps_and_nothing_else(sizes: tuple[int, ...]) -> None:
    plain, wide = layout_network(sizes), layout_network(sizes, stretch=2.5)
    assert wide.stretch == 2.5
    for a, b in zip(plain.columns, wide.columns, strict=True):
        assert b.x == pytest.approx(2.5 * a.x)
        np.testing.assert_array_equal(b.y, a.y)
        assert (b.spacing, b.diameter, b.radius, b.strip) == (a.spacing, a.diameter, a.radius, a.strip)
    loss_x, loss_y = wide.loss_position
    assert loss_x - wide.columns[-1].x == pytest.approx(2.5 * (plain.loss_position[0] - plain.columns[-1].x))
    assert loss_y == plain.loss_position[1]
    assert wide.scene_bounds().width > plain.scene_bounds().width
    assert (wide.scene_bounds().y, wide.scene_bounds().height) == (
        plain.scene_bounds().y,
        plain.scene_bounds().height,
    )
    assert wide.header_top() == plain.header_top()


def test_stretched_edges_bands_and_squares_follow_their_columns() -> None:
    sizes = (3, 5, 4, 2)
    layout = layout_network(sizes, stretch=1.75)
    for layer in range(len(sizes) - 1):
        left, right = layout.columns[layer], layout.columns[layer + 1]
        idx = layout.layer_edges(layer)
        np.testing.assert_allclose(layout.x0[idx], left.x + left.radius)
        np.testing.assert_allclose(layout.x1[idx], right.x - right.radius)
        bx, _ = layout.bias_position(layer, 0)
        assert bx == pytest.approx(right.x - right.diameter)
        span = layout.stage_span("forward", layer)
        assert span == pytest.approx((left.x - 0.7, right.x + 0.7))
    loss_span = layout.stage_span("loss", None)
    assert loss_span[0] < layout.columns[-1].x < layout.loss_position[0] < loss_span[1]
    band = layout_network((784, 128, 10), stretch=2.0)
    rect = band.band_rects[0]
    assert rect.x == pytest.approx(band.columns[0].x + 0.6)
    assert rect.right == pytest.approx(band.columns[1].x - 0.6)
    assert rect.height == layout_network((784, 128, 10)).band_rects[0].height


def test_the_loss_node_stays_right_of_the_output_column_at_every_stretch() -> None:
    for stretch in (1.0, 1.25, MAX_STRETCH):
        layout = layout_network((2, 3, 1), stretch=stretch)
        loss_x, _ = layout.loss_position
        assert loss_x > layout.columns[-1].x
        hit = hit_test(layout, *layout.loss_position, 0.01)
        assert hit is not None
        assert hit.kind == "loss"
        xs, _ = layout.loss_links()
        assert xs[1] < loss_x  # the links end at the loss node, from the output side


def test_the_fill_stretch_is_stepped_capped_and_never_too_wide() -> None:
    plain = layout_network((2, 128, 128, 1))
    width = plain.scene_bounds().width
    assert fill_stretch(plain, width / 2) == 1.0  # never narrower than the usual gaps
    assert fill_stretch(plain, width) == 1.0
    assert fill_stretch(plain, 100 * width) == MAX_STRETCH
    assert fill_stretch(plain, float("inf")) == 1.0  # no sensible width: the usual gaps
    previous = 1.0
    for target in np.linspace(width, 4 * width, 40):
        stretch = fill_stretch(plain, float(target))
        assert stretch >= previous  # wider views never stretch less
        assert (stretch / STRETCH_STEP).is_integer()
        assert stretch == 1.0 or layout_network(plain.sizes, stretch=stretch).scene_bounds().width <= target
        if stretch < MAX_STRETCH:  # one step more would be too wide
            more = layout_network(plain.sizes, stretch=stretch + STRETCH_STEP)
            assert more.scene_bounds().width > target
        previous = stretch
    assert previous > 1.0
    wide = layout_network(plain.sizes, stretch=2.0)
    assert fill_stretch(wide, 2.2 * width) == fill_stretch(plain, 2.2 * width)  # whatever it is now


def test_a_stretch_out_of_range_is_refused() -> None:
    for stretch in (0.5, MAX_STRETCH + 1):
        with pytest.raises(ValueError, match="stretch"):
            layout_network((2, 3, 1), stretch=stretch)


def test_a_fit_leaves_pixel_room_for_headers_and_feet_and_its_stretch_fills_the_width() -> None:
    from gui.network.fitting import FOOT_ROOM, HEADER_ROOM, fit_rect, view_stretch

    layout = layout_network((64, 64, 64, 10))
    bounds = layout.scene_bounds()
    assert fit_rect(layout, 0, 600) == bounds  # no size yet: the bounds as they are
    assert view_stretch(layout, 0, 600) == layout.stretch
    width, height = 1600.0, 600.0
    shown = fit_rect(layout, width, height)
    assert shown.x == bounds.x
    assert shown.width == bounds.width
    scale = min(width / shown.width, height / shown.height)  # pixels per view unit
    # two rounds of growing (each shrinks the scale) come within a few hundredths of the room
    assert (shown.y_max - layout.header_top()) * scale >= 0.98 * HEADER_ROOM
    lowest = min(float(c.y[-1]) - c.spacing / 2 for c in layout.columns)
    assert (lowest - shown.y) * scale >= 0.98 * FOOT_ROOM
    assert shown.y < bounds.y  # the room was made: the bounds alone leave less
    stretch = view_stretch(layout, width, height)
    assert stretch > 1.0  # a tall network in a wide view widens its gaps ...
    wide = fit_rect(layout_network(layout.sizes, stretch=stretch), math.inf, height)
    assert wide.width <= wide.height * width / height  # ... no wider than the view at its height
    assert view_stretch(layout_network((2, 4, 1)), 420, 600) == 1.0  # a small one in a narrow view
