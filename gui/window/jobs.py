"""The window side of the controller's job state: a busy indicator with Cancel (Escape) in the
status bar while a tutorial step, a configuration, a file or an export is worked on off the GUI
thread, and a dialog when a job could not finish."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox

from gui.busy import BusyIndicator
from gui.control.session_jobs import JobFailure
from gui.controller import SessionController


class JobUi(QObject):
    """The busy indicator, its Cancel action and the failure dialog of the controller's jobs."""

    def __init__(self, controller: SessionController, window: QMainWindow) -> None:
        super().__init__(window)
        self._controller = controller
        self._window = window
        self.cancel_action = QAction("Cancel", window)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.triggered.connect(controller.cancel_job)
        window.addAction(self.cancel_action)
        tip = "Stop this work; the window keeps what it showed (Esc)"
        self.busy = BusyIndicator("", tip, controller.cancel_job)
        self.cancel_button = self.busy.cancel_button
        window.statusBar().addPermanentWidget(self.busy)
        controller.job_changed.connect(self._on_job_changed)
        controller.job_failed.connect(self._on_job_failed)
        self._on_job_changed(controller.job_state)

    def _on_job_changed(self, state: str) -> None:
        label = self._controller.job_label
        self.busy.set_label(f"{label}…" if state == "running" else "cancelling…" if label else "")
        self.busy.setVisible(state != "idle")
        self.cancel_action.setEnabled(state == "running")  # Escape belongs to the window otherwise
        self.cancel_button.setEnabled(state == "running")

    def _on_job_failed(self, failure: JobFailure) -> None:
        QMessageBox.critical(self._window, failure.title, failure.message)
