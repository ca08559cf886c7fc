"""Puts every text label of the network drawing where it meets no other label and no node.

The parts (captions, node labels, the chain) describe their labels as :class:`TextLabel`; the
board measures their texts in pixels, hands anchors and sizes to the Qt-free
:func:`gui.network.label_layout.place_labels` and moves, shortens or hides the items. Labels
are pixel-sized while the network zooms, so the board runs again whenever the view changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF

from gui.network.label_layout import PAD, Box, Discs, LabelSpec, place_labels
from gui.network.layout import STRIP_HALF_WIDTH, NetworkLayout


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
        self._sizes: dict[tuple[int, bool, str], tuple[float, float]] = {}
        self._shown: dict[str, tuple[TextLabel, Box]] = {}

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
        placed = place_labels(specs, discs, obstacles, inside)
        self._shown.clear()
        for label in labels:
            placement = placed.get(label.key)
            if placement is None:
                label.item.setVisible(False)
                continue
            self._show(label, label.variants[placement.variant], placement.box, scale)

    def _show(self, label: TextLabel, text: str, box: Box, scale: ViewScale) -> None:
        item = label.item
        _set_text(item, text, label.html)
        item.setAnchor((0.0, 0.0))
        item.setPos(scale.view_point(box.left, box.top))
        item.setVisible(True)
        self._shown[label.key] = (label, box)

    def _measure(self, label: TextLabel, text: str) -> tuple[float, float]:
        key = (id(label.item), label.html, text)
        size = self._sizes.get(key)
        if size is None:
            _set_text(label.item, text, label.html)
            rect = label.item.textItem.boundingRect()
            size = (rect.width(), rect.height())
            if len(self._sizes) > 4096:  # texts change every step: keep the cache small
                self._sizes.clear()
            self._sizes[key] = size
        return size

    def forget(self) -> None:
        """A new network: its items are new (their ids may be reused)."""
        self._sizes.clear()
        self._shown.clear()

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
