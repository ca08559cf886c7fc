"""The Decision boundary tab: the network's output over the plane of a 2-D input, with the data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError
from engine.core.classify import Classification, classify
from gui.colormap import diverging_colormap
from gui.controller import SessionController
from gui.formatting import format_number
from gui.inspector.plots import (
    CATEGORICAL,
    GRID_STEPS,
    caption_over_plot,
    hint_label,
    plot_widget,
    tint,
)

WRONG_COLOR = "#cf222e"
MAX_POINTS = 2000  # drawn at most: a million scatter points froze the window for minutes


def shown_points(count: int) -> NDArray[np.intp]:
    """The indices of the data points drawn: all of them, or ``MAX_POINTS`` spread evenly."""
    if count <= MAX_POINTS:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, MAX_POINTS).round().astype(np.intp))


def class_color(index: int) -> QColor:
    """The Okabe-Ito colour of class ``index``."""
    return QColor(CATEGORICAL[index % len(CATEGORICAL)])


class BoundaryTab(QWidget):
    """The network's output over the input plane with the data on top (2-D inputs only)."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._cmap = diverging_colormap()
        self.plot = plot_widget()
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "x<sub>0</sub>")
        item.setLabel("left", "x<sub>1</sub>")
        item.layout.setContentsMargins(4, 12, 4, 4)  # room for the colour bar's top label
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(self._cmap)
        item.addItem(self.image)
        # Points are filled by target class; a dark ring keeps them visible on any surface colour.
        self.points = pg.ScatterPlotItem(size=11, pen=pg.mkPen("#222222", width=1.2))
        item.addItem(self.points)
        # The samples the network gets wrong: a ring around the point (its fill stays visible),
        # in a colour no class has.
        self.wrong_marks = pg.ScatterPlotItem(
            size=21, symbol="o", pen=pg.mkPen(WRONG_COLOR, width=2.5), brush=None
        )
        item.addItem(self.wrong_marks)
        self.legend = QLabel()  # under the plot: drawn over it, a legend would hide corner points
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend_entries: list[str] = []
        self.classification: Classification | None = None
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=self._cmap, interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=item)
        self.output_box = QComboBox()
        self.output_box.setToolTip("Which output the surface shows")
        self.caption = hint_label()
        self.unavailable = hint_label()
        self.unavailable.setAlignment(Qt.AlignmentFlag.AlignCenter)
        plotted = QWidget()
        caption_over_plot(plotted, self.caption, self.output_box, self.plot, margin=0)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(plotted, 1)
        column.addWidget(self.legend)
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
        self.grid: NDArray[np.float64] = np.column_stack([xx.ravel(), yy.ravel()])  # where predict() is asked
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
        low, high = self._levels()
        if k == -1:
            # The regions in a paler tint of each class's colour, so the points stand out on them.
            classes = config.layers[-1].units
            stops = np.linspace(0.0, 1.0, classes)
            self._cmap = pg.ColorMap(stops, [tint(class_color(c), 0.55) for c in range(classes)])
        else:
            self._cmap = diverging_colormap()
        self.image.setColorMap(self._cmap)
        self.colorbar.setColorMap(self._cmap)
        self.colorbar.setVisible(k != -1)  # a scale means nothing for class numbers
        count = config.x.shape[0]
        drawn = len(shown_points(count))
        sampled = "" if drawn == count else f" ({drawn:,} of the {count:,}, evenly spread)"
        self._caption = (
            f"Surface: the network's {'largest output' if k == -1 else f'output {k}'}. "
            f"Points: the data by target class{sampled}."
        )
        self.caption.setText(self._caption)
        self.colorbar.setLevels((low, high))
        self._classify(config.y)  # target classes now; what the network predicts on refresh

    def _classify(self, outputs: NDArray[np.float64]) -> None:
        """Colour the points by target class and ring the ones ``outputs`` misclassify."""
        config = self._controller.config
        k = self._output()
        self.classification = classify(
            outputs, config.y, None if k == -1 else k, config.layers[-1].activation
        )
        target = self.classification.target
        wrong = self.classification.wrong
        drawn = shown_points(config.x.shape[0])
        brushes = {int(c): pg.mkBrush(class_color(int(c))) for c in np.unique(target)}
        self.points.setData(pos=config.x[drawn], brush=[brushes[int(c)] for c in target[drawn]])
        self.wrong_marks.setData(pos=config.x[drawn][wrong[drawn]])
        entries = [(class_color(int(c)).name(), "●", f"target class {int(c)}") for c in np.unique(target)]
        if wrong.any():
            entries.append((WRONG_COLOR, "◯", f"misclassified ({int(wrong.sum())})"))
        self.legend_entries = [text for _, _, text in entries]
        self.legend.setText(
            "&nbsp;&nbsp;&nbsp;".join(
                f'<span style="color:{color}; font-size:large">{mark}</span>&nbsp;{text}'
                for color, mark, text in entries
            )
        )

    def refresh(self) -> None:
        """Recompute the surface through the engine's predict() with the drawn snapshot's parameters."""
        if not self.available:
            return
        snap = self._controller.snapshot()
        try:
            out = self._controller.predict(self.grid, params=snap.params)
        except GradstepError as exc:
            self.caption.setText(f"Cannot draw the surface: {exc}")
            return
        k = self._output()
        values = np.argmax(out, axis=1).astype(np.float64) if k == -1 else out[:, k]
        self.surface = values.reshape(GRID_STEPS, GRID_STEPS)
        self.caption.setText(self._caption)
        self._classify(self._controller.predict(self._controller.config.x, params=snap.params))
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
