"""The Inspector dock: one tab per view of the session; only the visible tab redraws, and while a
run goes on, at most once in ``RUN_REFRESH_MS``, within a progress frame. Which tabs there are
depends on the session (:func:`tab_names`): images for image inputs, a confusion matrix in place
of the decision boundary for a classifier of more than two inputs."""

from __future__ import annotations

import importlib
import time
from typing import TYPE_CHECKING, cast

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import SessionConfig
from engine.core.classify import classes_of
from gui.controller import SessionController
from gui.inspector.loss import LossTab  # the loss curve's tab: small, and it has no rebuild

if TYPE_CHECKING:
    from gui.inspector.boundary import BoundaryTab
    from gui.inspector.confusion import ConfusionTab
    from gui.inspector.images import ImagesTab
    from gui.inspector.matrices import MatricesTab
    from gui.inspector.norms import NormsTab

    _Page = MatricesTab | LossTab | BoundaryTab | NormsTab | ImagesTab | ConfusionTab

# At most ~10 redraws a second while the engine runs flat out. They come within the run's
# progress frames, while its worker waits for the window: a timer of their own had fired while the
# worker computed, and each of the redraw's Qt calls then waited for the interpreter's lock (an
# XOR run's Matrices redraw took 11 ms, up to 22, against 1 ms; a Pause came after it). Within
# a frame, its cost also counts in the frame's, which spaces the next frame out.
RUN_REFRESH_MS = 100

# name: (title, module, class); a tab's module is imported when the tab is first built
_TABS: dict[str, tuple[str, str, str]] = {
    "matrices": ("Matrices", "gui.inspector.matrices", "MatricesTab"),
    "images": ("Images", "gui.inspector.images", "ImagesTab"),
    "loss": ("Loss", "gui.inspector.loss", "LossTab"),
    "boundary": ("Decision boundary", "gui.inspector.boundary", "BoundaryTab"),
    "confusion": ("Confusion matrix", "gui.inspector.confusion", "ConfusionTab"),
    "norms": ("Gradient norms", "gui.inspector.norms", "NormsTab"),
}


def _build_tab(name: str, controller: SessionController) -> _Page:
    _, module, kind = _TABS[name]
    page: _Page = getattr(importlib.import_module(module), kind)(controller)
    return page


def tab_names(config: SessionConfig) -> tuple[str, ...]:
    """The Inspector's tabs for ``config``, in order."""
    images = ("images",) if config.image_shape is not None else ()
    classifier = classes_of(config.y, config.layers[-1].activation) is not None
    plane = "confusion" if classifier and config.inputs > 2 else "boundary"
    return ("matrices", *images, "loss", plane, "norms")


class Inspector(QWidget):
    """Matrices, images, loss curve, decision boundary or confusion matrix, gradient norms."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._built: dict[str, _Page] = {}
        self._names: tuple[str, ...] = ()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._set_tabs(tab_names(controller.config))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._dirty: set[QWidget] = set()
        self._refreshed_at = -float("inf")  # monotonic seconds of the last redraw during a run
        self.tabs.currentChanged.connect(self._on_tab_changed)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.session_replaced.connect(self._on_session_replaced)
        self._page(self.tabs.currentIndex())
        self._on_stage_changed()

    # Hidden tabs are built when first shown (or asked for): a plot costs tens of milliseconds
    # of the window's launch.
    @property
    def names(self) -> tuple[str, ...]:
        """The names of the tabs shown, in order (see :func:`tab_names`)."""
        return self._names

    @property
    def matrices(self) -> MatricesTab:
        return cast("MatricesTab", self._named("matrices"))

    @property
    def loss(self) -> LossTab:
        return cast("LossTab", self._named("loss"))

    @property
    def boundary(self) -> BoundaryTab:
        return cast("BoundaryTab", self._named("boundary"))

    @property
    def norms(self) -> NormsTab:
        return cast("NormsTab", self._named("norms"))

    @property
    def images(self) -> ImagesTab:
        return cast("ImagesTab", self._named("images"))

    @property
    def confusion(self) -> ConfusionTab:
        return cast("ConfusionTab", self._named("confusion"))

    def _named(self, name: str) -> _Page:
        if name not in self._names:
            raise LookupError(f"this session has no {_TABS[name][0]} tab (tabs: {', '.join(self._names)})")
        return self._page(self._names.index(name))

    def _set_tabs(self, names: tuple[str, ...]) -> None:
        """Show the tabs ``names``; tabs no longer shown are dropped, the others are kept."""
        blocked = self.tabs.blockSignals(True)
        current = self._names[self.tabs.currentIndex()] if self._names else None
        while self.tabs.count():
            widget = self.tabs.widget(0)
            self.tabs.removeTab(0)
            if widget is not None and widget not in self._built.values():
                widget.deleteLater()  # a placeholder
        for name in list(self._built):
            if name not in names:
                self._built.pop(name).deleteLater()
        self._names = names
        for name in names:
            title = _TABS[name][0]
            # a placeholder until the tab is first shown
            self.tabs.addTab(self._built.get(name) or QWidget(), title)
        if current not in names:  # the decision boundary's place is the confusion matrix's
            current = {"boundary": "confusion", "confusion": "boundary"}.get(current or "")
        self.tabs.setCurrentIndex(names.index(current) if current in names else 0)
        self.tabs.blockSignals(blocked)

    def _page(self, index: int) -> _Page:
        """Tab ``index``, built (in place of its placeholder) on first use."""
        name = self._names[index]
        title = _TABS[name][0]
        page = self._built.get(name)
        if page is None:
            page = self._built[name] = _build_tab(name, self._controller)
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
        names = tab_names(self._controller.config)
        if names != self._names:
            self._set_tabs(names)
            self._page(self.tabs.currentIndex())
        for page in self._tab_pages():
            if not isinstance(page, LossTab):
                page.rebuild()
        self._dirty = set(self._tab_pages())

    def _on_stage_changed(self) -> None:
        self._dirty = set(self._tab_pages())
        if not self.isVisible():
            return
        if self._controller.running:
            now = time.monotonic()
            if now - self._refreshed_at < RUN_REFRESH_MS / 1000:
                return  # a later frame shows it, and the run's end (stage_changed) does
            self._refreshed_at = now
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
        for index in range(len(self._names)):
            self._page(index).refresh()
        self._dirty.clear()
