"""The network's nodes: circles (or image strips for very wide columns) filled by activation,
a ring per unit coloured by its delta, the loss node, and each node's name and value."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QPen

from gui.colormap import BUCKETS, bucket_magnitude, buckets, position_indices
from gui.formatting import format_number
from gui.network.chain_terms import shown_number
from gui.network.label_board import TextLabel, tight
from gui.network.layout import LABEL_NODES, STRIP_HALF_WIDTH, VALUE_NODES, Column, NetworkLayout, node_name
from gui.network.redraw import RedrawMemo
from gui.network.style import CAPTION_COLOR, LIGHT, Theme, bucket_brushes, ring_pens
from gui.network.values import DEFAULT_SCALE_MODE, delta_scale
from gui.stage_strip import KIND_COLORS

Array = NDArray[np.float64]

VALUE_SIDES = ("below", "below right", "right", "above right", "left", "below left", "above left", "above")


class Nodes:
    """Node fills, delta rings, the loss node and the node labels of one view box."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self._view_box = view_box
        self._layout: NetworkLayout | None = None
        self._memo = RedrawMemo()
        self._theme = LIGHT
        self._scale_mode = DEFAULT_SCALE_MODE  # the δ rings are scaled as gradients are
        self._loss_curve = pg.PlotCurveItem(connect="pairs")  # output nodes to the loss node
        view_box.addItem(self._loss_curve)
        self._ring_item = pg.ScatterPlotItem(pxMode=False, brush=None)
        self._ring_item.setZValue(6)
        view_box.addItem(self._ring_item)
        self._node_item = pg.ScatterPlotItem(pxMode=False)
        self._node_item.setZValue(7)
        view_box.addItem(self._node_item)
        self._loss_item = pg.ScatterPlotItem(pxMode=False, symbol="s")
        self._loss_item.setZValue(7)
        view_box.addItem(self._loss_item)
        self._strip_images: dict[int, pg.ImageItem] = {}
        self._texts: list[pg.TextItem] = []
        self._value_texts: dict[tuple[int, int], pg.TextItem] = {}
        self._name_texts: dict[tuple[int, int], pg.TextItem] = {}  # x₀, h₁ ... on the node
        self._loss_text = pg.TextItem("", color=CAPTION_COLOR, anchor=(0.5, 0.0))
        self._loss_name = pg.TextItem("L", color=LIGHT.text, anchor=(0.5, 0.5))
        self._values: dict[tuple[int, int], float | None] = {}  # what each value label prints
        self._loss: float | None = None

    def set_layout(self, layout: NetworkLayout) -> None:
        """Make the strips and labels of a new network."""
        for item in [*self._strip_images.values(), *self._texts]:
            self._view_box.removeItem(item)
        self._strip_images.clear()
        self._texts.clear()
        self._value_texts.clear()
        self._name_texts.clear()
        self._values.clear()
        self._loss = None
        self._layout = layout
        self._memo.clear()
        for c, column in enumerate(layout.columns):
            if column.strip:
                image = pg.ImageItem(axisOrder="col-major")
                image.setLookupTable(self._theme.lut)
                image.setZValue(7)
                image.setRect(_strip_rect(column))
                self._view_box.addItem(image)
                self._strip_images[c] = image

    def set_theme(self, theme: Theme) -> None:
        """Fill and outline with ``theme`` from the next draw on."""
        self._theme = theme
        for image in self._strip_images.values():
            image.setLookupTable(theme.lut)
        for text in self._value_texts.values():
            text.setColor(QColor(theme.caption))
        self._loss_text.setColor(QColor(theme.caption))
        if self._loss_name is not None:
            self._loss_name.setColor(QColor(theme.text))
        self._memo.clear()

    def set_scale_mode(self, mode: str) -> None:
        """Scale the δ rings ``mode`` ("layer" or "symlog") from the next draw on."""
        self._scale_mode = mode
        self._memo.clear()

    def add_labels(self, layout: NetworkLayout, column: int) -> None:
        """Name every node of a short column, and print the values of a shorter one."""
        col = layout.columns[column]
        n = len(col.y)
        if col.strip or n > LABEL_NODES:
            return
        for i, y in enumerate(col.y):
            label = tight(
                pg.TextItem(node_name(layout.sizes, column, i), color=self._theme.text, anchor=(0.5, 0.5))
            )
            label.setPos(col.x, float(y))
            label.setZValue(8)
            self._add_text(label)
            self._name_texts[(column, i)] = label
        if n > VALUE_NODES:
            return
        for i in range(n):
            value = tight(pg.TextItem("", color=self._theme.caption, anchor=(0.5, 0.0)))
            value.setPos(col.x, layout.value_label_y(column, i))
            value.setZValue(8)
            self._add_text(value)
            self._value_texts[(column, i)] = value

    def add_loss_labels(self, layout: NetworkLayout) -> None:
        """The loss node's name and its value under it; the links from the outputs."""
        loss_x, loss_y = layout.loss_position
        self._loss_name = tight(pg.TextItem("L", color=self._theme.text, anchor=(0.5, 0.5)))
        self._loss_name.setPos(loss_x, loss_y)
        self._loss_name.setZValue(8)
        self._add_text(self._loss_name)
        self._loss_text = tight(pg.TextItem("", color=self._theme.caption, anchor=(0.5, 0.0)))
        self._loss_text.setPos(*layout.loss_value_position())
        self._add_text(self._loss_text)
        self._loss_curve.setData(*layout.loss_links())

    def _add_text(self, item: pg.TextItem) -> None:
        self._view_box.addItem(item)
        self._texts.append(item)

    # ---- drawing values ----

    def draw(
        self,
        node_values: dict[int, Array | None],
        node_scale: float,
        deltas: list[tuple[int, Array]],
        loss: float | None,
    ) -> None:
        """Fill the nodes with ``node_values`` (per column, None: pending), ring the units whose
        delta is known (layer, delta per unit), and show the loss (None: pending)."""
        layout = self._layout
        if layout is None:
            return
        fills = (node_scale, tuple(node_values[c] for c in range(len(layout.sizes))))
        if not self._memo.unchanged("nodes", fills):
            self._draw_fills(layout, node_values, node_scale)
        ringed = [(layer, delta) for layer, delta in deltas if not layout.columns[layer + 1].strip]
        if not self._memo.unchanged("rings", tuple(x for pair in ringed for x in pair)):
            self._draw_rings(layout, ringed)
        if not self._memo.unchanged("loss", loss):
            self._draw_loss(layout, loss)

    def _draw_fills(self, layout: NetworkLayout, node_values: dict[int, Array | None], scale: float) -> None:
        xs, ys, sizes = [], [], []
        brushes: list[QBrush] = []
        pending = pg.mkBrush(self._theme.pending_fill)
        bucket_brush = bucket_brushes(self._theme.dark)
        for c, column in enumerate(layout.columns):
            values = node_values[c]
            if column.strip:
                self._fill_strip(c, column, values, scale)
                continue
            xs.append(np.full(len(column.y), column.x))
            ys.append(column.y)
            sizes.append(np.full(len(column.y), column.diameter))
            if values is None:
                brushes.extend([pending] * len(column.y))
                self._label_values(c, None, [0.0] * len(column.y))
            else:
                indices = buckets(values, scale)
                brushes.extend(bucket_brush[k] for k in indices)
                self._label_values(c, values, [bucket_magnitude(int(k)) for k in indices])
        self._node_item.setData(
            x=np.concatenate(xs),
            y=np.concatenate(ys),
            size=np.concatenate(sizes),
            brush=brushes,
            pen=pg.mkPen(self._theme.node_outline, width=1.2),
        )

    def _fill_strip(self, c: int, column: Column, values: Array | None, scale: float) -> None:
        image = self._strip_images[c]
        if values is None:
            image.setImage(np.zeros((1, len(column.y))), levels=(-1, 1), autoLevels=False)
        else:
            image.setImage(values[::-1].reshape(1, -1), levels=(-scale, scale), autoLevels=False)
        image.setRect(_strip_rect(column))

    def _label_values(self, c: int, values: Array | None, fill: list[float]) -> None:
        for i in range(len(fill)):
            if (c, i) in self._value_texts:
                self._values[(c, i)] = None if values is None else float(values[i])
            name = self._name_texts.get((c, i))
            if name is not None:  # the name stays readable on a deep fill
                name.setColor(QColor(self._theme.text_on_fill(fill[i])))

    def _draw_rings(self, layout: NetworkLayout, deltas: list[tuple[int, Array]]) -> None:
        """A ring around each unit whose delta the backward pass has computed."""
        rx: list[float] = []
        ry: list[float] = []
        rs: list[float] = []
        pens: list[QPen] = []
        scale = delta_scale(deltas, self._scale_mode)
        if scale is not None:
            pens_of = ring_pens(self._theme.dark)
            for layer, delta in deltas:
                column = layout.columns[layer + 1]
                rx.extend([column.x] * len(column.y))
                ry.extend(column.y.tolist())
                rs.extend([column.diameter * 1.42] * len(column.y))
                pens.extend(pens_of[k] for k in position_indices(scale.positions(delta, layer), BUCKETS))
        self._ring_item.setData(x=np.array(rx), y=np.array(ry), size=np.array(rs), pen=pens, brush=None)

    def _draw_loss(self, layout: NetworkLayout, loss: float | None) -> None:
        lit = loss is not None
        loss_x, loss_y = layout.loss_position
        self._loss_item.setData(
            x=[loss_x],
            y=[loss_y],
            size=[0.6],
            brush=pg.mkBrush(self._theme.loss_fill if lit else self._theme.pending_fill),
            pen=pg.mkPen(self._theme.node_outline, width=1.2),
        )
        self._loss = loss
        self._loss_text.setColor(QColor(self._theme.caption if loss is None else KIND_COLORS["loss"]))
        link = "#9a6a2b" if lit else self._theme.pending_edge
        self._loss_curve.setPen(pg.mkPen(link, width=2.0 if lit else 1.0))

    # ---- for the label board ----

    def name_labels(self) -> list[TextLabel]:
        """Each named node's name, on the node (it goes where nothing else can)."""
        layout = self._layout
        if layout is None:
            return []
        labels = [
            TextLabel(
                f"name {c} {i}",
                "name",
                item,
                (layout.columns[c].x, float(layout.columns[c].y[i])),
                (item.toPlainText(),),
                ("center",),
                on_node=(c, i),
            )
            for (c, i), item in self._name_texts.items()
        ]
        loss_name = TextLabel(
            "name loss", "name", self._loss_name, layout.loss_position, ("L",), ("center",), on_node=(-1, 0)
        )
        return [*labels, loss_name]

    def loss_label(self) -> list[TextLabel]:
        """The loss's value, under the loss node: the end of every chain."""
        if self._layout is None:
            return []
        loss = self._loss
        variants = ("pending",) if loss is None else (shown_number(loss, 5), shown_number(loss, 3))
        what = "loss L of the batch" + ("" if loss is None else f" = {format_number(loss)}")
        return [
            TextLabel(
                "loss value",
                "loss",
                self._loss_text,
                self._layout.loss_position,
                variants,
                ("below", "right", "above"),
                0.43,
                tooltip=what,
            )
        ]

    def value_labels(self) -> list[TextLabel]:
        """Each printed activation, under its node (beside it, or shorter, when that is taken)."""
        layout = self._layout
        if layout is None:
            return []
        labels = []
        for (c, i), item in self._value_texts.items():
            value = self._values.get((c, i))
            if value is None:
                item.setVisible(False)
                continue
            column = layout.columns[c]
            name = node_name(layout.sizes, c, i)
            labels.append(
                TextLabel(
                    f"value {c} {i}",
                    "value",
                    item,
                    (column.x, float(column.y[i])),
                    (shown_number(value, 4), shown_number(value, 3)),
                    VALUE_SIDES,
                    0.71 * column.diameter,
                    tooltip=f"{'x' if c == 0 else 'a'} of {name} = {format_number(value)}",
                )
            )
        return labels


def _strip_rect(column: Column) -> QRectF:
    half = column.half_height
    return QRectF(column.x - STRIP_HALF_WIDTH, -half, 2 * STRIP_HALF_WIDTH, 2 * half)
