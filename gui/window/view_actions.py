"""View > Fit Network, Colour by weight / gradient / last update, Colour Scale, Number Format."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMainWindow, QMenu

from gui.controller import SessionController
from gui.network_view import COLOR_MODES, SCALE_MODES, NetworkView
from gui.window.actions import make_action

DIGITS = (4, 6, 10)
DEFAULT_DIGITS = 6


class ViewActions:
    """How the network is drawn: fitted, coloured by what on which scale, with how many digits
    (the scale and the digits remembered)."""

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
        self.scale_group = QActionGroup(window)
        self.scale_actions: dict[str, QAction] = {}
        self.scale_menu = QMenu("Colour &Scale of Gradients and Updates", window)
        for mode, text in SCALE_MODES.items():
            action = make_action(
                window, text[0].upper() + text[1:], partial(network_view.set_scale_mode, mode)
            )
            action.setCheckable(True)
            self.scale_group.addAction(action)
            self.scale_actions[mode] = action
            self.scale_menu.addAction(action)
        network_view.scale_mode_changed.connect(self._on_scale_mode_changed)
        saved_scale = str(settings.value("color_scale", network_view.scale_mode))
        network_view.set_scale_mode(saved_scale if saved_scale in SCALE_MODES else network_view.scale_mode)
        self.scale_actions[network_view.scale_mode].setChecked(True)
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

    def _on_scale_mode_changed(self, mode: str) -> None:
        self.scale_actions[mode].setChecked(True)
        self._settings.setValue("color_scale", mode)

    def _on_color_by_changed(self, mode: str) -> None:
        self.color_actions[mode].setChecked(True)
