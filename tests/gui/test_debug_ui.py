"""File > Debug My Code and the "Your Code" dock, driven through the window."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont, QTextCursor
from PySide6.QtWidgets import QFileDialog

from engine import ParameterRef, parse_session
from engine.learner.debug import DebugReport
from gui.debug.code_view import CodeView
from gui.debug.ui import DebugUi
from gui.main_window import MainWindow
from tests.engine.process_helpers import stopped
from tests.gui.conftest import activate, open_window
from tests.helpers import tiny_session_dict

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "engine" / "debug_corpus"
TUTORIAL_004 = CORPUS / "tutorial_004.py"


@pytest.fixture
def window(qtbot, settings: QSettings) -> Iterator[MainWindow]:
    """The 2-3-1 sigmoid XOR window; a debug still running is waited for before it closes."""
    for win in open_window(qtbot, parse_session(tiny_session_dict()), settings):
        yield win
        win.controller.wait_debug()


def _debug(qtbot, window: MainWindow, code: Path) -> DebugReport:
    c = window.controller
    with qtbot.waitSignal(c.debug_finished, timeout=60_000) as blocker:
        window.debug_ui.start(code)
        assert c.debugging
        assert window.debug_ui.busy.isVisibleTo(window)
        assert not window.debug_ui.debug_action.isEnabled()
    assert not c.debugging
    assert not window.debug_ui.busy.isVisibleTo(window)
    report: DebugReport = blocker.args[0]
    return report


def test_debugging_tutorial_004_marks_line_53_and_adopts_its_2_2_1_network(
    qtbot, window: MainWindow, dialogs: list[str]
) -> None:
    c = window.controller
    assert [k.toString() for k in window.debug_ui.debug_action.shortcuts()] == ["Ctrl+D"]
    assert c.config.sizes == (2, 3, 1)
    report = _debug(qtbot, window, TUTORIAL_004)
    assert dialogs == []
    assert c.config.sizes == (2, 2, 1)  # the session shown is the one inferred from the code
    assert window.windowTitle().startswith("tutorial_004.py (inferred)")
    assert c.config.layers[0].weights[0, 0] == pytest.approx(0.3745401188473625)
    assert c.debug_report is report
    panel = window.debug_ui.panel
    assert window.debug_ui.dock.isVisible()
    assert panel.code.wrong_line == 53
    assert panel.code.cursor_line == 53  # the cursor starts on the first wrong line
    assert c.line_step is not None
    assert (c.line_step.line, c.line_step.status) == (53, "matches-mistake")
    assert "line 53" in panel.headline.text()
    assert "already-updated weights" in panel.diagnosis.text()
    assert panel.code.marks[52] == "matches"
    assert panel.code.marks[53] == "matches-mistake"
    # the line's update: the next iteration's start, the wrong weight selected and marked
    assert (c.session.iteration, c.session.stage) == (1, 0)
    assert c.selection == ParameterRef(0, 0, 0)
    marks = window.network_view.marks
    assert marks is not None
    assert marks[0].weights.all()
    assert not marks[1].weights.any()
    yours, correct, _, differs = window.chain_panel.check_values()
    assert differs
    lr = report.discovery.learning_rate
    before = report.discovery.iterations[0].params[0].weights[0, 0]
    assert before - lr * yours == pytest.approx(0.3746512857634185, rel=1e-10)
    assert before - lr * correct == pytest.approx(0.3746485141706137, rel=1e-10)


def test_step_line_and_back_line_move_the_cursor_the_stage_and_the_selection(
    qtbot, window: MainWindow
) -> None:
    c = window.controller
    _debug(qtbot, window, TUTORIAL_004)
    panel = window.debug_ui.panel
    c.goto_line(0)
    assert panel.code.cursor_line == 35  # hidden_input = np.dot(X, W_ih) + b_h: z of layer 0
    assert (c.session.iteration, c.session.stage) == (0, 1)
    assert c.selection == ParameterRef(0, 0, None)
    assert window.network_view.marks is None  # a right line marks nothing
    assert not panel.back_button.isEnabled()
    activate(qtbot, window)
    panel.code.setFocus()
    qtbot.waitUntil(panel.code.hasFocus, timeout=5_000)
    stage_before = c.session.position
    qtbot.keyClick(panel.code, Qt.Key.Key_F10)  # F10 in the dock steps a line, not a stage
    assert panel.code.cursor_line == 36
    assert c.line_index == 1
    assert c.session.position == stage_before  # z and a of layer 0 share the forward stage
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    assert panel.code.cursor_line == 39
    assert c.selection == ParameterRef(1, 0, None)
    assert (c.session.iteration, c.session.stage) == (0, 2)
    qtbot.keyClick(panel.code, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    assert panel.code.cursor_line == 36
    qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    assert c.line_index == 0
    # to the end of the first iteration, then into the second
    for _ in range(12):
        c.step_line()
    assert c.line_step is not None
    assert c.line_step.iteration == 1
    assert "iteration 1" in panel.line_label.text()


def test_a_syntax_error_is_a_dialog_with_its_line_and_no_traceback(
    qtbot, window: MainWindow, dialogs: list[str]
) -> None:
    c = window.controller
    with qtbot.waitSignal(c.debug_failed, timeout=60_000):
        window.debug_ui.start(CORPUS / "tutorial_000.py")
    assert len(dialogs) == 1
    assert dialogs[0].startswith("Cannot debug your code: ")
    assert "line" in dialogs[0]
    assert "learning rate" in dialogs[0] or "learning_rate" in dialogs[0]
    assert "Traceback" not in dialogs[0]
    assert c.config.sizes == (2, 3, 1)  # the session is left as it was
    assert c.debug_report is None
    assert window.debug_ui.debug_action.isEnabled()


LOOP_FOREVER = """
import os
from pathlib import Path

