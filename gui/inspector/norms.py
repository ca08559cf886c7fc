"""The Gradient norms tab: each layer's ||dW|| over the iterations."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtWidgets import QWidget

from gui.controller import SessionController
from gui.formatting import format_number
from gui.inspector.plots import CATEGORICAL, IterationTab, few_points_style


class NormsTab(IterationTab):
    """Per-layer ||dW|| over the iterations: vanishing and exploding gradients at a glance."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(
            controller,
            "‖∂L/∂W‖",
            "Hover the plot for each layer's gradient norm at an iteration.",
            log=True,
            parent=parent,
        )
        self.legend = self.plot.getPlotItem().addLegend(
            offset=(-10, 10), labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 200)
        )
        self.curves: list[pg.PlotDataItem] = []
        self.norms: NDArray[np.float64] = np.zeros((0, 0))
        self.rebuild()

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
            style = few_points_style(x.size, CATEGORICAL[k % len(CATEGORICAL)])
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
