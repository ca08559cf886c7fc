"""The Confusion matrix tab, in place of the decision boundary for a classifier of more than two
inputs: how many samples of each target class the network assigns to each class, and its
accuracy, on the held-out test samples or the training samples."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError
from engine.core.classify import Evaluation, classes_of, evaluate
from gui.colormap import text_color_on
from gui.controller import SessionController
from gui.inspector.plots import tint
from gui.live_label import LiveLabel

CELL_BLUE = QColor("#2166ac")  # the diverging map's positive-free end: counts are never negative
WRONG_RED = QColor("#b2182b")


class ConfusionTab(QWidget):
    """Counts of (target class, predicted class) and the accuracy, from the engine's evaluate()."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.set_box = QComboBox()
        self.set_box.setToolTip("Which samples the matrix counts")
        self.accuracy = LiveLabel(lines=2)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(14)  # ten rows fit a short dock
        self.table.verticalHeader().setDefaultSectionSize(16)
        top = QHBoxLayout()
        top.addWidget(self.accuracy, 1)
        top.addWidget(self.set_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.table.setToolTip("Rows: the target class; columns: the class the network names")
        self.evaluation: Evaluation | None = None
        self.set_box.currentIndexChanged.connect(self._on_set_changed)
        self.rebuild()

    def rebuild(self) -> None:
        """The sets to choose from and the table's classes, for the current session."""
        config = self._controller.config
        blocked = self.set_box.blockSignals(True)
        self.set_box.clear()
        if config.test_x is not None:
            self.set_box.addItem(f"test set ({config.test_x.shape[0]} held out)", "test")
        self.set_box.addItem(f"training set ({config.x.shape[0]})", "train")
        self.set_box.blockSignals(blocked)
        classes = classes_of(config.y, config.layers[-1].activation) or 0
        self.table.setRowCount(classes)
        self.table.setColumnCount(classes)
        labels = [str(c) for c in range(classes)]
        self.table.setHorizontalHeaderLabels(labels)
        self.table.setVerticalHeaderLabels(labels)

    def _on_set_changed(self, index: int) -> None:
        self.refresh()

    def _samples(self) -> tuple[str, NDArray[np.float64], NDArray[np.float64]]:
        config = self._controller.config
        if self.set_box.currentData() == "test" and config.test_x is not None and config.test_y is not None:
            return "held-out test samples", config.test_x, config.test_y
        return "training samples", config.x, config.y

    def refresh(self) -> None:
        """Classify the chosen samples with the parameters the cursor shows, through the engine."""
        config = self._controller.config
        if classes_of(config.y, config.layers[-1].activation) is None:
            return
        snap = self._controller.snapshot()
        what, x, y = self._samples()
        try:
            outputs = self._controller.predict(x, params=snap.params)
        except GradstepError as exc:
            self.accuracy.setText(f"Cannot classify: {exc}")
            return
        result = evaluate(outputs, y, config.layers[-1].activation)
        self.evaluation = result
        self.accuracy.setText(
            f"Accuracy on the {what}: <b>{100 * result.accuracy:.2f}%</b> "
            f"({result.correct} of {result.samples} right) after {snap.iteration} updates. "
            '<span style="color:#555">Rows: target; columns: predicted.</span>'
        )
        self._fill(result)

    def _fill(self, result: Evaluation) -> None:
        counts = result.confusion
        for r in range(counts.shape[0]):
            total = int(counts[r].sum())
            for c in range(counts.shape[1]):
                n = int(counts[r, c])
                item = QTableWidgetItem(str(n))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = n / total if total else 0.0
                base = CELL_BLUE if r == c else WRONG_RED
                color = tint(base, 1.0 - share) if n else QColor("#ffffff")
                item.setBackground(color)
                item.setForeground(text_color_on(color))
                item.setToolTip(f"target {r}, predicted {c}: {n} of the {total} samples of class {r}")
                self.table.setItem(r, c, item)
