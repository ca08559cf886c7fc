"""Python syntax colouring for the "Your Code" dock: keywords, builtins, numbers, strings and
comments, line by line (triple-quoted strings spanning lines are not followed: kept simple)."""

from __future__ import annotations

import keyword
import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument


def _format(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


_WORDS = "|".join(keyword.kwlist)
# later rules win: a keyword inside a string or a comment takes the string's or comment's colour
RULES: tuple[tuple[re.Pattern[str], QTextCharFormat], ...] = (
    (re.compile(rf"\b(?:{_WORDS})\b"), _format("#0033b3", bold=True)),
    (re.compile(r"\b(?:np|numpy|print|range|len|self|zip|enumerate)\b"), _format("#871094")),
    (re.compile(r"\b\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\b"), _format("#1750eb")),
    (re.compile(r"(?:[rbfuRBFU]{0,2})(?:'[^'\n]*'|\"[^\"\n]*\")"), _format("#067d17")),
)
COMMENT = _format("#8c8c8c", italic=True)


class PythonHighlighter(QSyntaxHighlighter):
    """Colours one line at a time by :data:`RULES`."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        comment = _comment_start(text)
        for pattern, fmt in RULES:
            for match in pattern.finditer(text):
                if comment is None or match.start() < comment:  # everything after # is the comment's
                    self.setFormat(match.start(), match.end() - match.start(), fmt)
        if comment is not None:
            self.setFormat(comment, len(text) - comment, COMMENT)


def _comment_start(text: str) -> int | None:
    """Where a comment starts, outside strings."""
    quote: str | None = None
    for i, ch in enumerate(text):
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return i
    return None
