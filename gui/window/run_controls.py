"""Debug > Step, Back, Finish, Run/Pause, Reset, and the toolbar that carries them with the run's
length, its pace and the breakpoints."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QMainWindow, QSpinBox, QStyle, QToolBar

from gui.controller import SessionController
from gui.window.actions import make_action
from gui.window.breakpoints import BreakpointControls

DEFAULT_RUN = 1000
SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("Flat out", None),
    ("1000 it/s", 1000.0),
    ("100 it/s", 100.0),
    ("10 it/s", 10.0),
    ("1 it/s", 1.0),
)


class RunControls:
    """Moving the cursor and running: actions, the iteration count, the pace."""

    def __init__(self, window: QMainWindow, controller: SessionController) -> None:
        self._window = window
        self._controller = controller
        c = controller
        self.back_action = make_action(window, "Step &Back", c.back, ("Shift+F10",), "Step back one stage")
        self.step_action = make_action(window, "&Step", c.step, ("F10",), "Run the next stage")
        self.finish_action = make_action(
            window,
            "&Finish Iteration",
            c.finish_iteration,
            ("F11",),
            "Run the rest of the iteration, update included",
        )
        self.run_action = make_action(
            window, "&Run", self.run_or_pause, ("F5",), "Run N iterations, or pause the run"
        )
        self.reset_action = make_action(
            window,
            "Stop / &Reset",
            c.reset,
            ("Shift+F5", "Ctrl+R"),
            "Stop a run, or go back to the first iteration",
        )
        self.run_count = QSpinBox()
        self.run_count.setRange(1, 10_000_000)
        self.run_count.setValue(DEFAULT_RUN)
        self.run_count.setGroupSeparatorShown(True)
        self.run_count.setSuffix(" iterations")
        self.run_count.setToolTip("How many iterations Run (F5) does")
        self.speed_box = QComboBox()
        for text, speed in SPEEDS:
            self.speed_box.addItem(text, speed)
        self.speed_box.setToolTip("How fast a run goes: flat out, or paced so each iteration can be seen")
        self.speed_box.currentIndexChanged.connect(self._on_speed_changed)
        controller.running_changed.connect(self._on_running_changed)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.session_replaced.connect(self._on_stage_changed)
        self._on_stage_changed()

    @property
    def stepping_actions(self) -> tuple[QAction, ...]:
        """The actions a run disables."""
        return (self.step_action, self.back_action, self.finish_action)

    def run_or_pause(self) -> None:
        """F5: run the spin box's number of iterations, or pause the run under way."""
        if self._controller.running:
            self._controller.pause()
        else:
            self._controller.run(self.run_count.value())

    def build_toolbar(self, breakpoints: BreakpointControls) -> QToolBar:
        bar = QToolBar("Debug")
        bar.setObjectName("DebugToolBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(16, 16))
        style = self._window.style()
        icons = {
            self.back_action: QStyle.StandardPixmap.SP_ArrowBack,
            self.step_action: QStyle.StandardPixmap.SP_ArrowForward,
            self.finish_action: QStyle.StandardPixmap.SP_MediaSeekForward,
            self.run_action: QStyle.StandardPixmap.SP_MediaPlay,
            self.reset_action: QStyle.StandardPixmap.SP_MediaSkipBackward,
        }
        for action, pixmap in icons.items():
            action.setIcon(style.standardIcon(pixmap))
        bar.addActions([self.back_action, self.step_action, self.finish_action])
        bar.addSeparator()
        bar.addAction(self.run_action)
        bar.addWidget(self.run_count)
        bar.addWidget(self.speed_box)
        bar.addAction(self.reset_action)
        bar.addSeparator()
        bar.addWidget(breakpoints.button)
        return bar

    def _on_running_changed(self, running: bool) -> None:
        pixmap = QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
        self.run_action.setText("&Pause" if running else "&Run")
        self.run_action.setIcon(self._window.style().standardIcon(pixmap))
        tip = "Pause the run" if running else "Run N iterations"
        key = self.run_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.run_action.setToolTip(f"{tip} ({key})")
        for action in self.stepping_actions:
            action.setEnabled(not running)
        self.run_count.setEnabled(not running)
        self._on_stage_changed()

    def _on_stage_changed(self) -> None:
        """Step Back is off at the session's very start, where there is nothing to go back to."""
        c = self._controller
        self.back_action.setEnabled(not c.running and c.snapshot().position > 0)

    def _on_speed_changed(self, index: int) -> None:
        self._controller.speed = self.speed_box.itemData(index)
