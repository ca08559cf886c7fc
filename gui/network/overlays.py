"""What the network drawing lays over the network: the stage just run (and a breakpoint's place)
as shaded columns, and the selected parameter with every path from it to the loss."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from engine import ParameterRef, RunResult, Snapshot
from gui.network.edges import qrect, set_segments
from gui.network.layout import NetworkLayout, Rect
from gui.network.redraw import RedrawMemo
from gui.network.style import (
    CAPTION_COLOR,
    GLOW_EDGES,
    HIT_COLOR,
    PATH_COLOR,
    SELECTED_COLOR,
    STAGE_TINTS,
    Theme,
)

_ARROWS = {"forward": " ▶", "backward": "◀ ", "loss": "", "update": ""}


class StageShading:
    """A tinted band over the columns the stage just run worked on, with its name under the
    network; a dashed red band where a breakpoint stopped the run."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._memo = RedrawMemo()
        self._tints = STAGE_TINTS
        self.stage_band = QGraphicsRectItem()
        self.stage_band.setPen(QPen(Qt.PenStyle.NoPen))
        self.stage_band.setZValue(-20)
        view_box.addItem(self.stage_band)
        self.hit_band = QGraphicsRectItem()
        hit_pen = QPen(QColor(HIT_COLOR), 2.5)
        hit_pen.setCosmetic(True)
        hit_pen.setStyle(Qt.PenStyle.DashLine)
        self.hit_band.setPen(hit_pen)
        self.hit_band.setBrush(QBrush(QColor(207, 34, 46, 28)))
        self.hit_band.setZValue(-19)
        view_box.addItem(self.hit_band)
        self.stage_text = pg.TextItem(color=CAPTION_COLOR, anchor=(0.5, 1.0))
        view_box.addItem(self.stage_text)

    def reset(self) -> None:
        """A new network: shade afresh."""
        self._memo.clear()

    def set_theme(self, theme: Theme) -> None:
        """Shade with ``theme``'s tints and caption colour."""
        self._tints = theme.stage_tints
        self.stage_text.setColor(theme.caption)
        self._memo.clear()

    def draw(self, layout: NetworkLayout, snap: Snapshot, hit: RunResult | None) -> None:
        """Shade the stage ``snap`` has just run, and where ``hit`` stopped the run."""
        if self._memo.unchanged("stage", (snap.last_stage, snap.stage == 0, snap.iteration, hit)):
            return
        bounds = layout.scene_bounds()
        last = snap.last_stage
        if last is None:
            self.stage_band.setVisible(False)
            self.stage_text.setText("")
        else:
            left, right = layout.stage_span(last.kind, last.layer)
            self.stage_band.setRect(QRectF(left, bounds.y, right - left, bounds.height))
            self.stage_band.setBrush(QBrush(QColor(self._tints[last.kind])))
            self.stage_band.setVisible(True)
            arrow = _ARROWS[last.kind]
            text = f"{last.label}{arrow}" if last.kind == "forward" else f"{arrow}{last.label}"
            if snap.stage == 0:
                text += f" (iteration {snap.iteration - 1})"
            self.stage_text.setText(text)
            self.stage_text.setPos((left + right) / 2, bounds.y)  # y grows upwards: the bottom edge
        if hit is not None and hit.stage is not None:
            layer = hit.layer if hit.layer is not None else hit.stage.layer
            left, right = layout.stage_span(hit.stage.kind, layer)
            self.hit_band.setRect(QRectF(left, bounds.y, right - left, bounds.height))
            self.hit_band.setToolTip(hit.message)
            self.hit_band.setVisible(True)
        else:
            self.hit_band.setVisible(False)


class Selection:
    """The selected parameter outlined, and amber halos along every path from it to the loss."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._max_width = 1.0
        # halos under the coloured edges, so the selection keeps showing the edges' colours
        self.path_curve = pg.PlotCurveItem(connect="pairs")
        self.path_curve.setZValue(-4.6)
        view_box.addItem(self.path_curve)
        self.selected_curve = pg.PlotCurveItem(connect="pairs")
        self.selected_curve.setZValue(-4.7)
        view_box.addItem(self.selected_curve)
        # the paths change with the selection alone, but a step repaints what lies under the
        # labels and shading it moves: thousands of path lines are blitted, not stroked again
        for curve in (self.path_curve, self.selected_curve):
            curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._marker_item = pg.ScatterPlotItem(pxMode=False, brush=None)
        self._marker_item.setZValue(9)
        view_box.addItem(self._marker_item)
        self._rects: list[QGraphicsRectItem] = []

    def set_layout(self, layout: NetworkLayout, smooth: bool) -> None:
        """Pens for a new network (``smooth``: its edges are antialiased)."""
        self._max_width = layout.max_width
        self.path_curve.opts["antialias"] = smooth
        self.path_curve.setSegmentedLineMode("on")  # one drawLines per segment: stroking wide paths is slow
        self.path_curve.setPen(pg.mkPen(PATH_COLOR, width=self._max_width + 3.5))
        self.selected_curve.setPen(pg.mkPen(SELECTED_COLOR, width=self._max_width + 6))

    def draw(self, layout: NetworkLayout | None, ref: ParameterRef | None) -> None:
        """Outline ``ref`` (None: nothing) and light every path from it to the loss."""
        for item in self._rects:
            self._view_box.removeItem(item)
        self._rects.clear()
        if layout is None or ref is None or ref.layer >= layout.layers:
            set_segments(self.selected_curve, layout, None)
            set_segments(self.path_curve, layout, None)
            self._marker_item.setData(x=[], y=[])
            return
        layer, unit = ref.layer, ref.unit
        if ref.input is not None and layer in layout.edge_offset:
            index = layout.edge_index(layer, unit, ref.input)
            set_segments(self.selected_curve, layout, np.array([index]))
        else:
            set_segments(self.selected_curve, layout, None)
            if ref.input is not None and layer in layout.band_rects:
                self._add_rect(layout.band_pixel_rect(layer, unit, ref.input), 2.5)
        indices, rects = layout.path_to_loss(layer, unit)
        for rect, width in rects:
            self._add_rect(rect, width)
        wide = indices is None or indices.size <= GLOW_EDGES
        self.path_curve.setPen(pg.mkPen(PATH_COLOR, width=self._max_width + 3.5 if wide else 1.0))
        set_segments(self.path_curve, layout, indices)
        self._draw_markers(layout, ref)

    def _draw_markers(self, layout: NetworkLayout, ref: ParameterRef) -> None:
        """A ring on the unit the parameter feeds, and on its bias square if it is a bias."""
        mx, my, ms = [], [], []
        column = layout.columns[ref.layer + 1]
        if not column.strip:
            mx.append(column.x)
            my.append(float(column.y[ref.unit]))
            ms.append(column.diameter * 1.25)
        if ref.input is None and layout.has_bias_squares(ref.layer):
            bx, by = layout.bias_position(ref.layer, ref.unit)
            mx.append(bx)
            my.append(by)
            ms.append(layout.bias_size(ref.layer) * 1.8)
        pen = pg.mkPen(SELECTED_COLOR, width=2.5)
        self._marker_item.setData(x=np.array(mx), y=np.array(my), size=np.array(ms), pen=pen, brush=None)

    def _add_rect(self, rect: Rect, width: float) -> None:
        item = QGraphicsRectItem(qrect(rect))
        pen = QPen(QColor(SELECTED_COLOR), width)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setZValue(9)
        self._view_box.addItem(item)
        self._rects.append(item)
