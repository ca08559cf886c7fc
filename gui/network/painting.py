"""How the network's cached items stroke fast, under a clip that cuts nothing; and how an SVG
export paints them as vectors all the same."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPaintEngine, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

FAR = QRectF(-1e5, -1e5, 2e5, 2e5)  # device pixels: beyond any device, so the clip cuts nothing


def clip_to_device(painter: QPainter) -> None:
    """Clip ``painter`` to a rectangle that holds its whole device, which cuts nothing it draws.

    At a device pixel ratio of 1, Qt's raster engine strokes lines several times faster under a
    rectangular clip than under none: 8,832 one-pixel edges took 6 to 12 ms instead of 50 to 90
    (antialiased: 22 against 59), the same image pixel for pixel (at ratios 1.5 and 2 it was as
    fast either way). Qt paints an item's cache pixmap with no clip, so cached lines were
    always stroked the slow way. (Pens narrower than a pixel take another path under the clip:
    a few of their pixels differ by a few levels of 255, not visibly.) The rectangle is given in
    the painter's own coordinates, so its window, viewport and transforms stay as they are, and
    it is intersected with any clip already set. Other engines (an SVG's) are left alone: there
    a clip would be written into the file.
    """
    engine = painter.paintEngine()
    if engine is None or engine.type() != QPaintEngine.Type.Raster:
        return
    inverse, invertible = painter.combinedTransform().inverted()
    if invertible:
        painter.setClipRect(inverse.mapRect(FAR), Qt.ClipOperation.IntersectClip)


@contextmanager
def uncached(scene: QGraphicsScene) -> Iterator[None]:
    """Every item of ``scene`` painted directly while it lasts, for an SVG: Qt would write a
    cached item into it as the screen's pixmap, and pyqtgraph a pixel-sized scatter symbol as a
    small image from its atlas, instead of as lines and shapes."""
    every = scene.items()
    items = [(item, item.cacheMode()) for item in every]
    items = [(item, mode) for item, mode in items if mode != QGraphicsItem.CacheMode.NoCache]
    atlased = [item for item in every if isinstance(item, pg.ScatterPlotItem) and item.opts["useCache"]]
    for item, _ in items:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    for item in atlased:
        item.opts["useCache"] = False
    try:
        yield
    finally:
        for item, mode in items:
            item.setCacheMode(mode)
        for item in atlased:
            item.opts["useCache"] = True
            item.updateSpots()  # points set meanwhile have no place in the atlas yet
