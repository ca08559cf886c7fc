"""Tutorial mode and recording: walkthroughs in the window.

:class:`TutorialMode` holds the logic (a :class:`engine.files.walkthrough.Player` on the window's
session, the steps being recorded); :class:`CaptionBanner` shows the current caption above
the network; :class:`WalkthroughPanel` is the dock with the step list and the caption editor.
The numbers all come from replaying the engine: nothing here computes one.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.files.session_file import parse_session
from engine.files.walkthrough import ExpectResult, Player, Step, ViewState, Walkthrough, record_step
from gui.controller import SessionController
from gui.formatting import FAIL_COLOR, PASS_COLOR, format_number

MOVES = ("step", "back", "iterations", "set")  # actions that change the engine's state
RECORDING_COLOR = "#cf222e"


class TutorialMode(QObject):
    """Plays a walkthrough on the controller's session, or records the user's actions as one.

    Playing and recording exclude each other. While playing, the user may still step, edit and
    run by hand; the walkthrough then notes that the window has left its path, and the next
    Next/Previous brings the recorded state back (by time travel when no parameter was edited,
    by replaying from the start otherwise).
    """

    changed = Signal()  # mode, step, results or the recorded list changed
    message = Signal(str)  # for the status bar

    def __init__(self, controller: SessionController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.player: Player | None = None
        self.results: tuple[ExpectResult, ...] = ()
        self.mismatched: set[int] = set()  # steps whose expect values were not met
        self.diverged = False  # the user moved or edited by hand since the last step
        self._edited = False
        self._adopting = False
        self.recording = False
        self.recorded: list[Step] = []
        self.title = ""
        self._recorded_session = controller.config
        self._recorded_since = 0
        controller.action_taken.connect(self._on_action)
        controller.session_replaced.connect(self._on_session_replaced)

    # ---- state ----

    @property
    def controller(self) -> SessionController:
        return self._controller

    @property
    def playing(self) -> bool:
        return self.player is not None

    @property
    def walkthrough(self) -> Walkthrough | None:
        return self.player.walkthrough if self.player is not None else None

    @property
    def index(self) -> int:
        """The step whose result is shown (-1 before the first)."""
        return self.player.index if self.player is not None else -1

    @property
    def step_count(self) -> int:
        return len(self.player.walkthrough.steps) if self.player is not None else 0

    @property
    def current_step(self) -> Step | None:
        return self.player.step if self.player is not None else None

    # ---- playing ----

    def play(self, walkthrough: Walkthrough) -> None:
        """Enter tutorial mode on ``walkthrough``, before its first step."""
        self.stop_recording()
        c = self._controller
        self._adopting = True
        try:
            c.new_session(walkthrough.session, None)
        finally:
            self._adopting = False
        self.player = Player(walkthrough, c.session, session_factory=SessionController.make_session)
        self.mismatched = set()
        self.results = ()
        self.diverged = self._edited = False
        c.select(None)
        c.set_color_by("weight")
        self.changed.emit()

    def next(self) -> None:
        if self.player is not None and self.index + 1 < self.step_count:
            self.goto(self.index + 1)

    def previous(self) -> None:
        if self.player is not None and self.index >= 0:
            self.goto(self.index - 1)

    def goto(self, index: int) -> None:
        """Show the state after step ``index`` (-1: before the first), exactly as recorded."""
        player = self.player
        if player is None or self._controller.running:
            return
        # a step of many iterations, or a replay after an edit, can take a moment: say so
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if self._edited:
                player.restart()  # a hand edit started another branch: replay from the start
            elif self.diverged:
                position = player.position_of(player.index)
                assert position is not None
                player.session.goto_position(position)  # moves only: time travel back onto the path
            self.results = player.goto(index)
        finally:
            QApplication.restoreOverrideCursor()
        self.diverged = self._edited = False
        if any(not r.met for r in self.results):
            self.mismatched.add(index)
        else:
            self.mismatched.discard(index)
        self._show_player_state()
        self.changed.emit()

    def leave(self) -> None:
        """Leave tutorial mode; the session stays as it is, for free exploration."""
        if self.player is not None:
            self.player = None
            self.results = ()
            self.changed.emit()

    def _show_player_state(self) -> None:
        player = self.player
        assert player is not None
        c = self._controller
        self._adopting = True
        try:
            if player.session is not c.session:
                c.adopt(player.session)
            else:
                c.refresh()
            c.select(player.view.selection)
            c.set_color_by(player.view.color_by)
        finally:
            self._adopting = False

    # ---- recording ----

    def start_recording(self, title: str = "") -> None:
        """Record from the current state: the walkthrough's session is the live one, saved here."""
        self.leave()
        c = self._controller
        session = c.session
        self._recorded_session = parse_session(session.to_json(), session.config.base_dir)
        self._recorded_since = session.iteration  # what was computed before cannot be replayed
        self.title = title or c.config.title or "Untitled walkthrough"
        self.recorded = []
        self.recording = True
        view = ViewState(None, "weight")
        # the saved session starts at the iteration's beginning: steps bring the window to now
        if session.stage:
            self._append(Step("step", count=session.stage))
        if c.selection is not None:
            self._append(Step("select", parameter=c.selection))
        if c.color_by != view.color_by:
            self._append(Step("view", color_by=c.color_by))
        self.changed.emit()

    def stop_recording(self) -> None:
        if self.recording:
            self.recording = False
            self.changed.emit()

    def add_note(self, caption: str = "") -> None:
        """A caption-only step at the current state."""
        if self.recording:
            self._append(Step("note", caption=caption))
            self.changed.emit()

    def set_caption(self, index: int, caption: str) -> None:
        """Edit the caption of recorded step ``index``."""
        if 0 <= index < len(self.recorded) and self.recorded[index].caption != caption:
            self.recorded[index] = replace(self.recorded[index], caption=caption)

    def discard_recorded(self) -> None:
        """Forget the recorded steps (after the user chose not to save them)."""
        if self.recorded:
            self.recorded = []
            self.changed.emit()

    def remove_last(self) -> None:
        """Forget the last recorded step (the window stays where it is)."""
        if self.recorded:
            self.recorded.pop()
            self.changed.emit()

    def recorded_walkthrough(self, title: str | None = None) -> Walkthrough:
        return Walkthrough(title or self.title, self._recorded_session, tuple(self.recorded))

    def save_recording(self, path: Path, title: str | None = None) -> Walkthrough:
        """Write the recorded walkthrough atomically (raises GradstepError or OSError)."""
        walkthrough = self.recorded_walkthrough(title)
        walkthrough.save(path)
        return walkthrough

    def _append(self, step: Step) -> None:
        c = self._controller
        view = ViewState(c.selection, c.color_by)
        self.recorded.append(record_step(c.session, view, step, self._recorded_since))

    # ---- signals ----

    def _on_action(self, step: Step) -> None:
        if self.recording:
            self._append(step)
            self.changed.emit()
        elif self.player is not None and not self._adopting and step.action in MOVES:
            self.diverged = True
            self._edited = self._edited or step.action == "set"
            self.changed.emit()

    def _on_session_replaced(self) -> None:
        if self._adopting:
            return
        # another session was opened or applied: neither the walkthrough nor the recording fits it
        if self.player is not None:
            self.leave()
        if self.recording:
            self.stop_recording()
            count = len(self.recorded)
            self.message.emit(
                f"recording stopped: another session replaced the recorded one; Save Walkthrough "
                f"still keeps the {count} step{'s' if count != 1 else ''} recorded"
            )


