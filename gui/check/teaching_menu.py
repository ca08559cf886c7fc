"""Debug > Teaching Mode: the engine makes one of the catalogue's mistakes on purpose.

The menu rebuilds the session through the controller with ``mistake`` set
(:mod:`engine.core.mistakes` holds the catalogue); the status-bar label warns while one is on.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QWidget

from engine import GradstepError
from engine.core.mistakes import MISTAKES, applicable
from gui.controller import SessionController
from gui.formatting import FAIL_COLOR

TEACHING_COLOR = FAIL_COLOR
CORRECT_TIP = "The engine computes the correct gradients"


class TeachingMenu(QMenu):
    """One checkable entry per mistake, plus Off; entries that do not fit the network are disabled."""

    def __init__(self, controller: SessionController, parent: QWidget) -> None:
        super().__init__("&Teaching Mode", parent)
        self._controller = controller
        self.setToolTipsVisible(True)
        self.label = QLabel()  # for the status bar: says the gradients are wrong on purpose
        self.label.setStyleSheet(f"color: {TEACHING_COLOR}; font-weight: 600;")
        self.label.setVisible(False)
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.teaching_actions: dict[str | None, QAction] = {None: self.addAction("Off (correct backprop)")}
        self.addSeparator()
        for name, mistake in MISTAKES.items():
            self.teaching_actions[name] = self.addAction(mistake.title)
        for key, action in self.teaching_actions.items():
            action.setCheckable(True)
            action.setData(key)
            self.group.addAction(action)
            action.triggered.connect(lambda _=False, n=key: self.set_mistake(n))
        controller.session_replaced.connect(self._on_session_replaced)
        controller.running_changed.connect(self._on_running_changed)
        self._sync()

    def set_mistake(self, name: str | None) -> None:
        """Rebuild the session with mistake ``name`` switched on (None: correct backprop)."""
        c = self._controller
        config = c.config
        if name == config.mistake:
            self._sync()
            return
        try:
            c.apply_config(dataclasses.replace(config, mistake=name))
        except GradstepError as exc:
            QMessageBox.critical(self.parentWidget(), "Cannot switch teaching mode", str(exc))
            self._sync()
            return
        if name is None:
            c.message.emit("teaching mode off: the engine computes correct gradients")
        else:
            c.message.emit(
                f"teaching mode: the engine now makes the mistake '{MISTAKES[name].title}' on purpose"
            )

    def _sync(self) -> None:
        config = self._controller.config
        activations = tuple(layer.activation for layer in config.layers)
        for name, action in self.teaching_actions.items():
            reason = (
                None
                if name is None
                else applicable(name, config.sizes, activations, config.loss, config.biased)
            )
            action.setEnabled(reason is None)
            tip = CORRECT_TIP if name is None else MISTAKES[name].explanation
            action.setToolTip(tip + ("" if reason is None else f"\n(not for this network: {reason})"))
        current = self.teaching_actions.get(config.mistake)
        if current is not None:
            current.setChecked(True)
        mistake = None if config.mistake is None else MISTAKES[config.mistake]
        self.label.setVisible(mistake is not None)
        self.label.setText("" if mistake is None else f"⚠ teaching mode: {mistake.title}")
        if mistake is not None:
            self.label.setToolTip(
                f"The engine makes this mistake on purpose: {mistake.explanation}.\n"
                "Its gradients and updates are NOT correct. Debug > Teaching Mode > Off restores them."
            )

    def _on_session_replaced(self) -> None:
        self._sync()

    def _on_running_changed(self, running: bool) -> None:
        self.setEnabled(not running)
