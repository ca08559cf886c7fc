"""The Loss tab: the loss of every iteration computed so far, with the cursor's."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui.controller import SessionController
from gui.formatting import format_number
from gui.inspector.plots import CATEGORICAL, IterationTab, few_points_style


class LossTab(IterationTab):
    """Training loss per iteration; hover for the exact value."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(
            controller,
            "loss",
            "Hover the curve for the exact loss of an iteration.",
            log=False,
            parent=parent,
        )
        item = self.plot.getPlotItem()
        self.curve = item.plot(pen=pg.mkPen(CATEGORICAL[0], width=2))
        self.marker = item.plot(
            symbol="o", symbolSize=9, symbolBrush=CATEGORICAL[1], symbolPen=pg.mkPen("#333"), pen=None
        )
        self.cursor_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#999", style=Qt.PenStyle.DashLine))
        item.addItem(self.cursor_line, ignoreBounds=True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.losses: NDArray[np.float64] = np.zeros(0)  # not self.y: that is QWidget.y()

    def refresh(self) -> None:
        """Redraw from the controller's losses."""
        x, y = self._controller.losses()
        self.hover.x, self.losses = x, y
        self.curve.setData(x, y, **few_points_style(x.size, CATEGORICAL[0]))
        self.cursor_line.setValue(self._controller.snapshot().iteration)
        if x.size == 0:
            self.marker.setData([], [])
            self.readout.setText("No loss yet: step through an iteration (F10) or run (F5).")

    def _show_point(self, index: int | None) -> None:
        if index is None:
            self.marker.setData([], [])
            return
        x, y = int(self.hover.x[index]), float(self.losses[index])
        self.marker.setData([x], [y])
        self.readout.setText(f"iteration <b>{x}</b>: loss <b>{format_number(y, 12)}</b>")


# ---- tab 3: decision boundary ----