def expect_text(results: tuple[ExpectResult, ...]) -> str:
    """The banner's line (rich text) about the step's recorded values."""
    if not results:
        return ""
    bad = [r for r in results if not r.met]
    if not bad:
        names = ", ".join(r.key for r in results)
        return f"<span style='color:{PASS_COLOR}'>✓ matches the recording ({names})</span>"
    parts = [
        f"{r.key}: recorded {format_number(r.expected)}, computed "
        f"{'nothing' if r.actual is None else format_number(r.actual)}"
        for r in bad
    ]
    return (
        f"<span style='color:{FAIL_COLOR}'><b>⚠ differs from the recording</b> — "
        f"{html.escape('; '.join(parts))}</span>"
    )


class CaptionBanner(QFrame):
    """Above the network: the tutorial's caption with Previous / Next, or the recording state."""

    def __init__(self, mode: TutorialMode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mode = mode
        self.setObjectName("CaptionBanner")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.counter = QLabel()
        self.previous_button = QPushButton("◀ Previous")
        self.previous_button.setToolTip("Previous step (Left)")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setToolTip("Next step (Right or Space)")
        self.leave_button = QPushButton("Leave Tutorial")
        self.leave_button.setToolTip("Keep this state and explore freely")
        for button in (self.previous_button, self.next_button, self.leave_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and arrows stay with the window
        self.previous_button.clicked.connect(mode.previous)
        self.next_button.clicked.connect(mode.next)
        self.leave_button.clicked.connect(self._leave)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.MarkdownText)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.caption.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.caption.setFont(font)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.heading, 1)
        top.addWidget(self.counter)
        top.addWidget(self.previous_button)
        top.addWidget(self.next_button)
        top.addWidget(self.leave_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 8, 14, 8)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.caption)
        column.addWidget(self.status)
        mode.changed.connect(self.refresh)
        mode.controller.running_changed.connect(lambda _running: self.refresh())
        self.refresh()

    def _leave(self) -> None:
        if self._mode.recording:
            self._mode.stop_recording()
        else:
            self._mode.leave()

    def refresh(self) -> None:
        mode = self._mode
        self.setVisible(mode.playing or mode.recording)
        if mode.recording:
            self.setStyleSheet(
                f"#CaptionBanner {{ background: #fff1f0; border-bottom: 2px solid {RECORDING_COLOR}; }}"
            )
            count = len(mode.recorded)
            self.heading.setText(
                f"<b style='color:{RECORDING_COLOR}'>● Recording</b> &nbsp;{html.escape(mode.title)}"
            )
            self.counter.setText(f"{count} step{'s' if count != 1 else ''}")
            self.caption.setText(
                "Every step, back, run, selection, edit and colour change is added as a step, with the "
                "values it shows. Write captions in the Walkthrough panel; save with File › Save "
                "Walkthrough."
            )
            self.status.setText("")
            self.previous_button.hide()
            self.next_button.hide()
            self.leave_button.setText("Stop Recording")
            return
        if not mode.playing:
            return
        walkthrough = mode.walkthrough
        assert walkthrough is not None
        self.setStyleSheet("#CaptionBanner { background: #fff8e1; border-bottom: 2px solid #e0b040; }")
        self.previous_button.show()
        self.next_button.show()
        self.leave_button.setText("Leave Tutorial")
        index, total = mode.index, mode.step_count
        step = mode.current_step
        self.heading.setText(f"<b>Tutorial</b> &nbsp;{html.escape(walkthrough.title)}")
        self.counter.setText("Introduction" if index < 0 else f"Step {index + 1} of {total}")
        if step is None:
            intro = walkthrough.description or "Press Next (Right or Space) to take the first step."
            self.caption.setText(intro)
        else:
            self.caption.setText(step.caption or "*(no caption)*")
        text = expect_text(mode.results)
        if mode.diverged:
            text = (
                "You have left the walkthrough's path (a step or an edit by hand); Next or Previous "
                "brings the recorded state back."
            )
        self.status.setText(text)
        self.status.setVisible(bool(text))
        running = mode.controller.running
        self.previous_button.setEnabled(index >= 0 and not running)
        self.next_button.setEnabled(index + 1 < total and not running)


