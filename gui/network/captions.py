"""The network's captions: a header over each column and the loss, a caption under each band.

Headers are elided to the room between two columns at the current zoom (the whole text is
their tooltip); the label board places them.
"""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from gui.network.label_board import TextLabel, ViewScale, tight
from gui.network.label_layout import PAD, shared_widths
from gui.network.layout import NetworkLayout

HEADER_COLOR = "#333333"
CAPTION_COLOR = "#555555"


def caption_html(lines: list[str]) -> str:
    """Lines centred on each other, as rich text (in the item's own colour: a theme sets it)."""
    body = "<br>".join(html.escape(line) for line in lines)
    return f'<div style="text-align:center">{body}</div>'


def centred_text(text: str, color: str = HEADER_COLOR) -> pg.TextItem:
    """A multi-line caption centred on its position, hanging above it."""
    item = tight(pg.TextItem(html=caption_html(text.split("\n")), anchor=(0.5, 1.0)))
    # no colour in the HTML: the item's default text colour applies, so a theme can change it
    item.setColor(color)
    return item


class Captions:
    """The captions of one view box, made anew for each network."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._items: list[pg.TextItem] = []
        self._color: str | None = None  # the theme's caption colour (None: each caption's own)
        self._headers: list[tuple[pg.TextItem, float, list[str]]] = []  # item, x, lines
        self._bands: list[tuple[pg.TextItem, tuple[float, float], list[str]]] = []
        self._top = 0.0

    def set_color(self, color: str) -> None:
        """Colour every caption, and those made later, ``color`` (the theme's)."""
        self._color = color
        for item in self._items:
            item.setColor(color)

    def clear(self) -> None:
        for item in self._items:
            self._view_box.removeItem(item)
        self._items.clear()
        self._headers.clear()
        self._bands.clear()

    def add_band_caption(self, layout: NetworkLayout, layer: int) -> None:
        """What a weight-matrix band shows, under it."""
        sizes = layout.sizes
        lines = [f"W[{layer}]: {sizes[layer + 1]} × {sizes[layer]}", f"pixel (j, i) = W[{layer}][j,i]"]
        label = centred_text("\n".join(lines), CAPTION_COLOR)
        label.setAnchor((0.5, 0.0))
        label.setPos(*layout.band_caption_position(layer))
        self._add(label)
        self._bands.append((label, layout.band_caption_position(layer), lines))

    def add_header(self, layout: NetworkLayout, column: int, activations: tuple[str, ...]) -> None:
        """A column's header: input or layer number, size and activation."""
        n = layout.sizes[column]
        title = f"input x\n{n}" if column == 0 else f"layer {column - 1}\n{n} × {activations[column - 1]}"
        self._add_header(layout.columns[column].x, layout.header_top(), title)

    def add_loss_header(self, layout: NetworkLayout, loss: str) -> None:
        self._add_header(layout.loss_position[0], layout.header_top(), f"loss\n{loss}")

    def _add_header(self, x: float, top: float, title: str) -> None:
        header = centred_text(title)
        header.setPos(x, top)
        self._add(header)
        self._headers.append((header, x, title.split("\n")))
        self._top = top

    def _add(self, item: pg.TextItem) -> None:
        if self._color is not None:
            item.setColor(self._color)
        self._view_box.addItem(item)
        self._items.append(item)

    # ---- for the label board ----

    def text_labels(self, scale: ViewScale) -> list[TextLabel]:
        """The headers, elided to the room between their columns, then the band captions."""
        headers = sorted(self._headers, key=lambda header: header[1])
        natural = [_width(item, lines) for item, _, lines in headers]
        rooms = shared_widths([x * scale.pixels for _, x, _ in headers], natural, PAD + 1)
        labels = []
        for k, ((item, x, lines), room) in enumerate(zip(headers, rooms, strict=True)):
            variants = _elided(item, lines, room)
            labels.append(
                TextLabel(
                    f"header {k}",
                    "header",
                    item,
                    (x, self._top),
                    variants,
                    ("above",),
                    html=True,
                    tooltip="\n".join(lines),
                )
            )
        for k, (item, anchor, lines) in enumerate(self._bands):
            text = caption_html(lines)
            labels.append(
                TextLabel(
                    f"band {k}",
                    "caption",
                    item,
                    anchor,
                    (text,),
                    ("below",),
                    html=True,
                    tooltip="\n".join(lines),
                )
            )
        return labels


def _width(item: pg.TextItem, lines: list[str]) -> float:
    """The pixel width of a header's widest line with its margins."""
    metrics = QFontMetricsF(item.textItem.font())
    margin = float(item.textItem.document().documentMargin())
    return float(max(metrics.horizontalAdvance(line) for line in lines)) + 2 * margin + 2


def _elided(item: pg.TextItem, lines: list[str], room: float) -> tuple[str, ...]:
    """The header whole if it fits ``room`` pixels, else elided to it; then elided to half of it
    (headers are placed first: a text wider than its room would push its neighbour out)."""
    metrics = QFontMetricsF(item.textItem.font())
    margin = 2 * item.textItem.document().documentMargin() + 2
    width = room - margin
    variants = []
    for limit in (width, width / 2):
        # a line with no room at all still says "…": its header then fits nowhere and is dropped
        elided = [
            metrics.elidedText(line, Qt.TextElideMode.ElideRight, max(limit, 1.0)) or "…" for line in lines
        ]
        text = caption_html(elided)
        if text not in variants:
            variants.append(text)
    return tuple(variants)
