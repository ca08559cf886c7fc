"""The Inspector dock: one tab per view of the session; only the visible tab redraws, and while a
run goes on, redraws are throttled to ``RUN_REFRESH_MS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

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


_Page = MatricesTab | LossTab | BoundaryTab | NormsTab
_TABS: tuple[tuple[str, str, Callable[[SessionController], _Page]], ...] = (
    ("matrices", "Matrices", MatricesTab),
    ("loss", "Loss", LossTab),
    ("boundary", "Decision boundary", BoundaryTab),
    ("norms", "Gradient norms", NormsTab),
)


class Inspector(QWidget):
    """Matrices, loss curve, decision boundary and gradient norms, one tab each."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._built: dict[str, _Page] = {}
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for _name, title, _kind in _TABS:
            self.tabs.addTab(QWidget(), title)  # a placeholder until the tab is first shown
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
        self._page(self.tabs.currentIndex())
        self._on_stage_changed()

    # Hidden tabs are built when first shown (or asked for): a plot costs tens of milliseconds
    # of the window's launch.
    @property
    def matrices(self) -> MatricesTab:
        return cast(MatricesTab, self._page(0))

    @property
    def loss(self) -> LossTab:
        return cast(LossTab, self._page(1))

    @property
    def boundary(self) -> BoundaryTab:
        return cast(BoundaryTab, self._page(2))

    @property
    def norms(self) -> NormsTab:
        return cast(NormsTab, self._page(3))

    def _page(self, index: int) -> _Page:
        """Tab ``index``, built (in place of its placeholder) on first use."""
        name, title, kind = _TABS[index]
        page = self._built.get(name)
        if page is None:
            page = self._built[name] = kind(self._controller)
            current = self.tabs.currentIndex()
            blocked = self.tabs.blockSignals(True)
            placeholder = self.tabs.widget(index)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, page, title)
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(blocked)
            if placeholder is not None:
                placeholder.deleteLater()
            self._dirty.add(page)
        return page

    def _tab_pages(self) -> list[_Page]:
        return list(self._built.values())

    def _on_session_replaced(self) -> None:
        # The controller follows with stage_changed, which redraws; a tab not built yet is
        # built for the session it first shows.
        for page in self._tab_pages():
            if not isinstance(page, LossTab):
                page.rebuild()
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
        page = self._page(self.tabs.currentIndex())
        if page in self._dirty:
            self._dirty.discard(page)
            page.refresh()

    def refresh_all(self) -> None:
        """Redraw every tab now (for exports and tests)."""
        for index in range(len(_TABS)):
            self._page(index).refresh()
        self._dirty.clear()
