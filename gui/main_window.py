"""Gradstep's main window: the network in the middle, the stage strip on top, docks around it.

The window owns the :class:`SessionController` and wires actions to it; the views take the
controller and redraw themselves, so nothing here computes a number.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import Breakpoints, GradstepError, RunResult, SessionConfig, __version__
from engine.files.examples import example, example_names, resolve, resolve_any, walkthrough_names
from engine.files.walkthrough import Walkthrough
from gui import check_ui
from gui.chain_panel import ChainPanel
from gui.config_panel import ConfigPanel
from gui.controller import SessionController
from gui.inspector import Inspector
from gui.live_label import LiveLabel
from gui.network_view import COLOR_MODES, NetworkView
from gui.stage_strip import StageStrip
from gui.tutorial import CaptionBanner, TutorialMode, WalkthroughPanel

MAX_RECENT = 8
DEFAULT_SIZE = QSize(1400, 900)
MINIMUM_SIZE = QSize(960, 640)
DEFAULT_RUN = 1000
SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("Flat out", None),
    ("1000 it/s", 1000.0),
    ("100 it/s", 100.0),
    ("10 it/s", 10.0),
    ("1 it/s", 1.0),
)
DIGITS = (4, 6, 10)
SESSION_FILTER = "Gradstep sessions and walkthroughs (*.json);;All files (*)"
WALKTHROUGH_FILTER = "Gradstep walkthroughs (*.json);;All files (*)"
DEFAULT_SPEC = "example:xor"

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("F10", "Step one stage"),
    ("Shift+F10", "Step back one stage"),
    ("F11", "Finish the iteration (through its update)"),
    ("F5", "Run N iterations / Pause"),
    ("Shift+F5, Ctrl+R", "Stop and reset to the first iteration"),
    ("Ctrl+N / Ctrl+O", "New session / Open a session file"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / Save As"),
    ("Ctrl+K", "Check my code: compare your train_step with the correct computation"),
    ("Ctrl+0", "Fit the network to the view"),
    ("Ctrl+1, Ctrl+2, Ctrl+3", "Colour edges by weight, gradient, last update"),
    ("Right / Space, Left", "Tutorial: next step, previous step"),
    ("Escape", "Leave the tutorial (the session stays live)"),
    ("Ctrl+Shift+R", "Record a walkthrough / stop recording"),
    ("F1", "This help"),
)


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
        self.controller = SessionController(config, path, self)
        self._example_title = ""
        self._recording_saved = 0  # how many recorded steps the last Save Walkthrough wrote
        self.setObjectName("MainWindow")
        # An explicit minimum: below it the docks crush the network. (Being explicit also keeps the
        # layout from re-deriving the window's size hints on every dock change.)
        self.setMinimumSize(MINIMUM_SIZE)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        # ---- centre: stage strip, network, history ----
        self.stage_strip = StageStrip(self.controller)
        self.tutorial = TutorialMode(self.controller, self)
        self.caption_banner = CaptionBanner(self.tutorial)
        self.network_view = NetworkView(self.controller)
        self.history_slider = QSlider(Qt.Orientation.Horizontal)
        self.history_slider.setTracking(False)  # moves the cursor on release, not on every pixel
        self.history_slider.setToolTip("Scrub to any earlier iteration (the engine recomputes it exactly)")
        self.history_label = LiveLabel()  # new text every step: no re-layout of the window
        self.history_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.history_label.setFixedWidth(
            self.history_label.fontMetrics().horizontalAdvance("iteration 000000 of 000000") + 8
        )
        history = QHBoxLayout()
        history.setContentsMargins(10, 2, 10, 4)
        history.setSpacing(8)
        history.addWidget(QLabel("History"))
        history.addWidget(self.history_slider, 1)
        history.addWidget(self.history_label)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.stage_strip)
        column.addWidget(self.caption_banner)
        column.addWidget(self.network_view, 1)
        column.addLayout(history)
        self.setCentralWidget(central)

        # ---- docks ----
        self.chain_panel = ChainPanel(self.controller)
        self.inspector = Inspector(self.controller)
        self.config_panel = ConfigPanel(self.controller)
        self.chain_dock = self._dock(
            "Chain rule", "ChainDock", self.chain_panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.inspector_dock = self._dock(
            "Inspector", "InspectorDock", self.inspector, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.config_dock = self._dock(
            "Configuration", "ConfigurationDock", self.config_panel, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.walkthrough_panel = WalkthroughPanel(self.tutorial)
        self.walkthrough_dock = self._dock(
            "Walkthrough", "WalkthroughDock", self.walkthrough_panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.tabifyDockWidget(self.chain_dock, self.walkthrough_dock)
        self.walkthrough_dock.hide()  # shown when a walkthrough is played or recorded
        self.chain_dock.raise_()
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self.status_position = LiveLabel()
        self.status_position.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.status_position.setFixedWidth(
            self.status_position.fontMetrics().horizontalAdvance("iteration 000000 · stage 00/00") + 8
        )
        self.status_breakpoint = QLabel()
        self.status_breakpoint.setStyleSheet("color: #cf222e; font-weight: 600;")
        self.statusBar().addPermanentWidget(self.status_breakpoint)
        self.statusBar().addPermanentWidget(self.status_position)

        c = self.controller
        c.message.connect(self._on_message)
        c.stage_changed.connect(self._on_stage_changed)
        c.running_changed.connect(self._on_running_changed)
        c.run_finished.connect(self._on_run_finished)
        c.modified_changed.connect(self._on_modified_changed)
        c.path_changed.connect(self._on_path_changed)
        c.color_by_changed.connect(self._on_color_by_changed)
        c.session_replaced.connect(self._on_session_replaced)
        self.tutorial.changed.connect(self._on_tutorial_changed)
        self.tutorial.message.connect(self._on_message)
        self.history_slider.valueChanged.connect(self._on_history_slider_changed)

        self._restore_settings()
        self._on_path_changed(path)
        self._on_stage_changed()
        self._on_running_changed(False)
        self._on_tutorial_changed()
        self.statusBar().showMessage("Ready: F10 steps one stage, F11 finishes the iteration, F5 runs", 8000)
        self.check_ui = check_ui.install(self)
        # Escape cancels a running check, else leaves the tutorial: one owner at a time
        self.check_ui.cancel_action.changed.connect(self._share_escape)

    # ---- construction ----

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState find docks by object name
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _action(
        self,
        text: str,
        slot: object,
        shortcuts: tuple[str | QKeySequence.StandardKey, ...] = (),
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        keys = [QKeySequence(k) for k in shortcuts]
        if keys:
            action.setShortcuts(keys)
        if tip:
            shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
            action.setToolTip(f"{tip} ({shown})" if shown else tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work while the toolbar is hidden
        return action

    def _build_actions(self) -> None:
        c = self.controller
        self.new_action = self._action(
            "&New", self.new_session, (QKeySequence.StandardKey.New,), "New XOR session"
        )
        self.open_action = self._action(
            "&Open…", self.open_dialog, (QKeySequence.StandardKey.Open,), "Open a session"
        )
        self.save_action = self._action(
            "&Save", self.save, (QKeySequence.StandardKey.Save,), "Save the session"
        )
        self.save_as_action = self._action(
            "Save &As…", self.save_as, ("Ctrl+Shift+S",), "Save the session under a new name"
        )
        self.export_png_action = self._action("Network as &PNG…", lambda: self.export_view("png"))
        self.export_svg_action = self._action("Network as &SVG…", lambda: self.export_view("svg"))
        self.export_trace_action = self._action(
            "&Trace of completed iterations…",
            self.export_trace,
            tip="Write every completed iteration to a trace",
        )
        self.quit_action = self._action("&Quit", self.close, (QKeySequence.StandardKey.Quit,))
        self.save_walkthrough_action = self._action(
            "Save &Walkthrough…", self.save_walkthrough, tip="Save the steps recorded so far as a walkthrough"
        )
        self.record_action = self._action(
            "&Record Walkthrough",
            self._on_record_toggled,
            ("Ctrl+Shift+R",),
            "Record every step, selection, edit and view change as a walkthrough",
        )
        self.record_action.setCheckable(True)
        self.next_step_action = self._action(
            "&Next Step", self.tutorial.next, ("Right", "Space"), "Next step of the walkthrough"
        )
        self.previous_step_action = self._action(
            "&Previous Step", self.tutorial.previous, ("Left",), "Previous step of the walkthrough"
        )
        self.leave_tutorial_action = self._action(
            "&Leave Tutorial", self.tutorial.leave, ("Escape",), "Leave the tutorial; the session stays live"
        )

        self.back_action = self._action("Step &Back", lambda: c.back(), ("Shift+F10",), "Step back one stage")
        self.step_action = self._action("&Step", c.step, ("F10",), "Run the next stage")
        self.finish_action = self._action(
            "&Finish Iteration",
            c.finish_iteration,
            ("F11",),
            "Run the rest of the iteration, update included",
        )
        self.run_action = self._action(
            "&Run", self.run_or_pause, ("F5",), "Run N iterations, or pause the run"
        )
        self.reset_action = self._action(
            "Stop / &Reset", c.reset, ("Shift+F5", "Ctrl+R"), "Stop a run, or go back to the first iteration"
        )
        self.fit_action = self._action(
            "&Fit Network", self.network_view.fit, ("Ctrl+0",), "Fit the network to the view"
        )

        self.color_group = QActionGroup(self)
        self.color_actions: dict[str, QAction] = {}
        for k, (mode, text) in enumerate(COLOR_MODES.items(), start=1):
            action = self._action(
                f"Colour by {text}", lambda _=False, m=mode: c.set_color_by(m), (f"Ctrl+{k}",)
            )
            action.setCheckable(True)
            action.setChecked(mode == c.color_by)
            self.color_group.addAction(action)
            self.color_actions[mode] = action

        self.digits_group = QActionGroup(self)
        self.digits_actions: dict[int, QAction] = {}
        for digits in DIGITS:
            action = self._action(
                f"{digits} significant digits", lambda _=False, d=digits: self.set_digits(d)
            )
            action.setCheckable(True)
            self.digits_group.addAction(action)
            self.digits_actions[digits] = action

        self.bp_non_finite = self._action("Non-finite value (NaN or ∞)", self._on_breakpoints_changed)
        self.bp_loss = self._action("Loss below …", self._on_loss_breakpoint_toggled)
        self.bp_norm = self._action("Gradient norm above …", self._on_norm_breakpoint_toggled)
        self.bp_dead = self._action("Dead ReLU layer (every unit zero)", self._on_breakpoints_changed)
        for action in (self.bp_non_finite, self.bp_loss, self.bp_norm, self.bp_dead):
            action.setCheckable(True)
        self.bp_non_finite.setChecked(True)
        self.loss_threshold = 1e-3
        self.norm_threshold = 10.0
        self.bp_thresholds_action = self._action("Edit Thresholds…", self.edit_thresholds)
        self._update_breakpoint_texts()

        self.help_action = self._action(
            "Gradstep &Help", self.show_help, (QKeySequence.StandardKey.HelpContents,)
        )
        self.about_action = self._action("&About Gradstep", self.show_about)
        self.reset_layout_action = self._action("Reset &Layout", self.reset_layout)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.examples_menu = file_menu.addMenu("Open &Example")
        for name in example_names():
            action = self.examples_menu.addAction(f"{name} — {example(name).summary}")
            action.setData(f"example:{name}")
            action.triggered.connect(lambda _=False, spec=f"example:{name}": self.open_spec(spec))
        self.examples_menu.addSection("Walkthroughs (tutorial mode)")
        for name in walkthrough_names():
            action = self.examples_menu.addAction(name)
            action.setData(f"example:{name}")
            action.triggered.connect(lambda _=False, spec=f"example:{name}": self.open_spec(spec))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addAction(self.save_walkthrough_action)
        export_menu = file_menu.addMenu("E&xport")
        export_menu.addAction(self.export_png_action)
        export_menu.addAction(self.export_svg_action)
        export_menu.addAction(self.export_trace_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        debug = bar.addMenu("&Debug")
        for action in (self.step_action, self.back_action, self.finish_action):
            debug.addAction(action)
        debug.addSeparator()
        debug.addAction(self.run_action)
        debug.addAction(self.reset_action)
        debug.addSeparator()
        self.breakpoints_menu = debug.addMenu("&Breakpoints")
        for action in (self.bp_non_finite, self.bp_loss, self.bp_norm, self.bp_dead):
            self.breakpoints_menu.addAction(action)
        self.breakpoints_menu.addSeparator()
        self.breakpoints_menu.addAction(self.bp_thresholds_action)

        tutorial = bar.addMenu("&Tutorial")
        for action in (self.previous_step_action, self.next_step_action, self.leave_tutorial_action):
            tutorial.addAction(action)
        tutorial.addSeparator()
        tutorial.addAction(self.record_action)
        tutorial.addAction(self.save_walkthrough_action)

        view = bar.addMenu("&View")
        view.addAction(self.fit_action)
        view.addSeparator()
        for action in self.color_actions.values():
            view.addAction(action)
        view.addSeparator()
        number_menu = view.addMenu("&Number Format")
        for action in self.digits_actions.values():
            number_menu.addAction(action)
        view.addSeparator()
        for dock in (self.config_dock, self.chain_dock, self.inspector_dock, self.walkthrough_dock):
            view.addAction(dock.toggleViewAction())
        view.addAction(self.reset_layout_action)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.help_action)
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Debug")
        bar.setObjectName("DebugToolBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(16, 16))
        style = self.style()
        icons = {
            self.back_action: QStyle.StandardPixmap.SP_ArrowBack,
            self.step_action: QStyle.StandardPixmap.SP_ArrowForward,
            self.finish_action: QStyle.StandardPixmap.SP_MediaSeekForward,
            self.run_action: QStyle.StandardPixmap.SP_MediaPlay,
            self.reset_action: QStyle.StandardPixmap.SP_MediaSkipBackward,
        }
        for action, pixmap in icons.items():
            action.setIcon(style.standardIcon(pixmap))
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        for action in (self.back_action, self.step_action, self.finish_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(self.run_action)
        self.run_count = QSpinBox()
        self.run_count.setRange(1, 10_000_000)
        self.run_count.setValue(DEFAULT_RUN)
        self.run_count.setGroupSeparatorShown(True)
        self.run_count.setSuffix(" iterations")
        self.run_count.setToolTip("How many iterations Run (F5) does")
        bar.addWidget(self.run_count)
        self.speed_box = QComboBox()
        for text, speed in SPEEDS:
            self.speed_box.addItem(text, speed)
        self.speed_box.setToolTip("How fast a run goes: flat out, or paced so each iteration can be seen")
        self.speed_box.currentIndexChanged.connect(self._on_speed_changed)
        bar.addWidget(self.speed_box)
        bar.addAction(self.reset_action)
        bar.addSeparator()
        self.breakpoints_button = QToolButton()
        self.breakpoints_button.setText("Breakpoints")
        self.breakpoints_button.setMenu(self.breakpoints_menu)
        self.breakpoints_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.breakpoints_button.setToolTip("Conditions that pause a run")
        bar.addWidget(self.breakpoints_button)
        self.toolbar = bar

    # ---- commands ----

    def set_example_title(self, name: str) -> None:
        """Name the window after the built-in example it shows."""
        self._example_title = name
        self._update_title()

    def run_or_pause(self) -> None:
        """F5: run the spin box's number of iterations, or pause the run under way."""
        if self.controller.running:
            self.controller.pause()
        else:
            self.controller.run(self.run_count.value())

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False if the user cancelled."""
        if not self.controller.modified:
            return True
        return self._offer_save(
            "Unsaved changes", f"Save the changes to {self._display_name()} before closing it?", self.save
        )

    def _offer_save(self, title: str, question: str, save: Callable[[], bool]) -> bool:
        """Save / Discard / Cancel; False if the user cancelled or the save failed."""
        answer = QMessageBox.question(
            self,
            title,
            question,
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return save()
        return answer == QMessageBox.StandardButton.Discard

    def new_session(self) -> None:
        """A fresh XOR session with no file name."""
        if self.maybe_save():
            self.controller.new_session(resolve(DEFAULT_SPEC), None)
            self._example_title = ""

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open session", self._last_dir(), SESSION_FILTER)
        if path:
            self.open_spec(path)

    def open_spec(self, spec: str) -> bool:
        """Open a session file or ``example:NAME``; a bad file is a dialog, never a crash."""
        if not self.maybe_save() or not self.maybe_save_recording():
            return False
        example_spec = spec.startswith("example:")
        try:
            source = resolve_any(spec)
            if isinstance(source, Walkthrough):
                self.play_walkthrough(source)
            else:
                self.controller.new_session(source, None if example_spec else Path(spec))
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self, "Cannot open the file", f"{spec}\n\n{exc}")
            self.statusBar().showMessage(f"could not open {spec}", 8000)
            return False
        self._example_title = spec.removeprefix("example:") if example_spec else ""
        if isinstance(source, Walkthrough):
            self._example_title = source.title or Path(spec).stem
        self._update_title()
        if not example_spec:
            self._add_recent(str(Path(spec).resolve()))
        self.statusBar().showMessage(f"opened {spec}", 5000)
        return True

    def play_walkthrough(self, walkthrough: Walkthrough) -> None:
        """Enter tutorial mode on ``walkthrough``: caption banner, step list, Next / Previous."""
        self.tutorial.play(walkthrough)
        self._example_title = walkthrough.title
        self._update_title()
        self.walkthrough_dock.show()
        self.network_view.setFocus()

    def save_walkthrough(self) -> bool:
        """Save the recorded steps as a walkthrough file (the recording goes on)."""
        mode = self.tutorial
        if not mode.recorded:
            QMessageBox.information(
                self,
                "Nothing recorded",
                "Start recording (Ctrl+Shift+R) and take some steps first: each action becomes a step.",
            )
            return False
        name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in mode.title.lower()).strip("-")
        start = str(Path(self._last_dir()) / f"{name or 'walkthrough'}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save walkthrough", start, WALKTHROUGH_FILTER)
        if not path:
            return False
        target = Path(path) if Path(path).suffix else Path(path).with_suffix(".json")
        try:
            mode.save_recording(target)
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self, "Cannot save the walkthrough", f"{target}\n\n{exc}")
            return False
        self._recording_saved = len(mode.recorded)
        self._add_recent(str(target.resolve()))
        self.statusBar().showMessage(f"saved {len(mode.recorded)} steps to {target}", 8000)
        return True

    def maybe_save_recording(self) -> bool:
        """Offer to save recorded steps that are not saved yet; False if the user cancelled."""
        mode = self.tutorial
        if not mode.recorded or len(mode.recorded) == self._recording_saved:
            return True
        if not self._offer_save(
            "Unsaved walkthrough",
            f"Save the {len(mode.recorded)} recorded steps as a walkthrough?",
            self.save_walkthrough,
        ):
            return False
        if len(mode.recorded) != self._recording_saved:  # the user chose Discard
            mode.discard_recorded()
        return True

    def _on_record_toggled(self, checked: bool) -> None:
        if checked and not self.tutorial.recording:
            if not self.maybe_save_recording():  # steps of an earlier recording, not saved yet
                self.record_action.setChecked(False)
                return
            self._recording_saved = 0
            self.tutorial.start_recording(self._display_name())
            self.walkthrough_dock.show()
            self.walkthrough_dock.raise_()
        elif not checked and self.tutorial.recording:
            if self.maybe_save_recording():
                self.tutorial.stop_recording()
            else:
                self.record_action.setChecked(True)

    def _share_escape(self) -> None:
        checking = self.check_ui.cancel_action.isEnabled()
        self.leave_tutorial_action.setShortcut(QKeySequence() if checking else QKeySequence("Escape"))

    def _on_tutorial_changed(self) -> None:
        mode = self.tutorial
        self.record_action.setChecked(mode.recording)
        for action in (self.next_step_action, self.previous_step_action, self.leave_tutorial_action):
            action.setEnabled(mode.playing)
        self.save_walkthrough_action.setEnabled(bool(mode.recorded))

    def save(self) -> bool:
        if self.controller.path is None:
            return self.save_as()
        return self._save_to(self.controller.path)

    def save_as(self) -> bool:
        start = str(self.controller.path or Path(self._last_dir()) / f"{self._display_name()}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save session as", start, SESSION_FILTER)
        if not path:
            return False
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".json")
        return self._save_to(target)

    def _save_to(self, path: Path) -> bool:
        try:
            self.controller.save(path)
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self, "Cannot save the session", f"{path}\n\n{exc}")
            return False
        self._example_title = ""
        self._add_recent(str(Path(path).resolve()))
        self.statusBar().showMessage(f"saved {path}", 5000)
        return True

    def export_view(self, kind: str) -> None:
        """Save the network drawing as PNG or SVG."""
        filters = {"png": "PNG images (*.png)", "svg": "SVG drawings (*.svg)"}
        start = str(Path(self._last_dir()) / f"{self._display_name()}-network.{kind}")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export the network as {kind.upper()}", start, filters[kind]
        )
        if not path:
            return
        target = Path(path) if Path(path).suffix else Path(path).with_suffix(f".{kind}")
        try:
            if kind == "png":
                self.network_view.export_png(target)
            else:
                self.network_view.export_svg(target)
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self, "Cannot export", f"{target}\n\n{exc}")
            return
        self.statusBar().showMessage(f"wrote {target}", 5000)

    def export_trace(self) -> None:
        """Write the iterations completed so far (forward values, gradients, parameters) as a trace."""
        count = len(self.controller.completed_iterations())
        if self.controller.running:
            self.statusBar().showMessage("pause the run before exporting a trace", 5000)
            return
        if count == 0:
            QMessageBox.information(
                self, "Nothing to export", "No iteration is complete yet: finish one first (F11)."
            )
            return
        start = str(Path(self._last_dir()) / f"{self._display_name()}-trace.json")
        path, _ = QFileDialog.getSaveFileName(self, "Export a trace", start, "Gradstep traces (*.json)")
        if not path:
            return
        try:
            written = self.controller.export_trace(Path(path))
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self, "Cannot export the trace", f"{path}\n\n{exc}")
            return
        self.statusBar().showMessage(f"wrote {written} iterations to {path}", 8000)

    def set_digits(self, digits: int) -> None:
        """How many significant digits tooltips show (remembered)."""
        self.network_view.digits = digits
        self.digits_actions[digits].setChecked(True)
        self.settings.setValue("number_digits", digits)

    def edit_thresholds(self) -> bool:
        """Ask for the loss and gradient-norm thresholds; False if cancelled."""
        loss, ok = QInputDialog.getDouble(
            self, "Loss breakpoint", "Pause when the loss falls below:", self.loss_threshold, 0.0, 1e12, 8
        )
        if not ok:
            return False
        norm, ok = QInputDialog.getDouble(
            self,
            "Gradient-norm breakpoint",
            "Pause when a layer's ||dW|| rises above:",
            self.norm_threshold,
            0.0,
            1e12,
            6,
        )
        if not ok:
            return False
        self.loss_threshold, self.norm_threshold = loss, norm
        self._on_breakpoints_changed()
        return True

    def show_help(self) -> None:
        rows = "".join(
            f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in SHORTCUTS
        )
        QMessageBox.information(
            self,
            "Gradstep help",
            "<p>Step through one training iteration stage by stage: the forward pass layer by layer, "
            "the loss, the backward pass from the output back, and the update. Click a weight or a "
            "bias to see its chain rule; double-click to edit it. Indices are 0-based, like NumPy.</p>"
            f"<table cellspacing='6'>{rows}</table>",
        )

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Gradstep",
            f"<h3>Gradstep {html.escape(__version__)}</h3>"
            "<p>A step-through debugger for backpropagation.</p>"
            "<p>Every number comes from the engine; the window only draws it.</p>",
        )

    def reset_layout(self) -> None:
        for dock, area in (
            (self.config_dock, Qt.DockWidgetArea.LeftDockWidgetArea),
            (self.chain_dock, Qt.DockWidgetArea.RightDockWidgetArea),
            (self.inspector_dock, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock.setFloating(False)
            self.addDockWidget(area, dock)
            dock.show()
        # the walkthrough and check result docks share a tab with their neighbours
        self.walkthrough_dock.setFloating(False)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.walkthrough_dock)
        self.tabifyDockWidget(self.chain_dock, self.walkthrough_dock)
        self.walkthrough_dock.setVisible(self.tutorial.playing or self.tutorial.recording)
        result = self.check_ui.result_dock
        if result is not None:
            result.setFloating(False)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, result)
            self.tabifyDockWidget(self.inspector_dock, result)
        self.chain_dock.raise_()
        self._default_dock_sizes()

    def _default_dock_sizes(self) -> None:
        self.resizeDocks([self.config_dock, self.chain_dock], [375, 375], Qt.Orientation.Horizontal)
        self.resizeDocks([self.inspector_dock], [250], Qt.Orientation.Vertical)

    # ---- settings ----

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("window_state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(DEFAULT_SIZE)
            QTimer.singleShot(0, self._default_dock_sizes)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        digits = int(self.settings.value("number_digits", 6))
        self.set_digits(digits if digits in DIGITS else 6)

    def _save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.sync()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value or []]

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent_files", [path, *recent][:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
            return
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_spec(p))
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear the list", lambda: self.settings.setValue("recent_files", []))

    def _last_dir(self) -> str:
        if self.controller.path is not None:
            return str(self.controller.path.parent)
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    # ---- title ----

    def _display_name(self) -> str:
        path = self.controller.path
        if path is not None:
            return path.stem
        if self._example_title:
            return self._example_title
        return self.controller.config.title or "untitled"

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._display_name()}[*] — Gradstep")
        self.setWindowModified(self.controller.modified)

    # ---- handlers ----

    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def _on_stage_changed(self) -> None:
        snap = self.controller.snapshot()
        start = self.controller.session.start_iteration
        iterations, _ = self.controller.losses()
        furthest = max(snap.iteration, start + len(iterations))
        self.history_slider.blockSignals(True)
        self.history_slider.setRange(start, max(start, furthest))
        self.history_slider.setValue(snap.iteration)
        self.history_slider.blockSignals(False)
        self.history_label.setText(f"iteration {snap.iteration} of {furthest}")
        total = len(snap.stages)
        self.status_position.setText(f"iteration {snap.iteration} · stage {snap.stage}/{total}")
        hit = self.controller.breakpoint_hit
        self.status_breakpoint.setText("" if hit is None else f"● {hit.message}")
        self.status_breakpoint.setToolTip("" if hit is None else "the run paused at this breakpoint")

    def _on_running_changed(self, running: bool) -> None:
        self.run_action.setText("&Pause" if running else "&Run")
        self.run_action.setIcon(
            self.style().standardIcon(
                QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
            )
        )
        self.run_action.setToolTip(("Pause the run" if running else "Run N iterations") + " (F5)")
        for action in (
            self.step_action,
            self.back_action,
            self.finish_action,
            self.new_action,
            self.open_action,
            self.save_action,
            self.save_as_action,
            self.export_trace_action,
        ):
            action.setEnabled(not running)
        self.examples_menu.setEnabled(not running)
        self.recent_menu.setEnabled(not running)
        self.history_slider.setEnabled(not running)
        self.run_count.setEnabled(not running)
        self.config_panel.setEnabled(not running)

    def _on_run_finished(self, result: RunResult) -> None:
        if result.reason not in (None, "stopped"):
            self.statusBar().showMessage(f"Breakpoint: {result.message}", 0)

    def _on_modified_changed(self, modified: bool) -> None:
        self.setWindowModified(modified)

    def _on_path_changed(self, path: object) -> None:
        self._update_title()

    def _on_session_replaced(self) -> None:
        self._update_title()

    def _on_color_by_changed(self, mode: str) -> None:
        self.color_actions[mode].setChecked(True)

    def _on_history_slider_changed(self, value: int) -> None:
        if value != self.controller.snapshot().iteration and not self.controller.running:
            self.controller.goto_iteration(value)

    def _on_speed_changed(self, index: int) -> None:
        self.controller.speed = self.speed_box.itemData(index)

    def _update_breakpoint_texts(self) -> None:
        self.bp_loss.setText(f"Loss below {self.loss_threshold:g}")
        self.bp_norm.setText(f"Gradient norm above {self.norm_threshold:g}")
        count = sum(a.isChecked() for a in (self.bp_non_finite, self.bp_loss, self.bp_norm, self.bp_dead))
        if hasattr(self, "breakpoints_button"):
            self.breakpoints_button.setText(f"Breakpoints ({count})")

    def _on_loss_breakpoint_toggled(self) -> None:
        if self.bp_loss.isChecked():
            value, ok = QInputDialog.getDouble(
                self, "Loss breakpoint", "Pause when the loss falls below:", self.loss_threshold, 0.0, 1e12, 8
            )
            if ok:
                self.loss_threshold = value
            else:
                self.bp_loss.setChecked(False)
        self._on_breakpoints_changed()

    def _on_norm_breakpoint_toggled(self) -> None:
        if self.bp_norm.isChecked():
            value, ok = QInputDialog.getDouble(
                self,
                "Gradient-norm breakpoint",
                "Pause when a layer's ||dW|| rises above:",
                self.norm_threshold,
                0.0,
                1e12,
                6,
            )
            if ok:
                self.norm_threshold = value
            else:
                self.bp_norm.setChecked(False)
        self._on_breakpoints_changed()

    def _on_breakpoints_changed(self) -> None:
        self.controller.breakpoints = self.breakpoints()
        self._update_breakpoint_texts()

    def breakpoints(self) -> Breakpoints:
        """The breakpoints the menu has switched on."""
        return Breakpoints(
            non_finite=self.bp_non_finite.isChecked(),
            loss_below=self.loss_threshold if self.bp_loss.isChecked() else None,
            grad_norm_above=self.norm_threshold if self.bp_norm.isChecked() else None,
            dead_relu=self.bp_dead.isChecked(),
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.controller.running:
            self.controller.wait_idle()
        if not self.maybe_save() or not self.maybe_save_recording():
            event.ignore()
            return
        self._save_settings()
        event.accept()
