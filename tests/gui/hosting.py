"""Showing a widget offscreen the way a dock or the window would hold it."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget


def keep_until_closed(qtbot, widget: QWidget) -> None:
    """Register ``widget`` with ``qtbot``, which closes it after the test, and keep it alive
    until then.

    qtbot holds its widgets by weak reference. A widget that only a reference cycle keeps (a
    host window and the view that names it, most of pyqtgraph's widgets) is garbage once the
    test returns, yet still shown; pytest-qt then processes events, and the cycle collector,
    started by any allocation in a paint handler, deleted such a window in the middle of
    painting it (valgrind: QPainter::drawImage reading the freed backing store), which crashed
    the suite at random.
    """
    qtbot.addWidget(widget, before_close_func=lambda _closing, kept=widget: None)


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
    keep_until_closed(qtbot, host)
    host.resize(width, height)
    host.show()
    qtbot.waitExposed(host)
    return host