Path(__file__).with_name("pid.txt").write_text(str(os.getpid()))
while True:
    pass
"""


def _start_endless_debug(qtbot, window: MainWindow, tmp_path: Path) -> int:
    code = tmp_path / "loop.py"
    code.write_text(LOOP_FOREVER, encoding="utf-8")
    window.controller.start_debug(code, 3, 600.0)
    pid_file = tmp_path / "pid.txt"
    qtbot.waitUntil(lambda: pid_file.exists() and pid_file.read_text() != "", timeout=20_000)
    assert window.controller.debug_state == "running"
    assert window.debug_ui.cancel_action.isEnabled()
    return int(pid_file.read_text())


def test_cancel_stops_the_program_and_leaves_no_process(
    qtbot, window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    ui: DebugUi = window.debug_ui
    pid = _start_endless_debug(qtbot, window, tmp_path)
    qtbot.mouseClick(ui.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.controller.debugging, timeout=15_000)
    assert stopped(pid)
    assert dialogs == []
    assert not ui.busy.isVisibleTo(window)
    assert "debug cancelled" in window.statusBar().currentMessage()


def test_escape_cancels_the_debug(qtbot, window: MainWindow, tmp_path: Path, dialogs: list[str]) -> None:
    pid = _start_endless_debug(qtbot, window, tmp_path)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.controller.debugging, timeout=15_000)
    assert stopped(pid)
    assert dialogs == []


def test_closing_the_window_cancels_the_debug(
    qtbot, settings: QSettings, tmp_path: Path, dialogs: list[str]
) -> None:
    window = MainWindow(parse_session(tiny_session_dict()), None, settings)
    window.show()
    qtbot.waitExposed(window)
    pid = _start_endless_debug(qtbot, window, tmp_path)
    window.controller.mark_unmodified()
    start = time.monotonic()
    assert window.close()
    assert time.monotonic() - start < 3.5
    assert not window.controller.debugging
    assert stopped(pid)
    qtbot.wait(300)
    assert dialogs == []
    window.deleteLater()


@pytest.mark.parametrize("replace", [False, True], ids=["in-place", "renamed-over"])
def test_watch_file_debugs_again_when_the_file_is_saved(
    qtbot, window: MainWindow, tmp_path: Path, replace: bool
) -> None:
    c = window.controller
    code = tmp_path / "mine.py"
    shutil.copy(TUTORIAL_004, code)
    window.debug_ui.panel.watch_box.setChecked(True)
    _debug(qtbot, window, code)
    assert c.debug_report is not None
    assert c.debug_report.first_wrong is not None
    # the learner swaps lines 52 and 53: the weights' update is right now, the bias's (line 56)
    # still goes through the updated weights
    lines = code.read_text(encoding="utf-8").splitlines()
    lines[51], lines[52] = lines[52], lines[51]
    fixed = "\n".join(lines) + "\n"
    time.sleep(0.05)  # a later modification time on coarse file systems
    with qtbot.waitSignal(c.debug_finished, timeout=60_000) as blocker:
        if replace:  # as editors that write a new file and rename it over the old one
            temp = tmp_path / "mine.py.tmp"
            temp.write_text(fixed, encoding="utf-8")
            os.replace(temp, code)
        else:
            code.write_text(fixed, encoding="utf-8")
    report: DebugReport = blocker.args[0]
    assert report.first_wrong is not None
    assert report.first_wrong.line == 56
    assert window.debug_ui.panel.code.wrong_line == 56
    assert "line 56" in window.debug_ui.panel.headline.text()
    window.debug_ui.panel.watch_box.setChecked(False)


def test_a_click_on_a_traced_line_puts_the_cursor_there(qtbot, window: MainWindow) -> None:
    c = window.controller
    _debug(qtbot, window, TUTORIAL_004)
    code = window.debug_ui.panel.code
    block = code.document().findBlockByNumber(43 - 1)  # loss = 0.5 * np.sum(...)
    code.set_cursor_line(43)  # scrolled into view
    point = code.cursorRect(QTextCursor(block)).center()
    qtbot.mouseClick(code.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert c.line_step is not None
    assert (c.line_step.line, c.line_step.quantity) == (43, "loss")
    assert (c.session.iteration, c.session.stage) == (0, 3)  # after the loss stage
    assert code.cursor_line == 43


def test_another_session_ends_the_debug_view_and_its_marks(qtbot, window: MainWindow) -> None:
    c = window.controller
    _debug(qtbot, window, TUTORIAL_004)
    assert window.network_view.marks is not None
    assert not window.check_ui.clear_action.isEnabled()  # the marks are the debug's, not a check's
    c.new_session(parse_session(tiny_session_dict()))
    assert c.debug_report is None
    assert c.line_step is None
    assert window.network_view.marks is None
    panel = window.debug_ui.panel
    assert panel.code.marks == {}
    assert not panel.step_button.isEnabled()
    # F10 in the dock is the window's stage step again
    activate(qtbot, window)
    panel.code.setFocus()
    qtbot.waitUntil(panel.code.hasFocus, timeout=5_000)
    before = c.session.position
    qtbot.keyClick(panel.code, Qt.Key.Key_F10)
    assert c.session.position == before + 1
    assert "Debug Again" in panel.headline.text()
    assert panel.rerun_button.isEnabled()
    assert c.debugged_code == TUTORIAL_004


def test_the_code_is_coloured_as_python(qtbot) -> None:
    view = CodeView()
    qtbot.addWidget(view)
    view.set_source("for epoch in range(3):  # train\n    s = 'for'\n")
    first = view.document().findBlockByNumber(0).layout().formats()
    second = view.document().findBlockByNumber(1).layout().formats()
    keyword = next(f for f in first if f.start == 0)
    comment = next(f for f in first if f.start == 24)
    string = next(f for f in second if f.start == 8)
    assert keyword.format.fontWeight() == QFont.Weight.Bold
    assert comment.format.fontItalic()
    assert string.format.foreground().color() != keyword.format.foreground().color()
    assert not any(f.start == 9 and f.format.fontWeight() == QFont.Weight.Bold for f in second)


def test_ctrl_d_asks_for_a_script_or_notebook_and_debugs_it(
    qtbot, window: MainWindow, monkeypatch, dialogs: list[str]
) -> None:
    asked: list[str] = []

    def choose(parent, caption, start, filters, *args):
        asked.append(filters)
        return str(CORPUS / "notebook_derivative_of_z.ipynb"), filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    c = window.controller
    c.set_parameter(ParameterRef(0, 0, 0), 0.5)  # an unsaved change: offered before it is replaced
    offered: list[bool] = []
    monkeypatch.setattr(window.files, "maybe_save", lambda: offered.append(True) or False)
    window.debug_ui.debug_action.trigger()
    assert offered == [True]
    assert asked == []  # cancelled at the offer: no file asked for, the session kept
    assert not c.debugging
    monkeypatch.setattr(window.files, "maybe_save", lambda: True)
    with qtbot.waitSignal(c.debug_finished, timeout=60_000) as blocker:
        window.debug_ui.debug_action.trigger()
    assert "*.py" in asked[0]
    assert "*.ipynb" in asked[0]
    report: DebugReport = blocker.args[0]
    assert report.first_wrong is not None
    assert window.debug_ui.panel.code.wrong_line == report.first_wrong.line
    assert window.debug_ui.panel.code.toPlainText() == "\n".join(report.source.lines)
    assert c.config.sizes == report.discovery.config.sizes
    assert dialogs == []


def test_a_watched_save_that_breaks_the_file_says_so_in_the_dock_not_a_dialog(
    qtbot, window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    c = window.controller
    code = tmp_path / "mine.py"
    shutil.copy(TUTORIAL_004, code)
    window.debug_ui.panel.watch_box.setChecked(True)
    _debug(qtbot, window, code)
    time.sleep(0.05)
    with qtbot.waitSignal(c.debug_failed, timeout=60_000):
        code.write_text(code.read_text(encoding="utf-8") + "\nlearning rate = 0.1\n", encoding="utf-8")
    assert dialogs == []
    panel = window.debug_ui.panel
    assert "Could not debug" in panel.headline.text()
    assert "syntax error" in panel.diagnosis.text()
    assert c.config.sizes == (2, 2, 1)  # the last good debug's session stays
    window.debug_ui.panel.watch_box.setChecked(False)


def test_a_debug_waits_for_a_running_check_and_a_check_for_a_running_debug(
    qtbot, window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    c = window.controller
    pid = _start_endless_debug(qtbot, window, tmp_path)
    assert not window.check_ui.check_action.isEnabled()
    assert not window.debug_ui.debug_action.isEnabled()
    c.start_check(TUTORIAL_004, 1, 10.0)
    assert not c.checking  # refused: one job on the learner's code at a time
    assert "already running" in window.statusBar().currentMessage()
    c.start_debug(TUTORIAL_004)
    assert c.debug_state == "running"
    c.cancel_debug()
    qtbot.waitUntil(lambda: not c.debugging, timeout=5_000)
    assert stopped(pid)
    assert window.debug_ui.debug_action.isEnabled()
    assert window.check_ui.check_action.isEnabled()
    assert dialogs == []
