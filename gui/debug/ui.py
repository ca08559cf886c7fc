"""File > Debug My Code: the window side of the controller's debug state.

The controller runs :func:`engine.learner.debug.debug_code`, adopts the session it inferred and
holds the line cursor (``debug_changed``, ``debug_line_changed``); this module holds the action,
the file chooser, the busy indicator with Cancel, the error dialog, the "Your Code" dock and the
file watch that debugs the file again when it is saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from gui.busy import BusyIndicator
from gui.controller import SessionController
from gui.debug.watch import FileWatch
from gui.window.docks import WindowDocks
from gui.window.file_commands import FileCommands

if TYPE_CHECKING:  # the debugger's machinery is imported when a debug starts, not at launch
    from engine.learner.debug import DebugReport
    from gui.debug.panel import DebugPanel

CODE_FILTER = "Python scripts and notebooks (*.py *.ipynb);;All files (*)"


class DebugUi(QObject):
    """Debug My Code's action, busy indicator, dock and file watch in ``window``."""

    def __init__(
        self,
        controller: SessionController,
        settings: QSettings,
        window: QMainWindow,
        docks: WindowDocks,
        files: FileCommands,
    ) -> None:
        super().__init__(window)
        self._controller = controller
        self._files = files
        self._settings = settings
        self._window = window
        self._docks = docks
        self._rerun_pending = False
        self._watched_run = False  # the running debug was started by a save: no modal dialog
        self._panel: DebugPanel | None = None  # built when the dock first shows or a debug needs it
        self.dock: QDockWidget = docks.code_dock(QWidget())
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        self.watch = FileWatch(self)

        self.debug_action = QAction("&Debug My Code…", window)
        self.debug_action.setShortcut(QKeySequence("Ctrl+D"))
        self.debug_action.setToolTip(
            "Run your own NumPy training script or notebook and judge it line by line (Ctrl+D)"
        )
        self.debug_action.setStatusTip("Run your own training code and find its first wrong line")
        self.debug_action.triggered.connect(self.open_dialog)
        self.cancel_action = QAction("Cancel the debug", window)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.triggered.connect(controller.cancel_debug)
        for action in (self.debug_action, self.cancel_action):
            window.addAction(action)

        self.busy = BusyIndicator(
            "debugging your code", "Stop the debug and your program's process (Esc)", controller.cancel_debug
        )
        self.cancel_button = self.busy.cancel_button
        window.statusBar().addPermanentWidget(self.busy)

        self.watch.changed.connect(self._on_file_changed)
        controller.debug_changed.connect(self._on_debug_changed)
        controller.debug_finished.connect(self._on_debug_finished)
        controller.debug_failed.connect(self._on_debug_failed)
        controller.check_changed.connect(self._on_other_job_changed)
        controller.running_changed.connect(self._on_other_job_changed)
        self._on_debug_changed(controller.debug_state)

    @property
    def panel(self) -> DebugPanel:
        """The "Your Code" panel, built on first use: the dock is hidden at launch."""
        return self._panel if self._panel is not None else self._build_panel()

    def _build_panel(self) -> DebugPanel:
        from gui.debug.panel import DebugPanel

        panel = DebugPanel(self._controller)
        panel.rerun_button.clicked.connect(lambda: self.rerun())
        panel.watch_box.toggled.connect(self._on_watch_toggled)
        placeholder = self.dock.widget()
        self.dock.setWidget(panel)
        if placeholder is not None:
            placeholder.deleteLater()
        self._panel = panel
        return panel

    def follow_restored_layout(self) -> None:
        """Build the panel now if the layout just restored shows its dock."""
        if not self.dock.isHidden() and self._panel is None:
            self._build_panel()

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible and self._panel is None:  # the View menu shows it
            self._build_panel()

    def open_dialog(self) -> None:
        """Ask for the learner's .py or .ipynb, then debug it."""
        if self._controller.debugging or not self._files.maybe_save():
            return  # the debug replaces the session: its unsaved changes are offered first
        start = str(self._settings.value("debug/last_file", "")) or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self._window, "Debug my code", start, CODE_FILTER)
        if path:
            self.start(Path(path))

    def start(self, path: Path) -> None:
        """Debug ``path`` (the watch follows it when it is on)."""
        self._settings.setValue("debug/last_file", str(path))
        if self.panel.watch_box.isChecked():
            self.watch.watch(path)
        self._watched_run = False
        self._controller.start_debug(path)

    def rerun(self, watched: bool = False) -> None:
        """Debug the last file again (``watched``: after a save, else Debug Again)."""
        code = self._controller.debugged_code
        if code is None:
            return
        if self._controller.debugging:
            self._rerun_pending = True  # once the running one has answered
            return
        self._watched_run = watched
        self._controller.start_debug(code)

    # ---- handlers ----

    def _on_watch_toggled(self, on: bool) -> None:
        code = self._controller.debugged_code
        self.watch.watch(code if on else None)

    def _on_file_changed(self) -> None:
        self._controller.message.emit("your file changed: debugging it again…")
        self.rerun(watched=True)

    def _on_debug_changed(self, state: str) -> None:
        self.busy.setVisible(state != "idle")
        self.cancel_action.setEnabled(state == "running")  # Escape belongs to the window otherwise
        self.cancel_button.setEnabled(state == "running")
        self._on_other_job_changed()
        if state == "idle" and self._rerun_pending:
            self._rerun_pending = False
            self.rerun(watched=True)

    def _on_other_job_changed(self, *_: object) -> None:
        c = self._controller
        self.debug_action.setEnabled(not c.debugging and not c.checking)

    def _on_debug_finished(self, report: DebugReport) -> None:
        self._files.set_example_title(f"{report.source.path.name} (inferred)")
        self.dock.show()
        self.dock.raise_()
        self._docks.widen_code(self.panel.code.text_width() + 30)  # the code and its scroll bar
        self.panel.code.setFocus()  # F10 now steps lines

    def _on_debug_failed(self, message: str) -> None:
        self.dock.show()
        if self._watched_run:  # a save while the learner types: say it in the dock, not in a dialog
            self.panel.show_error(message)
        else:
            QMessageBox.critical(self._window, "Cannot debug your code", message)
