"""The learner's source, read-only, with line numbers, Python colouring and a gutter mark per
traced line (matches, mistake, wrong, helper); the first wrong line in red, the line cursor
highlighted. F10 / Shift+F10 here step the line cursor rather than the session's stages."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextBlock,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from gui.debug.highlighter import PythonHighlighter
from gui.formatting import FAIL_COLOR, PASS_COLOR

# a status's gutter mark and colour; "MISTAKE" and "WRONG" are both wrong lines
MARKS = {
    "matches": ("✓", PASS_COLOR),
    "matches-mistake": ("✗", FAIL_COLOR),
    "wrong": ("✗", FAIL_COLOR),
    "helper": ("·", "#8c8c8c"),
}
WRONG_BACKGROUND = QColor("#ffd7d5")
CURSOR_BACKGROUND = QColor("#fff1b8")
CURSOR_ON_WRONG_BACKGROUND = QColor("#ffb3ab")  # the cursor on the wrong line: both must show
CURSOR_ARROW = "▶"


class _Gutter(QWidget):
    """Line numbers and status marks, painted by the code view."""

    def __init__(self, view: CodeView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._view.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        self._view.paint_gutter(event)


class CodeView(QPlainTextEdit):
    """The learner's file; :meth:`set_marks` and :meth:`set_cursor_line` say what to show."""

    step_requested = Signal()  # F10
    back_requested = Signal()  # Shift+F10
    line_clicked = Signal(int)  # a 1-based line number

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._highlighter = PythonHighlighter(self.document())
        self._gutter = _Gutter(self)
        self.marks: dict[int, str] = {}  # line -> status
        self.wrong_line: int | None = None
        self.cursor_line: int | None = None
        self.stepping = False  # lines to step: F10 is the dock's, else the window's stage step
        self.blockCountChanged.connect(self._on_block_count_changed)
        self.updateRequest.connect(self._on_update_request)
        self._on_block_count_changed(0)

    # ---- what is shown ----

    def set_source(self, text: str) -> None:
        if text != self.toPlainText():
            self.setPlainText(text)

    def set_marks(self, marks: dict[int, str], wrong_line: int | None) -> None:
        """Each traced line's status (of the iteration shown) and the first wrong line."""
        self.marks = dict(marks)
        self.wrong_line = wrong_line
        self._highlight_lines()
        self._gutter.update()

    def set_cursor_line(self, line: int | None) -> None:
        """Highlight ``line`` (1-based) and scroll it into view."""
        self.cursor_line = line
        self._highlight_lines()
        if line is not None:
            block = self.document().findBlockByNumber(line - 1)
            if block.isValid():
                self.setTextCursor(QTextCursor(block))
                self.centerCursor()
        self._gutter.update()

    # ---- gutter ----

    def text_width(self) -> int:
        """How wide the longest line is drawn, gutter included (for the dock's width)."""
        longest = max((len(line) for line in self.toPlainText().splitlines()), default=0)
        return self.gutter_width() + self.fontMetrics().horizontalAdvance("9") * (longest + 2)

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return self.fontMetrics().horizontalAdvance("9") * (digits + 4) + 8

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        painter.fillRect(event.rect(), QColor("#f3f3f3"))
        char = self.fontMetrics().horizontalAdvance("9")
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        width = self._gutter.width()
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                self._paint_line(painter, block, QRect(0, top, width, height), char)
            block = block.next()
            top = bottom
        painter.end()

    def _paint_line(self, painter: QPainter, block: QTextBlock, rect: QRect, char: int) -> None:
        line = block.blockNumber() + 1
        if line == self.cursor_line:
            painter.setPen(QColor("#b07d00"))
            painter.drawText(rect.adjusted(2, 0, 0, 0), Qt.AlignmentFlag.AlignLeft, CURSOR_ARROW)
        painter.setPen(QColor(FAIL_COLOR) if line == self.wrong_line else QColor("#888888"))
        number = rect.adjusted(0, 0, -(2 * char + 4), 0)
        painter.drawText(number, Qt.AlignmentFlag.AlignRight, str(line))
        status = self.marks.get(line)
        if status is not None:
            mark, color = MARKS[status]
            painter.setPen(QColor(color))
            painter.drawText(rect.adjusted(0, 0, -4, 0), Qt.AlignmentFlag.AlignRight, mark)

    def _highlight_lines(self) -> None:
        selections = []
        on_wrong = self.cursor_line is not None and self.cursor_line == self.wrong_line
        cursor_color = CURSOR_ON_WRONG_BACKGROUND if on_wrong else CURSOR_BACKGROUND
        for line, color in ((self.wrong_line, WRONG_BACKGROUND), (self.cursor_line, cursor_color)):
            block = None if line is None else self.document().findBlockByNumber(line - 1)
            if block is None or not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(color)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            selections.append(selection)
        self.setExtraSelections(selections)

    # ---- keys and clicks ----

    def event(self, event: QEvent) -> bool:
        # F10 here steps the line cursor: take the key before the window's F10 shortcut does
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_F10
            and self.stepping
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_F10 and self.stepping:
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.back_requested.emit()
            else:
                self.step_requested.emit()
            return
        super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            self.line_clicked.emit(self.cursorForPosition(event.position().toPoint()).blockNumber() + 1)

    # ---- layout ----

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        rect = self.contentsRect()
        self._gutter.setGeometry(QRect(rect.left(), rect.top(), self.gutter_width(), rect.height()))

    def _on_block_count_changed(self, count: int) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())
