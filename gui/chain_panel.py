"""The chain rule of the selected weight or bias, symbol by symbol and number by number.

Every number shown is a field of the engine's :class:`engine.ChainExplanation`;
:mod:`gui.chain_html` lays it out as rich text, this panel shows it and copies it.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QResizeEvent,
    QShowEvent,
    QTextDocument,
)
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
from gui.chain_html import (
    COPIED_SAMPLES,
    DIGIT_LEVELS,
    MARK_COLOR,
    MISTAKE_COLOR,
    SECTIONS,
    example_note,
    explanation_html,
    filled_sections,
    formulas_html,
    table_parts,
    title_html,
    widest_rows,
)
from gui.formatting import PENDING_COLOR

if TYPE_CHECKING:
    from engine.explain.chain import ChainExplanation
    from engine.learner.check import CheckReport
    from gui.controller import SessionController

HINT = "Click a weight or bias in the network to see its chain rule."

_CSS = f"""
body {{ font-size: 10pt; }}
h3 {{ margin: 10px 0 4px 0; font-size: 10pt; color: #444; }}
.meta {{ color: #555; }}
.formula {{ font-size: 11pt; margin: 2px 0 2px 0; }}
.note {{ color: #555; }}
.pending {{ color: {PENDING_COLOR}; font-style: italic; }}
td {{ padding: 2px 8px 2px 0; }}
th {{ padding: 2px 8px 2px 0; text-align: right; color: #444; font-weight: 600; white-space: nowrap; }}
td.num {{ font-family: monospace; text-align: right; white-space: nowrap; }}
td.sym, td.label {{ white-space: nowrap; }}
.mistake {{ color: {MISTAKE_COLOR}; }}
"""


T = TypeVar("T")

CACHED_TEXTS = 256  # entries of each of the panel's caches by text: the texts change every step
_ZEROS = str.maketrans("123456789", "000000000")
_MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")


def _stored(cache: dict[str, T], key: str, value: T) -> T:
    """``value``, kept in ``cache`` under ``key``; a full cache is emptied first."""
    if len(cache) > CACHED_TEXTS:
        cache.clear()
    cache[key] = value
    return value


def tabular_digits(font: QFont) -> bool:
    """Whether every digit is as wide as every other in ``font``, its bold and italic, and the
    fixed-pitch font the tables' numbers use."""
    fixed = QFont("monospace", font.pointSize())
    fixed.setStyleHint(QFont.StyleHint.TypeWriter)
    variants = [font, fixed]
    for bold, italic in ((True, False), (False, True), (True, True)):
        variant = QFont(font)
        variant.setBold(bold)
        variant.setItalic(italic)
        variants.append(variant)
    for variant in variants:
        metrics = QFontMetricsF(variant)
        if len({metrics.horizontalAdvance(digit) for digit in "0123456789"}) != 1:
            return False
    return True


class ChainPanel(QWidget):
    """Shows :meth:`SessionController.explain` for the selection; pending factors are greyed.

    Equations break only between terms; numbers in the tables are shortened (fewer digits) when
    the tables would not fit the panel's width. ``preferred_width_changed`` says how wide the
    panel wants to be to show every equation on one line.
    """

    preferred_width_changed = Signal(int)

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._explanation: ChainExplanation | None = None
        self._dirty = True
        self._auto_sample = True  # the worked sample is the engine's example_row until one is chosen
        self._shown: tuple[ParameterRef, int] | None = None  # (selection, iteration) on display
        self._filled: frozenset[str] = frozenset()  # its sections with every number computed
        self._preferred_width = 0
        self._scroll_target: int | None = None  # a section's top the scroll range has yet to reach

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
        self._measure = QTextDocument(self)  # lays out tables and equations unwrapped, to size them
        self._measure.setDefaultStyleSheet(_CSS)
        # measured texts, by width_key: a resize or a step measures again only what changed
        self._widths: dict[str, float] = {}
        self._metrics: tuple[QFont, QFontMetricsF] | None = None
        self._cuts: dict[str, str] = {}  # tables cut to the rows that set their width, by width_key
        self._tabular: tuple[QFont, bool] | None = None  # the document's font: equal digits?
        self._keys: dict[str, str] = {}  # width_key's answers: a step asks for each several times
        self._level = 0  # the index in DIGIT_LEVELS of the digits shown

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(self.sample_label)
        bar.addWidget(self.sample_box)
        bar.addStretch(1)
        bar.addWidget(self.copy_latex_button)
        bar.addWidget(self.copy_text_button)
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addLayout(bar)
        layout.addWidget(self.browser, 1)

        self._connect(controller)
        self._refresh()

    def _connect(self, controller: SessionController) -> None:
        self.copy_latex_button.clicked.connect(self.copy_latex)
        self.copy_text_button.clicked.connect(self.copy_text)
        self.copy_latex_action.triggered.connect(self.copy_latex)
        self.copy_text_action.triggered.connect(self.copy_text)
        self.browser.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.sample_box.valueChanged.connect(self._on_sample_changed)
        bar = self.browser.verticalScrollBar()
        bar.rangeChanged.connect(self._on_scroll_range_changed)
        bar.actionTriggered.connect(self._on_scroll_action_triggered)
        controller.selection_changed.connect(self._on_selection_changed)
        controller.sample_changed.connect(self._on_controller_sample_changed)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.running_changed.connect(self._on_running_changed)
        controller.check_changed.connect(self._on_check_changed)

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

    @property
    def shown_html(self) -> str:
        """The rich text on display (chain_html's, at the digits that fit)."""
        return self._html

    def preferred_width(self) -> int:
        """The width that shows every equation on one line and every table whole (0: any)."""
        return self._preferred_width

    def copy_latex(self) -> None:
        """Put the engine's LaTeX of the explanation on the clipboard (the first
        :data:`COPIED_SAMPLES` samples)."""
        if self._explanation is not None:
            QGuiApplication.clipboard().setText(self._explanation.to_latex(COPIED_SAMPLES))
            self._controller.message.emit(f"chain rule copied as LaTeX{self._copied_note()}")

    def copy_text(self) -> None:
        """Put the engine's plain-text breakdown on the clipboard (the first
        :data:`COPIED_SAMPLES` samples)."""
        if self._explanation is not None:
            QGuiApplication.clipboard().setText(self._explanation.to_text(COPIED_SAMPLES))
            self._controller.message.emit(f"chain rule copied as text{self._copied_note()}")

    def _copied_note(self) -> str:
        samples = 0 if self._explanation is None else len(self._explanation.samples)
        return f" (the first {COPIED_SAMPLES:,} of {samples:,} samples)" if samples > COPIED_SAMPLES else ""

    # ---- handlers ----

    def _on_selection_changed(self, ref: ParameterRef | None) -> None:
        self._auto_sample = True
        self._show_sample(0)
        self._request_refresh()

    def _on_stage_changed(self) -> None:
        self._request_refresh()

    def _on_running_changed(self, running: bool) -> None:
        if running:  # "Running." while a run goes; at its end stage_changed shows the chain
            self._request_refresh()

    def _on_check_changed(self, state: str) -> None:
        self._render()

    def _on_sample_changed(self, value: int) -> None:
        self._auto_sample = False  # the reader chose it: keep it while stepping
        self._controller.set_sample(value)  # one sample for the whole window: the drawing's too
        self._render()

    def _on_controller_sample_changed(self, sample: int) -> None:
        if sample == self.sample_box.value():
            return  # the panel's own choice coming back
        self._auto_sample = False  # chosen in the network's header: the panel follows it
        self._show_sample(sample)
        if self._explanation is not None:
            self._render()

    def _on_scroll_range_changed(self, low: int, high: int) -> None:
        # the document's height reaches the scroll bar after the scroll into view asked for it
        if self._scroll_target is not None:
            self.browser.verticalScrollBar().setValue(self._scroll_target)
            if high >= self._scroll_target:
                self._scroll_target = None

    def _on_scroll_action_triggered(self, action: int) -> None:
        self._scroll_target = None  # the reader scrolls: leave them be

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

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._explanation is not None:
            self._render()  # the digits that fit the new width

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
            if self._auto_sample:
                self._set_sample(self._explanation.example_row())
            else:
                self._show_sample(self._controller.sample)
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
        why = example_note(ex, row) if self._auto_sample else ""
        optimizer = c.config.optimizer.name
        report, values = c.check_report, self.check_values()
        available = self._available_width()
        pages: dict[int, str] = {}
        last = len(DIGIT_LEVELS) - 1

        def page(level: int) -> str:
            if level not in pages:
                digits = DIGIT_LEVELS[level]
                pages[level] = explanation_html(ex, row, optimizer, report, values, digits, why)
            return pages[level]

        def fits(level: int) -> bool:
            return level == last or self._tables_fit(page(level), available)

        # the most digits whose tables fit, searched from the last step's level: a step changes
        # the numbers, rarely their width by a digit's, so one or two levels are laid out, not six
        level = min(self._level, last)
        while not fits(level):
            level += 1
        while level > 0 and fits(level - 1):
            level -= 1
        self._level = level
        self._set_html(page(level))
        self._scroll_to_filled(ex, row)
        self._update_preferred_width(page(0))

    def _set_sample(self, row: int) -> None:
        """Work through batch row ``row``, and have the network show it too, except in a
        walkthrough, whose own steps say which sample the drawing shows."""
        self._show_sample(row)
        if self._controller.mode == "explore":
            self._controller.set_sample(row)

    def _show_sample(self, row: int) -> None:
        self.sample_box.blockSignals(True)
        self.sample_box.setValue(row)
        self.sample_box.blockSignals(False)

    def _available_width(self) -> int:
        """The viewport's width for text, as if the vertical scroll bar were shown."""
        bar = self.browser.verticalScrollBar()
        return self.browser.viewport().width() - (0 if bar.isVisible() else bar.sizeHint().width())

    def _tables_width(self, text: str) -> float:
        """The width the tables of ``text`` take unwrapped: that of the widest, each measured
        on its own, so a step that changes one table lays out that one alone."""
        parts = self._cut_tables(text)
        if not parts:
            return self._unwrapped_width("")
        return max(self._unwrapped_width(part) for part in parts)

    def _tables_fit(self, text: str, available: float) -> bool:
        """Whether ``_tables_width(text) <= available``, measuring no more than it must: the
        tables measured already first, then the others, shortest (quickest to lay out) first,
        until one is too wide."""
        parts = self._cut_tables(text)
        if not parts:
            return self._unwrapped_width("") <= available
        widths = [self._widths.get(self.width_key(part)) for part in parts]
        if any(width is not None and width > available for width in widths):
            return False
        unknown = sorted((part for part, width in zip(parts, widths, strict=True) if width is None), key=len)
        return all(self._unwrapped_width(part) <= available for part in unknown)

    def _cut_tables(self, text: str) -> list[str]:
        """The tables of ``text``, each cut to the rows that set its columns' widths (laying out
        a table of 16 rows costs milliseconds; the cut one a fraction of that)."""
        cuts = []
        for part in table_parts(text):
            key = self.width_key(part)
            cut = self._cuts.get(key)
            if cut is None:
                cut = _stored(self._cuts, key, widest_rows(part, self._advance))
            cuts.append(cut)
        return cuts

    def _advance(self, text: str) -> float:
        """``text``'s width in the document's font: ranks a column's cells, not measures them."""
        font = self.browser.document().defaultFont()
        if self._metrics is None or self._metrics[0] != font:
            self._metrics = (font, QFontMetricsF(font))
        return self._metrics[1].horizontalAdvance(text)

    def _unwrapped_width(self, text: str) -> float:
        """The width ``text`` takes in the browser's style when nothing in it wraps."""
        key = self.width_key(text)
        width = self._widths.get(key)
        if width is None:
            doc, shown = self._measure, self.browser.document()
            # each of these lays out what the document holds: empty it first, change only what
            # changed, so the text is laid out once (idealWidth), not three times
            doc.clear()
            if doc.defaultFont() != shown.defaultFont():
                doc.setDefaultFont(shown.defaultFont())
            if doc.documentMargin() != shown.documentMargin():
                doc.setDocumentMargin(shown.documentMargin())
            if doc.textWidth() != -1:
                doc.setTextWidth(-1)
            doc.setHtml(text)
            width = _stored(self._widths, key, doc.idealWidth())
        return width

    def width_key(self, text: str) -> str:
        """``text`` as the key of its width: its digits all 0 when the document's fonts draw
        every digit equally wide (tabular figures, as nearly all fonts do), so the next step's
        numbers of the same lengths reuse the widths measured for this step's (measuring took
        5 ms of every step of a small network)."""
        font = self.browser.document().defaultFont()
        if self._tabular is None or self._tabular[0] != font:
            self._tabular = (font, tabular_digits(font))
        if not self._tabular[1]:
            return text
        key = self._keys.get(text)
        if key is None:
            parts = _MARKUP.split(text)  # text, markup, text, ...: a tag's or an entity's digits stay
            parts[::2] = [part.translate(_ZEROS) for part in parts[::2]]
            key = _stored(self._keys, text, "".join(parts))
        return key

    def _update_preferred_width(self, text: str) -> None:
        content = max(self._tables_width(text), self._unwrapped_width(formulas_html(text)))
        margins = self._layout.contentsMargins()
        chrome = (
            margins.left()
            + margins.right()
            + 2 * self.browser.frameWidth()
            + self.browser.verticalScrollBar().sizeHint().width()
            + 4  # the dock's own frame
        )
        width = int(content + 0.999) + chrome
        if width != self._preferred_width:
            self._preferred_width = width
            self.preferred_width_changed.emit(width)

    def _scroll_to_filled(self, ex: ChainExplanation, row: int) -> None:
        """Bring into view the first section the last stage filled (its numbers were pending)."""
        shown = (ex.ref, ex.iteration)
        filled = filled_sections(ex, row)
        newly = [s for s in SECTIONS if s in filled and s not in self._filled] if shown == self._shown else []
        self._shown, self._filled = shown, filled
        if newly:
            self.scroll_into_view(newly[0])

    def scroll_into_view(self, anchor: str) -> None:
        """Scroll so the section headed ``anchor`` is in view, its heading at the top if it is not."""
        doc = self.browser.document()
        layout = doc.documentLayout()
        layout.blockBoundingRect(doc.lastBlock())  # lays a long document out to its end, scroll range too
        tops: dict[str, float] = {}
        block = doc.begin()
        while block.isValid():
            fragments = block.begin()
            while not fragments.atEnd():
                for name in fragments.fragment().charFormat().anchorNames():
                    tops.setdefault(name, layout.blockBoundingRect(block).top())
                fragments += 1
            block = block.next()
        if anchor not in tops:
            return
        top = tops[anchor]
        bottom = min((t for t in tops.values() if t > top), default=layout.documentSize().height())
        bar = self.browser.verticalScrollBar()
        height = self.browser.viewport().height()
        if top < bar.value() or bottom > bar.value() + height:
            bar.setValue(int(top))
            self._scroll_target = int(top) if bar.maximum() < top else None

    def _set_html(self, text: str) -> None:
        """Show ``text`` unless it is already shown (a step with nothing new redraws nothing)."""
        if text == self._html:
            return
        self._html = text
        self._scroll_target = None
        scroll = self.browser.verticalScrollBar().value()
        # A fresh document, laid out at the viewport's width, then handed to the browser: the
        # browser's own setHtml lays the page out about twice as slowly (8.9 ms against 4.5 ms
        # plus 2.1 ms for the swap, a 64-unit network's page), and this happens on most steps.
        shown = self.browser.document()
        page = QTextDocument(self.browser)
        page.setDefaultStyleSheet(_CSS)
        page.setDefaultFont(shown.defaultFont())
        page.setDocumentMargin(shown.documentMargin())
        page.setHtml(text)
        page.setTextWidth(self.browser.viewport().width())
        self.browser.setDocument(page)  # deletes the document it showed, which it owned
        self.browser.verticalScrollBar().setValue(scroll)  # stepping should not jump the reader back
