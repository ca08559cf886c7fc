"""Painting faster with the same pixels: the clip that speeds up Qt's line stroking; and the SVG
export, which still gets vectors from cached items."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QBuffer, QLineF, QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPicture, QTransform
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from engine import ParameterRef, parse_session
from gui.network.edges import EdgeLayer
from gui.network.painting import clip_to_device, uncached
from tests.gui.hosting import keep_until_closed
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


@pytest.mark.parametrize("ratio", [0.5, 1.0, 2.0])
def test_the_clip_cuts_nothing_under_a_prior_clip_a_window_or_any_pixel_ratio(qapp, ratio: float) -> None:
    """The clip is intersected with one already set, in the painter's own coordinates, whatever
    its window, viewport and the device's pixel ratio."""
    lines = _random_lines(np.random.default_rng(3), 300)

    def paint(clipped: bool) -> QImage:
        image = QImage(int(400 * ratio), int(300 * ratio), QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(0)
        painter = QPainter(image)
        painter.setClipRect(QRectF(30, 20, 200, 150))  # half the image: the rest stays empty
        painter.setWindow(0, 0, 800, 600)
        painter.setTransform(QTransform.fromScale(1.7, 1.9))
        if clipped:
            clip_to_device(painter)
        painter.setPen(QPen(QColor("navy"), 0))
        painter.drawLines(lines)
        painter.end()
        return image

    plain = paint(False)
    assert paint(True) == plain
    assert plain.pixelColor(int(390 * ratio), int(290 * ratio)).alpha() == 0  # outside the prior clip


@pytest.mark.parametrize("device", ["svg", "picture"])
def test_no_clip_is_written_for_an_svg_or_a_picture(qapp, device: str) -> None:
    buffer = QBuffer()
    target: QSvgGenerator | QPicture = QPicture()
    if device == "svg":
        target = QSvgGenerator()
        target.setOutputDevice(buffer)
        target.setSize(QSize(100, 100))
    painter = QPainter(target)
    clip_to_device(painter)
    clipped = painter.hasClipping()
    painter.end()
    assert not clipped


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
    assert view.edges.changed_dots.opts["useCache"]


def _modes(scene: QGraphicsScene) -> list[tuple[QGraphicsItem, QGraphicsItem.CacheMode, object]]:
    return [(item, item.cacheMode(), getattr(item, "opts", {}).get("useCache")) for item in scene.items()]


def test_uncached_restores_every_cache_when_the_export_fails(qtbot) -> None:
    controller, view = make_view(qtbot, parse_session(tiny_session_dict()))
    controller.finish_iteration()
    controller.select(ParameterRef(0, 1, 0))
    scene = view.plot.scene()
    before = _modes(scene)
    assert any(mode != QGraphicsItem.CacheMode.NoCache for _, mode, _ in before)
    during = []

    def failing_render() -> None:
        with uncached(scene):
            during.extend(item.cacheMode() for item in scene.items())
            raise RuntimeError("the render failed")

    with pytest.raises(RuntimeError):
        failing_render()
    assert set(during) == {QGraphicsItem.CacheMode.NoCache}
    assert _modes(scene) == before


def test_symbols_set_while_uncached_are_drawn_after_it(qtbot) -> None:
    """pyqtgraph places a point's symbol in its atlas only while the atlas is on."""
    widget = pg.PlotWidget(background="w")
    keep_until_closed(qtbot, widget)
    widget.resize(300, 300)
    dots = pg.ScatterPlotItem(pxMode=True, size=10, brush=None, pen=pg.mkPen("r", width=2))
    widget.addItem(dots)
    widget.setRange(QRectF(0, 0, 10, 10), padding=0)
    widget.show()
    with uncached(widget.scene()):
        dots.setData([2.0, 8.0], [2.0, 8.0])
    image = widget.grab().toImage()
    x, y = widget.getViewBox().mapViewToDevice(QPointF(8, 8)).toPoint().toTuple()
    red = [image.pixelColor(i, j) for i in range(x - 7, x + 8) for j in range(y - 7, y + 8)]
    assert any(c.red() > 200 and c.green() < 100 for c in red)
