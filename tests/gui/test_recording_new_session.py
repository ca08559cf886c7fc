"""File › New while recording asks first, the recorded steps stay in sight and the window is
retitled (issue 12.10)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from engine import parse_session
from engine.files.walkthrough import load_walkthrough
from gui.main_window import MainWindow
from gui.window import file_commands
from tests.helpers import tiny_session_dict


@pytest.fixture
def recording(window: MainWindow) -> Iterator[MainWindow]:
    doc = tiny_session_dict(title="Old lesson")
    window.controller.apply_config(parse_session(doc))
    window.controller.mark_unmodified()
    window.files.update_title()
    window.tutorial_actions.record_action.trigger()
    window.run_controls.step_action.trigger()
    window.run_controls.step_action.trigger()
    yield window
    window.controller.stop_recording()
    window.controller.discard_recorded()  # closing must not ask about them


def _answer(monkeypatch: pytest.MonkeyPatch, answer: tuple[bool, bool] | None) -> list[int]:
    asked: list[int] = []

    def ask(_window: object, count: int) -> tuple[bool, bool] | None:
        asked.append(count)
        return answer

    monkeypatch.setattr(file_commands, "ask_about_recording", ask)
    return asked


def test_new_while_recording_asks_and_cancel_changes_nothing(recording: MainWindow, monkeypatch) -> None:
    asked = _answer(monkeypatch, None)
    recording.files.new_action.trigger()
    assert asked == [2]
    assert recording.controller.mode == "recording"
    assert recording.controller.config.title == "Old lesson"


def test_new_with_save_and_keep_recording(recording: MainWindow, monkeypatch, tmp_path: Path) -> None:
    target = tmp_path / "old.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    _answer(monkeypatch, (True, True))
    recording.files.new_action.trigger()
    assert [s.action for s in load_walkthrough(target).steps] == ["step", "step"]
    c = recording.controller
    assert c.mode == "recording"  # recording on, in the new session
    assert c.recorded == ()
    assert "Old lesson" not in recording.windowTitle()
    assert "Old lesson" not in c.recording_title
    assert c.recording_title == recording.files.display_name()


def test_new_with_discard_keeps_nothing_and_stop_keeps_the_steps_in_sight(
    recording: MainWindow, monkeypatch
) -> None:
    panel = recording.walkthrough_panel
    recording.controller.stop_recording()
    assert recording.controller.mode == "explore"
    assert panel.stack.currentIndex() == 1  # the recorded steps, not the empty hint
    assert panel.steps.count() == 2
    assert panel.stopped.isVisibleTo(panel)
    monkeypatch.setattr(
        file_commands.QMessageBox,
        "question",
        lambda *a, **k: file_commands.QMessageBox.StandardButton.Discard,
    )
    recording.tutorial_actions.record_action.trigger()  # a new recording: Discard the old steps
    recording.run_controls.step_action.trigger()
    _answer(monkeypatch, (False, False))
    recording.files.new_action.trigger()
    assert recording.controller.mode == "explore"
    assert recording.controller.recorded == ()
    assert panel.stack.currentIndex() == 0
    assert "Old lesson" not in recording.windowTitle()
