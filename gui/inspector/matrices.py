"""The Matrices tab: W, b, z, a, δ and dW of one layer as heat-coloured tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.core.stages import Stage
from gui.controller import SessionController
from gui.inspector.plots import (
    snapshot_label,
)
from gui.live_label import LiveLabel
from gui.matrix_table import MatrixView, NumberLabels

_Table = tuple[str, str, NDArray[np.float64] | None, str, Sequence[str], tuple[str, ...]]


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
        has_bias = params.has_bias
        no_bias = 'none: this layer has no biases ("bias": false)'
        self.views["b"].set_matrix(
            f"b[{layer}]", f"b{sup}", params.bias if has_bias else None, no_bias, units, ("",)
        )
        forward = record.forward[layer] if len(record.forward) > layer else None
        backward = record.backward_of(layer)
        rows = NumberLabels(record.batch)  # data-set rows of the batch
        fwd_pending = f"pending: computed by {Stage('forward', layer).label}"
        bwd_pending = f"pending: computed by {Stage('backward', layer).label}"
        z, a = (None, None) if forward is None else (forward.z, forward.a)
        delta, dW, db = (None, None, None) if backward is None else (backward.delta, backward.dW, backward.db)
        # name, title, array (None until its stage has run), why pending, row and column labels
        tables: tuple[_Table, ...] = (
            ("z", f"z{sup}", z, fwd_pending, rows, ()),
            ("a", f"a{sup}", a, fwd_pending, rows, ()),
            ("delta", f"δ{sup} = ∂ℓ/∂z{sup}", delta, bwd_pending, rows, ()),
            ("dW", f"∂L/∂W{sup}", dW, bwd_pending, units, ()),
            (
                "db",
                f"∂L/∂b{sup}",
                db if has_bias else None,
                bwd_pending if has_bias else no_bias,
                units,
                ("",),
            ),
        )
        for name, title, array, why, row_labels, column_labels in tables:
            self.views[name].set_matrix(f"{name}[{layer}]", title, array, why, row_labels, column_labels)


# ---- tab 2: loss curve ----
