"""Painting faster with the same pixels: the clip that speeds up Qt's line stroking; and the SVG
export, which still gets vectors from cached items."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem

from engine import ParameterRef, parse_session
from gui.network.edges import EdgeLayer
from gui.network.painting import clip_to_device
from tests.gui.test_network_view import make_view
from tests.helpers import tiny_session_dict


def _random_lines(rng: np.random.Generator, count: int) -> list[QLineF]:
    ends = rng.uniform(-20.0, 420.0, (count, 4))  # some run off the image
    return [QLineF(*row) for row in ends]


def _paint(lines: list[QLineF], antialias: bool, clipped: bool) -> QImage:
    image = QImage(400, 300, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialias)
    painter.setTransform(QTransform.fromScale(0.9, 0.7).translate(3.25, 5.5))
    if clipped:
        clip_to_device(painter)
    for i, chunk in enumerate((lines[: len(lines) // 2], lines[len(lines) // 2 :])):
        pen = QPen(QColor(200 * i, 80, 255 - 200 * i))
        pen.setWidthF(1.0 + 1.5 * i)  # a one-pixel pen and a wider one
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLines(chunk)
    has_clip = painter.hasClipping()
    painter.end()  # before asserting: a failure with the painter still active would abort Qt
    assert has_clip == clipped
    return image


@pytest.mark.parametrize("antialias", [False, True])
def test_clipping_to_the_device_changes_no_pixel(qapp, antialias: bool) -> None:
    lines = _random_lines(np.random.default_rng(7), 600)
    plain, clipped = _paint(lines, antialias, False), _paint(lines, antialias, True)
    assert clipped == plain
    assert plain != _paint(lines[:-1], antialias, False)  # the comparison can tell a line apart


def test_the_edge_layer_strokes_under_a_clip(qapp) -> None:
    """Qt paints a cached item's pixmap with no clip, where its raster engine strokes lines
    several times slower: the edge layer sets one itself."""
    layer = EdgeLayer()
    layer.set_lines([(QPen(QColor("red"), 0), np.array([[0.0, 0.0, 50.0, 40.0], [5.0, 30.0, 60.0, 2.0]]))])
    image = QImage(80, 60, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    before = painter.hasClipping()
    layer.paint(painter, None)
    after, clip = painter.hasClipping(), painter.clipBoundingRect()
    painter.end()  # before asserting: a failure with the painter still active would abort Qt
    assert not before
    assert after
    assert clip.contains(QRectF(0, 0, 80, 60))
    assert image.pixelColor(25, 20).alpha() > 0  # on the first line


def test_an_svg_of_a_selected_weight_has_vectors_not_the_screens_pixmaps(qtbot, tmp_path: Path) -> None:
    """The selection's halos and the edges are cached items: the export paints them uncached,
    and leaves them cached for the screen."""
    controller, view = make_view(qtbot, parse_session(tiny_session_dict()))
    controller.finish_iteration()
    controller.select(ParameterRef(0, 1, 0))
    view.export_svg(tmp_path / "n.svg")
    text = (tmp_path / "n.svg").read_text()
    assert "<image" not in text
    assert text.count("<polyline") + text.count("<path") > 20  # the edges and halos as vectors
    assert view.selection.path_curve.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert view.edges.layer.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
