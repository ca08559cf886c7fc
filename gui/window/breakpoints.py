"""Debug > Breakpoints: the conditions that pause a run, and their thresholds."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMenu, QToolButton

from engine import Breakpoints
from gui.controller import SessionController
from gui.window.actions import make_action

LOSS_PROMPT = ("Loss breakpoint", "Pause when the loss falls below:")
NORM_PROMPT = ("Gradient-norm breakpoint", "Pause when a layer's ||dW|| rises above:")


class BreakpointControls:
    """The breakpoint actions (a menu, and a toolbar button that counts those on); every change
    goes to :attr:`SessionController.breakpoints`."""

    def __init__(self, window: QMainWindow, controller: SessionController) -> None:
        self._window = window
        self._controller = controller
        self.loss_threshold = 1e-3
        self.norm_threshold = 10.0
        self.bp_non_finite = make_action(window, "Non-finite value (NaN or ∞)", self._on_breakpoints_changed)
        self.bp_loss = make_action(window, "Loss below …", self._on_loss_breakpoint_toggled)
        self.bp_norm = make_action(window, "Gradient norm above …", self._on_norm_breakpoint_toggled)
        self.bp_dead = make_action(window, "Dead ReLU layer (every unit zero)", self._on_breakpoints_changed)
        for action in self._toggles:
            action.setCheckable(True)
        self.bp_non_finite.setChecked(True)
        self.thresholds_action = make_action(window, "Edit Thresholds…", self.edit_thresholds)
        self.menu = QMenu("&Breakpoints", window)
        self.menu.addActions(list(self._toggles))
        self.menu.addSeparator()
        self.menu.addAction(self.thresholds_action)
        self.button = QToolButton()  # for the toolbar
        self.button.setMenu(self.menu)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setToolTip("Conditions that pause a run")
        self._on_breakpoints_changed()

    @property
    def _toggles(self) -> tuple[QAction, ...]:
        return (self.bp_non_finite, self.bp_loss, self.bp_norm, self.bp_dead)

    def breakpoints(self) -> Breakpoints:
        """The breakpoints the menu has switched on."""
        return Breakpoints(
            non_finite=self.bp_non_finite.isChecked(),
            loss_below=self.loss_threshold if self.bp_loss.isChecked() else None,
            grad_norm_above=self.norm_threshold if self.bp_norm.isChecked() else None,
            dead_relu=self.bp_dead.isChecked(),
        )

    def edit_thresholds(self) -> bool:
        """Ask for the loss and gradient-norm thresholds; False if cancelled."""
        loss = self._ask(LOSS_PROMPT, self.loss_threshold, 8)
        if loss is None:
            return False
        norm = self._ask(NORM_PROMPT, self.norm_threshold, 6)
        if norm is None:
            return False
        self.loss_threshold, self.norm_threshold = loss, norm
        self._on_breakpoints_changed()
        return True

    def _ask(self, prompt: tuple[str, str], value: float, decimals: int) -> float | None:
        title, label = prompt
        answer, ok = QInputDialog.getDouble(self._window, title, label, value, 0.0, 1e12, decimals)
        return answer if ok else None

    def _threshold(self, toggle: QAction, prompt: tuple[str, str], value: float, decimals: int) -> float:
        """The threshold once ``toggle`` changed: asked for when it is checked (a cancelled
        question unchecks it again), else ``value`` as it was."""
        if toggle.isChecked():
            answer = self._ask(prompt, value, decimals)
            if answer is not None:
                return answer
            toggle.setChecked(False)
        return value

    def _on_loss_breakpoint_toggled(self) -> None:
        self.loss_threshold = self._threshold(self.bp_loss, LOSS_PROMPT, self.loss_threshold, 8)
        self._on_breakpoints_changed()

    def _on_norm_breakpoint_toggled(self) -> None:
        self.norm_threshold = self._threshold(self.bp_norm, NORM_PROMPT, self.norm_threshold, 6)
        self._on_breakpoints_changed()

    def _on_breakpoints_changed(self) -> None:
        self._controller.breakpoints = self.breakpoints()
        self.bp_loss.setText(f"Loss below {self.loss_threshold:g}")
        self.bp_norm.setText(f"Gradient norm above {self.norm_threshold:g}")
        count = sum(a.isChecked() for a in self._toggles)
        self.button.setText(f"Breakpoints ({count})")
