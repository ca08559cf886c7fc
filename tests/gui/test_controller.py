"""The one controller: tutorial replay, recording and a running check are its states, announced by
its signals; views never reach past it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import ParameterRef, parse_session
from engine.files.examples import resolve, resolve_walkthrough_path
from engine.files.walkthrough import Player, load_walkthrough
from gui.controller import SessionController
from tests.conftest import tiny_session_dict

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "gui"
REFERENCE = ROOT / "resources" / "check" / "reference.py"
TOUR = "tour-every-number"


@pytest.fixture
def controller(qtbot) -> Iterator[SessionController]:
    c = SessionController(parse_session(tiny_session_dict()))
    yield c
    c.wait_idle()
    c.shut_down_check()


def _recorder(signal) -> list[object]:
    seen: list[object] = []
    signal.connect(lambda *args: seen.append(args[0] if args else None))
    return seen


# ---- tutorial replay ----


def test_playing_and_leaving_a_walkthrough_are_announced_mode_changes(controller: SessionController) -> None:
    walkthrough = load_walkthrough(resolve_walkthrough_path(TOUR))
    modes = _recorder(controller.mode_changed)
    actions = _recorder(controller.action_taken)
    assert controller.mode == "explore"
    assert controller.tutorial is None
    controller.play_walkthrough(walkthrough)
    assert modes == ["tutorial"]
    assert controller.mode == "tutorial"
    replay = controller.tutorial
    assert replay is not None
    assert controller.tutorial.index == -1
    assert replay.walkthrough is walkthrough
    controller.goto_step(3)
    assert controller.tutorial.index == 3
    assert actions == []  # a replayed step is not the user's doing: a recording would not see it
    # the controller shows exactly the state a headless player reaches
    player = Player(walkthrough)
    player.goto(3)
    expected = player.session.snapshot()
    shown = controller.snapshot()
    assert (shown.iteration, shown.stage) == (expected.iteration, expected.stage)
    for mine, theirs in zip(shown.params, expected.params, strict=True):
        assert (mine.weights == theirs.weights).all()
    assert controller.selection == player.view.selection
    assert controller.color_by == player.view.color_by
    position = (shown.iteration, shown.stage)
    controller.leave_tutorial()
    assert modes == ["tutorial", "explore"]
    assert controller.tutorial is None
    snap = controller.snapshot()
    assert (snap.iteration, snap.stage) == position  # leaving keeps the state


def test_stepping_by_hand_leaves_the_path_and_next_step_returns_to_it(controller: SessionController) -> None:
    walkthrough = load_walkthrough(resolve_walkthrough_path(TOUR))
    controller.play_walkthrough(walkthrough)
    controller.goto_step(2)
    replay = controller.tutorial
    assert replay is not None
    changes = _recorder(controller.walkthrough_changed)
    controller.step()
    assert controller.tutorial.diverged
    assert changes  # the banner hears that the window left the path
    controller.next_step()
    assert not controller.tutorial.diverged
    player = Player(walkthrough)
    player.goto(3)
    assert controller.snapshot().stage == player.session.snapshot().stage
    assert controller.snapshot().iteration == player.session.snapshot().iteration


def test_opening_another_session_leaves_the_tutorial(controller: SessionController) -> None:
    controller.play_walkthrough(load_walkthrough(resolve_walkthrough_path(TOUR)))
    modes = _recorder(controller.mode_changed)
    controller.new_session(resolve("example:moons"))
    assert modes == ["explore"]
    assert controller.tutorial is None


# ---- recording ----


def test_recording_is_a_mode_and_records_what_the_user_does(controller: SessionController) -> None:
    modes = _recorder(controller.mode_changed)
    controller.start_recording("mine")
    assert modes == ["recording"]
    assert controller.recording_title == "mine"
    controller.step()
    controller.select(ParameterRef(0, 1, 0))
    assert [s.action for s in controller.recorded] == ["step", "select"]
    # a walkthrough played stops the recording first; its steps stay for Save Walkthrough
    controller.play_walkthrough(load_walkthrough(resolve_walkthrough_path(TOUR)))
    assert modes == ["recording", "explore", "tutorial"]
    assert len(controller.recorded) == 2
    controller.discard_recorded()
    assert controller.recorded == ()


def test_replacing_the_session_stops_recording_and_says_so(controller: SessionController) -> None:
    messages = _recorder(controller.message)
    controller.start_recording()
    controller.step()
    modes = _recorder(controller.mode_changed)
    controller.apply_config(controller.config)
    assert modes == ["explore"]
    assert any("recording stopped" in str(m) for m in messages)
    assert len(controller.recorded) == 1


# ---- check my code ----

LOOP_FOREVER = """
import os
from pathlib import Path

