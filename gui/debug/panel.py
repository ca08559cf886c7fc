"""The "Your Code" dock: the learner's program with each traced line's verdict, the diagnosis,
and the line cursor's buttons. Every word about the learner's numbers comes from the engine's
:class:`engine.learner.debug.DebugReport` and its line steps, through the controller."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.controller import SessionController
from gui.debug.code_view import CodeView
from gui.formatting import FAIL_COLOR, PASS_COLOR

if TYPE_CHECKING:  # the debugger's machinery is imported when a debug starts, not at launch
    from engine.learner.debug import DebugReport
    from engine.learner.debug.stepping import LineStep

STATUS_WORDS = {
    "matches": "matches",
    "matches-mistake": "a catalogue mistake",
    "wrong": "wrong",
    "helper": "a helper value",
}
HINT = (
    "File › Debug My Code… (Ctrl+D) runs your own NumPy training script or notebook, as written, "
    "and judges every line against the correct computation."
)


class DebugPanel(QWidget):
    """The learner's source, its verdicts and the Step Line / Back Line buttons."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.headline = QLabel(HINT)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setWordWrap(True)
        self.diagnosis = QLabel()
        self.diagnosis.setWordWrap(True)
        self.diagnosis.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.line_label = QLabel()
        self.line_label.setTextFormat(Qt.TextFormat.RichText)
        self.line_label.setWordWrap(True)
        self.code = CodeView()
        self.back_button = QPushButton("◀ Back Line")
        self.back_button.setToolTip("Move the line cursor to the previous traced line (Shift+F10 here)")
        self.step_button = QPushButton("Step Line ▶")
        self.step_button.setToolTip("Move the line cursor to the next traced line (F10 here)")
        self.watch_box = QCheckBox("Watch file")
        self.watch_box.setToolTip("Debug the file again whenever it is saved")
        self.rerun_button = QPushButton("Debug Again")
        self.rerun_button.setToolTip("Run your program again and judge its lines")
        for button in (self.back_button, self.step_button, self.watch_box, self.rerun_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F10 stays with the code
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.step_button)
        buttons.addStretch(1)
        buttons.addWidget(self.watch_box)
        buttons.addWidget(self.rerun_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.headline)
        layout.addWidget(self.diagnosis)
        layout.addLayout(buttons)
        layout.addWidget(self.line_label)
        layout.addWidget(self.code, 1)

        self.back_button.clicked.connect(controller.back_line)
        self.step_button.clicked.connect(controller.step_line)
        self.code.step_requested.connect(controller.step_line)
        self.code.back_requested.connect(controller.back_line)
        self.code.line_clicked.connect(self._on_line_clicked)
        controller.debug_changed.connect(self._on_debug_changed)
        controller.debug_line_changed.connect(self._on_debug_line_changed)
        self._on_debug_changed(controller.debug_state)

    # ---- handlers ----

    def _on_debug_changed(self, state: str) -> None:
        c = self._controller
        report = c.debug_report
        self.rerun_button.setEnabled(state == "idle" and c.debugged_code is not None)
        if report is not None:
            self.code.set_source("\n".join(report.source.lines))
            self._show_verdict(report)
        elif state != "idle" and c.debugged_code is not None:
            self.headline.setText(f"<b>Running {html.escape(c.debugged_code.name)}…</b>")
        elif c.debugged_code is not None:
            self.headline.setText(
                "<b>Your lines are not judged against this session</b>: it changed since the debug. "
                "Debug Again to judge them."
            )
            self.diagnosis.clear()
            self.code.set_marks({}, None)
        self._on_debug_line_changed(c.line_step)

    def _on_debug_line_changed(self, step: LineStep | None) -> None:
        c = self._controller
        index = c.line_index
        count = len(c.line_steps)
        self.code.stepping = count > 0
        self.back_button.setEnabled(index is not None and index > 0)
        self.step_button.setEnabled(index is not None and index + 1 < count)
        if step is None:
            self.line_label.clear()
            self.code.set_cursor_line(None)
            return
        report = c.debug_report
        wrong = None if report is None or report.first_wrong is None else report.first_wrong.line
        self.code.set_marks(_marks(c.line_steps, step.iteration), wrong)
        self.code.set_cursor_line(step.line)
        color = {"matches": PASS_COLOR, "helper": "#555"}.get(step.status, FAIL_COLOR)
        self.line_label.setText(
            f"<b>Line {step.line}</b>, iteration {step.iteration} ({(index or 0) + 1} of {count} traced "
            f'lines): <span style="color:{color}">{html.escape(STATUS_WORDS[step.status])}</span>: '
            f"{html.escape(step.text)}"
        )

    def show_error(self, message: str) -> None:
        """The last debug could not run (a save of the watched file): say why, keep the rest."""
        self.headline.setText(f'<b style="color:{FAIL_COLOR}">Could not debug the saved file</b>')
        self.diagnosis.setText(message)

    def _on_line_clicked(self, line: int) -> None:
        """Put the line cursor on the clicked line, in the iteration shown."""
        c = self._controller
        shown = c.line_step
        iteration = 0 if shown is None else shown.iteration
        for index, step in enumerate(c.line_steps):
            if step.line == line and step.iteration == iteration:
                c.goto_line(index)
                return

    def _show_verdict(self, report: DebugReport) -> None:
        name = html.escape(report.source.path.name)
        d = report.diagnosis
        if d is None:
            self.headline.setText(
                f'<b style="color:{PASS_COLOR}">✔ {name}: every line agrees with the correct '
                f"computation ({report.iterations} iterations)</b>"
            )
            self.diagnosis.setText(_session_words(report))
            return
        where = html.escape(str(d["where"]))
        self.headline.setText(f'<b style="color:{FAIL_COLOR}">✘ {name}: the first wrong line is {where}</b>')
        parts = [str(d["reason"])]
        if d.get("layers_text"):
            parts.append(f"per layer: {d['layers_text']}")
        parts.append(_session_words(report))
        self.diagnosis.setText("\n".join(parts))


def _marks(steps: tuple[LineStep, ...], iteration: int) -> dict[int, str]:
    """Each line's worst status in ``iteration``."""
    from engine.learner.debug.matching import STATUS_ORDER

    marks: dict[int, str] = {}
    for step in steps:
        if step.iteration == iteration:
            old = marks.get(step.line, "helper")
            marks[step.line] = max(old, step.status, key=STATUS_ORDER.index)
    return marks


def _session_words(report: DebugReport) -> str:
    d = report.discovery
    sizes = "-".join(str(n) for n in d.config.sizes)
    acts = ", ".join(layer.activation for layer in d.config.layers)
    return f"Session shown: the one inferred, {sizes} ({acts}), {d.loss}, η = {d.learning_rate:.6g}."
