"""A label for text that changes on every step, without re-laying out the window each time."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class LiveLabel(QWidget):
    """A QLabel inside a box that has no layout, as tall as ``lines`` lines of text.

    ``QLabel.setText`` asks its parent's layout to recompute, and each layout asks its own
    parent, up to the main window and its docks. That walk cost more than the rest of a small
    network's step. In a box without a layout the request stops at the box: a new text repaints.
    """

    def __init__(self, lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.label.setWordWrap(lines > 1)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 2)

    def text(self) -> str:
        return self.label.text()

    def setText(self, text: str) -> None:  # noqa: N802
        if text != self.label.text():
            self.label.setText(text)

    def setStyleSheet(self, sheet: str) -> None:  # noqa: N802
        self.label.setStyleSheet(sheet)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.label.setGeometry(self.rect())
