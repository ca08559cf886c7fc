"""The window's docks and their layout: where each panel goes, Reset Layout, and the geometry
remembered between launches."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from gui.chain_panel import ChainPanel
from gui.controller import SessionController
from gui.window.chain_width import ChainDockWidth

DEFAULT_SIZE = QSize(1400, 900)
SIDE_WIDTH = 375  # the configuration and chain-rule docks
BOTTOM_HEIGHT = 250  # the inspector

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


class WindowDocks:
    """Configuration on the left, chain rule (with the walkthrough as a tab) on the right, the
    inspector (with the check result as a tab) at the bottom."""

    def __init__(
        self,
        window: QMainWindow,
        controller: SessionController,
        settings: QSettings,
        config_panel: QWidget,
        chain_panel: ChainPanel,
        inspector: QWidget,
        walkthrough_panel: QWidget,
    ) -> None:
        self._window = window
        self._controller = controller
        self._settings = settings
        self.chain = self._dock("Chain rule", "ChainDock", chain_panel, RIGHT)
        self.chain_width = ChainDockWidth(window, self.chain, chain_panel)  # what its content needs
        self.inspector = self._dock("Inspector", "InspectorDock", inspector, BOTTOM)
        self.config = self._dock("Configuration", "ConfigurationDock", config_panel, LEFT)
        self.walkthrough = self._dock("Walkthrough", "WalkthroughDock", walkthrough_panel, RIGHT)
        window.tabifyDockWidget(self.chain, self.walkthrough)
        self.walkthrough.hide()  # shown when a walkthrough is played or recorded
        self.chain.raise_()
        window.setCorner(Qt.Corner.BottomLeftCorner, LEFT)
        window.setCorner(Qt.Corner.BottomRightCorner, RIGHT)
        self.result: QDockWidget | None = None  # the check's, made on its first result
        self.code: QDockWidget | None = None  # "Your Code", Debug My Code's
        self.reset_layout_action = QAction("Reset &Layout", window)
        self.reset_layout_action.triggered.connect(self._on_reset_layout_triggered)
        window.addAction(self.reset_layout_action)

    @property
    def toggle_actions(self) -> tuple[QAction, ...]:
        """Show/hide actions of the panels, for the View menu."""
        docks = (self.config, self.chain, self.inspector, self.walkthrough, self.code)
        return tuple(d.toggleViewAction() for d in docks if d is not None)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self._window)
        dock.setObjectName(name)  # saveState/restoreState find docks by object name
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self._window.addDockWidget(area, dock)
        return dock

    def show_walkthrough(self, raise_it: bool = False) -> None:
        self.walkthrough.show()
        if raise_it:
            self.walkthrough.raise_()

    def result_dock(self, widget: QWidget) -> QDockWidget:
        """The check result's dock, made on first use as a tab beside the inspector."""
        if self.result is None:
            self.result = self._dock("Check my code", "CheckDock", widget, BOTTOM)
            if not self.inspector.isFloating():
                self._window.tabifyDockWidget(self.inspector, self.result)
        return self.result

    def code_dock(self, widget: QWidget) -> QDockWidget:
        """The "Your Code" dock, a tab beside the configuration, hidden until a debug shows it."""
        if self.code is None:
            self.code = self._dock("Your Code", "CodeDock", widget, LEFT)
            self._window.tabifyDockWidget(self.config, self.code)
            self.code.hide()
            self.config.raise_()
        return self.code

    def widen_code(self, width: int) -> None:
        """Show the Your Code dock ``width`` pixels wide, at most 35 % of the window, at least its default."""
        if self.code is None or self.code.isFloating():
            return
        width = max(SIDE_WIDTH, min(width, int(0.35 * self._window.width())))
        self._window.resizeDocks([self.code], [width], Qt.Orientation.Horizontal)

    def show_chain(self) -> None:
        self.chain.show()
        self.chain.raise_()

    def reset_layout(self) -> None:
        """Every dock back in its place, at its default size."""
        window = self._window
        for dock, area in ((self.config, LEFT), (self.chain, RIGHT), (self.inspector, BOTTOM)):
            dock.setFloating(False)
            window.addDockWidget(area, dock)
            dock.show()
        # the walkthrough and check result docks share a tab with their neighbours
        self.walkthrough.setFloating(False)
        window.addDockWidget(RIGHT, self.walkthrough)
        window.tabifyDockWidget(self.chain, self.walkthrough)
        self.walkthrough.setVisible(self._controller.mode != "explore")
        if self.code is not None:
            self.code.setFloating(False)
            window.addDockWidget(LEFT, self.code)
            window.tabifyDockWidget(self.config, self.code)
        if self.result is not None:
            self.result.setFloating(False)
            window.addDockWidget(BOTTOM, self.result)
            window.tabifyDockWidget(self.inspector, self.result)
        self.chain.raise_()
        self.default_sizes()

    def default_sizes(self) -> None:
        self._window.resizeDocks(
            [self.config, self.chain], [SIDE_WIDTH, SIDE_WIDTH], Qt.Orientation.Horizontal
        )
        self._window.resizeDocks([self.inspector], [BOTTOM_HEIGHT], Qt.Orientation.Vertical)
        self.chain_width.reset()

    def restore(self) -> None:
        """The geometry and dock layout of the last session, else the defaults."""
        geometry = self._settings.value("geometry")
        state = self._settings.value("window_state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self._window.restoreGeometry(geometry)
        else:
            self._window.resize(DEFAULT_SIZE)
            QTimer.singleShot(0, self.default_sizes)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self._window.restoreState(state)

    def save(self) -> None:
        self._settings.setValue("geometry", self._window.saveGeometry())
        self._settings.setValue("window_state", self._window.saveState())
        self._settings.sync()

    def _on_reset_layout_triggered(self) -> None:
        self.reset_layout()
