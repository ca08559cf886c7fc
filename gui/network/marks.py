"""Check my code's marks on the network: the weights and biases whose gradient disagrees with the
learner's, as dashed magenta edges, rings and tinted band pixels."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from gui.network.edges import qrect, set_segments
from gui.network.style import MARK_COLOR

if TYPE_CHECKING:
    from engine.learner.check import LayerMarks
    from gui.network.layout import Indices, NetworkLayout


def check_marks_fit(marks: tuple[LayerMarks, ...], sizes: tuple[int, ...]) -> None:
    """Raise ValueError unless ``marks`` has one entry per layer of a network of ``sizes``."""
    if len(marks) != len(sizes) - 1:
        raise ValueError(f"{len(marks)} layers of marks for a {len(sizes) - 1}-layer network")
    for k, m in enumerate(marks):
        # a layer without biases has no bias marks: an empty array
        if m.weights.shape != (sizes[k + 1], sizes[k]) or m.bias.shape not in ((sizes[k + 1],), (0,)):
            raise ValueError(f"marks of layer {k} do not fit the network")


class CheckMarks:
    """The marks of one view box: made on first use, redrawn only when a check result arrives or clears."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._curve: pg.PlotCurveItem | None = None
        self._rings: pg.ScatterPlotItem | None = None
        self._bands: tuple[QGraphicsRectItem | pg.ImageItem, ...] = ()

    def _items(self) -> tuple[pg.PlotCurveItem, pg.ScatterPlotItem]:
        if self._curve is None or self._rings is None:
            self._curve = pg.PlotCurveItem(connect="pairs", antialias=True)
            self._curve.setSegmentedLineMode("on")
            self._curve.setZValue(-2)  # over every coloured edge, under the nodes
            self._view_box.addItem(self._curve)
            self._rings = pg.ScatterPlotItem(pxMode=False, brush=None, pen=pg.mkPen(MARK_COLOR, width=2.5))
            self._rings.setZValue(8.5)
            self._view_box.addItem(self._rings)
        return self._curve, self._rings

    def draw(self, layout: NetworkLayout | None, marks: tuple[LayerMarks, ...] | None) -> None:
        """Mark what ``marks`` flags (None clears the marks)."""
        curve, rings = self._items()
        # bold where edges are few; thin where many, or the marks would hide the colours under them
        width = min(3.0, max(1.2, layout.max_width)) if layout is not None else 3.0
        curve.setPen(pg.mkPen(MARK_COLOR, width=width, style=Qt.PenStyle.DashLine))
        for item in self._bands:
            self._view_box.removeItem(item)
        self._bands = ()
        rx: list[float] = []
        ry: list[float] = []
        rs: list[float] = []
        indices: list[Indices] = []
        if layout is not None:
            for layer, m in enumerate(marks or ()):
                if layer in layout.edge_offset:
                    indices.append(layout.edge_offset[layer] + np.flatnonzero(m.weights.ravel()))
                elif layer in layout.band_rects and m.weights.any():
                    self._mark_band(layout, layer, m.weights)
                for unit in np.flatnonzero(m.bias):
                    self._ring_bias(layout, layer, int(unit), (rx, ry, rs))
        set_segments(curve, layout, np.concatenate(indices) if indices else None)
        rings.setData(x=np.array(rx), y=np.array(ry), size=np.array(rs))

    @staticmethod
    def _ring_bias(
        layout: NetworkLayout, layer: int, unit: int, rings: tuple[list[float], list[float], list[float]]
    ) -> None:
        """A ring on the bias square, or on the unit where biases are not drawn."""
        column = layout.columns[layer + 1]
        rx, ry, rs = rings
        if layout.has_bias_squares(layer):
            bx, by = layout.bias_position(layer, unit)
            rx.append(bx)
            ry.append(by)
            rs.append(layout.bias_size(layer) * 2.2)
        elif not column.strip:
            rx.append(column.x)
            ry.append(float(column.y[unit]))
            rs.append(column.diameter * 1.6)

    def segments(self) -> NDArray[np.float64]:
        """The marked line edges as drawn: one row (x0, y0, x1, y1) per edge, view coordinates."""
        if self._curve is None or not self._curve.isVisible():
            return np.zeros((0, 4))
        xs, ys = self._curve.getData()
        return np.column_stack([xs[0::2], ys[0::2], xs[1::2], ys[1::2]])

    def _mark_band(self, layout: NetworkLayout, layer: int, marked: NDArray[np.bool_]) -> None:
        """A weight-matrix band: tint its marked pixels and outline the band."""
        rgba = np.zeros((*marked.shape, 4), dtype=np.ubyte)
        mark = QColor(MARK_COLOR)
        rgba[marked] = (mark.red(), mark.green(), mark.blue(), 110)  # the weights' colours show through
        # col-major, input 0 at the top, as the band's own image
        image = pg.ImageItem(np.ascontiguousarray(rgba[:, ::-1]), axisOrder="col-major")
        image.setRect(qrect(layout.band_rects[layer]))
        image.setZValue(-2)
        self._view_box.addItem(image)
        outline = QGraphicsRectItem(qrect(layout.band_rects[layer]))
        pen = QPen(QColor(MARK_COLOR), 2.5)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        outline.setPen(pen)
        outline.setZValue(-2)
        self._view_box.addItem(outline)
        self._bands = (*self._bands, image, outline)
