"""Tabs that inspect the session: layer matrices, loss curve, decision boundary, gradient norms.

Only the visible tab redraws; while a run goes on, redraws are throttled to ``RUN_REFRESH_MS``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError, Snapshot
from engine.core.stages import Stage
from gui.colormap import diverging_colormap
from gui.controller import SessionController
from gui.formatting import format_number
from gui.live_label import LiveLabel
from gui.matrix_table import MatrixView

RUN_REFRESH_MS = 100  # at most ~10 redraws a second while the engine runs flat out
GRID_STEPS = 120  # decision-boundary resolution per axis (display sampling, not model maths)

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
CATEGORICAL = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


class _ValueAxis(pg.AxisItem):
    """A y axis that, in log mode, labels only 1, 2 and 5 times a power of ten.

    pyqtgraph labels every minor tick of a range under two decades, and "0.09 0.08 0.07" then
    overprint each other; the ticks themselves stay.
    """

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        strings: list[str] = super().tickStrings(values, scale, spacing)
        if not self.logMode:
            return strings
        keep = []
        for value, text in zip(values, strings, strict=True):
            mantissa = 10 ** (value - np.floor(value))
            keep.append(text if min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6 else "")
        return keep


def _plot_widget() -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w", axisItems={"left": _ValueAxis("left")})
    item = plot.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.25)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setTextPen("#333")
        item.getAxis(axis).setPen("#888")
        item.getAxis(axis).enableAutoSIPrefix(False)  # "loss (x0.001)" misreads the engine's numbers
    item.setMenuEnabled(False)
    return plot


def _hint_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("color: #555;")
    label.setWordWrap(True)
    return label


def _set_log_y(plot: pg.PlotWidget, on: bool) -> None:
    plot.getPlotItem().setLogMode(y=on)


def _tint(color: QColor, amount: float) -> QColor:
    """``color`` mixed with white: ``amount`` 0 keeps it, 1 gives white."""
    return QColor(*(round(v + (255 - v) * amount) for v in color.getRgb()[:3]))


def _few_points_style(count: int, color: str) -> dict[str, object]:
    """Dots while a curve has few points: one iteration alone would draw nothing."""
    if count <= 40:
        return {"symbol": "o", "symbolSize": 6, "symbolBrush": color, "symbolPen": None}
    return {"symbol": None}


class _HoverReadout:
    """Tracks the mouse over a plot and reports the nearest recorded iteration."""

    def __init__(self, plot: pg.PlotWidget, on_index: Callable[[int | None], None]) -> None:
        self._plot = plot
        self._on_index = on_index
        self.x: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        plot.scene().sigMouseMoved.connect(self.on_mouse_moved)

    def on_mouse_moved(self, scene_pos: QPointF) -> None:
        """Report the recorded iteration nearest to the pointer, or None outside the data."""
        item = self._plot.getPlotItem()
        if self.x.size == 0 or not item.sceneBoundingRect().contains(scene_pos):
            self._on_index(None)
            return
        x_view = item.vb.mapSceneToView(scene_pos).x()
        if item.ctrl.logXCheck.isChecked():
            x_view = 10**x_view
        # Nearest recorded iteration: a lookup in the engine's list, nothing is computed.
        i = int(np.clip(np.searchsorted(self.x, x_view), 1, self.x.size - 1)) if self.x.size > 1 else 0
        if self.x.size > 1 and abs(self.x[i - 1] - x_view) <= abs(self.x[i] - x_view):
            i -= 1
        self._on_index(i)


# ---- tab 1: matrices ----


class MatricesTab(QWidget):
    """W, b, dW, db, z, a and δ of one layer as heat-coloured tables."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("The layer whose matrices are shown (0-based, like the stages)")
        self.where = LiveLabel(lines=2)  # changes every step: kept from re-laying out the dock
        self.where.setStyleSheet("color: #555;")
        self.views: dict[str, MatrixView] = {
            name: MatrixView() for name in ("W", "b", "dW", "db", "z", "a", "delta")
        }
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_box)
        top.addSpacing(12)
        top.addWidget(self.where, 1)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(12)
        # A weight matrix beside its bias vector reads like z = W a + b.
        for row, (left, right) in enumerate((("W", "b"), ("dW", "db"), ("z", "a"), ("delta", None))):
            grid.addWidget(self.views[left], row, 0)
            if right is not None:
                grid.addWidget(self.views[right], row, 1)
        # Both columns keep their content width; spare width goes to an empty third column so
        # a vector stays beside its matrix in a wide dock.
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(4, 1)
        body = QWidget()
        body.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.layer_box.currentIndexChanged.connect(self._on_layer_changed)
        self.rebuild()

    def rebuild(self) -> None:
        """Fill the layer list for the current network."""
        config = self._controller.config
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        sizes = config.sizes
        for k, layer in enumerate(config.layers):
            self.layer_box.addItem(f"{k}: {sizes[k]} → {layer.units}, {layer.activation}")
        self.layer_box.setCurrentIndex(len(config.layers) - 1)
        self.layer_box.blockSignals(False)

    def _on_layer_changed(self, index: int) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the controller's snapshot."""
        snap = self._controller.snapshot()
        layer = max(0, self.layer_box.currentIndex())
        record = snap.record
        self.where.setText(
            f"At {snapshot_label(snap)}. z, a and δ have one row per sample (data row at the left). "
            "Hover a cell for its full value."
        )
        sup = f"<sup>({layer})</sup>"
        params = record.params[layer]
        units = [str(j) for j in range(params.weights.shape[0])]
        self.views["W"].set_matrix(f"W[{layer}]", f"W{sup}", params.weights, row_labels=units)
        self.views["b"].set_matrix(
            f"b[{layer}]", f"b{sup}", params.bias, row_labels=units, column_labels=("",)
        )
        forward = record.forward[layer] if len(record.forward) > layer else None
        backward = record.backward_of(layer)
        rows = [str(int(s)) for s in record.batch]  # data-set rows of the batch
        fwd_pending = f"pending: computed by {Stage('forward', layer).label}"
        bwd_pending = f"pending: computed by {Stage('backward', layer).label}"
        self.views["z"].set_matrix(
            f"z[{layer}]",
            f"z{sup}",
            None if forward is None else forward.z,
            fwd_pending,
            rows,
        )
        self.views["a"].set_matrix(
            f"a[{layer}]",
            f"a{sup}",
            None if forward is None else forward.a,
            fwd_pending,
            rows,
        )
        self.views["delta"].set_matrix(
            f"delta[{layer}]",
            f"δ{sup} = ∂ℓ/∂z{sup}",
            None if backward is None else backward.delta,
            bwd_pending,
            rows,
        )
        self.views["dW"].set_matrix(
            f"dW[{layer}]", f"∂L/∂W{sup}", None if backward is None else backward.dW, bwd_pending, units
        )
        self.views["db"].set_matrix(
            f"db[{layer}]",
            f"∂L/∂b{sup}",
            None if backward is None else backward.db,
            bwd_pending,
            units,
            ("",),
        )


