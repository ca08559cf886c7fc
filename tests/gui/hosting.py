"""Showing a widget offscreen the way a dock or the window would hold it."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget


def show_in_host(qtbot, widget: QWidget, width: int, height: int, margin: int | None = None) -> QWidget:
    """Show ``widget`` inside a plain window of ``width`` x ``height`` (``margin`` around it, or
    the style's), and return that window.

    The host's layout never sets the window's minimum size: the offscreen platform warns on
    every size-constraint change of a top-level window, and warnings fail the tests.
    """
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    if margin is not None:
        layout.setContentsMargins(margin, margin, margin, margin)
    layout.addWidget(widget)
    qtbot.addWidget(host)
    host.resize(width, height)
    host.show()
    qtbot.waitExposed(host)
    return host
