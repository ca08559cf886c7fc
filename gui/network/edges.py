"""The network's edges: colour-bucketed lines in one cached item, weight-matrix bands as images,
the bias squares, and a dot on each edge the last update changed.

Edges are drawn as a few dozen colour-bucketed line groups fed from arrays, never one graphics
item per edge. A layer with more edges than the pixels they would cross (a 784-wide input) is
drawn as its weight matrix, an image band between the two columns, where every pixel is one weight.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QWidget

from engine.core.records import Params
from gui.colormap import BUCKETS, bucket_magnitude, position_indices
from gui.network.layout import Indices, NetworkLayout, Rect
from gui.network.painting import clip_to_device
from gui.network.redraw import RedrawMemo
from gui.network.style import BUCKETS_WEAK_FIRST, GLOW_EDGES, LIGHT, SMOOTH_EDGES, Theme, bucket_brushes
from gui.network.values import ColorScale, Values

Array = NDArray[np.float64]

CHANGED_DOT = 6.0  # the changed ring's diameter in pixels, its middle showing the edge's colour


def changed_at(edges: Indices, fan_in: int, units: int) -> Array:
    """Where along its edge (0: the input, 1: the unit) the ring of each of a layer's ``edges``
    (index unit·fan_in + input) sits: every edge of the layer at its own distance, grouped by
    input, so no two rings meet and they spread over the gap instead of piling up at a unit."""
    order = (edges % fan_in) * units + edges // fan_in
    return 0.25 + 0.5 * (order + 0.5) / (fan_in * units)


def qrect(rect: Rect) -> QRectF:
    return QRectF(rect.x, rect.y, rect.width, rect.height)


def set_segments(curve: pg.PlotCurveItem, layout: NetworkLayout | None, idx: Indices | None) -> None:
    """Draw the line edges ``idx`` with ``curve`` (None or none: hide it)."""
    if layout is None or idx is None or idx.size == 0:
        if not curve.isVisible():
            return  # emptied when it was hidden
        curve.setData(np.zeros(0), np.zeros(0))
        curve.setVisible(False)
        return
    xs, ys = layout.segment_points(idx)
    curve.setData(xs, ys)
    curve.setVisible(True)


class EdgeLayer(pg.GraphicsObject):
    """Every line-drawn edge in one item: a pen per group (pending, then bucket by bucket, weak
    under strong), each group one ``drawLines`` call.

    Qt keeps the drawing as a pixmap in device coordinates, so a stage that leaves the edges
    alone (every forward stage in weight colouring) repaints them with one blit instead of
    stroking thousands of lines; new lines, a zoom or a resize redraw it once, under a clip
    (:func:`gui.network.painting.clip_to_device`).
    """

    def __init__(self) -> None:
        super().__init__()
        self._groups: list[tuple[QPen, PrimitiveArray]] = []
        self._bounds = QRectF()
        self._padding = 0.0  # pixels: half the widest pen, and a pixel of antialiasing
        self._rect: QRectF | None = None
        self.antialias = True
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_lines(self, groups: list[tuple[QPen, Array]]) -> None:
        """Draw each (pen, lines) group in order; a row of ``lines`` is x0, y0, x1, y1."""
        self.prepareGeometryChange()
        self._groups = []
        for pen, lines in groups:
            if len(lines):
                array = PrimitiveArray(QLineF, 4)  # what PlotCurveItem hands drawLines, too
                array.resize(len(lines))
                array.ndarray()[:] = lines
                self._groups.append((pen, array))
        if self._groups:
            every = np.concatenate([lines.ndarray() for _, lines in self._groups])
            xs, ys = every[:, 0::2], every[:, 1::2]
            left, top = float(xs.min()), float(ys.min())
            self._bounds = QRectF(left, top, float(xs.max()) - left, float(ys.max()) - top)
            self._padding = max(pen.widthF() for pen, _ in self._groups) / 2 + 1.0
        else:
            self._bounds = QRectF()
        self._rect = None
        self.update()

    def viewTransformChanged(self) -> None:  # noqa: N802
        self.prepareGeometryChange()  # the padding is in pixels
        self._rect = None

    def boundingRect(self) -> QRectF:  # noqa: N802
        if self._rect is None:
            if not self._groups:
                self._rect = QRectF()
            else:
                px, py = self.pixelVectors()
                w = 0.0 if px is None else px.length() * self._padding
                h = 0.0 if py is None else py.length() * self._padding
                self._rect = self._bounds.adjusted(-w, -h, w, h)
        return self._rect

    def drawn_lines(self) -> list[tuple[QPen, Array]]:
        """The (pen, lines) groups in drawing order; a row of lines is x0, y0, x1, y1."""
        return [(pen, lines.ndarray().copy()) for pen, lines in self._groups]

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        clip_to_device(painter)
        for pen, lines in self._groups:
            painter.setPen(pen)
            painter.drawLines(*lines.drawargs())


class Edges:
    """The edges, bands and bias squares of one view box, coloured from per-layer value arrays."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._layout: NetworkLayout | None = None
        self._memo = RedrawMemo()
        self.layer = EdgeLayer()  # pending edges, then the buckets, strong over weak
        self.layer.setZValue(-4)
        view_box.addItem(self.layer)
        self._theme = LIGHT
        self._bucket_pens: list[QPen] = []  # set per network: widths follow the fan-in
        # a small ring on each edge the update changed: over the edge, its colour showing inside
        self.changed_dots = pg.ScatterPlotItem(pxMode=True, size=CHANGED_DOT, brush=None)
        self.changed_dots.setZValue(-3.5)
        view_box.addItem(self.changed_dots)
        self._bias_links = pg.PlotCurveItem(pen=pg.mkPen(LIGHT.bias_link, width=1), connect="pairs")
        self._bias_links.setZValue(-3)
        view_box.addItem(self._bias_links)
        self._bias_item = pg.ScatterPlotItem(pxMode=False, symbol="s")
        self._bias_item.setZValue(5)
        view_box.addItem(self._bias_item)
        self.band_images: dict[int, pg.ImageItem] = {}
        self._band_placeholders: dict[int, QGraphicsRectItem] = {}

    def set_layout(self, layout: NetworkLayout) -> None:
        """Make the pens and band images of a new network."""
        for item in [*self.band_images.values(), *self._band_placeholders.values()]:
            self._view_box.removeItem(item)
        self.band_images.clear()
        self._band_placeholders.clear()
        self._layout = layout
        self._memo.clear()
        # Antialiased lines cost most of a frame once there are thousands; so many thin lines read
        # as a texture anyway, so they are drawn aliased (a few hundred stay smooth).
        self.layer.antialias = layout.x0.size <= SMOOTH_EDGES
        self._make_pens()
        for layer, rect in layout.band_rects.items():
            image = pg.ImageItem(axisOrder="col-major")
            image.setLookupTable(self._theme.lut)
            image.setZValue(-4)
            self._view_box.addItem(image)
            self.band_images[layer] = image
            placeholder = QGraphicsRectItem(qrect(rect))
            placeholder.setBrush(QBrush(QColor(self._theme.pending_fill)))
            placeholder.setPen(QPen(QColor(self._theme.pending_edge), 0))
            placeholder.setZValue(-4.5)
            self._view_box.addItem(placeholder)
            self._band_placeholders[layer] = placeholder

    def _make_pens(self) -> None:
        """The bucket pens of the network and theme: widths follow the fan-in, colours the theme."""
        layout = self._layout
        if layout is None:
            return
        smooth = layout.x0.size <= SMOOTH_EDGES
        max_width = layout.max_width
        self._bucket_pens = []
        for b in range(BUCKETS):  # pens are fixed per bucket: set once per network
            r, g, bl = self._theme.bucket_rgb[b]
            # one-pixel pens take Qt's fast line path; wider ones are stroked, which thousands of
            # edges cannot afford, so dense networks show magnitude by colour and stacking only
            width = 0.6 + (max_width - 0.6) * bucket_magnitude(b) if smooth else 1.0
            self._bucket_pens.append(pg.mkPen(QColor(int(r), int(g), int(bl)), width=width))

    def bucket_colors(self) -> list[QColor]:
        """The colour of each bucket in the current theme, most negative first."""
        return [QColor(int(r), int(g), int(b)) for r, g, b in self._theme.bucket_rgb]

    def set_theme(self, theme: Theme) -> None:
        """Colour with ``theme`` from the next draw on."""
        self._theme = theme
        self._make_pens()
        for image in self.band_images.values():
            image.setLookupTable(theme.lut)
        for placeholder in self._band_placeholders.values():
            placeholder.setBrush(QBrush(QColor(theme.pending_fill)))
            placeholder.setPen(QPen(QColor(theme.pending_edge), 0))
        self._bias_links.setPen(pg.mkPen(theme.bias_link, width=1))
        self._memo.clear()

    def draw(
        self, edge_values: Values, bias_values: Values, scale: ColorScale, changed: Params | None
    ) -> None:
        """Colour the edges and biases on ``scale``; put a dot on each edge ``changed`` (the
        last update's change, while the update is the stage just run) is not zero on."""
        layout = self._layout
        if layout is None:
            return
        layers = range(layout.layers)
        # Each part is redrawn only when what it shows changed: in weight colouring the edges
        # and biases change at the update alone, so the other stages leave them as drawn.
        if not self._memo.unchanged("edges", (scale, tuple(edge_values.get(k) for k in layers))):
            self._draw_lines(layout, edge_values, scale)
            self._draw_bands(layout, edge_values, scale)
        if not self._memo.unchanged("biases", (scale, tuple(bias_values.get(k) for k in layers))):
            self._draw_biases(layout, bias_values, scale)
        self._draw_changed(layout, changed)

    def _draw_lines(self, layout: NetworkLayout, values_of: Values, scale: ColorScale) -> None:
        pending: list[Indices] = []
        parts_idx: list[Indices] = []
        parts_bucket: list[Indices] = []
        for layer in layout.line_layers:
            values = values_of.get(layer)
            if values is None:
                pending.append(layout.layer_edges(layer))
            else:
                parts_idx.append(layout.layer_edges(layer))
                parts_bucket.append(position_indices(scale.positions(values.ravel(), layer), BUCKETS))
        groups: list[tuple[QPen, Array]] = []
        if pending:
            pending_pen = pg.mkPen(self._theme.pending_edge, width=1)
            groups.append((pending_pen, layout.lines(np.concatenate(pending))))
        if parts_idx:
            bucket = np.concatenate(parts_bucket)
            order = np.argsort(bucket, kind="stable")
            lines = layout.lines(np.concatenate(parts_idx)[order])
            counts = np.bincount(bucket, minlength=BUCKETS)
            bounds = np.concatenate([[0], np.cumsum(counts)])
            for b in BUCKETS_WEAK_FIRST:
                if counts[b]:
                    groups.append((self._bucket_pens[b], lines[bounds[b] : bounds[b + 1]]))
        self.layer.set_lines(groups)

    def _draw_bands(self, layout: NetworkLayout, values_of: Values, scale: ColorScale) -> None:
        for layer, image in self.band_images.items():
            values = values_of.get(layer)
            placeholder = self._band_placeholders[layer]
            if values is None:
                image.setVisible(False)
                placeholder.setVisible(True)
                continue
            # col-major: image[x, y]; x is the unit, y the input, and input 0 is drawn at the top
            positions = scale.positions(values[:, ::-1], layer)
            image.setImage(np.ascontiguousarray(positions), levels=(-1.0, 1.0), autoLevels=False)
            image.setRect(qrect(layout.band_rects[layer]))
            image.setVisible(True)
            placeholder.setVisible(False)

    def _draw_biases(self, layout: NetworkLayout, values_of: Values, scale: ColorScale) -> None:
        xs: list[float] = []
        ys: list[float] = []
        sizes: list[float] = []
        brushes: list[QBrush] = []
        link_x: list[float] = []
        link_y: list[float] = []
        pending = pg.mkBrush(self._theme.pending_fill)
        for layer in range(layout.layers):
            if not layout.has_bias_squares(layer):
                continue
            column = layout.columns[layer + 1]
            values = values_of.get(layer)
            index = None if values is None else position_indices(scale.positions(values, layer), BUCKETS)
            brushes_of = bucket_brushes(self._theme.dark)
            for j, y in enumerate(column.y):
                bx, by = layout.bias_position(layer, j)
                xs.append(bx)
                ys.append(by)
                sizes.append(layout.bias_size(layer))
                brushes.append(pending if index is None else brushes_of[index[j]])
                link_x += [bx, column.x]
                link_y += [by, float(y)]
        self._bias_item.setData(
            x=np.array(xs),
            y=np.array(ys),
            size=np.array(sizes),
            brush=brushes,
            pen=pg.mkPen(self._theme.node_outline),
        )
        self._bias_links.setData(np.array(link_x), np.array(link_y))

    def _draw_changed(self, layout: NetworkLayout, changed: Params | None) -> None:
        idx: list[Indices] = []
        along: list[Array] = []
        # (only where edges are few enough to tell apart: in a dense network every edge changes)
        if changed is not None and layout.x0.size <= GLOW_EDGES:
            for layer in layout.line_layers:
                moved = np.flatnonzero(changed[layer].weights.ravel() != 0)
                idx.append(moved + layout.edge_offset[layer])
                along.append(changed_at(moved, layout.sizes[layer], layout.sizes[layer + 1]))
        if not idx or not sum(i.size for i in idx):
            self.changed_dots.setData(x=[], y=[])
            self.changed_dots.setVisible(False)
            return
        every, t = np.concatenate(idx), np.concatenate(along)
        x = layout.x0[every] + t * (layout.x1[every] - layout.x0[every])
        y = layout.y0[every] + t * (layout.y1[every] - layout.y0[every])
        self.changed_dots.setData(x=x, y=y, pen=pg.mkPen(self._theme.changed, width=1.5), brush=None)
        self.changed_dots.setVisible(True)

    def changed_points(self) -> Array:
        """Where the changed-edge dots are drawn: one row (x, y) per dot, view coordinates."""
        if not self.changed_dots.isVisible():
            return np.zeros((0, 2))
        xs, ys = self.changed_dots.getData()
        return np.column_stack([xs, ys])
