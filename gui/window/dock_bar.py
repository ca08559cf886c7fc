"""The bar the Configuration dock collapses to in a narrow window: one button, its title on end.

Below COLLAPSE_BELOW pixels of width the network needs the room more than the form does (it is
edited now and then, looked at rarely): the dock hides and a vertical button on the window's
left edge shows it again, over the same place, until it is clicked away.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QStyle,
    QStyleOptionToolButton,
    QStylePainter,
    QToolBar,
    QToolButton,
)

COLLAPSE_BELOW = 1400  # narrower windows show the configuration as a button; the default width keeps it


class VerticalButton(QToolButton):
    """A tool button whose text reads from bottom to top, for a bar on the window's left edge."""

    def sizeHint(self) -> QSize:  # noqa: N802
        return super().sizeHint().transposed()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return super().minimumSizeHint().transposed()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QStylePainter(self)
        option = QStyleOptionToolButton()
        self.initStyleOption(option)
        option.rect = QRect(0, 0, self.height(), self.width())
        painter.rotate(-90)
        painter.translate(-self.height(), 0)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ToolButton, option)
        painter.end()


class DockBar(QToolBar):
    """A vertical bar of buttons, each showing or hiding one dock (checked while it shows)."""

    def __init__(self, window: QMainWindow, docks: tuple[QDockWidget, ...]) -> None:
        super().__init__("Collapsed panels", window)
        self.setObjectName("DockBar")  # saveState/restoreState find toolbars by object name
        self.setOrientation(Qt.Orientation.Vertical)
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # shown by the window's width, not by the user
        self.buttons: dict[str, VerticalButton] = {}
        for dock in docks:
            button = VerticalButton()
            button.setDefaultAction(dock.toggleViewAction())
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setToolTip(f"Show or hide the {dock.windowTitle()} panel")
            button.setFixedSize(button.sizeHint())  # a toolbar would stretch it square
            self.buttons[dock.objectName()] = button
            self.addWidget(button)
        window.addToolBar(Qt.ToolBarArea.LeftToolBarArea, self)
        self.hide()
