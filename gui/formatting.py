"""How the dock panels write numbers and indices: display only, never arithmetic on the values."""

from __future__ import annotations

import html
import math

PENDING = "pending"
PENDING_COLOR = "#9a9a9a"
PASS_COLOR = "#1a7f37"
FAIL_COLOR = "#cf222e"

# The full-precision form used in tooltips and the chain panel: enough digits to compare with a
# NumPy printout by eye, without the 17-digit noise of repr().
DIGITS = 10


def format_number(value: float | None, digits: int = DIGITS) -> str:
    """A float with ``digits`` significant digits; "pending" for None."""
    if value is None:
        return PENDING
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = format(0.0 if value == 0 else value, f".{digits}g")  # −0.0 is written 0, never −0
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"  # 1e-05 reads better as 1e-5
    return text.replace("-", "−")  # a real minus sign lines up with the digits in proportional fonts


def format_cell(value: float, digits: int = 4) -> str:
    """A compact table cell: ``digits`` significant digits."""
    return format_number(value, digits)


def format_plain(value: float | None, digits: int = DIGITS) -> str:
    """Like :func:`format_number` with an ASCII minus, for text that is copied or parsed."""
    return format_number(value, digits).replace("−", "-")


def html_number(value: float | None, digits: int = DIGITS, parens: bool = False) -> str:
    """A number as rich text: pending ones grey and italic, negatives in parentheses if asked."""
    if value is None:
        return f'<span style="color:{PENDING_COLOR}; font-style:italic">{PENDING}</span>'
    text = format_number(value, digits)
    if parens and value < 0:
        text = f"({text})"
    return html.escape(text)


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as people write it: "3 × 2", or "3" for a vector."""
    return " × ".join(str(n) for n in shape)
