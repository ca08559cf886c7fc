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
)
from gui.matrix_table import MatrixModel

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
