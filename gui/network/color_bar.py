"""A vertical diverging colour bar beside the network: its title, its scale (one shared range, one
range per layer, or symlog ticks) and, under the node bar, the legend of the bias squares and
the loss node."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.colormap import diverging_gradient
from gui.formatting import format_number
from gui.network.style import LIGHT, Theme
from gui.network.values import SYMLOG_THRESHOLD, ColorScale, symlog

COLOR_BAR_WIDTH = 108  # room for a tick like −0.000213 beside the bar
MIN_BAR = 40  # the bar's least height with its ranges under it; shorter, they go beside it
MIN_SHORT_BAR = 24  # the least height of a bar at all
BAR_ROOM = 70  # a bar's margins and 40 px of gradient, besides its three lines of text
LEGEND = (
    ("bias", "bias b", "The small square at a unit's upper left is its bias b, coloured like the edges"),
    ("loss", "loss L", "The square on the right is the loss L (filled once the loss stage has run)"),
    ("changed", "changed", "A ring on an edge: the update just run changed that weight"),
)


@dataclass(frozen=True)
class BarParts:
    """Where a colour bar's parts go (widget pixels)."""

    top: float  # under the title
    bar: QRectF | None  # None: no room for the bar
    ranges: int  # how many per-layer range lines are drawn
    ranges_beside: bool  # beside the bar (a short bar), else under it
    legend_top: float
    small: int  # the height of a line of the small font


