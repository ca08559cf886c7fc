"""Below the network: the history slider (scrub to any earlier iteration) and the status bar's
position and breakpoint labels. Both are views of the controller."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QWidget

from engine.history.snapshot import name_position
from gui.controller import SessionController
from gui.live_label import LiveLabel


def _fixed_label(sample: str) -> LiveLabel:
    """A label as wide as ``sample``: new text every step re-lays out nothing."""
    label = LiveLabel()
    label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    label.setFixedWidth(label.fontMetrics().horizontalAdvance(sample) + 8)
    return label


class HistoryBar(QWidget):
    """The slider over the iterations computed so far; releasing it time-travels there."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setTracking(False)  # moves the cursor on release, not on every pixel
        self.slider.setToolTip("Scrub to any earlier iteration (the engine recomputes it exactly)")
        self.label = _fixed_label("0000000 of 0000000 updates")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 2, 10, 4)
        row.setSpacing(8)
        row.addWidget(QLabel("History"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_slider_changed)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.running_changed.connect(self._on_running_changed)
        self._on_stage_changed()

    def _on_stage_changed(self) -> None:
        c = self._controller
        snap = c.snapshot()
        iterations, _ = c.losses()
        furthest = max(snap.iteration, c.start_iteration + len(iterations))
        self.slider.blockSignals(True)
        self.slider.setRange(c.start_iteration, max(c.start_iteration, furthest))
        self.slider.setValue(snap.iteration)
        self.slider.blockSignals(False)
        # the slider's scale is updates done: iteration k - 1 complete is k updates
        self.label.setText(f"{name_position(snap).updates} of {furthest} updates")
        self.label.setToolTip(name_position(snap).text)

    def _on_running_changed(self, running: bool) -> None:
        self.slider.setEnabled(not running)

    def _on_slider_changed(self, value: int) -> None:
        c = self._controller
        if value != c.snapshot().iteration and not c.running:
            c.travel_to(value)  # a long replay runs as a job


class PositionLabels:
    """The status bar's position (``name_position``) and the breakpoint that paused the last run."""

    def __init__(self, controller: SessionController) -> None:
        self._controller = controller
        self.position = _fixed_label("iteration 0000000 · after Backward 00 · 0000000 updates done")
        self.breakpoint = QLabel()
        self.breakpoint.setStyleSheet("color: #cf222e; font-weight: 600;")
        controller.stage_changed.connect(self._on_stage_changed)
        self._on_stage_changed()

    def _on_stage_changed(self) -> None:
        snap = self._controller.snapshot()
        self.position.setText(name_position(snap).text)
        hit = self._controller.breakpoint_hit
        self.breakpoint.setText("" if hit is None else f"● {hit.message}")
        self.breakpoint.setToolTip("" if hit is None else "the run paused at this breakpoint")
