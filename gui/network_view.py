"""The network drawing: nodes filled by activation, edges coloured by weight, gradient or update.

Edges are drawn as a few dozen colour-bucketed ``PlotCurveItem(connect="pairs")`` items fed
from arrays, never one graphics item per edge. A layer with more edges than the pixels they
would cross (a 784-wide input) is drawn as its weight matrix, an image band between the two
columns, where every pixel is one weight. Hit-testing is geometry on the same arrays.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QLinearGradient, QPainter, QPaintEvent, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError, IterationRecord, ParameterRef, Snapshot
from engine.learner.check import LayerMarks
from gui.colormap import (
    BUCKET_RGB,
    BUCKETS,
    LUT,
    PENDING_EDGE,
    bucket_magnitude,
    buckets,
)
from gui.controller import SessionController
from gui.formatting import format_number
from gui.live_label import LiveLabel
from gui.matrix_table import DIVERGING_STOPS, same_bits

Array = NDArray[np.float64]

GAP = 3.0  # scene units between two columns drawn with lines
BAND_GAP = 5.0  # ... and around a weight-matrix band
MAX_COLUMN_HEIGHT = 12.0  # a column taller than this many unit spacings is squeezed to fit
DENSE_EDGES = 16_384  # more edges than this between two columns: draw the matrix as an image band
STRIP_NODES = 128  # more nodes than this in a column: an image strip instead of circles
LABEL_NODES = 16  # columns up to this size label every node
VALUE_NODES = 8  # ... and print each activation under it
BIAS_NODES = 64  # columns up to this size draw a bias square per unit
HOVER_PIXELS = 5.0  # how near the pointer must be to an edge to pick it
SMOOTH_EDGES = 2_000  # up to this many line-drawn edges are antialiased
GLOW_EDGES = 400  # wide halos (update glow, selection paths) are stroked: only this many per frame

COLOR_MODES = {"weight": "weight w", "gradient": "gradient ∂L/∂w", "update": "last update Δw"}
STAGE_TINTS = {"forward": "#e3f1e6", "loss": "#fcefd0", "backward": "#ece4f6", "update": "#ececec"}
HIT_COLOR = "#cf222e"
MARK_COLOR = "#d000d0"  # magenta: a gradient that disagrees with the learner's (apart from the map)
PATH_COLOR = QColor(255, 193, 7, 150)  # amber halo: apart from both ends of the diverging map
NODE_OUTLINE = "#5c5c5c"
PENDING_FILL = "#ffffff"

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


# one brush and one ring pen per colour bucket, shared by every node instead of made per node
_BUCKET_BRUSHES = [pg.mkBrush(QColor(int(r), int(g), int(b))) for r, g, b in BUCKET_RGB]
_RING_PENS = [pg.mkPen(QColor(int(r), int(g), int(b)), width=3.5) for r, g, b in BUCKET_RGB]
_PENDING_BRUSH = pg.mkBrush(PENDING_FILL)
_NODE_PEN = pg.mkPen(NODE_OUTLINE, width=1.2)
_BUCKETS_WEAK_FIRST = sorted(range(BUCKETS), key=bucket_magnitude)  # drawing order: strong on top


def _same(a: object, b: object) -> bool:
    """Whether two drawings' inputs are equal: arrays bit for bit, tuples item by item."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and same_bits(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a is b or bool(a == b)


def _sub(number: int) -> str:
    return str(number).translate(_SUBSCRIPTS)


@dataclass(frozen=True)
class Hit:
    """What lies under a point of the drawing: a weight, a bias, a unit, an input or the loss."""

    kind: str  # "weight" | "bias" | "unit" | "input" | "loss"
    ref: ParameterRef | None = None  # the parameter (a unit's is its bias)
    column: int = 0
    index: int = 0


@dataclass(frozen=True)
class _Column:
    """Geometry of one column of nodes (column 0 is the input)."""

    x: float
    y: Array
    spacing: float
    diameter: float
    strip: bool


def _centred_text(text: str, color: str = "#333333") -> pg.TextItem:
    """A multi-line caption centred on its position, hanging above it."""
    lines = "<br>".join(html.escape(line) for line in text.split("\n"))
    item = pg.TextItem(html=f'<div style="text-align:center; color:{color}">{lines}</div>', anchor=(0.5, 1.0))
    item.setTextWidth(max(len(line) for line in text.split("\n")) * 7.5 + 12)
    return item


DARK_FILL = 0.6  # |value| / scale above which a node's fill is too deep for dark text
COLOR_BAR_WIDTH = 108  # room for a tick like −0.000213 beside the bar


class _ColorBar(QWidget):
    """A vertical diverging colour bar with its title and symmetric scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.scale: float | None = None
        self.setFixedWidth(COLOR_BAR_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def set_scale(self, title: str, scale: float | None) -> None:
        """Show ``title`` over a bar from -scale to +scale (None: nothing computed yet)."""
        if (title, scale) == (self.title, self.scale):
            return  # most stages keep the scale: no repaint
        self.title = title
        self.scale = scale
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(COLOR_BAR_WIDTH, 240)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        line = metrics.height()
        painter.setPen(QColor("#333333"))
        title_rect = QRectF(0, 4, self.width(), 2 * line + 4)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, self.title)
        top = 4 + 2 * line + 12
        bottom = self.height() - line - 10
        if bottom - top < 40:
            painter.end()
            return
        bar = QRectF(8, top, 16, bottom - top)
        gradient = QLinearGradient(bar.topLeft(), bar.bottomLeft())
        for k, stop in enumerate(reversed(DIVERGING_STOPS)):
            gradient.setColorAt(k / (len(DIVERGING_STOPS) - 1), QColor(stop))
        painter.setPen(QPen(QColor("#8c8c8c"), 1))
        painter.setBrush(QBrush(gradient) if self.scale is not None else QBrush(QColor(PENDING_EDGE)))
        painter.drawRect(bar)
        painter.setPen(QColor("#333333"))
        if self.scale is None:
            painter.drawText(QPointF(bar.right() + 6, bar.center().y() + line / 3), "pending")
        else:
            for frac, value in ((0.0, self.scale), (0.5, 0.0), (1.0, -self.scale)):
                y = bar.top() + frac * bar.height()
                painter.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y))
                painter.drawText(QPointF(bar.right() + 7, y + line / 3), format_number(value, 3))
        painter.end()


class _EdgeLayer(pg.GraphicsObject):
    """Every line-drawn edge in one item: a pen per group (pending, then bucket by bucket, weak
    under strong), each group one ``drawLines`` call.

    Qt keeps the drawing as a pixmap in device coordinates, so a stage that leaves the edges
    alone (every forward stage in weight colouring) repaints them with one blit instead of
    stroking thousands of lines; new lines, a zoom or a resize redraw it once.
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

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        for pen, lines in self._groups:
            painter.setPen(pen)
            painter.drawLines(*lines.drawargs())


