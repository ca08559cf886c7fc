"""Gradstep's main window: the network in the middle, the stage strip on top, docks around it.

The window owns the :class:`SessionController` and assembles its parts (:mod:`gui.window`):
each view takes the controller and redraws itself, each part wires its actions to it, so
nothing here computes a number.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from gui.caption_banner import CaptionBanner
from gui.chain_panel import ChainPanel
from gui.check.teaching_menu import TeachingMenu
from gui.check.ui import CheckUi
from gui.config_panel import NOT_APPLIED, ConfigPanel
from gui.controller import SessionController
from gui.debug.ui import DebugUi
from gui.inspector import Inspector
from gui.network_view import NetworkView
from gui.stage_strip import StageStrip
from gui.tutorial import WalkthroughPanel
from gui.window.breakpoints import BreakpointControls
from gui.window.docks import WindowDocks
from gui.window.exports import ExportCommands
from gui.window.file_commands import FileCommands
from gui.window.help import HelpActions
from gui.window.history_bar import HistoryBar, PositionLabels
from gui.window.jobs import JobUi
from gui.window.menus import build_menus
from gui.window.run_controls import RunControls
from gui.window.tutorial_actions import TutorialActions
from gui.window.view_actions import ViewActions

if TYPE_CHECKING:
    from engine import RunResult, SessionConfig
    from engine.files.walkthrough import Walkthrough
    from engine.learner.check import CheckReport

MINIMUM_SIZE = QSize(960, 640)
READY = "Ready: F10 steps one stage, F11 finishes the iteration, F5 runs"


class MainWindow(QMainWindow):
    """The debugger window for one session at a time."""

    def __init__(
        self,
        config: SessionConfig,
        path: Path | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.controller = c = SessionController(config, path, self)
        self.setObjectName("MainWindow")
        # An explicit minimum: below it the docks crush the network. (Being explicit also keeps the
        # layout from re-deriving the window's size hints on every dock change.)
        self.setMinimumSize(MINIMUM_SIZE)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        # ---- the views ----
        self.stage_strip = StageStrip(c)
        self.caption_banner = CaptionBanner(c)
        self.network_view = NetworkView(c)
        self.history = HistoryBar(c)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.stage_strip)
        column.addWidget(self.caption_banner)
        column.addWidget(self.network_view, 1)
        column.addWidget(self.history)
        self.setCentralWidget(central)
        self.chain_panel = ChainPanel(c)
        self.inspector = Inspector(c)
        self.config_panel = ConfigPanel(c)
        self.walkthrough_panel = WalkthroughPanel(c)
        self.docks = WindowDocks(
            self,
            c,
            self.settings,
            self.config_panel,
            self.chain_panel,
            self.inspector,
            self.walkthrough_panel,
            network=self.network_view,
        )
        self.chain_dock, self.inspector_dock = self.docks.chain, self.docks.inspector
        self.config_dock, self.walkthrough_dock = self.docks.config, self.docks.walkthrough

        # ---- the commands ----
        self.files = FileCommands(self, c, self.settings)
        self.exports = ExportCommands(self, c, self.network_view, self._default_file)
        self.run_controls = RunControls(self, c)
        self.breakpoints = BreakpointControls(self, c)
        self.tutorial_actions = TutorialActions(self, c, self.files)
        self.view_actions = ViewActions(self, c, self.network_view, self.settings)
        self.help = HelpActions(self)
        self.teaching_menu = TeachingMenu(c, self)
        self.position = PositionLabels(c)
        for label in (self.position.breakpoint, self.position.position):
            self.statusBar().addPermanentWidget(label)
        self.check_ui = CheckUi(c, self.settings, self, self.docks)
        self.debug_ui = DebugUi(c, self.settings, self, self.docks, self.files)
        self.job_ui = JobUi(c, self)
        self.statusBar().addPermanentWidget(self.teaching_menu.label)
        self.menus = build_menus(
            self,
            self.files,
            self.exports,
            self.run_controls,
            self.breakpoints,
            self.tutorial_actions,
            self.view_actions,
            self.docks,
            self.check_ui,
            self.debug_ui,
            self.teaching_menu,
            self.help,
        )
        self.toolbar = self.run_controls.build_toolbar(self.breakpoints)
        self.addToolBar(self.toolbar)

        self._connect(c)
        self.docks.restore()
        self.debug_ui.follow_restored_layout()
        self.statusBar().showMessage(READY, 8000)

    def _connect(self, c: SessionController) -> None:
        c.message.connect(self._on_message)
        c.running_changed.connect(self._on_running_changed)
        c.run_finished.connect(self._on_run_finished)
        c.mode_changed.connect(self._on_mode_changed)
        c.check_changed.connect(self._on_check_changed)
        c.check_finished.connect(self._on_check_finished)
        self.check_ui.cancel_action.changed.connect(self._on_cancel_action_changed)
        self.debug_ui.cancel_action.changed.connect(self._on_cancel_action_changed)
        self.job_ui.cancel_action.changed.connect(self._on_cancel_action_changed)
        self.config_panel.validity_changed.connect(self._on_config_validity_changed)
        self.config_panel.applied.connect(self._on_config_applied)

    # ---- commands others call (the app, exports, scripts) ----

    def open_spec(self, spec: str) -> bool:
        """Open a session file, a walkthrough or ``example:NAME``; a bad file is a dialog."""
        return self.files.open_spec(spec)

    def play_walkthrough(self, walkthrough: Walkthrough) -> None:
        """Enter tutorial mode on ``walkthrough``: caption banner, step list, Next / Previous."""
        self.files.play_walkthrough(walkthrough)

    def set_example_title(self, name: str) -> None:
        """Name the window after the built-in example it shows."""
        self.files.set_example_title(name)

    def reset_layout(self) -> None:
        self.docks.reset_layout()

    def _default_file(self, suffix: str) -> Path:
        """Where a file of this session is offered: the last folder, named after the session."""
        return Path(self.files.last_dir()) / f"{self.files.display_name()}{suffix}"

    # ---- handlers ----

    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def _on_running_changed(self, running: bool) -> None:
        self.config_panel.setEnabled(not running)

    def _on_config_validity_changed(self, valid: bool) -> None:
        if valid and self.statusBar().currentMessage().startswith(NOT_APPLIED):
            self.statusBar().clearMessage()  # the field it named is fixed: the error is stale

    def _on_config_applied(self) -> None:
        self.files.set_example_title("")  # no longer the example: named after what it is now

    def _on_run_finished(self, result: RunResult) -> None:
        if result.reason not in (None, "stopped"):
            self.statusBar().showMessage(f"Breakpoint: {result.message}", 0)

    def _on_mode_changed(self, mode: str) -> None:
        if mode != "explore":
            self.docks.show_walkthrough(raise_it=True)  # the step list in front, not the chain rule
        if mode == "tutorial":
            self.network_view.setFocus()  # Space and the arrows go to the tutorial

    def _on_check_changed(self, state: str) -> None:
        # the check's marks belong to the controller; the network view only draws them
        self.network_view.set_marks(self.controller.check_marks)

    def _on_check_finished(self, report: CheckReport) -> None:
        if self.controller.check_marks is not None:
            self.docks.show_chain()  # the first wrong gradient is selected: show its chain rule

    def _on_cancel_action_changed(self) -> None:
        cancellable = any(ui.cancel_action.isEnabled() for ui in (self.check_ui, self.debug_ui, self.job_ui))
        self.tutorial_actions.share_escape(cancellable)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.docks.fit()  # the docks give way to the network, the configuration first

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.controller.running:
            self.controller.wait_idle()
        if not self.files.maybe_save() or not self.files.maybe_save_recording():
            event.ignore()
            return
        # a running QThread must not be destroyed with the window, nor answer after it
        self.controller.shut_down_check()
        self.controller.shut_down_debug()
        self.controller.shut_down_job()
        self.docks.save()
        event.accept()
