"""The Inspector dock: one tab per view of the session; only the visible tab redraws, and while a
run goes on, redraws are throttled to ``RUN_REFRESH_MS``."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.controller import SessionController
from gui.inspector.boundary import BoundaryTab
from gui.inspector.loss import LossTab
from gui.inspector.matrices import MatricesTab
from gui.inspector.norms import NormsTab

RUN_REFRESH_MS = 100  # at most ~10 redraws a second while the engine runs flat out


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
        for tab in self._tab_pages():
            if tab is page and tab in self._dirty:
                self._dirty.discard(tab)
                tab.refresh()

    def refresh_all(self) -> None:
        """Redraw every tab now (for exports and tests)."""
        for page in self._tab_pages():
            page.refresh()
        self._dirty.clear()
