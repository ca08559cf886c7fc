"""The walkthrough dock of tutorial mode and recording: the step list and the caption editor.

Tutorial and recording are states of the :class:`SessionController` (``mode_changed``,
``walkthrough_changed``), which replays and records; :class:`WalkthroughPanel` lists the steps
(the caption banner above the network is :mod:`gui.caption_banner`). Nothing here computes a number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.files.step_labels import step_labels
from gui.caption_banner import ElidedLabel

if TYPE_CHECKING:
    from engine.files.walkthrough import Step
    from gui.controller import SessionController

FIRST_LINE = 60  # characters of a caption's first line a step list row shows


class WalkthroughPanel(QWidget):
    """The dock: the steps (click to jump), and while recording the title and caption editor."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._filling = False
        self.title_label = ElidedLabel()  # a long title is cut with "…", its tooltip whole
        self.title_label.setStyleSheet("font-weight: bold;")
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
        self.stopped = QLabel(
            "Recording stopped. These steps are kept until you save them (File › Save Walkthrough) "
            "or start another recording."
        )
        self.stopped.setWordWrap(True)
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
        column.addWidget(self.stopped)
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
            if replay is None and (c.mode == "recording" or c.recorded):
                # after Stop Recording or a new session the recorded steps stay in sight
                self.stack.setCurrentIndex(1)
                self.stopped.setVisible(c.mode != "recording")
                self.note_button.setEnabled(c.mode == "recording")
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
                self.stopped.hide()
                self.title_label.show()
                self.title_label.set_full_text(walkthrough.title)
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
        if self._controller.tutorial is None:
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
        if self._filling or self._controller.tutorial is not None:
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
    first = lines[0] if lines else ""
    if len(first) > FIRST_LINE:
        first = first[: FIRST_LINE - 1].rstrip() + "…"
    item.setText(f"{mark}{index + 1}. {label}" + (f" — {first}" if first else ""))
    item.setToolTip(step.caption)
