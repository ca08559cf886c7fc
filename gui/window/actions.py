"""How the window makes an action: text, shortcuts, a tip that names them, and the window as
owner so the shortcuts work while the toolbar or menu bar is hidden."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

Key = str | QKeySequence.StandardKey


def make_action(
    window: QWidget,
    text: str,
    slot: Callable[[], object] | None = None,
    shortcuts: tuple[Key, ...] = (),
    tip: str = "",
) -> QAction:
    """An action of ``window`` that calls ``slot()`` when triggered."""
    action = QAction(text, window)
    keys = [QKeySequence(k) for k in shortcuts]
    if keys:
        action.setShortcuts(keys)
    if tip:
        shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        action.setToolTip(f"{tip} ({shown})" if shown else tip)
        action.setStatusTip(tip)
    if slot is not None:
        # without arguments: a slot with an optional parameter would otherwise get ``checked``
        action.triggered.connect(lambda: slot())
    window.addAction(action)
    return action
