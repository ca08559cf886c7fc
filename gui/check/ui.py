"""File > Check my code: the window side of the controller's check state.

The controller runs :func:`engine.learner.check.check_code` and keeps its report
(``check_changed``, ``check_finished``, ``check_failed``); the network view and the chain-rule
panel read the report from it. This module holds the actions, the dialog that asks for the file,
the busy indicator with Cancel, and the result dock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QMainWindow,
    QMessageBox,
)

from gui.busy import BusyIndicator
from gui.check.dialog import DEFAULT_ITERATIONS, DEFAULT_TIMEOUT, CheckDialog

if TYPE_CHECKING:
    from engine.learner.check import CheckReport
    from gui.check.result_panel import CheckResultPanel
    from gui.controller import SessionController
    from gui.window.docks import WindowDocks


class CheckUi(QObject):
    """Check my code's actions, busy indicator and result dock in ``window``."""

    def __init__(
        self, controller: SessionController, settings: QSettings, window: QMainWindow, docks: WindowDocks
    ) -> None:
        super().__init__(window)
        self._controller = controller
        self._settings = settings
        self._window = window
        self._docks = docks
        self.result_panel: CheckResultPanel | None = None
        self.result_dock: QDockWidget | None = None

        self.check_action = QAction("Check &my code…", window)
        self.check_action.setShortcut(QKeySequence("Ctrl+K"))
        self.check_action.setToolTip(
            "Compare your own train_step with the correct computation and name the mistake (Ctrl+K)"
        )
        self.check_action.setStatusTip("Compare your own train_step with the correct computation")
        self.check_action.triggered.connect(self.open_dialog)
        self.clear_action = QAction("C&lear check marks", window)
        self.clear_action.setStatusTip("Remove the marks of the last check from the network")
        self.clear_action.triggered.connect(controller.clear_check)
        self.cancel_action = QAction("Cancel the check", window)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setStatusTip("Stop the running check and your code's process")
        self.cancel_action.triggered.connect(controller.cancel_check)
        for action in (self.check_action, self.clear_action, self.cancel_action):
            window.addAction(action)  # the shortcuts work while the menu bar is hidden

        self.busy = BusyIndicator(
            None, "Stop the check and your code's process (Esc)", controller.cancel_check
        )
        self.cancel_button = self.busy.cancel_button
        window.statusBar().addPermanentWidget(self.busy)

        controller.check_changed.connect(self._on_check_changed)
        controller.check_finished.connect(self._on_check_finished)
        controller.check_failed.connect(self._on_check_failed)
        controller.running_changed.connect(self._on_running_changed)
        controller.debug_changed.connect(self._on_debug_changed)
        self._on_check_changed(controller.check_state)

    def open_dialog(self) -> None:
        """Ask for the learner's file and options, then start the check."""
        if self._controller.checking:
            self._window.statusBar().showMessage("a check is already running", 5000)
            return
        s = self._settings
        dialog = CheckDialog(
            self._window,
            str(s.value("check/last_file", "")),
            str(s.value("check/last_dir", "")) or str(Path.home()),
            int(str(s.value("check/iterations", DEFAULT_ITERATIONS))),
            float(str(s.value("check/timeout", DEFAULT_TIMEOUT))),
        )
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.path:
                return
            path = Path(dialog.path)
            iterations = dialog.iterations_box.value()
            timeout = dialog.timeout_box.value()
        finally:
            dialog.deleteLater()
        s.setValue("check/last_file", str(path))
        s.setValue("check/last_dir", str(path.resolve().parent))
        s.setValue("check/iterations", iterations)
        s.setValue("check/timeout", timeout)
        self._controller.start_check(path, iterations, timeout)

    def _show_result_dock(self) -> CheckResultPanel:
        """The result dock, made on first use (beside the inspector) and brought to the front."""
        if self.result_panel is None or self.result_dock is None:
            from gui.check.result_panel import CheckResultPanel

            self.result_panel = CheckResultPanel()
            self.result_panel.clear_button.clicked.connect(self._controller.clear_check)
            self.result_dock = self._docks.result_dock(self.result_panel)
        self.result_dock.show()
        self.result_dock.raise_()
        return self.result_panel

    # ---- handlers ----

    def _on_check_changed(self, state: str) -> None:
        c = self._controller
        self.busy.setVisible(state != "idle")
        self.cancel_action.setEnabled(state == "running")  # Escape belongs to the window otherwise
        self.cancel_button.setEnabled(state == "running")
        self.check_action.setEnabled(state == "idle" and not c.running and not c.debugging)
        self.clear_action.setEnabled(c.has_check_result)

    def _on_check_finished(self, report: CheckReport) -> None:
        c = self._controller
        marks = c.check_marks
        marked: tuple[int, int] | None = None  # None: the session changed meanwhile, nothing marked
        if c.check_report is report and marks is not None:
            marked = (sum(int(m.weights.sum()) for m in marks), sum(int(m.bias.sum()) for m in marks))
        code = c.checked_code or Path("your code")
        self._show_result_dock().show_report(code, report, marked)

    def _on_check_failed(self, message: str) -> None:
        QMessageBox.critical(self._window, "Cannot check your code", message)

    def _on_running_changed(self, running: bool) -> None:
        c = self._controller
        self.check_action.setEnabled(not running and not c.checking and not c.debugging)

    def _on_debug_changed(self, state: str) -> None:
        c = self._controller
        self.check_action.setEnabled(state == "idle" and not c.running and not c.checking)
