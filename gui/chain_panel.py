"""The chain rule of the selected weight or bias, symbol by symbol and number by number.

Every number shown is a field of the engine's :class:`engine.ChainExplanation`;
:mod:`gui.chain_html` lays it out as rich text, this panel shows it and copies it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError, ParameterRef
from engine.explain.chain import ChainExplanation
from engine.learner.check import CheckReport
from gui.chain_html import MARK_COLOR, MISTAKE_COLOR, explanation_html, title_html
from gui.controller import SessionController
from gui.formatting import PENDING_COLOR

HINT = "Click a weight or bias in the network to see its chain rule."

_CSS = f"""
body {{ font-size: 10pt; }}
h3 {{ margin: 10px 0 4px 0; font-size: 10pt; color: #444; }}
.meta {{ color: #555; }}
.formula {{ font-size: 12pt; margin: 2px 0 2px 0; }}
.note {{ color: #555; }}
.pending {{ color: {PENDING_COLOR}; font-style: italic; }}
td {{ padding: 2px 8px 2px 0; }}
th {{ padding: 2px 8px 2px 0; text-align: left; color: #444; font-weight: 600; }}
td.num {{ font-family: monospace; text-align: right; white-space: nowrap; }}
.mistake {{ color: {MISTAKE_COLOR}; }}
"""


class ChainPanel(QWidget):
    """Shows :meth:`SessionController.explain` for the selection; pending factors are greyed."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._explanation: ChainExplanation | None = None
        self._dirty = True

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.sample_label = QLabel("Sample")
        self.sample_box = QSpinBox()
        self.sample_box.setToolTip("Which row of the batch the numbers and the expansion are for")
        self.sample_box.setKeyboardTracking(False)
        self.copy_latex_button = QPushButton("Copy as LaTeX")
        self.copy_text_button = QPushButton("Copy as text")
        self.copy_latex_action = QAction("Copy as LaTeX", self)
        self.copy_text_action = QAction("Copy as text", self)

        self.browser = QTextBrowser()
        self._html = ""  # what the browser shows
        self.browser.setOpenLinks(False)
        self.browser.document().setDefaultStyleSheet(_CSS)
        self.browser.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(self.sample_label)
        bar.addWidget(self.sample_box)
        bar.addStretch(1)
        bar.addWidget(self.copy_latex_button)
        bar.addWidget(self.copy_text_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addLayout(bar)
        layout.addWidget(self.browser, 1)

        self.copy_latex_button.clicked.connect(self.copy_latex)
        self.copy_text_button.clicked.connect(self.copy_text)
        self.copy_latex_action.triggered.connect(self.copy_latex)
        self.copy_text_action.triggered.connect(self.copy_text)
        self.browser.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.sample_box.valueChanged.connect(self._on_sample_changed)
        controller.selection_changed.connect(self._on_selection_changed)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.running_changed.connect(self._on_running_changed)
        controller.check_changed.connect(self._on_check_changed)
        self._refresh()

    # ---- public ----

    @property
    def explanation(self) -> ChainExplanation | None:
        """The engine's explanation currently on display."""
        return self._explanation

    @property
    def check(self) -> CheckReport | None:
        """The result of File > Check my code shown beside the chain rule."""
        return self._controller.check_report

    def check_values(self) -> tuple[float, float, float, bool] | None:
        """(yours, correct, relative difference, differs) of the selection, as the check reported."""
        ref = self._controller.selection
        report = self._controller.check_report
        if ref is None or report is None or report.gradients is None:
            return None
        g = report.gradients
        if ref.layer >= len(g.yours):
            return None
        k, j = ref.layer, ref.unit
        if ref.input is None:
            pick = (g.yours[k].bias, g.correct[k].bias, g.relative[k].bias, g.marks[k].bias)
            where: tuple[int, ...] = (j,)
        else:
            pick = (g.yours[k].weights, g.correct[k].weights, g.relative[k].weights, g.marks[k].weights)
            where = (j, ref.input)
        yours, correct, relative, marks = pick
        if any(i >= n for i, n in zip(where, yours.shape, strict=True)):
            return None
        return float(yours[where]), float(correct[where]), float(relative[where]), bool(marks[where])

    def copy_latex(self) -> None:
        """Put the engine's LaTeX of the explanation on the clipboard."""
        if self._explanation is not None:
            QGuiApplication.clipboard().setText(self._explanation.to_latex())
            self._controller.message.emit("chain rule copied as LaTeX")

    def copy_text(self) -> None:
        """Put the engine's plain-text breakdown on the clipboard."""
        if self._explanation is not None:
            QGuiApplication.clipboard().setText(self._explanation.to_text())
            self._controller.message.emit("chain rule copied as text")

    # ---- handlers ----

    def _on_selection_changed(self, ref: ParameterRef | None) -> None:
        self.sample_box.setValue(0)
        self._request_refresh()

    def _on_stage_changed(self) -> None:
        self._request_refresh()

    def _on_running_changed(self, running: bool) -> None:
        self._request_refresh()

    def _on_check_changed(self, state: str) -> None:
        self._render()

    def _on_sample_changed(self, value: int) -> None:
        self._render()

    def _on_context_menu_requested(self, pos: QPoint) -> None:
        menu = self.browser.createStandardContextMenu(pos)
        menu.addSeparator()
        menu.addAction(self.copy_latex_action)
        menu.addAction(self.copy_text_action)
        menu.exec(self.browser.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self._refresh()

    # ---- drawing ----

    def _request_refresh(self) -> None:
        # The finite-difference check costs two forward passes: skip it while the dock is hidden.
        if self.isVisible():
            self._refresh()
        else:
            self._dirty = True

    def _refresh(self) -> None:
        self._dirty = False
        self._explanation = None
        error = None
        ref = self._controller.selection
        if ref is not None and not self._controller.running:
            try:
                self._explanation = self._controller.explain(ref)
            except GradstepError as exc:  # a stale selection after an edit: say so, do not crash
                error = str(exc)
        has = self._explanation is not None
        for widget in (self.copy_latex_button, self.copy_text_button):
            widget.setEnabled(has)
        self.copy_latex_action.setEnabled(has)
        self.copy_text_action.setEnabled(has)
        samples = 0 if self._explanation is None else len(self._explanation.samples)
        if self._explanation is not None:
            self.sample_box.blockSignals(True)
            self.sample_box.setRange(0, max(0, samples - 1))
            self.sample_box.blockSignals(False)
        self.sample_box.setVisible(samples > 1)
        self.sample_label.setVisible(self.sample_box.isVisibleTo(self))
        self._render(error)

    def _render(self, error: str | None = None) -> None:
        ex = self._explanation
        if ex is None:
            if error is not None:
                text = f"The chain rule is not available: {html.escape(error)}"
            elif self._controller.selection is not None and self._controller.running:
                text = "Running. The chain rule is shown again when the run pauses."
            else:
                text = HINT
            self.title.setText("<b>Chain rule</b>")
            detail = (
                "Its gradient is shown as a product of factors, first in symbols, then with the "
                "numbers of the current iteration. Factors the current stage has not computed yet "
                "say <i>pending</i> and fill in as you step through the backward pass (F10)."
            )
            if self._controller.check_report is not None and error is None:
                detail = (
                    "The result of <i>Check my code</i> is shown here for the weight or bias you "
                    f'click: <span style="color:{MARK_COLOR}">magenta dashed</span> edges and ringed '
                    "biases are the gradients your code gets wrong."
                )
            self._set_html(
                f'<p style="color:#333; font-size:11pt; margin-top:18px" align="center">{text}</p>'
                f'<p style="color:#777" align="center">{detail if error is None else ""}</p>'
            )
            return
        c = self._controller
        self.title.setText(title_html(ex, c.snapshot()))
        row = min(self.sample_box.value(), len(ex.samples) - 1)
        optimizer = c.config.optimizer.name
        self._set_html(explanation_html(ex, row, optimizer, c.check_report, self.check_values()))

    def _set_html(self, text: str) -> None:
        """Show ``text`` unless it is already shown (a step with nothing new redraws nothing)."""
        if text == self._html:
            return
        self._html = text
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(text)
        self.browser.verticalScrollBar().setValue(scroll)  # stepping should not jump the reader back
