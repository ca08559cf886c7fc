"""Tutorial > Previous Step, Next Step, Leave Tutorial, Record Walkthrough: the keys of the
controller's tutorial and recording states."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from gui.controller import SessionController
from gui.window.actions import make_action
from gui.window.file_commands import FileCommands

LEAVE_KEY = "Escape"


class TutorialActions:
    """Next/Previous/Leave while a walkthrough plays; Record toggles recording (asking first
    about steps of an earlier recording not saved yet)."""

    def __init__(self, window: QMainWindow, controller: SessionController, files: FileCommands) -> None:
        self._controller = controller
        self._files = files
        c = controller
        self.next_step_action = make_action(
            window, "&Next Step", c.next_step, ("Right", "Space"), "Next step of the walkthrough"
        )
        self.previous_step_action = make_action(
            window, "&Previous Step", c.previous_step, ("Left",), "Previous step of the walkthrough"
        )
        self.leave_tutorial_action = make_action(
            window,
            "&Leave Tutorial",
            c.leave_tutorial,
            (LEAVE_KEY,),
            "Leave the tutorial; the session stays live",
        )
        self.record_action = make_action(
            window,
            "&Record Walkthrough",
            self._on_record_toggled,
            ("Ctrl+Shift+R",),
            "Record every step, selection, edit and view change as a walkthrough",
        )
        self.record_action.setCheckable(True)
        controller.mode_changed.connect(self._on_mode_changed)
        self._on_mode_changed(controller.mode)

    @property
    def playing_actions(self) -> tuple[QAction, ...]:
        return (self.previous_step_action, self.next_step_action, self.leave_tutorial_action)

    def share_escape(self, check_cancellable: bool) -> None:
        """Escape cancels a running check, else leaves the tutorial: one owner at a time."""
        self.leave_tutorial_action.setShortcut(
            QKeySequence() if check_cancellable else QKeySequence(LEAVE_KEY)
        )

    def _on_record_toggled(self) -> None:
        c = self._controller
        recording = c.mode == "recording"
        if self.record_action.isChecked() and not recording:
            self._files.start_recording()
        elif not self.record_action.isChecked() and recording and self._files.maybe_save_recording():
            c.stop_recording()
        self.record_action.setChecked(c.mode == "recording")  # a cancelled prompt changes nothing

    def _on_mode_changed(self, mode: str) -> None:
        self.record_action.setChecked(mode == "recording")
        for action in self.playing_actions:
            action.setEnabled(mode == "tutorial")
