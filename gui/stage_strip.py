"""The stages of the current iteration as a row of chips: done, current, next and pending.

Clicking a chip moves the cursor to just after that stage (forwards runs the stages in
between, backwards is the engine's time travel); the "Start" chip goes to the iteration's
beginning. After the Update the strip shows the iteration complete, as every view does
(``name_position``), until the next step starts the next one.

In a narrow window the chips shorten ("Forward 0", "Fwd 0", "F0"); when even the shortest do
not all fit, the strip shows a run of whole chips that always holds the current stage and the
next, with arrows at its ends that scroll it (as the mouse wheel does).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.core.stages import Stage
from engine.history.snapshot import name_position
from gui.controller import SessionController

KIND_COLORS = {"forward": "#2e7d4f", "loss": "#b7791f", "backward": "#6f42c1", "update": "#4a5563"}
HIT_COLOR = "#cf222e"
CHIP_HEIGHT = 26
CHIP_GAP = 12  # room for the arrow between two chips
COUNTER_WIDTH = 118
SHORT_COUNTER_WIDTH = 56  # "It. 12" when the chips need the room
MIN_CHIP_WIDTH = 34  # "B12" and its padding
SCROLL_WIDTH = 16  # the arrow at each end of a scrolled strip
RIGHT_MARGIN = 8


def chip_window(slots: int, width: float, first: int, focus: tuple[int, int] | None) -> tuple[int, int]:
    """The chips a strip ``width`` pixels wide shows: (first slot, how many), whole chips only.

    All ``slots`` when they fit at MIN_CHIP_WIDTH; otherwise as many as fit beside the two
    scroll arrows, from ``first``, moved just enough to hold the ``focus`` slots (low, high)."""
    if (width + CHIP_GAP) // (MIN_CHIP_WIDTH + CHIP_GAP) >= slots:
        return 0, slots
    fit = max(1, int((width - 2 * SCROLL_WIDTH + CHIP_GAP) // (MIN_CHIP_WIDTH + CHIP_GAP)))
    if focus is not None:
        low, high = focus
        first = max(min(first, low), high - fit + 1)
    return max(0, min(first, slots - fit)), fit


class StageStrip(QWidget):
    """Iteration counter and one chip per stage; a click drives the controller."""

    stage_clicked = Signal(int)  # the stage count the cursor was sent to

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._stages: tuple[Stage, ...] = ()
        self._done = 0
        self._iteration = 0
        self._hit_stage: Stage | None = None
        self._hover: int | None = None
        self._first = 0  # the first slot shown (slot 0 is "Start") when the strip scrolls
        self.setMouseTracking(True)
        self.setMinimumHeight(CHIP_HEIGHT + 16)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.running_changed.connect(self._on_running_changed)
        self._on_stage_changed()

    # ---- state (read by tests and the window) ----

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self._stages

    @property
    def done(self) -> int:
        """How many stages of the iteration shown are done (0 .. 2L + 2, all after its Update)."""
        return self._done

    @property
    def iteration(self) -> int:
        return self._iteration

    @property
    def current(self) -> Stage | None:
        """The stage that ran last in this iteration (None at its start)."""
        return self._stages[self._done - 1] if self._done > 0 else None

    @property
    def counter_width(self) -> int:
        """The iteration counter's width: short when the chips would not fit beside the full one."""
        slots = len(self._stages) + 1
        chips = slots * (MIN_CHIP_WIDTH + CHIP_GAP)
        return COUNTER_WIDTH if self.width() - COUNTER_WIDTH - RIGHT_MARGIN >= chips else SHORT_COUNTER_WIDTH

    def _window(self, follow: bool = False) -> tuple[int, int]:
        """The slots shown: (first, count); ``follow``: moved to hold the current chip and the next."""
        slots = len(self._stages) + 1
        focus = (self._done, min(self._done + 1, slots - 1)) if follow else None
        width = self.width() - self.counter_width - RIGHT_MARGIN
        return chip_window(slots, width, self._first, focus)

    def _follow_cursor(self) -> None:
        self._first = self._window(follow=True)[0]

    @property
    def scrolled(self) -> bool:
        """Whether some chips are out of view (the strip shows arrows at its ends)."""
        return self._window()[1] < len(self._stages) + 1

    def chip_area(self) -> QRectF:
        """Where the chips are drawn (between the counter, or the scroll arrows, and the right edge)."""
        left = float(self.counter_width)
        right = float(self.width() - RIGHT_MARGIN)
        if self.scrolled:
            left, right = left + SCROLL_WIDTH, right - SCROLL_WIDTH
        return QRectF(left, 0, max(0.0, right - left), self.height())

    def chip_rect(self, index: int) -> QRectF:
        """Where chip ``index`` is drawn: -1 is "Start", 0.. the stages (off the area: not shown)."""
        first, count = self._window()
        area = self.chip_area()
        width = max(1.0, (area.width() - CHIP_GAP * (count - 1)) / count)
        top = (self.height() - CHIP_HEIGHT) / 2
        return QRectF(area.left() + (index + 1 - first) * (width + CHIP_GAP), top, width, CHIP_HEIGHT)

    def visible_chips(self) -> range:
        """The chips shown, -1 being "Start"."""
        first, count = self._window()
        return range(first - 1, first - 1 + count)

    def chip_at(self, point: QPointF) -> int | None:
        """The chip under ``point`` (-1 for Start), or None."""
        for index in self.visible_chips():
            if self.chip_rect(index).contains(point):
                return index
        return None

    def chip_text(self, index: int) -> str:
        """The text chip ``index`` shows at its current width."""
        return self._chip_text(index, self.chip_rect(index).width(), self.fontMetrics())

    def scroll_chips(self, steps: int) -> None:
        """Show the chips ``steps`` further right (negative: left), as far as there are any."""
        slots = len(self._stages) + 1
        _, count = self._window()
        self._first = max(0, min(self._first + steps, slots - count))
        self._hover = None
        self.update()

    # ---- drawing ----

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(900, CHIP_HEIGHT + 16)

    def _chip_text(self, index: int, width: float, metrics: QFontMetrics) -> str:
        """The longest of "Forward 0", "Fwd 0", "F0" that fits the chip."""
        if index < 0:
            choices = ["Start", "St"]
        else:
            stage = self._stages[index]
            layer = "" if stage.layer is None else str(stage.layer)
            short = {"forward": "Fwd", "backward": "Bwd", "loss": "Loss", "update": "Upd"}[stage.kind]
            choices = [stage.label, f"{short} {layer}".strip(), f"{stage.kind[0].upper()}{layer}"]
        for text in choices:
            if metrics.horizontalAdvance(text) <= width - 10:
                return text
        return choices[-1]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = QFont(self.font())
        bold = QFont(base)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#1f1f1f"))
        counter = QRectF(8, 0, self.counter_width - 16, self.height())
        short = self.counter_width < COUNTER_WIDTH
        painter.drawText(
            counter,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            f"It. {self._iteration}" if short else f"Iteration {self._iteration}",
        )
        painter.setFont(base)
        metrics = painter.fontMetrics()
        chips = self.visible_chips()
        for index in chips:
            rect = self.chip_rect(index)
            if index > chips.start:  # the arrow from the previous chip
                self._paint_arrow(painter, rect)
            self._paint_chip(painter, index, rect, metrics)
        if self.scrolled:
            self._paint_scroll_arrows(painter, chips)
        painter.end()

    def _paint_arrow(self, painter: QPainter, rect: QRectF) -> None:
        y = rect.center().y()
        painter.setPen(QPen(QColor("#9a9a9a"), 1.5))
        painter.drawLine(QPointF(rect.left() - CHIP_GAP + 3, y), QPointF(rect.left() - 3, y))
        painter.drawLine(QPointF(rect.left() - 7, y - 3), QPointF(rect.left() - 3, y))
        painter.drawLine(QPointF(rect.left() - 7, y + 3), QPointF(rect.left() - 3, y))

    def _paint_chip(self, painter: QPainter, index: int, rect: QRectF, metrics: QFontMetrics) -> None:
        kind = "update" if index < 0 else self._stages[index].kind
        color = QColor(KIND_COLORS[kind])
        done = index < self._done
        current = index == self._done - 1
        is_next = index == self._done
        if index < 0:
            done, current = True, self._done == 0
            color = QColor("#4a5563")
        if current:
            painter.setBrush(color)
            painter.setPen(QPen(color.darker(140), 2))
            text_color = QColor("#ffffff")
        elif done:
            painter.setBrush(color.lighter(185) if index >= 0 else QColor("#e4e6ea"))
            painter.setPen(QPen(color.lighter(130), 1))
            text_color = QColor("#1f1f1f")
        else:
            painter.setBrush(QColor("#ffffff"))
            pen = QPen(QColor("#8c8c8c") if is_next else QColor("#cfcfcf"), 1.2)
            if is_next:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            text_color = QColor("#333333") if is_next else QColor("#8c8c8c")
        if self._hit_stage is not None and index >= 0 and self._stages[index] == self._hit_stage:
            painter.setPen(QPen(QColor(HIT_COLOR), 2.5))
        if self._hover == index and not current:
            painter.setBrush(painter.brush().color().darker(108))
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(text_color)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._chip_text(index, rect.width(), metrics))

    def _scroll_rects(self) -> tuple[QRectF, QRectF]:
        """The left and right scroll arrows of a scrolled strip."""
        area = self.chip_area()
        return (
            QRectF(area.left() - SCROLL_WIDTH, 0, SCROLL_WIDTH, self.height()),
            QRectF(area.right(), 0, SCROLL_WIDTH, self.height()),
        )

    def _paint_scroll_arrows(self, painter: QPainter, chips: range) -> None:
        """‹ and ›, dark where there are chips out of view that way, faint where there are none."""
        left, right = self._scroll_rects()
        more = (chips.start > -1, chips.stop < len(self._stages))
        font = QFont(self.font())
        font.setBold(True)
        if font.pointSizeF() > 0:  # -1 for a font sized in pixels
            font.setPointSizeF(font.pointSizeF() * 1.5)
        painter.setFont(font)
        for rect, text, active in ((left, "‹", more[0]), (right, "›", more[1])):
            painter.setPen(QColor("#1f1f1f") if active else QColor("#cfcfcf"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    # ---- interaction ----

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        index = self.chip_at(event.position())
        if index != self._hover:
            self._hover = index
            if index is None:
                self.setToolTip("Scroll the stages (or use the wheel)" if self.scrolled else "")
            elif index < 0:
                self.setToolTip("Go back to the start of this iteration")
            else:
                stage = self._stages[index]
                verb = "Run to" if index >= self._done else "Go back to"
                self.setToolTip(f"{verb} the end of {stage.label}")
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:  # noqa: N802
        self._hover = None
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.scrolled:
            left, right = self._scroll_rects()
            if left.contains(event.position()) or right.contains(event.position()):
                self.scroll_chips(-1 if left.contains(event.position()) else 1)
                return
        index = self.chip_at(event.position())
        if index is None or self._controller.running:
            return
        target = index + 1
        if target == self._done:
            return
        if target == len(self._stages):  # the Update: only ever ahead, in the current iteration
            self._controller.finish_iteration()
        else:
            self._controller.goto_iteration(self._iteration, target)
        self.stage_clicked.emit(target)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        delta = event.angleDelta()
        steps = delta.y() or delta.x()
        if self.scrolled and steps:
            self.scroll_chips(-1 if steps > 0 else 1)
            event.accept()
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._follow_cursor()

    # ---- handlers ----

    def _on_stage_changed(self) -> None:
        snap = self._controller.snapshot()
        name = name_position(snap)
        self._stages = snap.stages
        self._done = name.done
        self._iteration = name.iteration
        hit = self._controller.breakpoint_hit
        self._hit_stage = None if hit is None else hit.stage
        self._follow_cursor()
        self.update()

    def _on_running_changed(self, running: bool) -> None:
        self.setCursor(Qt.CursorShape.BusyCursor if running else Qt.CursorShape.PointingHandCursor)