# ---- tab 2: loss curve ----


class LossTab(QWidget):
    """Training loss per iteration; hover for the exact value."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.plot = _plot_widget()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "iteration")
        item.setLabel("left", "loss")
        self.curve = item.plot(pen=pg.mkPen(CATEGORICAL[0], width=2))
        self.marker = item.plot(
            symbol="o", symbolSize=9, symbolBrush=CATEGORICAL[1], symbolPen=pg.mkPen("#333"), pen=None
        )
        self.cursor_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#999", style=Qt.PenStyle.DashLine))
        item.addItem(self.cursor_line, ignoreBounds=True)
        self.log_box = QCheckBox("Log scale")
        self.readout = _hint_label("Hover the curve for the exact loss of an iteration.")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.y: NDArray[np.float64] = np.zeros(0)
        self.hover = _HoverReadout(self.plot, self._show_point)
        top = QHBoxLayout()
        top.addWidget(self.readout, 1)
        top.addWidget(self.log_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.log_box.toggled.connect(self._on_log_changed)

    def _on_log_changed(self, on: bool) -> None:
        _set_log_y(self.plot, on)

    def refresh(self) -> None:
        """Redraw from the controller's losses."""
        x, y = self._controller.losses()
        self.hover.x, self.y = x, y
        self.curve.setData(x, y, **_few_points_style(x.size, CATEGORICAL[0]))
        self.cursor_line.setValue(self._controller.snapshot().iteration)
        if x.size == 0:
            self.marker.setData([], [])
            self.readout.setText("No loss yet: step through an iteration (F10) or run (F5).")

    def _show_point(self, index: int | None) -> None:
        if index is None:
            self.marker.setData([], [])
            return
        x, y = int(self.hover.x[index]), float(self.y[index])
        self.marker.setData([x], [y])
        self.readout.setText(f"iteration <b>{x}</b>: loss <b>{format_number(y, 12)}</b>")


