"""Puts every text label of the network drawing where it meets no other label and no node.

The parts (captions, node labels, the chain) describe their labels as :class:`TextLabel`; the
board measures their texts in pixels, hands anchors and sizes to the Qt-free
:func:`gui.network.label_layout.place_labels` and moves, shortens or hides the items. Labels
are pixel-sized while the network zooms, so the board runs again whenever the view changes.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetricsF

from gui.network.label_layout import PAD, Box, Discs, LabelSpec, Placement, place_labels
from gui.network.layout import STRIP_HALF_WIDTH, NetworkLayout

WIDTH_STEP = 6.0  # pixels: label widths are reserved in steps of this


@dataclass(frozen=True)
class TextLabel:
    """One text item and where it may go: on ``sides`` of ``anchor`` (view coordinates),
    ``radius`` view units out; the first of its ``variants`` that fits is shown."""

    key: str
    kind: str  # "header" | "name" | "chain" | "loss" | "value" | "caption"
    item: pg.TextItem
    anchor: tuple[float, float]
    variants: tuple[str, ...]
    sides: tuple[str, ...]
    radius: float = 0.0
    html: bool = False
    on_node: tuple[int, int] | None = None  # (column, unit) a name may cover; (-1, 0): the loss
    tooltip: str = ""
    alternatives: tuple[tuple[float, float], ...] = ()  # other anchors, tried after ``anchor``


@dataclass(frozen=True)
class ViewScale:
    """The view-to-pixel map of an aspect-locked view: x_px = sx·x + ox, y_px = sy·y + oy."""

    sx: float
    sy: float
    ox: float
    oy: float

    @staticmethod
    def of(view_box: pg.ViewBox) -> ViewScale:
        p0 = view_box.mapViewToScene(QPointF(0.0, 0.0))
        p1 = view_box.mapViewToScene(QPointF(1.0, 1.0))
        return ViewScale(p1.x() - p0.x(), p1.y() - p0.y(), p0.x(), p0.y())

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.sx * x + self.ox, self.sy * y + self.oy

    def view_point(self, px: float, py: float) -> QPointF:
        return QPointF((px - self.ox) / self.sx, (py - self.oy) / self.sy)

    @property
    def pixels(self) -> float:
        """Pixels per view unit."""
        return abs(self.sx)


def node_discs(
    layout: NetworkLayout, scale: ViewScale
) -> tuple[Discs, dict[tuple[int, int], int], list[Box]]:
    """Each drawn node's disc with its delta ring, the loss node's and the bias squares' (pixels),
    the index of each node's disc, and the boxes of the strips (columns drawn as images)."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    rs: list[np.ndarray] = []
    index: dict[tuple[int, int], int] = {}
    strips: list[Box] = []
    count = 0
    for c, column in enumerate(layout.columns):
        if column.strip:
            left, top = scale.point(column.x - STRIP_HALF_WIDTH, column.half_height)
            strips.append(
                Box(left, top, 2 * STRIP_HALF_WIDTH * scale.pixels, 2 * column.half_height * scale.pixels)
            )
            continue
        n = len(column.y)
        xs.append(np.full(n, scale.sx * column.x + scale.ox))
        ys.append(scale.sy * column.y + scale.oy)
        rs.append(np.full(n, 0.71 * column.diameter * scale.pixels))
        index.update({(c, i): count + i for i in range(n)})
        count += n
        if c > 0 and layout.has_bias_squares(c - 1):
            d = column.diameter
            xs.append(np.full(n, scale.sx * (column.x - d) + scale.ox))
            ys.append(scale.sy * (column.y + 0.55 * d) + scale.oy)
            rs.append(np.full(n, 0.71 * layout.bias_size(c - 1) * scale.pixels))
            count += n
    loss_x, loss_y = scale.point(*layout.loss_position)
    xs.append(np.array([loss_x]))
    ys.append(np.array([loss_y]))
    rs.append(np.array([0.43 * scale.pixels]))  # the loss square's half diagonal
    index[(-1, 0)] = count
    return Discs(np.concatenate(xs), np.concatenate(ys), np.concatenate(rs)), index, strips


def item_box(item: pg.TextItem, scale: ViewScale) -> Box:
    """Where a text item that the board does not move is drawn, from its position and anchor."""
    rect = item.textItem.boundingRect()
    px, py = scale.point(item.pos().x(), item.pos().y())
    w, h = rect.width(), rect.height()
    return Box(px - item.anchor.x() * w, py - item.anchor.y() * h, w, h)


