"""Python source for exact numbers: floats and arrays that read back bit for bit.

``repr`` of a Python float is the shortest text that reads back as the same double, so small
arrays are written as readable nested lists; a large one is written as the base64 of its
little-endian float64 bytes, which is exact too and keeps the script a reasonable size.
"""

from __future__ import annotations

import base64
import textwrap

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# arrays with more values than this are written as base64 rather than as lists of numbers
INLINE_VALUES = 2000
_WIDTH = 100
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(k: int) -> str:
    """Gradstep's layer superscript: ⁽⁰⁾ for layer 0."""
    return f"⁽{str(k).translate(_SUPERSCRIPTS)}⁾"


def number(value: float) -> str:
    """A float as the shortest literal that reads back as the same double (-0.0 included)."""
    return repr(float(value))


def _row(values: Array, indent: str) -> str:
    text = "[" + ", ".join(number(v) for v in values) + "]"
    if len(indent) + len(text) <= _WIDTH:
        return indent + text
    lines = textwrap.wrap(
        text,
        width=_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + " ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines)


def array(values: Array, indent: str = "") -> str:
    """``np.array([...])`` of a 1-D or 2-D float64 array, exactly; base64 bytes when large."""
    values = np.asarray(values, dtype=np.float64)
    if values.size > INLINE_VALUES:
        return _packed(values, indent)
    if values.ndim == 1:
        return f"np.array({_row(values, '').strip()})" if values.size <= 8 else _vector(values, indent)
    inner = indent + "    "
    rows = ",\n".join(_row(row, inner) for row in values)
    return f"np.array(\n{indent}    [\n{_indent_more(rows)},\n{inner}]\n{indent})"


def _indent_more(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _vector(values: Array, indent: str) -> str:
    return f"np.array(\n{_row(values, indent + '    ')}\n{indent})"


def _packed(values: Array, indent: str) -> str:
    """The array's float64 bytes in base64: exact, and a line of the script per 96 characters."""
    encoded = base64.b64encode(values.astype("<f8").tobytes()).decode("ascii")
    chunks = [encoded[i : i + 96] for i in range(0, len(encoded), 96)]
    body = "\n".join(f'{indent}        "{chunk}"' for chunk in chunks)
    shape = ", ".join(str(n) for n in values.shape) + ("," if values.ndim == 1 else "")
    return (
        f"np.frombuffer(\n{indent}    base64.b64decode(\n{body}\n{indent}    ),\n"
        f'{indent}    dtype="<f8",\n{indent}).reshape({shape})'
    )


def needs_base64(*arrays: Array) -> bool:
    """True when any of ``arrays`` is written as base64 (the script then imports base64)."""
    return any(np.asarray(a).size > INLINE_VALUES for a in arrays)
