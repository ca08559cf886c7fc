"""The views of tutorial mode and recording: the caption banner and the walkthrough dock.

Both are states of the :class:`SessionController` (``mode_changed``, ``walkthrough_changed``),
which replays and records; :class:`CaptionBanner` shows the current caption above the network,
:class:`WalkthroughPanel` the step list and the caption editor. Nothing here computes a number.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
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

from engine.files.walkthrough import ExpectResult, Step, step_labels
from gui.control.replay import TutorialState
from gui.controller import SessionController
from gui.formatting import FAIL_COLOR, PASS_COLOR

RECORDING_COLOR = "#cf222e"


def expect_text(results: tuple[ExpectResult, ...]) -> str:
    """The banner's line (rich text) about the step's recorded values."""
    if not results:
        return ""
    bad = [r for r in results if not r.met]
    if not bad:
        names = ", ".join(r.key for r in results)
        return f"<span style='color:{PASS_COLOR}'>✓ matches the recording ({names})</span>"
    parts = [r.describe() for r in bad]
    return (
        f"<span style='color:{FAIL_COLOR}'><b>⚠ differs from the recording</b> — "
        f"{html.escape('; '.join(parts))}</span>"
    )


class CaptionBanner(QFrame):
    """Above the network: the tutorial's caption with Previous / Next, or the recording state."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
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
        self.previous_button.clicked.connect(controller.previous_step)
        self.next_button.clicked.connect(controller.next_step)
        self.leave_button.clicked.connect(self._on_leave_clicked)
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
        controller.mode_changed.connect(self._on_mode_changed)
        controller.walkthrough_changed.connect(self.refresh)
        controller.running_changed.connect(self._on_running_changed)
        self.refresh()

    def _on_leave_clicked(self) -> None:
        if self._controller.mode == "recording":
            self._controller.stop_recording()
        else:
            self._controller.leave_tutorial()

    def _on_mode_changed(self, mode: str) -> None:
        self.refresh()

    def _on_running_changed(self, running: bool) -> None:
        self.refresh()

    def refresh(self) -> None:
        c = self._controller
        self.setVisible(c.mode != "explore")
        if c.mode == "recording":
            self._show_recording()
        elif c.tutorial is not None:
            self._show_tutorial(c.tutorial)

    def _show_recording(self) -> None:
        c = self._controller
        self.setStyleSheet(
            f"#CaptionBanner {{ background: #fff1f0; border-bottom: 2px solid {RECORDING_COLOR}; }}"
        )
        count = len(c.recorded)
        self.heading.setText(
            f"<b style='color:{RECORDING_COLOR}'>● Recording</b> &nbsp;{html.escape(c.recording_title)}"
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

    def _show_tutorial(self, replay: TutorialState) -> None:
        walkthrough = replay.walkthrough
        self.setStyleSheet("#CaptionBanner { background: #fff8e1; border-bottom: 2px solid #e0b040; }")
        self.previous_button.show()
        self.next_button.show()
        self.leave_button.setText("Leave Tutorial")
        index, total = replay.index, replay.step_count
        step = replay.current_step
        self.heading.setText(f"<b>Tutorial</b> &nbsp;{html.escape(walkthrough.title)}")
        self.counter.setText("Introduction" if index < 0 else f"Step {index + 1} of {total}")
        if step is None:
            intro = walkthrough.description or "Press Next (Right or Space) to take the first step."
            self.caption.setText(intro)
        else:
            self.caption.setText(step.caption)
        self.caption.setVisible(bool(self.caption.text()))  # a step without a caption shows none
        text = expect_text(replay.results)
        if replay.diverged:
            text = (
                "You have left the walkthrough's path (a step or an edit by hand); Next or Previous "
                "brings the recorded state back."
            )
        self.status.setText(text)
        self.status.setVisible(bool(text))
        running = self._controller.running
        self.previous_button.setEnabled(index >= 0 and not running)
        self.next_button.setEnabled(index + 1 < total and not running)


class WalkthroughPanel(QWidget):
    """The dock: the steps (click to jump), and while recording the title and caption editor."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
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
        self.note_button.clicked.connect(self._on_note_clicked)
        self.remove_button = QPushButton("Remove Last")
        self.remove_button.setToolTip("Forget the last recorded step")
        self.remove_button.clicked.connect(controller.remove_last_step)
        self.empty = QLabel(
            "Open a walkthrough (File › Open, or File › Open Example › a tour) to follow it step by "
            "step, or start recording (Tutorial › Record Walkthrough, Ctrl+Shift+R) to make one."
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.recorder = QWidget()
        self.stack = QStackedWidget()
        self._lay_out()
        controller.mode_changed.connect(self._on_mode_changed)
        controller.walkthrough_changed.connect(self.refresh)
        self.refresh()

    def _lay_out(self) -> None:
        recorder = self.recorder
        rec = QVBoxLayout(recorder)
        rec.setContentsMargins(0, 0, 0, 0)
        rec.addWidget(self.caption_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        rec.addLayout(buttons)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self.title_label)
        column.addWidget(self.title_edit)
        column.addWidget(self.steps, 1)
        column.addWidget(recorder)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def _on_mode_changed(self, mode: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        c = self._controller
        replay = c.tutorial
        self._filling = True
        try:
            if c.mode == "recording":
                self.stack.setCurrentIndex(1)
                self.title_label.hide()
                self.title_edit.show()
                if self.title_edit.text() != c.recording_title:
                    self.title_edit.setText(c.recording_title)
                self.recorder.show()
                recorded = c.recorded_walkthrough()
                self._fill(recorded.steps, step_labels(recorded), len(recorded.steps) - 1, frozenset())
                self._show_caption()
            elif replay is not None:
                walkthrough = replay.walkthrough
                self.stack.setCurrentIndex(1)
                self.title_label.show()
                self.title_label.setText(f"<b>{html.escape(walkthrough.title)}</b>")
                self.title_edit.hide()
                self.recorder.hide()
                labels = step_labels(walkthrough)
                self._fill(walkthrough.steps, labels, replay.index, replay.mismatched)
            else:
                self.stack.setCurrentIndex(0)
        finally:
            self._filling = False

    def _fill(
        self, steps: tuple[Step, ...], labels: tuple[str, ...], current: int, mismatched: frozenset[int]
    ) -> None:
        if self.steps.count() != len(steps):
            self.steps.clear()
            for _ in steps:
                self.steps.addItem(QListWidgetItem())
        for k, step in enumerate(steps):
            _label_item(self.steps.item(k), k, step, labels[k], k in mismatched)
        self.steps.setCurrentRow(current)

    def _show_caption(self) -> None:
        row = self.steps.currentRow()
        recorded = self._controller.recorded
        text = recorded[row].caption if 0 <= row < len(recorded) else ""
        self.caption_edit.setEnabled(0 <= row < len(recorded))
        if self.caption_edit.toPlainText() != text:
            self.caption_edit.setPlainText(text)

    def _on_note_clicked(self) -> None:
        self._controller.add_note()
        self.caption_edit.setFocus()

    def _on_title_edited(self, text: str) -> None:
        self._controller.set_recording_title(text)

    def _on_row_changed(self, row: int) -> None:
        if self._filling:
            return
        if self._controller.mode == "recording":
            self._filling = True
            try:
                self._show_caption()
            finally:
                self._filling = False

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        replay = self._controller.tutorial
        if replay is not None and not self._filling:
            row = self.steps.row(item)
            if row != replay.index:
                self._controller.goto_step(row)

    def _on_caption_changed(self) -> None:
        if self._filling or self._controller.mode != "recording":
            return
        row = self.steps.currentRow()
        self._controller.set_caption(row, self.caption_edit.toPlainText())
        item = self.steps.item(row)
        if item is not None:
            recorded = self._controller.recorded_walkthrough()
            _label_item(item, row, recorded.steps[row], step_labels(recorded)[row], False)


def _label_item(item: QListWidgetItem, index: int, step: Step, label: str, mismatched: bool) -> None:
    """A step list row: number, what the step does, and its caption's first line."""
    lines = step.caption.strip().splitlines()
    mark = "⚠ " if mismatched else ""
    item.setText(f"{mark}{index + 1}. {label}" + (f" — {lines[0]}" if lines else ""))
    item.setToolTip(step.caption)
