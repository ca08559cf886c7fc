"""The network view's header: where the session is, what the edges show, which sample, Fit."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QToolButton, QWidget

from engine import Snapshot
from gui.formatting import format_number
from gui.live_label import LiveLabel
from gui.network.redraw import RedrawMemo
from gui.network.values import COLOR_MODES, SCALE_MODES

CAPTION_MIN_WIDTH = 100  # "After Backw…": enough to say where the session is
COMPACT_WIDTH = 620  # narrower than this, the controls' labels go


class ElidedCaption(LiveLabel):
    """A one-line bold caption elided to its width ("After Backw…"), the whole of it on hover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(1, parent)
        self._full = ""

    @property
    def full_text(self) -> str:
        """The whole caption, whatever its width shows."""
        return self._full

    def set_caption(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        font = self.label.font()
        font.setBold(True)
        shown = QFontMetricsF(font).elidedText(
            self._full, Qt.TextElideMode.ElideRight, max(self.width() - 4, 0)
        )
        self.setText(f"<b>{html.escape(shown)}</b>")
        self.setToolTip(self._full if shown != self._full else "")


class NetworkHeader(QWidget):
    """The caption, the colour mode, the sample and the Fit button over the drawing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._memo = RedrawMemo()
        self.caption = ElidedCaption()  # changes every step: kept from re-laying out the window
        self.caption.setMinimumWidth(CAPTION_MIN_WIDTH)
        self.color_box = QComboBox()
        for mode, text in COLOR_MODES.items():
            self.color_box.addItem(text, mode)
        self.color_box.setToolTip("What the edge colours and widths show")
        self.scale_box = QComboBox()
        for mode in SCALE_MODES:  # short: the View menu and the tooltip say the rest
            self.scale_box.addItem({"layer": "per layer", "symlog": "symlog"}[mode], mode)
        self.scale_box.setToolTip(
            "How gradients and updates are coloured: each layer on its own scale, or one shared "
            "symmetric-log scale (weights keep one shared scale)"
        )
        self.sample_box = QSpinBox()
        self.sample_box.setToolTip("The batch row whose activations fill the nodes")
        self.sample_box.setKeyboardTracking(False)
        self.fit_button = QToolButton()
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Fit the network to the view (zoom with the wheel, pan by dragging)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(8)
        self.color_label = QLabel("Colour edges by")
        self.sample_label = QLabel("Sample")
        layout.addWidget(self.caption, 1)
        layout.addWidget(self.color_label)
        layout.addWidget(self.color_box)
        layout.addWidget(self.scale_box)
        layout.addSpacing(8)
        layout.addWidget(self.sample_label)
        layout.addWidget(self.sample_box)
        layout.addWidget(self.fit_button)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        # narrow: the caption keeps its room, the controls lose their labels (their tooltips stay)
        compact = self.width() < COMPACT_WIDTH
        self.color_label.setVisible(not compact)
        self.sample_label.setVisible(not compact)

    def set_color_mode(self, mode: str) -> None:
        """Show ``mode`` in the colour box without emitting its change."""
        index = self.color_box.findData(mode)
        if index != self.color_box.currentIndex():
            self.color_box.blockSignals(True)
            self.color_box.setCurrentIndex(index)
            self.color_box.blockSignals(False)

    def set_scale_mode(self, mode: str) -> None:
        """Show ``mode`` in the scale box without emitting its change."""
        index = self.scale_box.findData(mode)
        if index != self.scale_box.currentIndex():
            self.scale_box.blockSignals(True)
            self.scale_box.setCurrentIndex(index)
            self.scale_box.blockSignals(False)

    def reset(self) -> None:
        """A new network: refresh the sample box on the next snapshot."""
        self._memo.clear()

    def show_snapshot(self, snap: Snapshot, sample: int) -> None:
        """Say where ``snap`` is, and show ``sample`` of its batch in the sample box."""
        last = snap.last_stage
        if snap.stage == 0:
            where = "ready: next Forward 0" if last is None else "update done: next Forward 0"
        else:
            where = f"after {last.label}" if last is not None else ""
        self.caption.set_caption(f"{where[0].upper()}{where[1:]}" if where else "")
        inputs = snap.record.inputs[sample]
        rows = snap.record.inputs.shape[0]
        if self._memo.unchanged("sample", (sample, rows, inputs)):
            return  # the spin box's range, suffix and tooltip stand (each setter re-lays it out)
        self.sample_box.blockSignals(True)
        self.sample_box.setRange(0, rows - 1)
        self.sample_box.setValue(sample)
        self.sample_box.blockSignals(False)
        self.sample_box.setSuffix(f" of {rows:,}")
        shown = ", ".join(format_number(float(v), 4) for v in inputs[:8]) + (", …" if inputs.size > 8 else "")
        self.sample_box.setToolTip(
            f"The batch row whose activations fill the nodes\nsample {sample}: x = [{shown}]"
        )