class WalkthroughPanel(QWidget):
    """The dock: the steps (click to jump), and while recording the title and caption editor."""

    def __init__(self, mode: TutorialMode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mode = mode
        self._filling = False
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.title_label.setTextFormat(Qt.TextFormat.RichText)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("Walkthrough title")
        self.title_edit.textEdited.connect(self._on_title_edited)
        self.steps = QListWidget()
        self.steps.setWordWrap(True)
        self.steps.currentRowChanged.connect(self._on_row_changed)
        self.steps.itemActivated.connect(self._on_item_activated)
        self.steps.itemClicked.connect(self._on_item_activated)
        self.caption_edit = QPlainTextEdit()
        self.caption_edit.setPlaceholderText("Caption of the selected step (plain text or light Markdown)")
        self.caption_edit.setMaximumHeight(110)
        self.caption_edit.textChanged.connect(self._on_caption_changed)
        self.note_button = QPushButton("Add Note")
        self.note_button.setToolTip("A caption-only step at the current state")
        self.note_button.clicked.connect(lambda: self._add_note())
        self.remove_button = QPushButton("Remove Last")
        self.remove_button.setToolTip("Forget the last recorded step")
        self.remove_button.clicked.connect(mode.remove_last)
        self.empty = QLabel(
            "Open a walkthrough (File › Open, or File › Open Example › a tour) to follow it step by "
            "step, or start recording (Tutorial › Record Walkthrough, Ctrl+Shift+R) to make one."
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)

        recorder = QWidget()
        rec = QVBoxLayout(recorder)
        rec.setContentsMargins(0, 0, 0, 0)
        rec.addWidget(self.caption_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        rec.addLayout(buttons)
        self.recorder = recorder

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self.title_label)
        column.addWidget(self.title_edit)
        column.addWidget(self.steps, 1)
        column.addWidget(recorder)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        mode.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        mode = self._mode
        self._filling = True
        try:
            if mode.recording:
                self.stack.setCurrentIndex(1)
                self.title_label.hide()
                self.title_edit.show()
                if self.title_edit.text() != mode.title:
                    self.title_edit.setText(mode.title)
                self.recorder.show()
                self._fill(list(mode.recorded), len(mode.recorded) - 1, set())
                self._show_caption()
            elif mode.playing:
                walkthrough = mode.walkthrough
                assert walkthrough is not None
                self.stack.setCurrentIndex(1)
                self.title_label.show()
                self.title_label.setText(f"<b>{html.escape(walkthrough.title)}</b>")
                self.title_edit.hide()
                self.recorder.hide()
                self._fill(list(walkthrough.steps), mode.index, mode.mismatched)
            else:
                self.stack.setCurrentIndex(0)
        finally:
            self._filling = False

    def _fill(self, steps: list[Step], current: int, mismatched: set[int]) -> None:
        if self.steps.count() != len(steps):
            self.steps.clear()
            for _ in steps:
                self.steps.addItem(QListWidgetItem())
        for k, step in enumerate(steps):
            _label_item(self.steps.item(k), k, step, k in mismatched)
        self.steps.setCurrentRow(current)

    def _show_caption(self) -> None:
        row = self.steps.currentRow()
        recorded = self._mode.recorded
        text = recorded[row].caption if 0 <= row < len(recorded) else ""
        self.caption_edit.setEnabled(0 <= row < len(recorded))
        if self.caption_edit.toPlainText() != text:
            self.caption_edit.setPlainText(text)

    def _add_note(self) -> None:
        self._mode.add_note()
        self.caption_edit.setFocus()

    def _on_title_edited(self, text: str) -> None:
        self._mode.title = text

    def _on_row_changed(self, row: int) -> None:
        if self._filling:
            return
        if self._mode.recording:
            self._filling = True
            try:
                self._show_caption()
            finally:
                self._filling = False

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        if self._mode.playing and not self._filling:
            row = self.steps.row(item)
            if row != self._mode.index:
                self._mode.goto(row)

    def _on_caption_changed(self) -> None:
        if self._filling or not self._mode.recording:
            return
        row = self.steps.currentRow()
        self._mode.set_caption(row, self.caption_edit.toPlainText())
        item = self.steps.item(row)
        if item is not None:
            _label_item(item, row, self._mode.recorded[row], False)


def _label_item(item: QListWidgetItem, index: int, step: Step, mismatched: bool) -> None:
    """A step list row: number, what the step does, and its caption's first line."""
    lines = step.caption.strip().splitlines()
    mark = "⚠ " if mismatched else ""
    item.setText(f"{mark}{index + 1}. {step.label}" + (f" — {lines[0]}" if lines else ""))
    item.setToolTip(step.caption)
