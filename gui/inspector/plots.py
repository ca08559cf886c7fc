"""What the inspector's tabs share: the palette, plot widgets, hover readouts, captions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from engine import Snapshot

if TYPE_CHECKING:
    from gui.controller import SessionController

GRID_STEPS = 120  # decision-boundary resolution per axis (display sampling, not model maths)

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
CATEGORICAL = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


class ValueAxis(pg.AxisItem):
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


def plot_widget() -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w", axisItems={"left": ValueAxis("left")})
    item = plot.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.25)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setTextPen("#333")
        item.getAxis(axis).setPen("#888")
        item.getAxis(axis).enableAutoSIPrefix(False)  # "loss (x0.001)" misreads the engine's numbers
    item.setMenuEnabled(False)
    return plot


def iteration_plot(y_label: str) -> pg.PlotWidget:
    """A plot of something over the iterations: iteration on x, ``y_label`` on y."""
    plot = plot_widget()
    item = plot.getPlotItem()
    item.setLabel("bottom", "iteration")
    item.setLabel("left", y_label)
    return plot


def log_scale_box(plot: pg.PlotWidget, on: bool = False) -> QCheckBox:
    """A "Log scale" box that switches ``plot``'s y axis, starting ``on``."""
    box = QCheckBox("Log scale")
    if on:
        set_log_y(plot, True)
        box.setChecked(True)
    box.toggled.connect(partial(set_log_y, plot))
    return box


def caption_over_plot(
    parent: QWidget, caption: QLabel, control: QWidget, plot: pg.PlotWidget, margin: int = 8
) -> None:
    """Lay ``caption`` (taking the spare width) and ``control`` in a row over ``plot``."""
    top = QHBoxLayout()
    top.addWidget(caption, 1)
    top.addWidget(control)
    layout = QVBoxLayout(parent)
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.addLayout(top)
    layout.addWidget(plot, 1)


class IterationTab(QWidget):
    """A tab of values over the iterations: the plot, a readout of the hovered iteration and a
    log-scale box above it."""

    def __init__(
        self, controller: SessionController, y_label: str, hint: str, log: bool, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self.plot = iteration_plot(y_label)
        self.log_box = log_scale_box(self.plot, on=log)
        self.readout = hint_label(hint)
        self.hover = HoverReadout(self.plot, self._show_point)
        caption_over_plot(self, self.readout, self.log_box, self.plot)

    def _show_point(self, index: int | None) -> None:
        """Show the values of recorded iteration ``index`` (None: the pointer left the data)."""
        raise NotImplementedError


def hint_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("color: #555;")
    label.setWordWrap(True)
    return label


def set_log_y(plot: pg.PlotWidget, on: bool) -> None:
    plot.getPlotItem().setLogMode(y=on)


def tint(color: QColor, amount: float) -> QColor:
    """``color`` mixed with white: ``amount`` 0 keeps it, 1 gives white."""
    return QColor(*(round(v + (255 - v) * amount) for v in (color.red(), color.green(), color.blue())))


def few_points_style(count: int, color: str) -> dict[str, object]:
    """Dots while a curve has few points: one iteration alone would draw nothing."""
    if count <= 40:
        return {"symbol": "o", "symbolSize": 6, "symbolBrush": color, "symbolPen": None}
    return {"symbol": None}


class HoverReadout:
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


def snapshot_label(snap: Snapshot) -> str:
    """ "iteration k, after <stage>" for captions."""
    last = snap.last_stage
    return f"iteration {snap.iteration}, " + (
        f"after {last.label}" if snap.stage > 0 and last is not None else "not started"
    )
