"""View > Fit Network, Colour by weight / gradient / last update, Number Format."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMainWindow, QMenu

from gui.controller import SessionController
from gui.network_view import COLOR_MODES, NetworkView
from gui.window.actions import make_action

DIGITS = (4, 6, 10)
DEFAULT_DIGITS = 6


class ViewActions:
    """How the network is drawn: fitted, coloured by what, with how many digits (remembered)."""

    def __init__(
        self,
        window: QMainWindow,
        controller: SessionController,
        network_view: NetworkView,
        settings: QSettings,
    ) -> None:
        self._network_view = network_view
        self._settings = settings
        self.fit_action = make_action(
            window, "&Fit Network", network_view.fit, ("Ctrl+0",), "Fit the network to the view"
        )
        self.color_group = QActionGroup(window)
        self.color_actions: dict[str, QAction] = {}
        for k, (mode, text) in enumerate(COLOR_MODES.items(), start=1):
            action = make_action(
                window, f"Colour by {text}", partial(controller.set_color_by, mode), (f"Ctrl+{k}",)
            )
            action.setCheckable(True)
            action.setChecked(mode == controller.color_by)
            self.color_group.addAction(action)
            self.color_actions[mode] = action
        self.digits_group = QActionGroup(window)
        self.digits_actions: dict[int, QAction] = {}
        self.number_menu = QMenu("&Number Format", window)
        for digits in DIGITS:
            action = make_action(window, f"{digits} significant digits", partial(self.set_digits, digits))
            action.setCheckable(True)
            self.digits_group.addAction(action)
            self.digits_actions[digits] = action
            self.number_menu.addAction(action)
        controller.color_by_changed.connect(self._on_color_by_changed)
        saved = int(str(settings.value("number_digits", DEFAULT_DIGITS)))
        self.set_digits(saved if saved in DIGITS else DEFAULT_DIGITS)

    def set_digits(self, digits: int) -> None:
        """How many significant digits tooltips show (remembered)."""
        self._network_view.digits = digits
        self.digits_actions[digits].setChecked(True)
        self._settings.setValue("number_digits", digits)

    def _on_color_by_changed(self, mode: str) -> None:
        self.color_actions[mode].setChecked(True)
