"""The chain rule on the drawing: the selected parameter's factors along its path to the loss.

One text item per place, made once and reused: a step only changes their texts. A factor the
current stage has not computed is an empty slot (□) until the backward pass fills it in.
"""

from __future__ import annotations

import pyqtgraph as pg

from gui.formatting import PENDING_COLOR
from gui.network.chain_terms import ChainTerm, shown_number
from gui.network.label_board import TextLabel, tight
from gui.stage_strip import KIND_COLORS

SLOT = "□"
LABEL_FILL = (255, 255, 255, 215)  # reads over the edges it sits on
FONT_SCALE = 0.9  # a little smaller than the names and values: more of the chain fits


def term_texts(term: ChainTerm) -> tuple[str, ...]:
    """What the label of ``term`` may say, longest first: with a sum's terms, 4 significant
    digits, then shorter; a term on an edge may end as its number alone (its tooltip names it)."""
    more = ""
    if term.more:
        more = f" (+ {term.more} more)" if term.labelled else f" ({term.more} terms)"
    bare = term.key.startswith("upstream")
    if term.value is None:
        slots = (f"{term.symbol} = {SLOT}{more}", f"{term.symbol.split(' = ')[0]} = {SLOT}")
        return (*slots, SLOT) if bare else slots
    four, three = shown_number(term.value, 4), shown_number(term.value, 3)
    short = term.symbol.split(" = ")[0]  # "∂ℓ/∂a = Σ w·δ" shortens to "∂ℓ/∂a"
    return (
        f"{term.symbol} = {four}{more}",
        f"{short} = {four}{more}",
        f"{short} = {three}{more}",
        f"{short} = {three}",
        *((three,) if bare else ()),
    )


class ChainLabels:
    """The text items of the chain on one view box."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._items: dict[str, pg.TextItem] = {}
        self._terms: list[ChainTerm] = []

    @property
    def terms(self) -> list[ChainTerm]:
        """The factors labelled, in order of importance (empty: nothing selected)."""
        return list(self._terms)

    def show(self, terms: list[ChainTerm]) -> None:
        """Label ``terms`` (an empty list hides the chain)."""
        self._terms = list(terms)
        keys = {term.key for term in terms}
        for key, item in self._items.items():
            if key not in keys:
                item.setVisible(False)
        for term in terms:
            item = self._items.get(term.key)
            if item is None:
                item = tight(pg.TextItem("", fill=pg.mkBrush(*LABEL_FILL)))
                font = item.textItem.font()
                font.setPointSizeF(font.pointSizeF() * FONT_SCALE)
                item.setFont(font)
                item.setZValue(12)
                item.setVisible(False)
                self._view_box.addItem(item)
                self._items[term.key] = item
            item.setColor(PENDING_COLOR if term.value is None else KIND_COLORS[term.stage])

    def text_labels(self) -> list[TextLabel]:
        """The labels for the board, in order of importance."""
        return [
            TextLabel(
                f"chain {term.key}",
                "chain",
                self._items[term.key],
                term.anchor,
                term_texts(term),
                term.sides,
                term.radius,
                tooltip=term.what,
                alternatives=term.alternatives,
            )
            for term in self._terms
        ]

    def clear(self) -> None:
        """A new network: the old items go."""
        for item in self._items.values():
            self._view_box.removeItem(item)
        self._items.clear()
        self._terms = []
