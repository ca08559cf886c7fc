"""The window's docks and their layout: where each panel goes, Reset Layout, the geometry
remembered between launches, and the room they give the network in a small window."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QLayout, QMainWindow, QWidget

from gui.chain_panel import ChainPanel
from gui.controller import SessionController
from gui.window.chain_width import ChainDockWidth
from gui.window.dock_bar import COLLAPSE_BELOW, DockBar

DEFAULT_SIZE = QSize(1400, 900)
SIDE_WIDTH = 375  # the configuration and chain-rule docks
BOTTOM_HEIGHT = 250  # the inspector
ROOM_MARGIN = 8  # the network keeps this much more than half the docks' area, each way
GIVE_WAY_PASSES = 4  # measures of the window a resize may take before its docks stand still

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
        network: QWidget | None = None,
    ) -> None:
        self._window = window
        self._network = network  # keeps at least half the docks' area when the window shrinks
        self._controller = controller
        self._settings = settings
        self.chain = self._dock("Chain rule", "ChainDock", chain_panel, RIGHT)
        # what its content needs, within what the network leaves it
        self.chain_width = ChainDockWidth(window, self.chain, chain_panel, self._chain_room)
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
        self.bar = DockBar(window, (self.config,))
        self._small: bool | None = None  # below COLLAPSE_BELOW at the last fit (None: no fit yet)
        self._config_shown = True  # whether the configuration showed before it collapsed
        self._given: dict[str, int] = {}  # a dock's size before it gave way to the network
        self._sizes: dict[str, int] = {}  # each dock's size at the last fit
        self._last_window = QSize()  # the window's size at the last fit

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
            self.code.hide()  # before it is a tab: hidden after, it left a stale tab bar behind
            self._window.tabifyDockWidget(self.config, self.code)
            self.config.raise_()
        return self.code

    def widen_code(self, width: int) -> None:
        """Show the Your Code dock ``width`` pixels wide (at least its default), at most 35 % of the
        window: the network keeps the room in a small one."""
        if self.code is None or self.code.isFloating():
            return
        width = min(max(SIDE_WIDTH, width), int(0.35 * self._window.width()))
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
        self._small = None  # collapse again if the window is narrow
        self.bar.hide()
        self.fit()
        self.default_sizes()

    def default_sizes(self) -> None:
        self._window.resizeDocks(
            [self.config, self.chain], [SIDE_WIDTH, SIDE_WIDTH], Qt.Orientation.Horizontal
        )
        self._window.resizeDocks([self.inspector], [BOTTOM_HEIGHT], Qt.Orientation.Vertical)
        self.chain_width.reset()
        self._given.clear()
        self._sizes.clear()
        QTimer.singleShot(0, self.give_way)  # once the layout has placed the docks

    # ---- room for the network ----

    @property
    def collapsed(self) -> bool:
        """Whether the configuration is shown as the bar's button (a window narrower than COLLAPSE_BELOW)."""
        return self._small is True

    def fit(self) -> None:
        """After the window was resized: collapse the configuration to its button below
        COLLAPSE_BELOW (expand it above), then shrink the docks the network needs room from."""
        small = self._window.width() < COLLAPSE_BELOW
        if small != self._small:
            first = self._small is None
            self._small = small
            if small:
                self._collapse(first)
            else:
                self._expand(first)
        QTimer.singleShot(0, self.give_way)  # once the layout has placed the docks

    def _collapse(self, first: bool) -> None:
        if self.config.isFloating():
            return  # over the window, it takes no room from the network
        # at launch, a bar restored with the window's state says a collapse hid the configuration
        self._config_shown = not self.config.isHidden() or (first and not self.bar.isHidden())
        self.config.hide()
        self.bar.show()

    def _expand(self, first: bool) -> None:
        shown = not self.bar.isHidden() if first else self._config_shown
        self.bar.hide()
        if shown:
            self.config.show()

    def _docked(self, areas: tuple[Qt.DockWidgetArea, ...]) -> list[QDockWidget]:
        """The docks showing in ``areas``, not floating: a dock behind another's tab counts as
        visible to Qt but is moved off the window (1,300 pixels above it), so it is left out."""
        docks = (self.config, self.code, self.chain, self.walkthrough, self.inspector, self.result)
        window = self._window.rect()
        return [
            d
            for d in docks
            if d is not None
            and d.isVisible()
            and not d.isFloating()
            and self._window.dockWidgetArea(d) in areas
            and d.geometry().intersects(window)
        ]

    def _docks_area(self) -> QRect:
        """The window's rectangle between its bars: the central widget and the docks around it."""
        central = self._window.centralWidget()
        area = QRect() if central is None else QRect(central.geometry())
        for dock in self._docked((LEFT, RIGHT, BOTTOM, Qt.DockWidgetArea.TopDockWidgetArea)):
            area = area.united(dock.geometry())
        return area

    def _chain_room(self) -> int:
        """The widest the chain dock may be and leave the network half the docks' area and
        ROOM_MARGIN, as :meth:`give_way` measures it (separators included: a measure without
        them let the two disagree by a separator's width and move the docks back and forth)."""
        network = self._network
        if network is not None and self.chain in self._docked((LEFT, RIGHT)):
            area = self._docks_area()
            return network.width() + self.chain.width() - (area.width() // 2 + ROOM_MARGIN)
        width = self._window.width()  # not laid out on screen yet: the window's width stands in
        left = [d for d in self._docked((LEFT,)) if d is not self.chain][:1]
        taken = sum(d.width() for d in left) + (self.bar.width() if self.bar.isVisible() else 0)
        return width - (width // 2 + ROOM_MARGIN) - taken

    def give_way(self) -> None:
        """Shrink the docks (left, then right, then the bottom) until the network has half the
        width and half the height of the docks' area, or they are at their minimum; when the
        window grows again, give them back what they gave.

        The chain dock's width follows the room the configuration leaves it, and the network's
        room follows the chain dock's width: the window is measured again after each pass, until
        a pass moved nothing (at most GIVE_WAY_PASSES measures). At launch this runs before the
        first paint, so the first frame is the window as it stays. (One pass had left two more
        re-layouts and repaints for the next turns of the event loop: the network moved twice
        in the 0.2 s after the first frame.)"""
        network = self._network
        if network is None or not self._window.isVisible():
            return
        size = self._window.size()
        last, self._last_window = self._last_window, size
        shrank = (size.width() < last.width(), size.height() < last.height())
        layout = self._window.layout()
        measured = None
        for _ in range(GIVE_WAY_PASSES):
            if layout is not None:
                layout.activate()  # measure where the docks are now, not before the last resize
            now = (network.geometry(), [d.geometry() for d in self._docked((LEFT, RIGHT, BOTTOM))])
            if now == measured:
                return  # the last pass moved nothing: what Qt could give, it gave
            measured = now
            self._give_way_once(network, shrank, layout)
            shrank = (False, False)  # the window has not changed between two passes

    def _give_way_once(self, network: QWidget, shrank: tuple[bool, bool], layout: QLayout | None) -> None:
        """One measure and resize of :meth:`give_way`."""
        area = self._docks_area()
        sides = self._docked((LEFT,))[:1] + self._docked((RIGHT,))[:1]  # the configuration first
        spare = network.width() - (area.width() // 2 + ROOM_MARGIN)
        wide = self._resize(sides, spare, Qt.Orientation.Horizontal, shrank[0])
        spare = network.height() - (area.height() // 2 + ROOM_MARGIN)
        tall = self._resize(self._docked((BOTTOM,))[:1], spare, Qt.Orientation.Vertical, shrank[1])
        if (wide or tall) and layout is not None:
            layout.activate()  # the chain's room from where the others are now, not were
        self.chain_width.apply(grow_only=True)  # within the room the left docks now leave it

    def _resize(
        self, docks: list[QDockWidget], spare: int, orientation: Qt.Orientation, shrank: bool
    ) -> bool:
        """Take what the network lacks (``spare`` < 0) from ``docks`` in turn, down to their
        minimum, or give back (``spare`` > 0) what they gave before: to the network, or to the
        window's own layout when the window ``shrank``."""
        wide = orientation == Qt.Orientation.Horizontal
        moved = False
        for dock in docks:
            size = dock.width() if wide else dock.height()
            key = f"{dock.objectName()}:{orientation.name}"
            if shrank and size < self._sizes.get(key, size):
                self._given.setdefault(key, self._sizes[key])
            if spare < 0:
                minimum = dock.minimumSizeHint()
                new = max(minimum.width() if wide else minimum.height(), size + spare)
                if new < size:
                    self._given.setdefault(key, size)
            elif dock in (self.chain, self.walkthrough):
                new = size  # its own width follows its content (ChainDockWidth), not a give-back
                self._given.pop(key, None)
            else:
                before = self._given.get(key, size)
                new = min(before, size + spare)
                if new >= before:
                    self._given.pop(key, None)
            spare -= new - size
            self._sizes[key] = new
            if new != size:
                self._window.resizeDocks([dock], [new], orientation)
                moved = True
        return moved

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