Path(__file__).with_name("pid.txt").write_text(str(os.getpid()))


def train_step(w, b, X, Y, lr):
    while True:
        pass
"""


def test_a_check_is_a_state_with_signals_and_its_report_stays_on_the_controller(qtbot) -> None:
    c = SessionController(resolve("example:tutorial-001"))
    try:
        states = _recorder(c.check_changed)
        with qtbot.waitSignal(c.check_finished, timeout=60_000) as finished:
            c.start_check(REFERENCE, 2, 30.0)
            assert c.checking
            assert c.check_state == "running"
        assert states == ["running", "idle"]
        report = finished.args[0]
        assert report.agrees
        assert c.check_report is report
        assert c.checked_code == REFERENCE
        assert c.check_marks is None  # the reference agrees: nothing to mark
        c.clear_check()
        assert c.check_report is None
        assert states == ["running", "idle", "idle"]  # cleared: the views drop the report
    finally:
        c.shut_down_check()


def test_cancelling_a_check_passes_through_cancelling_to_idle(qtbot, tmp_path: Path) -> None:
    c = SessionController(resolve("example:tutorial-001"))
    code = tmp_path / "loop.py"
    code.write_text(LOOP_FOREVER, encoding="utf-8")
    finished = _recorder(c.check_finished)
    failed = _recorder(c.check_failed)
    try:
        states = _recorder(c.check_changed)
        c.start_check(code, 2, 600.0)
        pid_file = tmp_path / "pid.txt"
        qtbot.waitUntil(lambda: pid_file.exists() and pid_file.read_text() != "", timeout=20_000)
        c.cancel_check()
        assert c.check_state == "cancelling"
        qtbot.waitUntil(lambda: not c.checking, timeout=10_000)
        assert states == ["running", "cancelling", "idle"]
        assert finished == []
        assert failed == []
        assert c.check_report is None
    finally:
        c.shut_down_check()


def test_a_report_on_a_replaced_session_marks_nothing(qtbot) -> None:
    c = SessionController(resolve("example:tutorial-001"))
    try:
        with qtbot.waitSignal(c.check_finished, timeout=60_000):
            c.start_check(REFERENCE, 1, 30.0)
            c.new_session(resolve("example:tutorial-001"))  # an equal but other configuration
        assert c.check_report is None
    finally:
        c.shut_down_check()


# ---- nothing reaches past the controller ----


def _sources() -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in sorted(GUI.rglob("*.py"))]


def test_no_view_reaches_the_session_or_anothers_private_attributes() -> None:
    own = {GUI / "controller.py", *GUI.joinpath("control").glob("*.py")}
    for path, text in _sources():
        if path not in own:
            assert not re.search(r"controller\.session\b", text), path
            assert not re.search(r"\bc\.session\b", text), path
        for name in re.findall(r"(\w+|\))\._[a-zA-Z]\w*", text):
            assert name in ("self", "cls", ")"), (path, name)  # ")": super()._hook
        assert not re.search(r"\.text\(\) == \"&", text), path  # menus are attributes, not found by title


def test_no_type_ignore_in_gui() -> None:
    for path, text in _sources():
        assert "type: ignore" not in text, path
