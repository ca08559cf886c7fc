"""How the network's items paint fast: cached, and stroked under a clip, which changes no pixel;
and how an SVG export paints them as vectors all the same."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPaintEngine, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

Item = TypeVar("Item", bound=QGraphicsItem)


def clip_to_device(painter: QPainter) -> None:
    """Clip ``painter`` to its whole device, which cuts nothing it draws.

    Qt's raster engine strokes lines several times faster under a rectangular clip than under
    none: 8,832 one-pixel edges took 6 to 10 ms instead of 50 to 72 (antialiased: 14 against
    37), the same image pixel for pixel. Qt paints an item's cache pixmap with no clip, so
    cached lines were always stroked the slow way. (Antialiased lines wider than a pixel take
    another path under the clip: in the README's screenshots of 784-128-10 a fraction of their
    pixels differ, most by one level of 255, none visibly.) Other engines (an SVG's) are left
    alone: there a clip would be written into the file.
    """
    engine = painter.paintEngine()
    device = painter.device()
    if engine is None or device is None or engine.type() != QPaintEngine.Type.Raster:
        return
    transform = painter.worldTransform()
    painter.resetTransform()
    painter.setClipRect(QRect(0, 0, device.width(), device.height()), Qt.ClipOperation.IntersectClip)
    painter.setWorldTransform(transform)


def cached(item: Item) -> Item:
    """``item`` kept by Qt as a pixmap in device coordinates: when something over or under it
    changes, Qt blits it instead of painting it again."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return item


@contextmanager
def uncached(scene: QGraphicsScene) -> Iterator[None]:
    """Every item of ``scene`` painted directly while it lasts, for an SVG: Qt would write a
    cached item into it as the screen's pixmap, and pyqtgraph a pixel-sized scatter symbol as a
    small image from its atlas, instead of as lines and shapes."""
    items = [(item, item.cacheMode()) for item in scene.items()]
    items = [(item, mode) for item, mode in items if mode != QGraphicsItem.CacheMode.NoCache]
    scatters = [item for item in scene.items() if isinstance(item, pg.ScatterPlotItem)]
    atlased = [item for item in scatters if item.opts["useCache"]]
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
