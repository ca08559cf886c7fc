"""Redraw a part of the network drawing only when what it shows changed (no Qt)."""

from __future__ import annotations

import numpy as np

from gui.matrix_table import same_bits


def same_inputs(a: object, b: object) -> bool:
    """Whether two drawings' inputs are equal: arrays bit for bit, tuples item by item."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and same_bits(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same_inputs(x, y) for x, y in zip(a, b, strict=True))
    return a is b or bool(a == b)


class RedrawMemo:
    """Remembers what each part was last drawn from."""

    def __init__(self) -> None:
        self._drawn: dict[str, object] = {}

    def unchanged(self, part: str, inputs: object) -> bool:
        """True when ``part`` was last drawn from the same ``inputs``; otherwise remembers them."""
        if part in self._drawn and same_inputs(self._drawn[part], inputs):
            return True
        self._drawn[part] = inputs
        return False

    def clear(self) -> None:
        """Forget everything: a new layout draws every part afresh."""
        self._drawn.clear()
