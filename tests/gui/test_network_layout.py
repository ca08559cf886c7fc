"""The network drawing's geometry, hit-testing and values: plain arrays, tested without Qt."""

from __future__ import annotations

import numpy as np
import pytest

from engine import ParameterRef, Session, parse_session
from gui.network.hits import hit_test
from gui.network.layout import (
    BAND_GAP,
    GAP,
    MAX_COLUMN_HEIGHT,
    STRIP_NODES,
    NetworkLayout,
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


@pytest.mark.parametrize("sizes", [(2, 3, 1), (3, 5, 4, 2), (1, 2, 2, 1)])
def test_every_parameter_is_hit_where_it_is_drawn(sizes: tuple[int, ...]) -> None:
    layout = layout_network(sizes)
    for ref in all_refs(sizes):
        hit = hit_test(layout, *layout.parameter_point(ref), 0.01)
        assert hit is not None
        assert hit.ref == ref


def test_every_band_pixel_is_hit_where_it_is_drawn() -> None:
    layout = layout_network((784, 128, 10))
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
