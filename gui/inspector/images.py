"""The Images tab, for sessions whose inputs are images: the sample shown, and each first-layer
unit's incoming weights (or their gradient, or last update) as a tile; clicking a pixel of a
tile selects that weight, and so that unit."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPen, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import ParameterRef
from engine.core.classify import class_count, classify
from gui.colormap import LUT
from gui.controller import SessionController
from gui.formatting import format_number
from gui.inspector.plots import hint_label
from gui.inspector.tiles import TileGrid, image_rows_columns
from gui.live_label import LiveLabel
from gui.network.color_bar import ColorBar
from gui.network.values import COLOR_MODES, DEFAULT_SCALE_MODE, color_scale, colored_values, scale_kind

Array = NDArray[np.float64]
# ink on paper: 0 white, the data's largest value black
GREY_LUT = np.repeat(np.linspace(255, 0, 256).round().astype(np.uint8)[:, None], 3, axis=1)
SAMPLE_WIDTH = 100
NARROW = 420  # below this width the tab drops its colour bar (the caption gives the scale)
SELECTED = "#e66100"  # orange: no colour of the diverging map
MODE_TEXT = {"weight": "weights w", "gradient": "gradients ∂L/∂w", "update": "last update Δw"}


def image_view() -> tuple[pg.GraphicsLayoutWidget, pg.ViewBox, pg.ImageItem]:
    """A white view of one image, row 0 at the top, square pixels, no mouse panning."""
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    widget.ci.setContentsMargins(2, 2, 2, 2)
    box = widget.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
    box.setMenuEnabled(False)
    item = pg.ImageItem(axisOrder="row-major")
    box.addItem(item)
    return widget, box, item


class ImagesTab(QWidget):
    """The sample shown as an image beside the first layer's weights as a grid of tiles."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.sample_view, self._sample_box, self.sample_image = image_view()
        self.sample_view.setFixedSize(SAMPLE_WIDTH, SAMPLE_WIDTH)
        self.sample_box = QSpinBox()
        self.sample_box.setToolTip("The batch row shown (the network's sample, too)")
        self.sample_text = hint_label()
        self.sample_text.setFixedWidth(SAMPLE_WIDTH)
        self.tiles_view, self._tiles_box, self.tiles_image = image_view()
        self.tiles_image.setLookupTable(LUT)
        self._outline = QGraphicsRectItem()
        self._outline.setPen(_cosmetic_pen(3.0))
        self._outline.setZValue(10)
        self._tiles_box.addItem(self._outline)
        self._pixel = QGraphicsRectItem()
        self._pixel.setPen(_cosmetic_pen(1.5))
        self._pixel.setZValue(11)
        self._tiles_box.addItem(self._pixel)
        self.tiles_view.setMinimumSize(80, 60)
        self.color_bar = ColorBar()
        # shown once the tab is wide enough (resizeEvent): it must not widen a narrow Inspector
        self.color_bar.setVisible(False)
        self.mode_box = QComboBox()
        for mode, text in MODE_TEXT.items():
            self.mode_box.addItem(text, mode)
        self.mode_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode_box.setMinimumContentsLength(9)
        self.mode_box.setToolTip(
            "What layer 0's tiles show, one tile per unit, as the network's edges do (Ctrl+1 / 2 / 3)"
        )
        self.caption = LiveLabel(lines=2)
        self.caption.setStyleSheet("color: #555;")
        self._build_layout()
        self.grid = TileGrid(1, 1, 1, 1)
        self.values: Array = np.zeros((0, 0))  # the mosaic drawn (NaN between tiles)
        self.scale: float | None = None
        self._hint = ""
        self.mode_box.currentIndexChanged.connect(self._on_mode_box_changed)
        self.sample_box.valueChanged.connect(self._on_sample_box_changed)
        controller.color_by_changed.connect(self._on_color_by_changed)
        controller.selection_changed.connect(self._on_selection_changed)
        controller.sample_changed.connect(self._on_sample_changed)
        self.tiles_view.scene().sigMouseClicked.connect(self._on_tiles_clicked)
        self.tiles_view.scene().sigMouseMoved.connect(self._on_tiles_hovered)
        self.rebuild()

    def _build_layout(self) -> None:
        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(QLabel("<b>Sample</b> (batch row)"))
        left.addWidget(self.sample_box)
        left.addWidget(self.sample_view)
        left.addWidget(self.sample_text)
        left.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.mode_box)
        top.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(4)
        right.addLayout(top)
        right.addWidget(self.caption)
        tiles = QHBoxLayout()
        tiles.addWidget(self.tiles_view, 1)
        tiles.addWidget(self.color_bar)
        right.addLayout(tiles, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(left)
        layout.addLayout(right, 1)

    @property
    def available(self) -> bool:
        """True when the session's inputs are images (it has an ``image_shape``)."""
        return self._controller.config.image_shape is not None

    def rebuild(self) -> None:
        """Lay the tiles out for the current network."""
        config = self._controller.config
        if config.image_shape is None:
            return
        self.grid = TileGrid.fit(config.layers[0].units, config.image_shape)
        height, width = self.grid.size
        self._tiles_box.setRange(QRectF(0, 0, width, height), padding=0.02)
        rows, columns = image_rows_columns(config.image_shape)
        self._sample_box.setRange(QRectF(0, 0, columns, rows), padding=0.02)
        self._on_color_by_changed(self._controller.color_by)

    def refresh(self) -> None:
        """Redraw the sample and the tiles from the controller's snapshot."""
        if not self.available:
            return
        self._draw_sample()
        self._draw_tiles()
        self._on_selection_changed(self._controller.selection)

    # ---- the sample ----

    def _draw_sample(self) -> None:
        config = self._controller.config
        shape = image_rows_columns(config.image_shape or (1,))
        record = self._controller.snapshot().record
        rows = record.inputs.shape[0]
        sample = min(self._controller.sample, rows - 1)
        blocked = self.sample_box.blockSignals(True)
        self.sample_box.setRange(0, rows - 1)
        self.sample_box.setValue(sample)
        self.sample_box.blockSignals(blocked)
        # one grey scale for every sample: the data's own range (display only)
        low, high = float(config.x.min()), float(config.x.max())
        self.sample_image.setImage(
            record.inputs[sample].reshape(shape), levels=(low, high if high > low else low + 1), lut=GREY_LUT
        )
        self.sample_text.setText(self._sample_words(sample))

    def _sample_words(self, sample: int) -> str:
        """Which data row the sample is, its target class and the class the output names."""
        record = self._controller.snapshot().record
        lines = [f"data row {int(record.batch[sample])}"]
        targets = record.targets[sample : sample + 1]
        if class_count(targets) is None:
            return lines[0]
        one = 0 if targets.shape[1] == 1 else None
        activation = self._controller.config.layers[-1].activation
        target = int(classify(targets, targets, one, activation).target[0])
        lines.append(f"target class <b>{target}</b>")
        if len(record.forward) == len(record.params):
            outputs = record.forward[-1].a[sample : sample + 1]
            predicted = int(classify(outputs, targets, one, activation).predicted[0])
            lines.append(f"the output names class <b>{predicted}</b>")
        else:
            lines.append("the output: pending until the last forward stage")
        return "<br>".join(lines)

    # ---- the tiles ----

    def _draw_tiles(self) -> None:
        snap = self._controller.snapshot()
        mode = self._controller.color_by
        edges, biases = colored_values(snap, mode, self._controller.last_update())
        # the network view's default scale, so a tile's pixel has its edge's colour: weights on
        # one scale over every layer, gradients and updates on layer 0's own
        shown = color_scale(edges, biases, scale_kind(mode, DEFAULT_SCALE_MODE))
        self.scale = None if shown is None else shown.half_width(0)
        first = edges.get(0)
        self.values = self.grid.mosaic(first)
        scale = self.scale or 1.0
        self.tiles_image.setImage(self.values, levels=(-scale, scale), autoLevels=False)
        self.color_bar.set_scale(COLOR_MODES[mode], self.scale)
        if first is None:
            self._hint = f"{MODE_TEXT[mode].capitalize()}: pending until the backward pass reaches layer 0."
        else:
            self._hint = (
                f"Layer 0, tile j: unit j's {first.shape[1]} incoming {MODE_TEXT[mode]} as the image, "
                f"on the network's colour scale ±{format_number(scale, 3)}. Click a pixel to select "
                "that weight; hover for its value."
            )
        self.caption.setText(self._hint)

    def tile(self, unit: int) -> Array:
        """The pixels drawn for ``unit`` (for tests and readouts)."""
        return self.grid.tile(np.asarray(self.tiles_image.image), unit)

    def tile_center(self, unit: int, index: int = 0) -> QPointF:
        """The mosaic point at the centre of input ``index``'s pixel in ``unit``'s tile."""
        top, left = self.grid.origin(unit)
        r, c = divmod(index, self.grid.columns)
        return QPointF(left + c + 0.5, top + r + 0.5)

    def _hit(self, scene_pos: QPointF) -> tuple[int, int] | None:
        p = self.tiles_image.mapFromScene(scene_pos)
        return self.grid.hit(p.y(), p.x())

    def _on_tiles_clicked(self, event: object) -> None:
        scene_pos = getattr(event, "scenePos", None)
        if scene_pos is None:
            return
        hit = self._hit(scene_pos())
        if hit is not None:
            unit, index = hit
            self._controller.select(ParameterRef(0, unit, index))

    def _on_tiles_hovered(self, scene_pos: QPointF) -> None:
        hit = self._hit(scene_pos)
        if hit is None or not self.values.size:
            self.caption.setText(self._hint)
            return
        unit, index = hit
        r, c = divmod(index, self.grid.columns)
        value = self.tile(unit)[r, c]
        shown = "pending" if np.isnan(value) else format_number(float(value), 6)
        self.caption.setText(
            f"unit {unit}, input {index} (row {r}, column {c}): {MODE_TEXT[self._controller.color_by]} = "
            f"<b>{shown}</b>"
        )

    def _on_selection_changed(self, ref: object) -> None:
        """Outline the selected weight's tile (its unit) and pixel; nothing for another layer."""
        if not isinstance(ref, ParameterRef) or ref.layer != 0 or not self.available:
            self._outline.setVisible(False)
            self._pixel.setVisible(False)
            return
        top, left = self.grid.origin(ref.unit)
        self._outline.setRect(QRectF(left - 0.5, top - 0.5, self.grid.columns + 1, self.grid.rows + 1))
        self._outline.setVisible(True)
        if ref.input is None:
            self._pixel.setVisible(False)
            return
        r, c = divmod(ref.input, self.grid.columns)
        self._pixel.setRect(QRectF(left + c, top + r, 1, 1))
        self._pixel.setVisible(True)

    @property
    def selected_unit(self) -> int | None:
        """The unit whose tile is outlined."""
        ref = self._controller.selection
        return ref.unit if self._outline.isVisible() and ref is not None else None

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.color_bar.setVisible(event.size().width() >= NARROW)

    # ---- controls ----

    def _on_mode_box_changed(self, index: int) -> None:
        self._controller.set_color_by(str(self.mode_box.itemData(index)))

    def _on_color_by_changed(self, mode: str) -> None:
        blocked = self.mode_box.blockSignals(True)
        self.mode_box.setCurrentIndex(list(MODE_TEXT).index(mode))
        self.mode_box.blockSignals(blocked)
        if self.isVisible():
            self.refresh()

    def _on_sample_box_changed(self, value: int) -> None:
        self._controller.set_sample(value)

    def _on_sample_changed(self, sample: int) -> None:
        if self.isVisible() and self.available:
            self._draw_sample()


def _cosmetic_pen(width: float) -> QPen:
    pen = QPen(Qt.GlobalColor.black)
    pen.setColor(SELECTED)
    pen.setWidthF(width)
    pen.setCosmetic(True)
    return pen
