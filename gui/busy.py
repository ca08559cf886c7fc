"""A status-bar busy indicator with Cancel, for work whose length cannot be told in advance."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class BusyIndicator(QWidget):
    """An optional label, a bar that cannot say how far (it moves), and a Cancel button."""

    def __init__(self, label: str | None, cancel_tip: str, on_cancel: Callable[[], None]) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(label or "")
        self.label.setVisible(label is not None)
        layout.addWidget(self.label)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        layout.addWidget(self.bar)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(cancel_tip)
        self.cancel_button.clicked.connect(on_cancel)
        layout.addWidget(self.cancel_button)

    def set_label(self, text: str) -> None:
        """Say what the work is (the same indicator serves several kinds of job)."""
        self.label.setText(text)
        self.label.setVisible(bool(text))
