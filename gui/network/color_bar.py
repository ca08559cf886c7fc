"""A vertical diverging colour bar with its title and symmetric scale, beside the network."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.colormap import PENDING_EDGE, diverging_gradient
from gui.formatting import format_number

COLOR_BAR_WIDTH = 108  # room for a tick like −0.000213 beside the bar


class ColorBar(QWidget):
    """A vertical diverging colour bar with its title and symmetric scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.scale: float | None = None
        self.setFixedWidth(COLOR_BAR_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def set_scale(self, title: str, scale: float | None) -> None:
        """Show ``title`` over a bar from -scale to +scale (None: nothing computed yet)."""
        if (title, scale) == (self.title, self.scale):
            return  # most stages keep the scale: no repaint
        self.title = title
        self.scale = scale
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(COLOR_BAR_WIDTH, 240)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        line = painter.fontMetrics().height()
        painter.setPen(QColor("#333333"))
        title_rect = QRectF(0, 4, self.width(), 2 * line + 4)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap, self.title)
        top = 4 + 2 * line + 12
        bottom = self.height() - line - 10
        if bottom - top >= 40:
            self._paint_bar(painter, QRectF(8, top, 16, bottom - top), line)
        painter.end()

    def _paint_bar(self, painter: QPainter, bar: QRectF, line: int) -> None:
        gradient = diverging_gradient(bar.topLeft(), bar.bottomLeft())  # positive at the top
        painter.setPen(QPen(QColor("#8c8c8c"), 1))
        painter.setBrush(QBrush(gradient) if self.scale is not None else QBrush(QColor(PENDING_EDGE)))
        painter.drawRect(bar)
        painter.setPen(QColor("#333333"))
        if self.scale is None:
            painter.drawText(QPointF(bar.right() + 6, bar.center().y() + line / 3), "pending")
            return
        for frac, value in ((0.0, self.scale), (0.5, 0.0), (1.0, -self.scale)):
            y = bar.top() + frac * bar.height()
            painter.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y))
            painter.drawText(QPointF(bar.right() + 7, y + line / 3), format_number(value, 3))