class LabelBoard:
    """Measures, places and shows the drawing's labels; remembers where each went."""

    def __init__(self) -> None:
        self._sizes: dict[tuple[object, ...], tuple[float, float]] = {}
        self._shown: dict[str, tuple[TextLabel, Box]] = {}
        self._drawn: dict[str, tuple[str, Box]] = {}  # what each item shows, to skip unchanged ones
        self._placed: tuple[object, list[LabelSpec], dict[Hashable, Placement]] | None = None
        self._widths: dict[
            tuple[object, ...], float
        ] = {}  # a plain text's own width, inside its reserved one

    def arrange(
        self,
        layout: NetworkLayout,
        scale: ViewScale,
        labels: Sequence[TextLabel],
        fixed: Sequence[pg.TextItem] = (),
        bounds: QRectF | None = None,
    ) -> None:
        """Place ``labels`` in order (the most important first), clear of the ``fixed`` items,
        inside ``bounds`` (scene pixels: the part of the view on screen)."""
        discs, disc_index, strips = node_discs(layout, scale)
        obstacles = strips + [
            item_box(item, scale) for item in fixed if item.isVisible() and item.toPlainText()
        ]
        specs = []
        for label in labels:
            sizes = tuple(self._measure(label, text) for text in label.variants)
            own = None if label.on_node is None else disc_index.get(label.on_node)
            gap = label.radius * scale.pixels + (PAD + 1 if label.radius else 2.0)
            others = tuple(scale.point(*point) for point in label.alternatives)
            specs.append(
                LabelSpec(label.key, scale.point(*label.anchor), sizes, label.sides, gap, own, others)
            )
        inside = None if bounds is None else Box(bounds.left(), bounds.top(), bounds.width(), bounds.height())
        # a step changes the numbers, rarely their widths: the labels before the first that
        # changed keep their places
        board = (inside, tuple(obstacles), scale)
        previous = None
        if self._placed is not None and self._placed[0] == board:
            previous = (self._placed[1], self._placed[2])
        placed = place_labels(specs, discs, obstacles, inside, previous)
        self._placed = (board, specs, placed)
        self._shown.clear()
        for label in labels:
            placement = placed.get(label.key)
            if placement is None:
                label.item.setVisible(False)
                self._drawn.pop(label.key, None)
                continue
            self._show(label, label.variants[placement.variant], placement, scale)

    def _show(self, label: TextLabel, text: str, placement: Placement, scale: ViewScale) -> None:
        item = label.item
        box = placement.box
        font = item.textItem.font()
        key = (font.key(), float(item.textItem.document().documentMargin()), text)
        width = self._widths.get(key, box.width) if not label.html else box.width
        # the text within its reserved box: towards the anchor
        share = 1.0 if placement.side.endswith("left") else 0.0 if placement.side.endswith("right") else 0.5
        box = Box(box.left + share * (box.width - width), box.top, width, box.height)
        self._shown[label.key] = (label, box)
        if self._drawn.get(label.key) == (text, box) and item.isVisible():
            return
        self._drawn[label.key] = (text, box)
        _set_text(item, text, label.html)
        item.setAnchor((0.0, 0.0))
        item.setPos(scale.view_point(box.left, box.top))
        item.setVisible(True)

    def _measure(self, label: TextLabel, text: str) -> tuple[float, float]:
        """The pixel size of ``text`` in ``label``'s item (plain text from the font's metrics,
        as Qt lays it out, without touching the item)."""
        document = label.item.textItem.document()
        margin = float(document.documentMargin())
        font = label.item.textItem.font()
        key: tuple[object, ...] = (font.key(), margin, text) if not label.html else (id(label.item), text)
        size = self._sizes.get(key)
        if size is None:
            if label.html:
                _set_text(label.item, text, True)
                self._drawn.pop(label.key, None)
                rect = label.item.textItem.boundingRect()
                size = (rect.width(), rect.height())
            else:
                metrics = QFontMetricsF(font)
                lines = text.split("\n")
                width = max(metrics.horizontalAdvance(line) for line in lines)
                # widths rounded up: a step's new number rarely changes the boxes, so the
                # placement is reused and the labels stay put
                self._widths[key] = width + 2 * margin
                width = math.ceil((width + 2 * margin) / WIDTH_STEP) * WIDTH_STEP
                size = (width, len(lines) * math.ceil(metrics.height()) + 2 * margin)
            if len(self._sizes) > 4096:  # texts change every step: keep the caches small
                self._sizes.clear()
                self._widths.clear()
            self._sizes[key] = size
        return size

    def forget(self) -> None:
        """A new network: its items are new (their ids may be reused)."""
        self._sizes.clear()
        self._shown.clear()
        self._drawn.clear()
        self._placed = None
        self._widths.clear()

    # ---- reading what is shown (tooltips, tests) ----

    def shown(self) -> list[tuple[TextLabel, QRectF]]:
        """Every label shown with its box in scene pixels."""
        return [(label, QRectF(b.left, b.top, b.width, b.height)) for label, b in self._shown.values()]

    def label_at(self, point: QPointF) -> TextLabel | None:
        """The label drawn at ``point`` (scene pixels)."""
        for label, box in self._shown.values():
            if box.left <= point.x() <= box.right and box.top <= point.y() <= box.bottom:
                return label
        return None


def tight(item: pg.TextItem) -> pg.TextItem:
    """``item`` with a one-pixel margin around its text (Qt's default is four): labels pack closer."""
    item.textItem.document().setDocumentMargin(1)
    item.updateTextPos()
    return item


def _set_text(item: pg.TextItem, text: str, html: bool) -> None:
    if html:
        item.setTextWidth(-1)
        item.setHtml(text)
        item.setTextWidth(item.textItem.document().idealWidth())  # centred lines need a width
    else:
        item.setText(text)