# ---- tab 3: decision boundary ----


class BoundaryTab(QWidget):
    """The network's output over the input plane with the data on top (2-D inputs only)."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._cmap = diverging_colormap()
        self.plot = _plot_widget()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "x<sub>0</sub>")
        item.setLabel("left", "x<sub>1</sub>")
        item.layout.setContentsMargins(4, 12, 4, 4)  # room for the colour bar's top label
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(self._cmap)
        item.addItem(self.image)
        # A white ring keeps every point visible on the surface, whatever the colour under it.
        self.points = pg.ScatterPlotItem(size=11, pen=pg.mkPen("#ffffff", width=1.5))
        item.addItem(self.points)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=self._cmap, interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=item)
        self.output_box = QComboBox()
        self.output_box.setToolTip("Which output the surface shows")
        self.caption = _hint_label()
        self.unavailable = _hint_label()
        self.unavailable.setAlignment(Qt.AlignmentFlag.AlignCenter)
        page = QWidget()
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.output_box)
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addLayout(top)
        page_layout.addWidget(self.plot, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(page)
        self.stack.addWidget(self.unavailable)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.stack)
        self.output_box.currentIndexChanged.connect(self._on_output_changed)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.surface: NDArray[np.float64] | None = None
        self._rect = QRectF()
        self._caption = ""
        self.rebuild()

    @property
    def available(self) -> bool:
        """True when the network has two inputs, so its output can be drawn over a plane."""
        return self._controller.config.inputs == 2

    def rebuild(self) -> None:
        """Set the grid and the output choices for the current network."""
        config = self._controller.config
        self.surface = None
        if not self.available:
            self.unavailable.setText(
                f"The decision boundary is drawn for networks with 2 inputs; this one has {config.inputs}."
            )
            self.stack.setCurrentIndex(1)
            return
        self.stack.setCurrentIndex(0)
        outputs = config.layers[-1].units
        self.output_box.blockSignals(True)
        self.output_box.clear()
        for k in range(outputs):
            self.output_box.addItem(f"output {k}", k)
        if outputs > 1:
            self.output_box.addItem("class (largest output)", -1)
        self.output_box.setCurrentIndex({1: 0, 2: 1}.get(outputs, outputs))
        self.output_box.setVisible(outputs > 1)
        self.output_box.blockSignals(False)
        # The grid covers the data with a margin; these are display coordinates, not model maths.
        x = config.x
        low, high = x.min(axis=0), x.max(axis=0)
        pad = np.maximum((high - low) * 0.15, 0.25)
        low, high = low - pad, high + pad
        self._rect = QRectF(low[0], low[1], high[0] - low[0], high[1] - low[1])
        gx = np.linspace(low[0], high[0], GRID_STEPS)
        gy = np.linspace(low[1], high[1], GRID_STEPS)
        xx, yy = np.meshgrid(gx, gy)  # rows follow y, as ImageItem's row-major order expects
        self._grid = np.column_stack([xx.ravel(), yy.ravel()])
        self.plot.getPlotItem().setRange(self._rect, padding=0)
        self._set_points()

    def _on_output_changed(self, index: int) -> None:
        self._set_points()
        self.refresh()

    def _levels(self) -> tuple[float, float]:
        config = self._controller.config
        if self.output_box.currentData() == -1:
            return 0.0, float(max(1, config.layers[-1].units - 1))
        if config.layers[-1].activation in ("sigmoid", "softmax"):
            return 0.0, 1.0
        y = config.y[:, self._output()]
        low, high = float(y.min()), float(y.max())
        return (low, high) if high > low else (low - 1.0, high + 1.0)

    def _output(self) -> int:
        data = self.output_box.currentData()
        return 0 if data is None else int(data)

    def _set_points(self) -> None:
        if not self.available:
            return
        config = self._controller.config
        k = self._output()
        targets = np.argmax(config.y, axis=1) if k == -1 else config.y[:, k]
        low, high = self._levels()
        if k == -1:
            # Classes are categories, not a scale: one Okabe-Ito colour each, exact at each class.
            classes = config.layers[-1].units
            palette = [QColor(CATEGORICAL[c % len(CATEGORICAL)]) for c in range(classes)]
            stops = np.linspace(0.0, 1.0, classes)
            points_map = pg.ColorMap(stops, palette)
            # The regions in a paler tint, so each point's own class colour stands out on them.
            self._cmap = pg.ColorMap(stops, [_tint(c, 0.55) for c in palette])
            where = np.clip((targets - low) / (high - low), 0, 1)
            pen = pg.mkPen("#222222", width=1)
        else:
            self._cmap = points_map = diverging_colormap()
            # The map's mid-saturation band: the darkest ends would make both classes look black.
            where = 0.12 + 0.76 * np.clip((targets - low) / (high - low), 0, 1)
            pen = pg.mkPen("#ffffff", width=1.5)
        self.image.setColorMap(self._cmap)
        self.colorbar.setColorMap(self._cmap)
        self.colorbar.setVisible(k != -1)  # a scale means nothing for class numbers
        colors = points_map.map(where, mode="qcolor")
        self.points.setData(pos=config.x, brush=colors, pen=pen)
        what = "largest output" if k == -1 else f"output {k}"
        self._caption = f"Surface: the network's {what}. Points: the data, coloured by target."
        self.caption.setText(self._caption)
        self.colorbar.setLevels((low, high))

    def refresh(self) -> None:
        """Recompute the surface through the engine's predict() with the drawn snapshot's parameters."""
        if not self.available:
            return
        snap = self._controller.snapshot()
        try:
            out = self._controller.session.predict(self._grid, params=snap.params)
        except GradstepError as exc:
            self.caption.setText(f"Cannot draw the surface: {exc}")
            return
        k = self._output()
        values = np.argmax(out, axis=1).astype(np.float64) if k == -1 else out[:, k]
        self.surface = values.reshape(GRID_STEPS, GRID_STEPS)
        self.caption.setText(self._caption)
        self.image.setImage(self.surface, levels=self._levels(), autoLevels=False)
        self.image.setRect(self._rect)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if self.surface is None:
            return
        p = self.plot.getPlotItem().vb.mapSceneToView(scene_pos)
        if not self._rect.contains(p):
            self.caption.setText(self._caption)
            return
        # The grid cell under the pointer: its value is the one predict() returned for it.
        col = round((p.x() - self._rect.left()) / self._rect.width() * (GRID_STEPS - 1))
        row = round((p.y() - self._rect.top()) / self._rect.height() * (GRID_STEPS - 1))
        k = self._output()
        what = "class" if k == -1 else f"output {k}"
        value = self.surface[row, col]
        shown = str(int(value)) if k == -1 else format_number(float(value), 6)
        self.caption.setText(
            f"x<sub>0</sub> = {format_number(p.x(), 3)}, x<sub>1</sub> = {format_number(p.y(), 3)}:"
            f" {what} <b>{shown}</b>"
        )


# ---- tab 4: gradient norms ----


class NormsTab(QWidget):
    """Per-layer ||dW|| over the iterations: vanishing and exploding gradients at a glance."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.plot = _plot_widget()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "iteration")
        item.setLabel("left", "‖∂L/∂W‖")
        self.legend = item.addLegend(
            offset=(-10, 10), labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 200)
        )
        _set_log_y(self.plot, True)
        self.log_box = QCheckBox("Log scale")
        self.log_box.setChecked(True)
        self.readout = _hint_label("Hover the plot for each layer's gradient norm at an iteration.")
        self.curves: list[pg.PlotDataItem] = []
        self.norms: NDArray[np.float64] = np.zeros((0, 0))
        self.hover = _HoverReadout(self.plot, self._show_point)
        top = QHBoxLayout()
        top.addWidget(self.readout, 1)
        top.addWidget(self.log_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.log_box.toggled.connect(self._on_log_changed)
        self.rebuild()

    def _on_log_changed(self, on: bool) -> None:
        _set_log_y(self.plot, on)

    def rebuild(self) -> None:
        """One curve per layer of the current network."""
        item = self.plot.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        self.legend.clear()
        self.curves = [
            item.plot(
                pen=pg.mkPen(CATEGORICAL[k % len(CATEGORICAL)], width=2),
                name=f"layer {k}",
            )
            for k in range(len(self._controller.config.layers))
        ]

    def refresh(self) -> None:
        """Redraw from the controller's gradient norms."""
        x, norms = self._controller.gradient_norms()
        self.hover.x, self.norms = x, norms
        for k, curve in enumerate(self.curves):
            style = _few_points_style(x.size, CATEGORICAL[k % len(CATEGORICAL)])
            curve.setData(x, norms[:, k] if norms.shape[0] else np.zeros(0), **style)
        if x.size == 0:
            self.readout.setText("No gradients yet: step through a backward pass (F10) or run (F5).")

    def _show_point(self, index: int | None) -> None:
        if index is None:
            return
        values = ", ".join(
            f"layer {k} <b>{format_number(float(v), 6)}</b>" for k, v in enumerate(self.norms[index])
        )
        self.readout.setText(f"iteration <b>{int(self.hover.x[index])}</b>: {values}")


# ---- the dock ----


class Inspector(QWidget):
    """Matrices, loss curve, decision boundary and gradient norms, one tab each."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.matrices = MatricesTab(controller)
        self.loss = LossTab(controller)
        self.boundary = BoundaryTab(controller)
        self.norms = NormsTab(controller)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.matrices, "Matrices")
        self.tabs.addTab(self.loss, "Loss")
        self.tabs.addTab(self.boundary, "Decision boundary")
        self.tabs.addTab(self.norms, "Gradient norms")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._dirty: set[QWidget] = set()
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(RUN_REFRESH_MS)
        self._throttle.timeout.connect(self._refresh_current)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.session_replaced.connect(self._on_session_replaced)
        self._on_stage_changed()

    def _tab_pages(self) -> tuple[MatricesTab, LossTab, BoundaryTab, NormsTab]:
        return self.matrices, self.loss, self.boundary, self.norms

    def _on_session_replaced(self) -> None:
        # The controller follows with stage_changed, which redraws.
        self.matrices.rebuild()
        self.boundary.rebuild()
        self.norms.rebuild()
        self._dirty = set(self._tab_pages())

    def _on_stage_changed(self) -> None:
        self._dirty = set(self._tab_pages())
        if not self.isVisible():
            return
        if self._controller.running:
            if not self._throttle.isActive():
                self._throttle.start()
        else:
            self._throttle.stop()
            self._refresh_current()

    def _on_tab_changed(self, index: int) -> None:
        self._refresh_current()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._refresh_current()

    def _refresh_current(self) -> None:
        page = self.tabs.currentWidget()
        if page in self._dirty:
            self._dirty.discard(page)
            page.refresh()  # type: ignore[attr-defined]

    def refresh_all(self) -> None:
        """Redraw every tab now (for exports and tests)."""
        for page in self._tab_pages():
            page.refresh()
        self._dirty.clear()


def snapshot_label(snap: Snapshot) -> str:
    """ "iteration k, after <stage>" for captions."""
    last = snap.last_stage
    return f"iteration {snap.iteration}, " + (
        f"after {last.label}" if snap.stage > 0 and last is not None else "not started"
    )
