"""The report of the last check of the learner's code: verdict, orientation, diagnosis, full text.

Every word about the learner's numbers comes from the engine's :class:`CheckReport`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from gui.chain_html import MARK_COLOR
from gui.check.dialog import INITIAL_NOTE
from gui.formatting import FAIL_COLOR, PASS_COLOR

if TYPE_CHECKING:
    from engine.learner.check import CheckReport


class CheckResultPanel(QWidget):
    """The report of the last check: verdict, orientation, diagnosis and the full text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = QLabel()
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.clear_button = QPushButton("Clear marks")
        self.clear_button.setToolTip("Remove the marks from the network and the chain-rule panel")
        top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)

    def show_report(self, code: Path, report: CheckReport, marked: tuple[int, int] | None) -> None:
        """Fill in ``report``; ``marked`` is (weights, biases) marked in the network, None if stale."""
        name = html.escape(code.name)
        if report.agrees:
            n = len(report.iterations)
            self.headline.setText(
                f'<b style="color:{PASS_COLOR}; font-size:12pt">✔ {name} agrees with the correct '
                f"computation for {n} iteration{'s' if n != 1 else ''}</b>"
            )
        else:
            last = report.iterations[-1].iteration
            self.headline.setText(
                f'<b style="color:{FAIL_COLOR}; font-size:12pt">✘ {name} disagrees at iteration {last}</b>'
            )
        lines = [f"<b>Note:</b> {html.escape(note)}." for note in report.notes]
        if report.diagnosis is not None:
            if report.diagnosis.matches:
                first, *others = report.diagnosis.matches
                cause = f"<b>Likely cause: {html.escape(first.title)}</b>: {html.escape(first.explanation)}."
                if others:
                    cause += " Also consistent with: " + ", ".join(html.escape(o.title) for o in others) + "."
            elif report.non_finite is not None:
                cause = f"<b>Likely cause:</b> {html.escape(report.non_finite)}."
            else:
                cause = "<b>Likely cause:</b> none of the catalogue's mistakes reproduces your step."
            lines.append(cause)
        if report.gradients is not None:
            source = (
                "implied by your update, (old − new) / learning rate"
                if report.gradients.implied
                else "returned by your <tt>gradients()</tt>"
            )
            if marked is None:
                lines.append(
                    "The session changed while your code was being checked, so nothing is marked: "
                    "check again to mark the network."
                )
            else:
                weights, biases = marked
                lines.append(
                    f'<b style="color:{MARK_COLOR}">Marked in the network</b> (magenta, dashed): '
                    f"{weights} weight{'s' if weights != 1 else ''} and {biases} "
                    f"bias{'es' if biases != 1 else ''} whose gradient ({source}) differs. Click one: "
                    "the Chain rule panel shows yours beside the correct one."
                )
        orientation = f"<b>Orientation detected</b> from the shapes: {html.escape(report.orientation_text)}."
        if report.orientation_note is not None:
            orientation += f" ({html.escape(report.orientation_note)}.)"
        lines.append(orientation)
        lines.append(f'<span style="color:#555">{html.escape(INITIAL_NOTE)}</span>')
        paragraphs = "".join(f"<p>{line}</p>" for line in lines)
        self.browser.setHtml(f"{paragraphs}<pre>{html.escape(report.to_text())}</pre>")
