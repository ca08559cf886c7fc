"""The network's captions: a header over each column and the loss, a caption under each band."""

from __future__ import annotations

import html

import pyqtgraph as pg

from gui.network.layout import NetworkLayout


def centred_text(text: str, color: str = "#333333") -> pg.TextItem:
    """A multi-line caption centred on its position, hanging above it."""
    lines = "<br>".join(html.escape(line) for line in text.split("\n"))
    # no colour in the HTML: the item's default text colour applies, so a theme can change it
    item = pg.TextItem(html=f'<div style="text-align:center">{lines}</div>', anchor=(0.5, 1.0))
    item.setColor(color)
    item.setTextWidth(max(len(line) for line in text.split("\n")) * 7.5 + 12)
    return item


class Captions:
    """The captions of one view box, made anew for each network."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._items: list[pg.TextItem] = []
        self._color: str | None = None  # the theme's caption colour (None: each caption's own)

    def set_color(self, color: str) -> None:
        """Colour every caption, and those made later, ``color`` (the theme's)."""
        self._color = color
        for item in self._items:
            item.setColor(color)

    def clear(self) -> None:
        for item in self._items:
            self._view_box.removeItem(item)
        self._items.clear()

    def add_band_caption(self, layout: NetworkLayout, layer: int) -> None:
        """What a weight-matrix band shows, under it."""
        sizes = layout.sizes
        label = centred_text(
            f"W[{layer}]: {sizes[layer + 1]} × {sizes[layer]}\npixel (j, i) = W[{layer}][j,i]", "#555555"
        )
        label.setAnchor((0.5, 0.0))
        label.setPos(*layout.band_caption_position(layer))
        self._add(label)

    def add_header(self, layout: NetworkLayout, column: int, activations: tuple[str, ...]) -> None:
        """A column's header: input or layer number, size and activation."""
        n = layout.sizes[column]
        # short enough not to run into the next column's header when zoomed out
        title = f"input x\n{n}" if column == 0 else f"layer {column - 1}\n{n} × {activations[column - 1]}"
        header = centred_text(title)
        header.setPos(layout.columns[column].x, layout.header_top())
        self._add(header)

    def add_loss_header(self, layout: NetworkLayout, loss: str) -> None:
        header = centred_text(f"loss\n{loss}")
        # hangs to the right of the loss node: a narrow last layer's header sits close on the left
        header.setAnchor((0.1, 1.0))
        header.setPos(layout.loss_position[0], layout.header_top())
        self._add(header)

    def _add(self, item: pg.TextItem) -> None:
        if self._color is not None:
            item.setColor(self._color)
        self._view_box.addItem(item)
        self._items.append(item)