class NetworkView(QWidget):
    """The network of the controller's session, redrawn from each snapshot."""

    # the check's marks: made on first use, redrawn only when a check result arrives or clears
    _marks: tuple[LayerMarks, ...] | None = None
    _mark_curve: pg.PlotCurveItem | None = None
    _mark_rings: pg.ScatterPlotItem | None = None
    _mark_bands: tuple[QGraphicsRectItem | pg.ImageItem, ...] = ()

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.digits = 6  # significant digits in tooltips (the window's number format)
        self._sizes: tuple[int, ...] = ()
        self._activations: tuple[str, ...] = ()
        self._columns: list[_Column] = []
        self._dense: list[bool] = []
        self._band_rects: dict[int, QRectF] = {}
        self._line_layers: list[int] = []
        self._edge_offset: dict[int, int] = {}
        self._x0 = self._y0 = self._x1 = self._y1 = np.zeros(0)
        self._loss_pos = QPointF()
        self._snapshot: Snapshot | None = None
        self._edge_values: dict[int, Array | None] = {}
        self._bias_values: dict[int, Array | None] = {}
        self._node_values: dict[int, Array | None] = {}
        self._scale: float | None = None
        self._text_items: list[pg.TextItem] = []
        self._value_texts: dict[tuple[int, int], pg.TextItem] = {}
        self._name_texts: dict[tuple[int, int], pg.TextItem] = {}  # x₀, h₁ ... on the node
        self._drawn: dict[str, object] = {}  # what each part of the drawing was last made from

        # ---- header: what is shown and how ----
        self.caption = LiveLabel()  # changes every step: kept from re-laying out the window
        self.color_box = QComboBox()
        for mode, text in COLOR_MODES.items():
            self.color_box.addItem(text, mode)
        self.color_box.setToolTip("What the edge colours and widths show")
        self.sample_box = QSpinBox()
        self.sample_box.setToolTip("The batch row whose activations fill the nodes")
        self.sample_box.setKeyboardTracking(False)
        self.fit_button = QToolButton()
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Fit the network to the view (zoom with the wheel, pan by dragging)")
        header = QHBoxLayout()
        header.setContentsMargins(8, 4, 8, 4)
        header.setSpacing(8)
        header.addWidget(self.caption, 1)
        header.addWidget(QLabel("Colour edges by"))
        header.addWidget(self.color_box)
        header.addSpacing(8)
        header.addWidget(QLabel("Sample"))
        header.addWidget(self.sample_box)
        header.addWidget(self.fit_button)

        # ---- the drawing ----
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAntialiasing(True)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseTracking(True)
        self.view_box: pg.ViewBox = self.plot.getViewBox()
        self.view_box.setAspectLocked(True)
        self.view_box.setDefaultPadding(0.02)
        self.edge_bar = _ColorBar()
        self.node_bar = _ColorBar()
        bars = QVBoxLayout()
        bars.setContentsMargins(0, 4, 4, 4)
        bars.addWidget(self.edge_bar, 1)
        bars.addWidget(self.node_bar, 1)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.plot, 1)
        body.addLayout(bars)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addLayout(body, 1)

        self._build_items()

        self.color_box.currentIndexChanged.connect(self._on_color_box_changed)
        self.sample_box.valueChanged.connect(self._on_sample_box_changed)
        self.fit_button.clicked.connect(self.fit)
        scene = self.plot.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.session_replaced.connect(self._on_session_replaced)
        controller.selection_changed.connect(self._on_selection_changed)
        controller.color_by_changed.connect(self._on_color_by_changed)
        controller.sample_changed.connect(self._on_sample_changed)
        self._on_session_replaced()
        self._on_stage_changed()

    # ---- building ----

    def _build_items(self) -> None:
        """The items that live as long as the view; their data changes, they are not recreated."""
        vb = self.view_box
        self._stage_band = QGraphicsRectItem()
        self._stage_band.setPen(QPen(Qt.PenStyle.NoPen))
        self._stage_band.setZValue(-20)
        vb.addItem(self._stage_band)
        self._hit_band = QGraphicsRectItem()
        hit_pen = QPen(QColor(HIT_COLOR), 2.5)
        hit_pen.setCosmetic(True)
        hit_pen.setStyle(Qt.PenStyle.DashLine)
        self._hit_band.setPen(hit_pen)
        self._hit_band.setBrush(QBrush(QColor(207, 34, 46, 28)))
        self._hit_band.setZValue(-19)
        vb.addItem(self._hit_band)
        self._stage_text = pg.TextItem(color="#444444", anchor=(0.5, 1.0))
        vb.addItem(self._stage_text)

        self._edge_layer = _EdgeLayer()  # pending edges, then the buckets, strong over weak
        self._edge_layer.setZValue(-4)
        vb.addItem(self._edge_layer)
        self._pending_pen = pg.mkPen(PENDING_EDGE, width=1)
        self._bucket_pens: list[QPen] = []  # set per network: widths follow the fan-in
        self._changed_curve = pg.PlotCurveItem(pen=pg.mkPen("#f2c14e", width=7), connect="pairs")
        self._changed_curve.setZValue(-6)  # a glow under the edges the update changed
        vb.addItem(self._changed_curve)
        self._loss_curve = pg.PlotCurveItem(connect="pairs")
        vb.addItem(self._loss_curve)
        self._bias_links = pg.PlotCurveItem(pen=pg.mkPen("#b5b5b5", width=1), connect="pairs")
        self._bias_links.setZValue(-3)
        vb.addItem(self._bias_links)

        # halos under the coloured edges, so the selection keeps showing the edges' colours
        self._path_curve = pg.PlotCurveItem(connect="pairs")
        self._path_curve.setZValue(-4.6)
        vb.addItem(self._path_curve)
        self._selected_curve = pg.PlotCurveItem(connect="pairs")
        self._selected_curve.setZValue(-4.7)
        vb.addItem(self._selected_curve)

        self._bias_item = pg.ScatterPlotItem(pxMode=False, symbol="s")
        self._bias_item.setZValue(5)
        vb.addItem(self._bias_item)
        self._ring_item = pg.ScatterPlotItem(pxMode=False, brush=None)
        self._ring_item.setZValue(6)
        vb.addItem(self._ring_item)
        self._node_item = pg.ScatterPlotItem(pxMode=False)
        self._node_item.setZValue(7)
        vb.addItem(self._node_item)
        self._loss_item = pg.ScatterPlotItem(pxMode=False, symbol="s")
        self._loss_item.setZValue(7)
        vb.addItem(self._loss_item)
        self._marker_item = pg.ScatterPlotItem(pxMode=False, brush=None)
        self._marker_item.setZValue(9)
        vb.addItem(self._marker_item)
        self._selected_rects: list[QGraphicsRectItem] = []
        self._band_images: dict[int, pg.ImageItem] = {}
        self._band_placeholders: dict[int, QGraphicsRectItem] = {}
        self._strip_images: dict[int, pg.ImageItem] = {}

    def set_network(self, sizes: tuple[int, ...], activations: tuple[str, ...]) -> None:
        """Lay out a network of ``sizes`` (input first) with one activation per layer."""
        if len(activations) != len(sizes) - 1:
            raise ValueError("one activation per layer expected")
        self._sizes = sizes
        self._activations = activations
        vb = self.view_box
        for item in [*self._band_images.values(), *self._band_placeholders.values()]:
            vb.removeItem(item)
        for item in [*self._strip_images.values(), *self._text_items, *self._selected_rects]:
            vb.removeItem(item)
        self._band_images.clear()
        self._band_placeholders.clear()
        self._strip_images.clear()
        self._text_items.clear()
        self._value_texts.clear()
        self._name_texts.clear()
        self._selected_rects.clear()

        # columns
        self._dense = [sizes[c] * sizes[c + 1] > DENSE_EDGES for c in range(len(sizes) - 1)]
        x = 0.0
        self._columns = []
        for c, n in enumerate(sizes):
            spacing = 1.0 if n <= MAX_COLUMN_HEIGHT else MAX_COLUMN_HEIGHT / n
            y = (n - 1) / 2 * spacing - np.arange(n) * spacing  # unit 0 at the top
            strip = n > STRIP_NODES
            diameter = 0.5 if n <= MAX_COLUMN_HEIGHT else 0.75 * spacing
            self._columns.append(_Column(x, y, spacing, diameter, strip))
            if c < len(sizes) - 1:
                x += BAND_GAP if self._dense[c] else GAP
        out = self._columns[-1]
        self._loss_pos = QPointF(out.x + 2.0, 0.0)

        # line edges: one segment per weight, layer by layer, W[l] flattened row-major (unit, input)
        x0, y0, x1, y1 = [], [], [], []
        self._line_layers = []
        self._edge_offset = {}
        offset = 0
        for layer in range(len(sizes) - 1):
            if self._dense[layer]:
                continue
            left, right = self._columns[layer], self._columns[layer + 1]
            units, fan_in = sizes[layer + 1], sizes[layer]
            self._line_layers.append(layer)
            self._edge_offset[layer] = offset
            offset += units * fan_in
            x0.append(np.full(units * fan_in, left.x + self._radius(layer)))
            y0.append(np.tile(left.y, units))
            x1.append(np.full(units * fan_in, right.x - self._radius(layer + 1)))
            y1.append(np.repeat(right.y, fan_in))
        self._x0 = np.concatenate(x0) if x0 else np.zeros(0)
        self._y0 = np.concatenate(y0) if y0 else np.zeros(0)
        self._x1 = np.concatenate(x1) if x1 else np.zeros(0)
        self._y1 = np.concatenate(y1) if y1 else np.zeros(0)
        self._segment_dx = self._x1 - self._x0
        self._segment_dy = self._y1 - self._y0
        self._segment_len2 = np.maximum(self._segment_dx**2 + self._segment_dy**2, 1e-12)
        max_fan = max(max(sizes[layer], sizes[layer + 1]) for layer in range(len(sizes) - 1))
        self._max_width = float(np.clip(9.0 / np.sqrt(max_fan), 0.7, 4.5))
        # Antialiased lines cost most of a frame once there are thousands; so many thin lines read
        # as a texture anyway, so they are drawn aliased (a few hundred stay smooth).
        smooth = self._x0.size <= SMOOTH_EDGES
        self._edge_layer.antialias = smooth
        for curve in (self._changed_curve, self._path_curve):
            curve.opts["antialias"] = smooth
            # drawLines per segment; one QPainterPath of thousands of wide subpaths takes ~1 s to stroke
            curve.setSegmentedLineMode("on")
        self._bucket_pens = []
        for b in range(BUCKETS):  # pens are fixed per bucket: set once per network
            r, g, bl = BUCKET_RGB[b]
            # one-pixel pens take Qt's fast line path; wider ones are stroked, which thousands of
            # edges cannot afford, so dense networks show magnitude by colour and stacking only
            width = 0.6 + (self._max_width - 0.6) * bucket_magnitude(b) if smooth else 1.0
            self._bucket_pens.append(pg.mkPen(QColor(int(r), int(g), int(bl)), width=width))
        self._drawn.clear()  # a new layout: everything is drawn afresh
        self._path_curve.setPen(pg.mkPen(PATH_COLOR, width=self._max_width + 3.5))
        self._selected_curve.setPen(pg.mkPen("#111111", width=self._max_width + 6))

        # weight-matrix bands: x is the unit of the next column, y the input (aligned with its node)
        self._band_rects = {}
        for layer in range(len(sizes) - 1):
            if not self._dense[layer]:
                continue
            left, right = self._columns[layer], self._columns[layer + 1]
            height = sizes[layer] * left.spacing
            rect = QRectF(left.x + 0.6, float(left.y[-1]) - left.spacing / 2, right.x - left.x - 1.2, height)
            self._band_rects[layer] = rect
            image = pg.ImageItem(axisOrder="col-major")
            image.setLookupTable(LUT)
            image.setZValue(-4)
            vb.addItem(image)
            self._band_images[layer] = image
            placeholder = QGraphicsRectItem(rect)
            placeholder.setBrush(QBrush(QColor("#eeeeee")))
            placeholder.setPen(QPen(QColor("#c8c8c8"), 0))
            placeholder.setZValue(-4.5)
            vb.addItem(placeholder)
            self._band_placeholders[layer] = placeholder
            label = _centred_text(
                f"W[{layer}]: {sizes[layer + 1]} × {sizes[layer]}\npixel (j, i) = W[{layer}][j,i]", "#555555"
            )
            label.setAnchor((0.5, 0.0))
            label.setPos(rect.center().x(), rect.top() - 0.1)  # y grows upwards: top() is the bottom
            self._add_text(label)

        # node strips for very wide columns
        for c, column in enumerate(self._columns):
            if column.strip:
                image = pg.ImageItem(axisOrder="col-major")
                image.setLookupTable(LUT)
                image.setZValue(7)
                half = column.spacing * len(column.y) / 2
                image.setRect(QRectF(column.x - 0.15, -half, 0.3, 2 * half))
                vb.addItem(image)
                self._strip_images[c] = image

        self._add_labels()
        self._draw_selection()  # the selection depends on the layout alone, not on the stage
        self.fit()

    def _radius(self, column: int) -> float:
        col = self._columns[column]
        return 0.15 if col.strip else col.diameter / 2

    def _node_name(self, column: int, index: int) -> str:
        """Textbook-style name of a node, 0-based like every index in Gradstep."""
        if column == 0:
            return f"x{_sub(index)}"
        if column == len(self._sizes) - 1:
            return f"o{_sub(index)}"
        if len(self._sizes) == 3:
            return f"h{_sub(index)}"
        return f"h{_sub(index)}⁽{str(column - 1).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}⁾"

    def _add_text(self, item: pg.TextItem) -> None:
        self.view_box.addItem(item)
        self._text_items.append(item)

    def _add_labels(self) -> None:
        top = max(float(c.y[0]) + max(c.spacing, c.diameter) / 2 for c in self._columns)
        last = len(self._sizes) - 1
        for c, column in enumerate(self._columns):
            n = self._sizes[c]
            # short enough not to run into the next column's header when zoomed out
            title = f"input x\n{n}" if c == 0 else f"layer {c - 1}\n{n} × {self._activations[c - 1]}"
            header = _centred_text(title)
            header.setPos(column.x, top + 0.35)
            self._add_text(header)
            if n <= LABEL_NODES and not column.strip:
                for i, y in enumerate(column.y):
                    label = pg.TextItem(self._node_name(c, i), color="#1f1f1f", anchor=(0.5, 0.5))
                    label.setPos(column.x, float(y))
                    label.setZValue(8)
                    self._add_text(label)
                    self._name_texts[(c, i)] = label
            if n <= VALUE_NODES and not column.strip:
                for i, y in enumerate(column.y):
                    value = pg.TextItem("", color="#444444", anchor=(0.5, 0.0))
                    value.setPos(column.x, float(y) - 0.71 * column.diameter - 0.02)  # below the delta ring
                    value.setZValue(8)
                    self._add_text(value)
                    self._value_texts[(c, i)] = value
        loss = pg.TextItem("L", color="#1f1f1f", anchor=(0.5, 0.5))
        loss.setPos(self._loss_pos)
        loss.setZValue(8)
        self._add_text(loss)
        self._loss_text = pg.TextItem("", color="#444444", anchor=(0.5, 0.0))
        self._loss_text.setPos(self._loss_pos.x(), self._loss_pos.y() - 0.35)
        self._add_text(self._loss_text)
        loss_header = _centred_text(f"loss\n{self._controller.config.loss}")
        # hangs to the right of the loss node: a narrow last layer's header sits close on the left
        loss_header.setAnchor((0.1, 1.0))
        loss_header.setPos(self._loss_pos.x(), top + 0.35)
        self._add_text(loss_header)
        out = self._columns[-1]
        xs = np.empty(2 * len(out.y))
        ys = np.empty(2 * len(out.y))
        xs[0::2] = out.x + self._radius(last)
        xs[1::2] = self._loss_pos.x() - 0.3
        ys[0::2] = out.y
        ys[1::2] = self._loss_pos.y()
        self._loss_curve.setData(xs, ys)

    def scene_bounds(self) -> QRectF:
        """The rectangle the network occupies (view coordinates)."""
        if not self._columns:
            return QRectF(0, 0, 1, 1)
        top = max(float(c.y[0]) + c.spacing / 2 for c in self._columns) + 1.4
        bottom = min(float(c.y[-1]) - c.spacing / 2 for c in self._columns) - (
            2.3 if self._band_rects else 0.9  # a band's two-line caption, then the stage label
        )
        left = self._columns[0].x - 1.0
        right = self._loss_pos.x() + 1.0
        return QRectF(left, bottom, right - left, top - bottom)

    def fit(self) -> None:
        """Show the whole network."""
        self.view_box.setRange(rect=self.scene_bounds(), padding=0.02)

    # ---- drawing a snapshot ----

    def show_snapshot(self, snap: Snapshot) -> None:
        """Redraw from ``snap`` and the controller's colour mode and sample (what is unchanged stays)."""
        self._snapshot = snap
        mode = self._controller.color_by
        record = snap.record
        sample = min(self._controller.sample, record.inputs.shape[0] - 1)
        self._collect_values(snap, mode)
        self._draw_edges()
        self._draw_nodes(record, sample)
        self._draw_stage(snap)
        self._update_caption(snap, sample)

    def _collect_values(self, snap: Snapshot, mode: str) -> None:
        layers = len(self._sizes) - 1
        self._edge_values = {}
        self._bias_values = {}
        if mode == "weight":
            for layer in range(layers):
                self._edge_values[layer] = snap.params[layer].weights
                self._bias_values[layer] = snap.params[layer].bias
        elif mode == "gradient":
            source = snap.shown_record()
            for layer in range(layers):
                back = source.backward_of(layer)
                self._edge_values[layer] = None if back is None else back.dW
                self._bias_values[layer] = None if back is None else back.db
        else:
            update = self._controller.last_update()
            for layer in range(layers):
                self._edge_values[layer] = None if update is None else update[1][layer].weights
                self._bias_values[layer] = None if update is None else update[1][layer].bias
        peaks = [
            float(np.max(np.abs(v), initial=0.0, where=np.isfinite(v)))
            for v in [*self._edge_values.values(), *self._bias_values.values()]
            if v is not None and v.size
        ]
        self._scale = (max(peaks) or 1.0) if peaks else None
        self.edge_bar.set_scale(COLOR_MODES[mode], self._scale)

    def _draw_edges(self) -> None:
        scale = self._scale or 1.0
        layers = range(len(self._sizes) - 1)
        # Each part is redrawn only when what it shows changed: in weight colouring the edges
        # and biases change at the update alone, so the other stages leave them as drawn.
        if not self._unchanged("edges", (scale, tuple(self._edge_values.get(k) for k in layers))):
            self._draw_lines(scale)
            self._draw_bands(scale)
        if not self._unchanged("biases", (scale, tuple(self._bias_values.get(k) for k in layers))):
            self._draw_biases(scale)
        self._draw_glow()

    def _draw_lines(self, scale: float) -> None:
        pending: list[NDArray[np.intp]] = []
        parts_idx: list[NDArray[np.intp]] = []
        parts_bucket: list[NDArray[np.intp]] = []
        for layer in self._line_layers:
            values = self._edge_values.get(layer)
            start = self._edge_offset[layer]
            count = self._sizes[layer] * self._sizes[layer + 1]
            idx = np.arange(start, start + count)
            if values is None:
                pending.append(idx)
            else:
                parts_idx.append(idx)
                parts_bucket.append(buckets(values.ravel(), scale))
        groups: list[tuple[QPen, Array]] = []
        if pending:
            groups.append((self._pending_pen, self._lines(np.concatenate(pending))))
        if parts_idx:
            bucket = np.concatenate(parts_bucket)
            order = np.argsort(bucket, kind="stable")
            lines = self._lines(np.concatenate(parts_idx)[order])
            counts = np.bincount(bucket, minlength=BUCKETS)
            bounds = np.concatenate([[0], np.cumsum(counts)])
            for b in _BUCKETS_WEAK_FIRST:
                if counts[b]:
                    groups.append((self._bucket_pens[b], lines[bounds[b] : bounds[b + 1]]))
        self._edge_layer.set_lines(groups)

    def _lines(self, idx: NDArray[np.intp]) -> Array:
        """Rows (x0, y0, x1, y1) of the edges ``idx``."""
        return np.column_stack((self._x0[idx], self._y0[idx], self._x1[idx], self._y1[idx]))

    def _unchanged(self, part: str, inputs: object) -> bool:
        """True when ``part`` was last drawn from the same ``inputs``; otherwise remembers them."""
        if part in self._drawn and _same(self._drawn[part], inputs):
            return True
        self._drawn[part] = inputs
        return False

    def _draw_bands(self, scale: float) -> None:
        for layer, image in self._band_images.items():
            values = self._edge_values.get(layer)
            placeholder = self._band_placeholders[layer]
            if values is None:
                image.setVisible(False)
                placeholder.setVisible(True)
                continue
            # col-major: image[x, y]; x is the unit, y the input, and input 0 is drawn at the top
            image.setImage(np.ascontiguousarray(values[:, ::-1]), levels=(-scale, scale), autoLevels=False)
            image.setRect(self._band_rects[layer])
            image.setVisible(True)
            placeholder.setVisible(False)

    def _draw_biases(self, scale: float) -> None:
        xs, ys, brushes = [], [], []
        link_x, link_y = [], []
        for layer in range(len(self._sizes) - 1):
            column = self._columns[layer + 1]
            if self._sizes[layer + 1] > BIAS_NODES or column.strip:
                continue
            values = self._bias_values.get(layer)
            index = None if values is None else buckets(values, scale)
            for j, y in enumerate(column.y):
                bx, by = self._bias_position(layer, j)
                xs.append(bx)
                ys.append(by)
                brushes.append(_PENDING_BRUSH if index is None else _BUCKET_BRUSHES[index[j]])
                link_x += [bx, column.x]
                link_y += [by, float(y)]
        sizes = [
            self._bias_size(layer)
            for layer in range(len(self._sizes) - 1)
            if self._sizes[layer + 1] <= BIAS_NODES and not self._columns[layer + 1].strip
            for _ in range(self._sizes[layer + 1])
        ]
        self._bias_item.setData(
            x=np.array(xs), y=np.array(ys), size=np.array(sizes), brush=brushes, pen=pg.mkPen(NODE_OUTLINE)
        )
        self._bias_links.setData(np.array(link_x), np.array(link_y))

    def _draw_glow(self) -> None:
        """The glow under what the last update changed, while the update is the stage just run."""
        snap = self._snapshot
        glow: list[NDArray[np.intp]] = []
        # (only where edges are few enough to tell apart: in a dense network every edge changes)
        if (
            snap is not None
            and snap.last_stage is not None
            and snap.last_stage.kind == "update"
            and self._x0.size <= GLOW_EDGES
        ):
            update = self._controller.last_update()
            if update is not None:
                for layer in self._line_layers:
                    changed = np.flatnonzero(update[1][layer].weights.ravel() != 0)
                    glow.append(changed + self._edge_offset[layer])
        self._set_segments(self._changed_curve, np.concatenate(glow) if glow else None)

    def _bias_size(self, layer: int) -> float:
        return 0.32 * self._columns[layer + 1].diameter

    def _bias_position(self, layer: int, unit: int) -> tuple[float, float]:
        column = self._columns[layer + 1]
        d = column.diameter
        return column.x - 1.0 * d, float(column.y[unit]) + 0.55 * d

    def _set_segments(self, curve: pg.PlotCurveItem, idx: NDArray[np.intp] | None) -> None:
        if idx is None or idx.size == 0:
            if not curve.isVisible():
                return  # emptied when it was hidden
            curve.setData(np.zeros(0), np.zeros(0))
            curve.setVisible(False)
            return
        xs = np.empty(2 * idx.size)
        ys = np.empty(2 * idx.size)
        xs[0::2] = self._x0[idx]
        xs[1::2] = self._x1[idx]
        ys[0::2] = self._y0[idx]
        ys[1::2] = self._y1[idx]
        curve.setData(xs, ys)
        curve.setVisible(True)

    def _draw_nodes(self, record: IterationRecord, sample: int) -> None:
        self._node_values = {0: record.inputs[sample]}
        for c in range(1, len(self._sizes)):
            forward = record.forward[c - 1] if len(record.forward) >= c else None
            self._node_values[c] = None if forward is None else forward.a[sample]
        peaks = [
            float(np.max(np.abs(v), initial=0.0, where=np.isfinite(v)))
            for v in self._node_values.values()
            if v is not None
        ]
        node_scale = max([1.0, *peaks])
        self.node_bar.set_scale("activation a (sample)", node_scale)
        fills = (node_scale, tuple(self._node_values[c] for c in range(len(self._sizes))))
        if not self._unchanged("nodes", fills):
            self._draw_node_fills(node_scale)
        self._draw_rings(record, sample)
        self._draw_loss(record)

    def _draw_node_fills(self, node_scale: float) -> None:
        xs, ys, sizes, brushes = [], [], [], []
        for c, column in enumerate(self._columns):
            values = self._node_values[c]
            if column.strip:
                image = self._strip_images[c]
                if values is None:
                    image.setImage(np.zeros((1, len(column.y))), levels=(-1, 1), autoLevels=False)
                else:
                    image.setImage(
                        values[::-1].reshape(1, -1), levels=(-node_scale, node_scale), autoLevels=False
                    )
                half = column.spacing * len(column.y) / 2
                image.setRect(QRectF(column.x - 0.15, -half, 0.3, 2 * half))
                continue
            xs.append(np.full(len(column.y), column.x))
            ys.append(column.y)
            sizes.append(np.full(len(column.y), column.diameter))
            if values is None:
                brushes.extend([_PENDING_BRUSH] * len(column.y))
                dark = [False] * len(column.y)
            else:
                indices = buckets(values, node_scale)
                brushes.extend(_BUCKET_BRUSHES[k] for k in indices)
                dark = [bucket_magnitude(int(k)) > DARK_FILL for k in indices]
            for i in range(len(column.y)):
                text = self._value_texts.get((c, i))
                if text is not None:
                    text.setText("" if values is None else format_number(float(values[i]), 4))
                name = self._name_texts.get((c, i))
                if name is not None:  # the name stays readable on a deep fill
                    name.setColor(QColor("#ffffff" if dark[i] else "#1f1f1f"))
        self._node_item.setData(
            x=np.concatenate(xs),
            y=np.concatenate(ys),
            size=np.concatenate(sizes),
            brush=brushes,
            pen=_NODE_PEN,
        )

    def _draw_rings(self, record: IterationRecord, sample: int) -> None:
        """A ring around each unit whose delta the backward pass has computed."""
        deltas = [
            (layer, back.delta[sample])
            for layer in range(len(self._sizes) - 1)
            if (back := record.backward_of(layer)) is not None and not self._columns[layer + 1].strip
        ]
        if self._unchanged("rings", tuple(x for pair in deltas for x in pair)):
            return
        rx, ry, rs, pens = [], [], [], []
        if deltas:
            peak = max(float(np.max(np.abs(d), initial=0.0, where=np.isfinite(d))) for _, d in deltas)
            for layer, delta in deltas:
                column = self._columns[layer + 1]
                rx.extend([column.x] * len(column.y))
                ry.extend(column.y.tolist())
                rs.extend([column.diameter * 1.42] * len(column.y))
                pens.extend(_RING_PENS[k] for k in buckets(delta, peak or 1.0))
        self._ring_item.setData(x=np.array(rx), y=np.array(ry), size=np.array(rs), pen=pens, brush=None)

    def _draw_loss(self, record: IterationRecord) -> None:
        loss = record.loss
        if self._unchanged("loss", None if loss is None else loss.loss):
            return
        lit = loss is not None
        self._loss_item.setData(
            x=[self._loss_pos.x()],
            y=[self._loss_pos.y()],
            size=[0.6],
            brush=pg.mkBrush("#f6c98f" if lit else PENDING_FILL),
            pen=_NODE_PEN,
        )
        self._loss_text.setText("pending" if loss is None else format_number(loss.loss, 5))
        self._loss_curve.setPen(pg.mkPen("#9a6a2b" if lit else PENDING_EDGE, width=2.0 if lit else 1.0))

    def _column_span(self, first: int, last: int) -> tuple[float, float]:
        return self._columns[first].x - 0.7, self._columns[last].x + 0.7

    def _stage_span(self, kind: str, layer: int | None) -> tuple[float, float]:
        if kind in ("forward", "backward") and layer is not None:
            return self._column_span(layer, layer + 1)
        if kind == "loss":
            return self._columns[-1].x - 0.7, self._loss_pos.x() + 0.7
        return self._columns[0].x - 0.7, self._loss_pos.x() + 0.7

    def _draw_stage(self, snap: Snapshot) -> None:
        hit = self._controller.breakpoint_hit
        if self._unchanged("stage", (snap.last_stage, snap.stage == 0, snap.iteration, hit)):
            return
        bounds = self.scene_bounds()
        last = snap.last_stage
        if last is None:
            self._stage_band.setVisible(False)
            self._stage_text.setText("")
        else:
            left, right = self._stage_span(last.kind, last.layer)
            self._stage_band.setRect(QRectF(left, bounds.top(), right - left, bounds.height()))
            self._stage_band.setBrush(QBrush(QColor(STAGE_TINTS[last.kind])))
            self._stage_band.setVisible(True)
            arrow = {"forward": " ▶", "backward": "◀ ", "loss": "", "update": ""}[last.kind]
            label = last.label
            text = f"{label}{arrow}" if last.kind == "forward" else f"{arrow}{label}"
            if snap.stage == 0:
                text += f" (iteration {snap.iteration - 1})"
            self._stage_text.setText(text)
            self._stage_text.setPos((left + right) / 2, bounds.top())  # y grows upwards: the bottom edge
        if hit is not None and hit.stage is not None:
            left, right = self._stage_span(
                hit.stage.kind, hit.layer if hit.layer is not None else hit.stage.layer
            )
            self._hit_band.setRect(QRectF(left, bounds.top(), right - left, bounds.height()))
            self._hit_band.setToolTip(hit.message)
            self._hit_band.setVisible(True)
        else:
            self._hit_band.setVisible(False)

    def _draw_selection(self) -> None:
        """The selected parameter, and every path from it to the loss."""
        for item in self._selected_rects:
            self.view_box.removeItem(item)
        self._selected_rects.clear()
        ref = self._controller.selection
        if ref is None or not self._sizes or ref.layer >= len(self._sizes) - 1:
            self._set_segments(self._selected_curve, None)
            self._set_segments(self._path_curve, None)
            self._marker_item.setData(x=[], y=[])
            return
        layer, unit = ref.layer, ref.unit
        if ref.input is not None and layer in self._edge_offset:
            index = self._edge_offset[layer] + unit * self._sizes[layer] + ref.input
            self._set_segments(self._selected_curve, np.array([index]))
        else:
            self._set_segments(self._selected_curve, None)
            if ref.input is not None and layer in self._band_rects:
                self._add_selected_rect(self._band_pixel_rect(layer, unit, ref.input), 2.5)
        path: list[NDArray[np.intp]] = []
        mx, my, ms = [], [], []
        column = self._columns[layer + 1]
        if not column.strip:
            mx.append(column.x)
            my.append(float(column.y[unit]))
            ms.append(column.diameter * 1.25)
        if ref.input is None and self._sizes[layer + 1] <= BIAS_NODES and not column.strip:
            bx, by = self._bias_position(layer, unit)
            mx.append(bx)
            my.append(by)
            ms.append(self._bias_size(layer) * 1.8)
        for later in range(layer + 1, len(self._sizes) - 1):
            fan_in = self._sizes[later]
            if later in self._edge_offset:
                start = self._edge_offset[later]
                if later == layer + 1:  # only the edges leaving the selected unit
                    path.append(start + np.arange(self._sizes[later + 1]) * fan_in + unit)
                else:
                    path.append(np.arange(start, start + fan_in * self._sizes[later + 1]))
            elif later == layer + 1:
                rect = self._band_rects[later]
                row = self._band_pixel_rect(later, 0, unit)
                self._add_selected_rect(QRectF(rect.left(), row.top(), rect.width(), row.height()), 1.5)
            else:
                self._add_selected_rect(self._band_rects[later], 1.5)
        indices = np.concatenate(path) if path else None
        wide = indices is None or indices.size <= GLOW_EDGES
        self._path_curve.setPen(pg.mkPen(PATH_COLOR, width=self._max_width + 3.5 if wide else 1.0))
        self._set_segments(self._path_curve, indices)
        self._marker_item.setData(
            x=np.array(mx), y=np.array(my), size=np.array(ms), pen=pg.mkPen("#111111", width=2.5), brush=None
        )

    def _add_selected_rect(self, rect: QRectF, width: float) -> None:
        item = QGraphicsRectItem(rect)
        pen = QPen(QColor("#111111"), width)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setZValue(9)
        self.view_box.addItem(item)
        self._selected_rects.append(item)

    def _band_pixel_rect(self, layer: int, unit: int, inp: int) -> QRectF:
        rect = self._band_rects[layer]
        w = rect.width() / self._sizes[layer + 1]
        h = rect.height() / self._sizes[layer]
        return QRectF(rect.left() + unit * w, rect.bottom() - (inp + 1) * h, w, h)

    def _update_caption(self, snap: Snapshot, sample: int) -> None:
        last = snap.last_stage
        if snap.stage == 0:
            where = "ready: next Forward 0" if last is None else "update done: next Forward 0"
        else:
            where = f"after {last.label}" if last is not None else ""
        caption = f"<b>{where[0].upper()}{where[1:]}</b>"
        if self.caption.text() != caption:
            self.caption.setText(caption)
        inputs = snap.record.inputs[sample]
        rows = snap.record.inputs.shape[0]
        if self._unchanged("sample", (sample, rows, inputs)):
            return  # the spin box's range, suffix and tooltip stand (each setter re-lays it out)
        self.sample_box.blockSignals(True)
        self.sample_box.setRange(0, rows - 1)
        self.sample_box.setValue(sample)
        self.sample_box.blockSignals(False)
        self.sample_box.setSuffix(f" of {rows}")
        shown = ", ".join(format_number(float(v), 4) for v in inputs[:8]) + (", …" if inputs.size > 8 else "")
        self.sample_box.setToolTip(
            f"The batch row whose activations fill the nodes\nsample {sample}: x = [{shown}]"
        )

    # ---- reading what is drawn (tests, tooltips, exports) ----

    @property
    def sizes(self) -> tuple[int, ...]:
        return self._sizes

    def edge_values(self, layer: int) -> Array | None:
        """The values layer ``layer``'s edges are coloured by (None: pending)."""
        return self._edge_values.get(layer)

    def node_values(self, column: int) -> Array | None:
        """The activations filling column ``column``'s nodes (None: pending)."""
        return self._node_values.get(column)

    def edge_buckets(self, layer: int) -> NDArray[np.intp] | None:
        """The colour bucket of each of layer ``layer``'s edges, shaped like its weights."""
        values = self._edge_values.get(layer)
        if values is None:
            return None
        return buckets(values, self._scale or 1.0)

    @property
    def color_scale(self) -> float | None:
        return self._scale

    def parameter_point(self, ref: ParameterRef) -> QPointF:
        """Where ``ref`` is drawn, in view coordinates (a point on its edge, pixel or square)."""
        if ref.input is None:
            x, y = self._bias_position(ref.layer, ref.unit)
            return QPointF(x, y)
        if ref.layer in self._band_rects:
            return self._band_pixel_rect(ref.layer, ref.unit, ref.input).center()
        index = self._edge_offset[ref.layer] + ref.unit * self._sizes[ref.layer] + ref.input
        t = 0.3  # near the input end, where the edges of one input fan out
        return QPointF(
            float(self._x0[index] + t * self._segment_dx[index]),
            float(self._y0[index] + t * self._segment_dy[index]),
        )

    def viewport_point(self, ref: ParameterRef) -> QPoint:
        """Where ``ref`` is on screen, in the plot's viewport coordinates."""
        scene = self.view_box.mapViewToScene(self.parameter_point(ref))
        return self.plot.mapFromScene(scene)

    # ---- check marks (File > Check my code) ----

    @property
    def marks(self) -> tuple[LayerMarks, ...] | None:
        """The gradient elements marked as disagreeing with the learner's code."""
        return self._marks

    def set_marks(self, marks: tuple[LayerMarks, ...] | None) -> None:
        """Mark the weights and biases whose gradient disagrees (None clears the marks)."""
        if marks is not None:
            if len(marks) != len(self._sizes) - 1:
                raise ValueError(f"{len(marks)} layers of marks for a {len(self._sizes) - 1}-layer network")
            for k, m in enumerate(marks):
                if m.weights.shape != (self._sizes[k + 1], self._sizes[k]) or m.bias.shape != (
                    self._sizes[k + 1],
                ):
                    raise ValueError(f"marks of layer {k} do not fit the network")
        self._marks = marks
        if self._mark_curve is None:
            self._mark_curve = pg.PlotCurveItem(connect="pairs", antialias=True)
            self._mark_curve.setSegmentedLineMode("on")
            self._mark_curve.setZValue(-2)  # over every coloured edge, under the nodes
            self.view_box.addItem(self._mark_curve)
            ring_pen = pg.mkPen(MARK_COLOR, width=2.5)
            self._mark_rings = pg.ScatterPlotItem(pxMode=False, brush=None, pen=ring_pen)
            self._mark_rings.setZValue(8.5)
            self.view_box.addItem(self._mark_rings)
        assert self._mark_rings is not None
        # bold where edges are few; thin where many, or the marks would hide the colours under them
        width = min(3.0, max(1.2, self._max_width)) if self._sizes else 3.0
        self._mark_curve.setPen(pg.mkPen(MARK_COLOR, width=width, style=Qt.PenStyle.DashLine))
        for item in self._mark_bands:
            self.view_box.removeItem(item)
        self._mark_bands = ()
        indices: list[NDArray[np.intp]] = []
        rx: list[float] = []
        ry: list[float] = []
        rs: list[float] = []
        for layer, m in enumerate(marks or ()):
            if layer in self._edge_offset:
                indices.append(self._edge_offset[layer] + np.flatnonzero(m.weights.ravel()))
            elif layer in self._band_rects and m.weights.any():
                self._mark_band(layer, m.weights)
            column = self._columns[layer + 1]
            for unit in np.flatnonzero(m.bias):
                if self._sizes[layer + 1] <= BIAS_NODES and not column.strip:
                    bx, by = self._bias_position(layer, int(unit))
                    rx.append(bx)
                    ry.append(by)
                    rs.append(self._bias_size(layer) * 2.2)
                elif not column.strip:
                    rx.append(column.x)
                    ry.append(float(column.y[unit]))
                    rs.append(column.diameter * 1.6)
        self._set_segments(self._mark_curve, np.concatenate(indices) if indices else None)
        self._mark_rings.setData(x=np.array(rx), y=np.array(ry), size=np.array(rs))

    def mark_segments(self) -> Array:
        """The marked line edges as drawn: one row (x0, y0, x1, y1) per edge, view coordinates."""
        if self._mark_curve is None or not self._mark_curve.isVisible():
            return np.zeros((0, 4))
        xs, ys = self._mark_curve.getData()
        return np.column_stack([xs[0::2], ys[0::2], xs[1::2], ys[1::2]])

    def _mark_band(self, layer: int, marked: NDArray[np.bool_]) -> None:
        """A weight-matrix band: tint its marked pixels and outline the band."""
        rgba = np.zeros((*marked.shape, 4), dtype=np.ubyte)
        rgba[marked] = (*QColor(MARK_COLOR).getRgb()[:3], 110)  # the weights' colours show through
        image = pg.ImageItem(np.ascontiguousarray(rgba[:, ::-1]), axisOrder="col-major")  # as _draw_edges
        image.setRect(self._band_rects[layer])
        image.setZValue(-2)
        self.view_box.addItem(image)
        outline = QGraphicsRectItem(self._band_rects[layer])
        pen = QPen(QColor(MARK_COLOR), 2.5)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        outline.setPen(pen)
        outline.setZValue(-2)
        self.view_box.addItem(outline)
        self._mark_bands = (*self._mark_bands, image, outline)

    # ---- hit-testing ----

    def hit_test(self, point: QPointF, tolerance: float) -> Hit | None:
        """What is drawn at ``point`` (view coordinates), within ``tolerance`` for thin edges."""
        if not self._columns:
            return None
        px, py = point.x(), point.y()
        for c, column in enumerate(self._columns):
            r = self._radius(c)
            if abs(px - column.x) > r + tolerance:
                continue
            if column.strip:
                half = column.spacing * len(column.y) / 2
                if -half <= py <= half:
                    i = int(np.clip((half - py) / column.spacing, 0, len(column.y) - 1))
                    return self._node_hit(c, i)
                continue
            i = int(np.argmin(np.abs(column.y - py)))
            if (px - column.x) ** 2 + (py - column.y[i]) ** 2 <= (r + tolerance / 2) ** 2:
                return self._node_hit(c, i)
        if (px - self._loss_pos.x()) ** 2 + (py - self._loss_pos.y()) ** 2 <= 0.35**2:
            return Hit("loss", None, len(self._sizes), 0)
        for layer in range(len(self._sizes) - 1):
            column = self._columns[layer + 1]
            if self._sizes[layer + 1] > BIAS_NODES or column.strip:
                continue
            half = self._bias_size(layer) / 2 + tolerance / 2
            bx = column.x - 1.0 * column.diameter
            if abs(px - bx) > half:
                continue
            by = column.y + 0.55 * column.diameter
            j = int(np.argmin(np.abs(by - py)))
            if abs(py - by[j]) <= half:
                return Hit("bias", ParameterRef(layer, j, None), layer + 1, j)
        for layer, rect in self._band_rects.items():
            if rect.contains(point):
                unit = int(np.clip((px - rect.left()) / rect.width() * self._sizes[layer + 1], 0, None))
                inp = int((rect.bottom() - py) / rect.height() * self._sizes[layer])
                unit = min(unit, self._sizes[layer + 1] - 1)
                inp = min(max(inp, 0), self._sizes[layer] - 1)
                return Hit("weight", ParameterRef(layer, unit, inp), layer, unit)
        return self._edge_hit(px, py, tolerance)

    def _node_hit(self, column: int, index: int) -> Hit:
        if column == 0:
            return Hit("input", None, 0, index)
        return Hit("unit", ParameterRef(column - 1, index, None), column, index)

    def _edge_hit(self, px: float, py: float, tolerance: float) -> Hit | None:
        """Nearest segment to the point, among the layers whose columns bracket it."""
        for layer in self._line_layers:
            left, right = self._columns[layer].x, self._columns[layer + 1].x
            if not left <= px <= right:
                continue
            start = self._edge_offset[layer]
            sl = slice(start, start + self._sizes[layer] * self._sizes[layer + 1])
            x0, y0 = self._x0[sl], self._y0[sl]
            dx, dy = self._segment_dx[sl], self._segment_dy[sl]
            t = np.clip(((px - x0) * dx + (py - y0) * dy) / self._segment_len2[sl], 0.0, 1.0)
            dist2 = (x0 + t * dx - px) ** 2 + (y0 + t * dy - py) ** 2
            k = int(np.argmin(dist2))
            if dist2[k] <= tolerance**2:
                unit, inp = divmod(k, self._sizes[layer])
                return Hit("weight", ParameterRef(layer, unit, inp), layer, k)
        return None

    def _tolerance(self) -> float:
        px, _ = self.view_box.viewPixelSize()
        return HOVER_PIXELS * px

    # ---- tooltips ----

    def describe(self, hit: Hit) -> str:
        """The tooltip text of ``hit``: value, gradient and last update."""
        snap = self._snapshot or self._controller.snapshot()
        n = self.digits
        sample = min(self._controller.sample, snap.record.inputs.shape[0] - 1)
        if hit.kind == "loss":
            loss = None if snap.record.loss is None else snap.record.loss.loss
            return f"loss L (batch of {snap.record.inputs.shape[0]})\nvalue {format_number(loss, n)}"
        if hit.kind == "input":
            value = float(snap.record.inputs[sample, hit.index])
            name = self._node_name(0, hit.index)
            return f"input {name} = x[{hit.index}]\nsample {sample}: {format_number(value, n)}"
        assert hit.ref is not None
        ref = hit.ref
        lines = []
        if hit.kind == "unit":
            layer, j = ref.layer, ref.unit
            forward = snap.record.forward[layer] if len(snap.record.forward) > layer else None
            back = snap.record.backward_of(layer)
            lines.append(
                f"unit {self._node_name(layer + 1, j)} = a[{layer}][{j}] ({self._activations[layer]})"
            )
            lines.append(f"sample {sample}:")
            lines.append(
                f"  z = {format_number(None if forward is None else float(forward.z[sample, j]), n)}"
            )
            lines.append(
                f"  a = {format_number(None if forward is None else float(forward.a[sample, j]), n)}"
            )
            lines.append(
                f"  δ = ∂ℓ/∂z = {format_number(None if back is None else float(back.delta[sample, j]), n)}"
            )
            lines.append(f"click: select its bias b[{layer}][{j}]")
            ref = ParameterRef(layer, j, None)
            lines.append("")
        value = self._parameter_value(snap, ref)
        grad_record = snap.shown_record()
        back = grad_record.backward_of(ref.layer)
        gradient = None
        if back is not None:
            gradient = float(back.db[ref.unit] if ref.input is None else back.dW[ref.unit, ref.input])
        update = self._controller.last_update()
        change = None
        if update is not None:
            params = update[1][ref.layer]
            change = float(
                params.bias[ref.unit] if ref.input is None else params.weights[ref.unit, ref.input]
            )
        if ref.input is None:
            lines.append(f"bias {ref.label} of {self._node_name(ref.layer + 1, ref.unit)}")
        else:
            lines.append(
                f"weight {ref.label}: {self._node_name(ref.layer, ref.input)} → "
                f"{self._node_name(ref.layer + 1, ref.unit)}"
            )
        lines.append(f"value {format_number(value, n)}")
        suffix = f" (iteration {grad_record.iteration})" if grad_record is not snap.record else ""
        lines.append(f"gradient ∂L/∂{'b' if ref.input is None else 'w'} {format_number(gradient, n)}{suffix}")
        when = f" (iteration {update[0].iteration})" if update is not None else ""
        lines.append(f"last update Δ {format_number(change, n)}{when}")
        return "\n".join(lines)

    @staticmethod
    def _parameter_value(snap: Snapshot, ref: ParameterRef) -> float:
        params = snap.params[ref.layer]
        return float(params.bias[ref.unit] if ref.input is None else params.weights[ref.unit, ref.input])

    # ---- exports ----

    def export_png(self, path: Path) -> None:
        """Save the drawing with its colour bars as a PNG; raises GradstepError."""
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice

        from engine.files.atomic import write_atomic

        # encoded in memory, then written atomically: a failed write leaves the old file whole
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self.grab().save(buffer, "PNG"):
            raise GradstepError(f"{path}: could not encode the PNG")
        write_atomic(path, bytes(data.data()))

    def export_svg(self, path: Path) -> None:
        """Save the drawing as an SVG (vector edges and nodes)."""
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice

        from engine.files.atomic import write_atomic

        # rendered to memory, then written atomically: QSvgGenerator writing the file itself
        # truncates it first and reports no error on a full disk
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        size = self.plot.viewport().size()
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle("Gradstep network")
        painter = QPainter()
        if not painter.begin(generator):
            raise GradstepError(f"{path}: could not write the SVG")
        # Cached, the edges would go into the SVG as the screen's pixmap: draw them as lines.
        self._edge_layer.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        try:
            self.plot.render(painter)
        finally:
            painter.end()
            self._edge_layer.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        write_atomic(path, bytes(data.data()))

    # ---- handlers ----

    def _on_session_replaced(self) -> None:
        config = self._controller.config
        self.set_network(config.sizes, tuple(layer.activation for layer in config.layers))

    def _on_stage_changed(self) -> None:
        self.show_snapshot(self._controller.snapshot())

    def _on_selection_changed(self, ref: object) -> None:
        self._draw_selection()

    def _on_color_by_changed(self, mode: str) -> None:
        index = self.color_box.findData(mode)
        if index != self.color_box.currentIndex():
            self.color_box.blockSignals(True)
            self.color_box.setCurrentIndex(index)
            self.color_box.blockSignals(False)
        self.show_snapshot(self._controller.snapshot())

    def _on_sample_changed(self, sample: int) -> None:
        self.show_snapshot(self._controller.snapshot())

    def _on_color_box_changed(self, index: int) -> None:
        self._controller.set_color_by(str(self.color_box.itemData(index)))

    def _on_sample_box_changed(self, value: int) -> None:
        self._controller.set_sample(value)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if not self.plot.sceneBoundingRect().contains(scene_pos):
            return
        hit = self.hit_test(self.view_box.mapSceneToView(scene_pos), self._tolerance())
        if hit is None or self._controller.running:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.describe(hit), self.plot)

    def _on_mouse_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        point = self.view_box.mapSceneToView(event.scenePos())  # type: ignore[attr-defined]
        hit = self.hit_test(point, self._tolerance())
        ref = None if hit is None else hit.ref
        if event.double():  # type: ignore[attr-defined]
            if ref is not None:
                self.edit_parameter(ref)
            return
        self._controller.select(ref)

    def edit_parameter(self, ref: ParameterRef) -> None:
        """Ask for a new value of ``ref`` and hand it to the engine."""
        if self._controller.running:
            self._controller.message.emit("pause the run before editing a parameter")
            return
        current = self._parameter_value(self._controller.snapshot(), ref)
        value, ok = QInputDialog.getDouble(
            self,
            f"Edit {ref.label}",
            f"New value of {ref.label}\n(the stages that depend on it are recomputed):",
            current,
            -1e12,
            1e12,
            10,
        )
        if not ok:
            return
        try:
            self._controller.set_parameter(ref, float(value))
        except GradstepError as exc:
            self._controller.message.emit(str(exc))
            return
        self._controller.select(ref)
        self._controller.message.emit(f"{ref.label} set to {format_number(float(value), self.digits)}")
