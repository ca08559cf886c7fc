"""One diverging colour map: the network, the colour bars and the matrix tables agree on a value's colour."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from gui.colormap import (
    BUCKETS,
    DIVERGING_STOPS,
    TABLE_LEVELS,
    bucket_colors,
    buckets,
    color_of,
    diverging_colormap,
    diverging_gradient,
    diverging_rgb,
    diverging_table,
    position_indices,
)
from gui.matrix_table import MatrixModel
from gui.network.values import SYMLOG_THRESHOLD, ColorScale, color_scale, symlog

ROOT = Path(__file__).resolve().parents[2]


def rgb(color: QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()


def test_the_ends_and_zero_are_the_published_stops() -> None:
    # ColorBrewer RdBu, reversed: its darkest blue, its neutral and its darkest red
    assert rgb(color_of(-2.0, 2.0)) == (0x05, 0x30, 0x61)
    assert rgb(color_of(0.0, 2.0)) == (0xF7, 0xF7, 0xF7)
    assert rgb(color_of(2.0, 2.0)) == (0x67, 0x00, 0x1F)
    assert rgb(color_of(float("nan"), 2.0)) == (0xF7, 0xF7, 0xF7)  # not a number: no colour


def test_halfway_between_two_stops_is_their_mean() -> None:
    # 11 stops: t = 0.05 lies halfway between the first two (#053061 and #2166ac)
    mixed = diverging_rgb(np.array([0.05]))[0]
    expected = np.round((np.array([0x05, 0x30, 0x61]) + np.array([0x21, 0x66, 0xAC])) / 2)
    np.testing.assert_array_equal(mixed, expected)


def test_network_and_matrix_tables_give_a_value_the_same_colour() -> None:
    scale = 0.75
    # the table's 257 steps hold the network's 33 buckets: every bucket centre is in both
    assert (TABLE_LEVELS - 1) % (BUCKETS - 1) == 0
    values = scale * np.linspace(-1.0, 1.0, BUCKETS)
    model = MatrixModel()
    model.set_array("W", values.reshape(1, -1))
    assert model.scale == scale
    network = bucket_colors()
    for column, index in enumerate(buckets(values, scale)):
        table = model.data(model.index(0, column), Qt.ItemDataRole.BackgroundRole)
        assert rgb(table) == rgb(network[index])
        assert rgb(table) == rgb(color_of(float(values[column]), scale))


def test_colour_bars_and_images_use_the_same_stops() -> None:
    cmap = diverging_colormap()
    for t in (0.0, 0.1, 0.5, 0.9, 1.0):
        mapped = cmap.map(np.array([t]), mode="byte")[0][:3]
        np.testing.assert_array_equal(mapped, diverging_rgb(np.array([t]))[0])
    gradient = diverging_gradient(QPointF(0, 0), QPointF(0, 100))  # positive at the top
    stops = gradient.stops()
    assert [rgb(color) for _, color in stops] == [rgb(QColor(s)) for s in reversed(DIVERGING_STOPS)]
    assert [at for at, _ in stops] == pytest.approx(np.linspace(0, 1, len(DIVERGING_STOPS)))


def test_the_stops_are_written_once() -> None:
    """No other window or script module spells out the map's colours."""
    sources = [*(ROOT / "gui").rglob("*.py"), *(ROOT / "scripts").rglob("*.py")]
    spelled = {
        path.relative_to(ROOT).as_posix()
        for path in sources
        if re.search(r"#053061|#67001f|#f7f7f7", path.read_text(encoding="utf-8"), re.IGNORECASE)
    }
    assert spelled == {"gui/colormap.py"}


def test_symlog_keeps_sign_and_order_and_puts_zero_in_the_middle() -> None:
    peak = 0.08
    threshold = SYMLOG_THRESHOLD * peak
    x = np.concatenate(
        [-np.logspace(-9, np.log10(peak), 200)[::-1], [0.0], np.logspace(-9, np.log10(peak), 200)]
    )
    t = symlog(x, peak, threshold)
    np.testing.assert_array_equal(np.sign(t), np.sign(x))  # the sign is kept
    assert (np.diff(t) > 0).all()  # strictly increasing: the order is kept
    np.testing.assert_allclose(symlog(-x, peak, threshold), -t)  # odd
    assert symlog(np.array([peak, -peak, 10 * peak]), peak, threshold).tolist() == [1.0, -1.0, 1.0]
    # zero, and NaN, take the middle colour; ±peak the ends
    scale = ColorScale("symlog", peak, threshold=threshold)
    middle = position_indices(scale.positions(np.array([0.0, np.nan]), 0), BUCKETS)
    assert middle.tolist() == [BUCKETS // 2, BUCKETS // 2]
    ends = position_indices(scale.positions(np.array([-peak, peak]), 0), BUCKETS)
    assert ends.tolist() == [0, BUCKETS - 1]
    # about linear below the threshold, logarithmic above: 0.002 beside 0.08 is far from white
    assert symlog(np.array([0.002]), peak, threshold)[0] > 0.45
    assert symlog(np.array([threshold * 1e-3]), peak, threshold)[0] == pytest.approx(
        1e-3 / np.log1p(peak / threshold), rel=1e-3
    )


def test_per_layer_scale_spans_each_layers_own_edges() -> None:
    edges = {0: np.array([[0.002, -0.001]]), 1: np.array([[0.08, -0.04]]), 2: None}
    biases = {0: np.array([0.005]), 1: np.array([0.01]), 2: None}
    scale = color_scale(edges, biases, "layer")
    assert scale.layers == (0.002, 0.08, 1.0)  # a pending layer has a placeholder width
    np.testing.assert_array_equal(scale.positions(edges[0], 0), [[1.0, -0.5]])
    np.testing.assert_array_equal(scale.positions(biases[0], 0), [1.0])  # beyond it: at the end
    assert color_scale(edges, biases, "linear").half_width(0) == 0.08
    assert color_scale({0: None}, {0: None}, "layer") is None  # nothing computed: pending
    with pytest.raises(ValueError, match="unknown colour scale"):
        color_scale(edges, biases, "log")


def test_the_dark_map_is_dark_at_zero_and_light_at_both_ends() -> None:
    light, dark = diverging_table(BUCKETS), diverging_table(BUCKETS, dark=True)
    zero = BUCKETS // 2
    assert QColor(*map(int, dark[zero])).lightness() < 80 < 230 < QColor(*map(int, light[zero])).lightness()
    lightness = [QColor(*map(int, rgb)).lightness() for rgb in dark]
    # lightness grows from zero out to either end: faint means near zero on both maps
    assert all(np.diff(lightness[zero:]) >= 0)
    assert all(np.diff(lightness[: zero + 1]) <= 0)
    assert rgb(bucket_colors(dark=True)[0]) == tuple(int(v) for v in dark[0])
