"""The Chain rule dock's width: what its content needs, up to a third of the window, until the
user drags the dock's edge."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

from gui.chain_panel import ChainPanel

MIN_WIDTH = 375  # the width the dock had before it followed its content: never narrower


class ChainDockWidth(QObject):
    """Resizes the Chain rule dock when its content or the window's width changes.

    New content only widens the dock: clicking from weight to weight does not move the network
    back and forth under the pointer. A window resize or Reset Layout sizes it to its content
    afresh. A drag of the dock's edge (a mouse press and release on the window's separator that
    changed the dock's width) hands the width to the user until :meth:`reset` (Reset Layout).
    """

    def __init__(
        self,
        window: QMainWindow,
        dock: QDockWidget,
        panel: ChainPanel,
        room: Callable[[], int] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._room = room  # the widest the dock may be and leave the network its half
        self._dock = dock
        self._panel = panel
        self._user_sized = False
        self._pressed_width: int | None = None
        self._in_view = True  # not behind another dock's tab (visibilityChanged says when it is)
        self._grow_only = True  # what the next timed apply does: widen for content, or fit afresh
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)  # once the window's layout has settled
        self._timer.timeout.connect(self._on_timer_timeout)
        panel.preferred_width_changed.connect(self._on_preferred_width_changed)
        dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        window.installEventFilter(self)

    @property
    def user_sized(self) -> bool:
        """Whether the user dragged the dock's edge, so its width is theirs."""
        return self._user_sized

    def limit(self) -> int:
        """The widest the dock gets: a third of the window, less if the network needs the room."""
        third = self._window.width() // 3
        return max(1, third if self._room is None else min(third, self._room()))

    def width(self) -> int:
        """The width the dock should have: its content's, within [MIN_WIDTH, :meth:`limit`]."""
        return min(max(self._panel.preferred_width(), MIN_WIDTH), self.limit())

    def apply(self, grow_only: bool = False) -> None:
        """Give the dock :meth:`width` (at least its present width if ``grow_only``) unless the
        user sized it or it floats."""
        dock = self._dock
        if self._user_sized or dock.isFloating() or not dock.isVisible() or not self._in_view:
            # Behind the walkthrough's tab: Qt would keep the width asked for and apply it at the
            # window's next re-layout, which the busy indicator of the next tutorial Next set off,
            # moving the network 122 pixels while a job ran. Sized when its tab comes up instead.
            return
        if self._window.dockWidgetArea(dock) not in (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
        ):
            return
        width = self.width()
        if grow_only:
            width = max(width, min(dock.width(), self.limit()))
        if width != dock.width():
            self._window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)

    def reset(self) -> None:
        """Follow the content again (Reset Layout)."""
        self._user_sized = False
        self.apply()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._window:
            kind = event.type()
            if kind == QEvent.Type.Resize:
                self._schedule(grow_only=False)
            elif kind == QEvent.Type.MouseButtonPress:
                # the window gets a press only where no child is: on a dock separator
                self._pressed_width = self._dock.width()
            elif kind == QEvent.Type.MouseButtonRelease and self._pressed_width is not None:
                self._user_sized = self._user_sized or self._dock.width() != self._pressed_width
                self._pressed_width = None
        return False

    def _schedule(self, grow_only: bool) -> None:
        self._grow_only = grow_only and (self._grow_only or not self._timer.isActive())
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self.apply(self._grow_only)
        self._grow_only = True

    def _on_preferred_width_changed(self, width: int) -> None:
        self._schedule(grow_only=True)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        self._in_view = visible
        if visible:  # back from behind the walkthrough's tab, or shown again
            self._schedule(grow_only=True)
