"""The session's configuration as a form; Apply rebuilds the session when the engine accepts it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.controller import SessionController


class ConfigPanel(QWidget):
    """Placeholder until the full panel lands; same constructor."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("ConfigPanel"))
