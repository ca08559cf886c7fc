"""The stages of the current iteration as a row of chips: done, current, next and pending.

Clicking a chip moves the cursor to just after that stage (forwards runs the stages in
between, backwards is the engine's time travel); the "Start" chip goes to the iteration's
beginning. After the Update the strip shows the iteration complete, as every view does
(``name_position``), until the next step starts the next one.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.core.stages import Stage
from engine.history.snapshot import name_position
from gui.controller import SessionController

KIND_COLORS = {"forward": "#2e7d4f", "loss": "#b7791f", "backward": "#6f42c1", "update": "#4a5563"}
HIT_COLOR = "#cf222e"
CHIP_HEIGHT = 26
CHIP_GAP = 12  # room for the arrow between two chips
COUNTER_WIDTH = 118


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

    def chip_rect(self, index: int) -> QRectF:
        """Where chip ``index`` is drawn: -1 is "Start", 0.. the stages."""
        count = len(self._stages) + 1
        left = COUNTER_WIDTH
        width = max(40.0, (self.width() - left - 8 - CHIP_GAP * (count - 1)) / count)
        top = (self.height() - CHIP_HEIGHT) / 2
        return QRectF(left + (index + 1) * (width + CHIP_GAP), top, width, CHIP_HEIGHT)

    def chip_at(self, point: QPointF) -> int | None:
        """The chip under ``point`` (-1 for Start), or None."""
        for index in range(-1, len(self._stages)):
            if self.chip_rect(index).contains(point):
                return index
        return None

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
        counter = QRectF(8, 0, COUNTER_WIDTH - 16, self.height())
        painter.drawText(
            counter,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            f"Iteration {self._iteration}",
        )
        painter.setFont(base)
        metrics = painter.fontMetrics()
        for index in range(-1, len(self._stages)):
            rect = self.chip_rect(index)
            if index >= 0:  # the arrow from the previous chip
                y = rect.center().y()
                painter.setPen(QPen(QColor("#9a9a9a"), 1.5))
                painter.drawLine(QPointF(rect.left() - CHIP_GAP + 3, y), QPointF(rect.left() - 3, y))
                painter.drawLine(QPointF(rect.left() - 7, y - 3), QPointF(rect.left() - 3, y))
                painter.drawLine(QPointF(rect.left() - 7, y + 3), QPointF(rect.left() - 3, y))
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
            text = self._chip_text(index, rect.width(), metrics)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    # ---- interaction ----

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        index = self.chip_at(event.position())
        if index != self._hover:
            self._hover = index
            if index is None:
                self.setToolTip("")
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

    # ---- handlers ----

    def _on_stage_changed(self) -> None:
        snap = self._controller.snapshot()
        name = name_position(snap)
        self._stages = snap.stages
        self._done = name.done
        self._iteration = name.iteration
        hit = self._controller.breakpoint_hit
        self._hit_stage = None if hit is None else hit.stage
        self.update()

    def _on_running_changed(self, running: bool) -> None:
        self.setCursor(Qt.CursorShape.BusyCursor if running else Qt.CursorShape.PointingHandCursor)
