"""The caption banner above the network: the tutorial's caption with Previous / Next, or the
recording state.

A state of the :class:`SessionController` (``mode_changed``, ``walkthrough_changed``), like the
walkthrough dock. The banner never takes more than a quarter of the area it sits in: a long
caption scrolls, so the network keeps the rest (and exported frames show it).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.caption_text import caption_markdown
from gui.formatting import FAIL_COLOR, PASS_COLOR

if TYPE_CHECKING:
    from engine.files.walkthrough import ExpectResult
    from gui.control.replay import TutorialState
    from gui.controller import SessionController

RECORDING_COLOR = "#cf222e"
SHARE = 0.25  # the most of its parent's height the banner takes
COMPACT_BELOW = 620  # narrower than this, the buttons say "◀", "▶" and "Leave"


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


class ElidedLabel(QLabel):
    """One line of plain text cut with "…" to its width; it never widens its parent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    @property
    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(
            self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width()))
        )


class CaptionBanner(QFrame):
    """Above the network: the tutorial's caption with Previous / Next, or the recording state."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._area: QWidget | None = None
        self.setObjectName("CaptionBanner")
        self.setFrameShape(QFrame.Shape.NoFrame)
        # as wide as its buttons need (the title is elided): narrower, the docks give way
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.mark = QLabel()
        self.mark.setTextFormat(Qt.TextFormat.RichText)
        self.heading = ElidedLabel()
        self.heading.setStyleSheet("font-weight: bold;")
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
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        font = self.caption.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.caption.setFont(font)
        self.caption_area = QScrollArea()
        self.caption_area.setWidget(self.caption)
        self.caption_area.setWidgetResizable(True)
        self.caption_area.setFrameShape(QFrame.Shape.NoFrame)
        self.caption_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.caption_area.setStyleSheet(
            "QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }"
        )
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)
        self._lay_out()
        controller.mode_changed.connect(self._on_mode_changed)
        controller.walkthrough_changed.connect(self.refresh)
        controller.running_changed.connect(self._on_running_changed)
        self.refresh()

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.mark)
        top.addWidget(self.heading, 1)
        top.addWidget(self.counter)
        top.addWidget(self.previous_button)
        top.addWidget(self.next_button)
        top.addWidget(self.leave_button)
        self._column = column = QVBoxLayout(self)
        column.setContentsMargins(14, 8, 14, 8)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.caption_area)
        column.addWidget(self.status)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ParentChange:
            self._follow(self.parentWidget())
        return super().event(event)

    def _follow(self, area: QWidget | None) -> None:
        """Keep the banner within a quarter of ``area``'s height (the window's central area)."""
        if self._area is not None:
            self._area.removeEventFilter(self)
        self._area = area
        if area is not None:
            area.installEventFilter(self)
        self._fit()

    def maximum_banner_height(self) -> int:
        area = self._area
        return int(SHARE * area.height()) if area is not None else 16_777_215

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._area and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._label_buttons()
            self._fit()

    def _label_buttons(self) -> None:
        """Short button labels when the full ones do not fit beside the title."""
        compact = self.width() < COMPACT_BELOW
        self.previous_button.setText("◀" if compact else "◀ Previous")
        self.next_button.setText("▶" if compact else "Next ▶")
        recording = self._controller.mode == "recording"
        if compact:
            self.leave_button.setText("Stop" if recording else "Leave")
        else:
            self.leave_button.setText("Stop Recording" if recording else "Leave Tutorial")

    def _fit(self) -> None:
        """The caption as tall as its text, within the banner's limit; beyond it, it scrolls."""
        limit = self.maximum_banner_height()
        margins = self._column.contentsMargins()
        top = max(self.leave_button.sizeHint().height(), self.heading.sizeHint().height())
        status = self.status.heightForWidth(self.width() - 28) + 4 if self.status.isVisibleTo(self) else 0
        fixed = margins.top() + margins.bottom() + top + 4 + status
        width = max(50, self.width() - margins.left() - margins.right() - 4)
        wanted = self.caption.heightForWidth(width) if self.caption.text() else 0
        room = max(0, limit - fixed)
        self.caption_area.setFixedHeight(min(wanted, room) if wanted > 0 else 0)
        self.caption_area.setVisible(wanted > 0)
        self.setMaximumHeight(max(fixed, limit))

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
        self._fit()

    def _show_recording(self) -> None:
        c = self._controller
        self.setStyleSheet(
            f"#CaptionBanner {{ background: #fff1f0; border-bottom: 2px solid {RECORDING_COLOR}; }}"
        )
        count = len(c.recorded)
        self.mark.setText(f"<b style='color:{RECORDING_COLOR}'>● Recording</b>")
        self.heading.set_full_text(c.recording_title)
        self.counter.setText(f"{count} step{'s' if count != 1 else ''}")
        self.caption.setText(
            "Every step, back, run, selection, edit and colour change is added as a step, with the "
            "values it shows. Write captions in the Walkthrough panel; save with File › Save "
            "Walkthrough."
        )
        self.status.setText("")
        self.status.hide()
        self.previous_button.hide()
        self.next_button.hide()
        self._label_buttons()

    def _show_tutorial(self, replay: TutorialState) -> None:
        walkthrough = replay.walkthrough
        self.setStyleSheet("#CaptionBanner { background: #fff8e1; border-bottom: 2px solid #e0b040; }")
        self.previous_button.show()
        self.next_button.show()
        self._label_buttons()
        index, total = replay.index, replay.step_count
        step = replay.current_step
        self.mark.setText("<b>Tutorial</b>")
        self.heading.set_full_text(walkthrough.title)
        self.counter.setText("Introduction" if index < 0 else f"Step {index + 1} of {total}")
        if step is None:
            intro = walkthrough.description or "Press Next (Right or Space) to take the first step."
            self.caption.setText(caption_markdown(intro))
        else:
            self.caption.setText(caption_markdown(step.caption))  # none: the banner shows no caption
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
