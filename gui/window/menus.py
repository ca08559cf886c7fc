"""The menu bar, assembled from the actions of the window's parts. Menus are kept as attributes,
so nothing ever looks one up by its title."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QMainWindow, QMenu

from gui.check.teaching_menu import TeachingMenu
from gui.check.ui import CheckUi
from gui.debug.ui import DebugUi
from gui.window.breakpoints import BreakpointControls
from gui.window.docks import WindowDocks
from gui.window.exports import ExportCommands
from gui.window.file_commands import FileCommands
from gui.window.help import HelpActions
from gui.window.run_controls import RunControls
from gui.window.tutorial_actions import TutorialActions
from gui.window.view_actions import ViewActions


@dataclass(frozen=True)
class WindowMenus:
    file: QMenu
    debug: QMenu
    tutorial: QMenu
    view: QMenu
    help: QMenu


def build_menus(
    window: QMainWindow,
    files: FileCommands,
    exports: ExportCommands,
    run: RunControls,
    breakpoints: BreakpointControls,
    tutorial: TutorialActions,
    view: ViewActions,
    docks: WindowDocks,
    check: CheckUi,
    debug_ui: DebugUi,
    teaching: TeachingMenu,
    help_actions: HelpActions,
) -> WindowMenus:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([files.new_action, files.open_action])
    file_menu.addMenu(files.examples_menu)
    file_menu.addMenu(files.recent_menu)
    file_menu.addSeparator()
    file_menu.addActions([check.check_action, check.clear_action, debug_ui.debug_action])
    file_menu.addSeparator()
    file_menu.addActions([files.save_action, files.save_as_action, files.save_walkthrough_action])
    file_menu.addAction(files.export_code_action)
    file_menu.addMenu(exports.menu)
    file_menu.addSeparator()
    file_menu.addAction(files.quit_action)

    debug = bar.addMenu("&Debug")
    debug.addActions(list(run.stepping_actions))
    debug.addSeparator()
    debug.addActions([run.run_action, run.reset_action])
    debug.addSeparator()
    debug.addMenu(breakpoints.menu)
    debug.addSeparator()
    debug.addMenu(teaching)

    tutorial_menu = bar.addMenu("&Tutorial")
    tutorial_menu.addActions(list(tutorial.playing_actions))
    tutorial_menu.addSeparator()
    tutorial_menu.addActions([tutorial.record_action, files.save_walkthrough_action])

    view_menu = bar.addMenu("&View")
    view_menu.addAction(view.fit_action)
    view_menu.addSeparator()
    view_menu.addActions(list(view.color_actions.values()))
    view_menu.addMenu(view.scale_menu)
    view_menu.addSeparator()
    view_menu.addMenu(view.number_menu)
    view_menu.addSeparator()
    view_menu.addActions(list(docks.toggle_actions))
    view_menu.addAction(docks.reset_layout_action)

    bar.addMenu(help_actions.menu)
    return WindowMenus(file_menu, debug, tutorial_menu, view_menu, help_actions.menu)