class ColorBar(QWidget):
    """A vertical diverging colour bar with its title and scale."""

    def __init__(self, parent: QWidget | None = None, legend: bool = False) -> None:
        super().__init__(parent)
        self.title = ""
        self.color_scale: ColorScale | None = None
        self._theme = LIGHT
        self._legend = legend
        self.setFixedWidth(COLOR_BAR_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    @property
    def scale(self) -> float | None:
        """The largest magnitude the bar spans (None: nothing computed yet)."""
        return None if self.color_scale is None else self.color_scale.peak

    def set_scale(self, title: str, scale: float | None) -> None:
        """Show ``title`` over a bar from -scale to +scale (None: nothing computed yet)."""
        self.set_color_scale(title, None if scale is None else ColorScale("linear", scale))

    def set_color_scale(self, title: str, scale: ColorScale | None) -> None:
        """Show ``title`` over a bar of ``scale`` (None: nothing computed yet)."""
        if (title, scale) == (self.title, self.color_scale):
            return  # most stages keep the scale: no repaint
        self.title = title
        self.color_scale = scale
        self.setToolTip(self._tooltip())
        self.update()

    @property
    def theme(self) -> Theme:
        return self._theme

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def ranges(self) -> list[tuple[str, float]]:
        """The ranges the bar shows: ("L0", half-width) per layer, or one ("", half-width)."""
        scale = self.color_scale
        if scale is None:
            return []
        if scale.kind == "layer":
            return [(f"L{k}", width) for k, width in enumerate(scale.layers)]
        return [("", scale.peak)]

    def ticks(self) -> list[tuple[float, float]]:
        """(position in [-1, 1], value) of each tick: ±max and 0, and the decades of a symlog bar."""
        scale = self.color_scale
        if scale is None:
            return []
        if scale.kind != "symlog":
            return [(1.0, scale.peak), (0.0, 0.0), (-1.0, -scale.peak)]
        values = np.array([scale.peak / 10**k for k in range(3)])
        at = symlog(values, scale.peak, scale.threshold)
        positive = [(float(p), float(v)) for p, v in zip(at, values, strict=True)]  # top down
        return [*positive, (0.0, 0.0), *((-p, -v) for p, v in reversed(positive))]

    def legend_entries(self) -> tuple[str, ...]:
        """The legend's labels (none but under the node bar)."""
        return tuple(label for _, label, _ in LEGEND) if self._legend else ()

    def _tooltip(self) -> str:
        scale = self.color_scale
        lines = [self.title]
        if scale is None:
            lines.append("pending: not computed yet at this stage")
        elif scale.kind == "layer":
            lines.append("Each layer has its own scale: its colours span ± its largest |value|")
            lines.extend(f"layer {k}: ±{format_number(w, 4)}" for k, w in enumerate(scale.layers))
        elif scale.kind == "symlog":
            lines.append(
                "One shared symmetric-log scale: sign(x)·log1p(|x|/c) / log1p(max/c), "
                f"c = max × {SYMLOG_THRESHOLD:g} = {format_number(scale.threshold, 3)}"
            )
        else:
            lines.append(f"One shared scale: ±{format_number(scale.peak, 4)}")
        if self._legend:
            lines.extend(tip for _, _, tip in LEGEND)
        return "\n".join(lines)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(COLOR_BAR_WIDTH, 240)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """The least height the bar is drawn in: its three lines of text with margins and 40 px
        of gradient, and at least a two-line title, the shortest bar with its ranges beside it
        and the legend (shorter, the bar would paint its title alone)."""
        line = self.fontMetrics().height()
        small = QFontMetrics(self._small_font()).height()
        legend = len(LEGEND) * (small + 2) + 6 if self._legend else 0
        shortest = 4 + 2 * line + 8 + MIN_SHORT_BAR + line // 2 + legend + 4
        return QSize(COLOR_BAR_WIDTH // 2, max(3 * line + BAR_ROOM, shortest))

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() - 1.0))
        return font

    def parts(self) -> BarParts:
        """Where the parts go at the current size. Tall: the title, the bar with its ticks, each
        layer's range under it, the legend. Short (a small window): the ranges beside the bar
        instead of its tick labels, and the bar shrinks to ``MIN_SHORT_BAR`` before it goes."""
        line = self.fontMetrics().height()
        small = QFontMetrics(self._small_font()).height()
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
        title_height = (
            self.fontMetrics().boundingRect(0, 0, self.width() - 4, 10 * line, flags, self.title).height()
        )
        top = 4 + max(title_height, line) + 8
        bottom = self.height() - 4
        legend_top = float(bottom)
        if self._legend:
            legend_top = bottom - len(LEGEND) * (small + 2)
            bottom = int(legend_top) - 6
        rows = sum(1 for name, _ in self.ranges() if name)
        room = bottom - top - line // 2  # the lowest tick label hangs half a line below the bar
        if room - (rows * small + 6 if rows else 0) >= MIN_BAR:
            height = room - (rows * small + 6 if rows else 0)
            return BarParts(top, QRectF(8, top, 14, height), rows, False, legend_top, small)
        if room < MIN_SHORT_BAR:
            return BarParts(top, None, 0, False, legend_top, small)
        beside = min(rows, int(room // small))
        return BarParts(top, QRectF(8, top, 14, room), beside, True, legend_top, small)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        line = painter.fontMetrics().height()
        painter.setPen(QColor(self._theme.text))
        title_rect = QRectF(2, 4, self.width() - 4, 10 * line)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, self.title)
        parts = self.parts()
        if self._legend:
            self._paint_legend(painter, parts.legend_top, parts.small)
        if parts.bar is not None:
            self._paint_bar(painter, parts.bar, line, labels=not parts.ranges_beside)
            if parts.ranges:
                at = parts.bar.topRight() + QPointF(9, 0) if parts.ranges_beside else parts.bar.bottomLeft()
                self._paint_ranges(painter, at + QPointF(-2, 4), parts.ranges, parts.small)
        painter.end()

    def _paint_bar(self, painter: QPainter, bar: QRectF, line: int, labels: bool) -> None:
        theme = self._theme
        gradient = diverging_gradient(bar.topLeft(), bar.bottomLeft(), theme.dark)  # positive on top
        painter.setPen(QPen(QColor(theme.node_outline), 1))
        pending = self.color_scale is None
        painter.setBrush(QBrush(QColor(theme.pending_edge)) if pending else QBrush(gradient))
        painter.drawRect(bar)
        painter.setPen(QColor(theme.text))
        if pending:
            painter.drawText(QPointF(bar.right() + 6, bar.center().y() + line / 3), "pending")
            return
        per_layer = self.color_scale is not None and self.color_scale.kind == "layer"
        last = -1e9
        for position, value in self.ticks():
            y = bar.top() + (1.0 - position) * 0.5 * bar.height()
            painter.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y))
            if not labels or (y - last < line * 0.9 and position != -1.0):
                continue  # the ranges stand beside the bar, or too close to the label above
            if per_layer:
                text = "+max" if value > 0 else ("−max" if value < 0 else "0")
            else:
                text = format_number(value, 3)
            painter.drawText(QPointF(bar.right() + 7, y + line / 3), text)
            last = y

    def _paint_ranges(self, painter: QPainter, at: QPointF, fit: int, small: int) -> None:
        """One line per layer from ``at`` down, "L0 ±0.00213"; "…" last when not all fit."""
        painter.setFont(self._small_font())
        painter.setPen(QColor(self._theme.text))
        ranges = self.ranges()
        for k in range(fit):
            name, width = ranges[k]
            text = "…" if k == fit - 1 and fit < len(ranges) else f"{name} ±{format_number(width, 3)}"
            painter.drawText(QPointF(at.x(), at.y() + k * small + small * 0.75), text)
        painter.setFont(self.font())

    def _paint_legend(self, painter: QPainter, top: float, small: int) -> None:
        """A bias square, the loss node and a changed edge's ring, each with its name."""
        theme = self._theme
        painter.setFont(self._small_font())
        for k, (kind, label, _) in enumerate(LEGEND):
            y = top + k * (small + 2)
            side = 12.0 if kind == "loss" else 7.0
            swatch = QRectF(14 - side / 2, y + (small - side) / 2, side, side)
            if kind == "changed":  # the ring on an edge, as drawn
                painter.setPen(QPen(QColor(theme.node_outline), 1.5))
                painter.drawLine(QPointF(5, swatch.center().y()), QPointF(23, swatch.center().y()))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(QColor(theme.changed), 2.0))
                painter.drawEllipse(swatch)
            else:
                r, g, b = theme.bucket_rgb[len(theme.bucket_rgb) * 3 // 4]  # a bias of some size
                color = QColor(int(r), int(g), int(b)) if kind == "bias" else QColor(theme.loss_fill)
                painter.setBrush(QBrush(color))
                painter.setPen(QPen(QColor(theme.node_outline), 1))
                painter.drawRect(swatch)
            painter.setPen(QColor(theme.text))
            painter.drawText(QPointF(26, y + small * 0.78), label)
        painter.setFont(self.font())
