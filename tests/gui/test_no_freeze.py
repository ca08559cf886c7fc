"""Long work runs off the GUI thread: a tutorial step of many iterations, Apply of a large
configuration, opening a large file, a trace export. Each is a controller job with a busy
indicator and Cancel; the window's event loop keeps running while it works, and a cancelled or
failed job leaves the session shown as it was."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog

from engine import Session, parse_session
from engine.files import data as datasets
from engine.files.walkthrough import Player, Step, StepCancelled, Walkthrough
from gui.control import session_jobs
from gui.control.replay import Replay
from gui.main_window import MainWindow
from tests.helpers import tiny_session_dict

LONG_STEP = 11  # tour-every-number's step 12: 9,999 iterations


class Gate:
    """Holds work on a worker thread until the GUI thread's timer has fired: the job can only
    finish if the event loop ran while it worked. Records the worker calls' arguments (work on
    the GUI thread itself, such as checking a small stand-in while typing, passes straight)."""

    def __init__(self) -> None:
        self.gui_thread = threading.get_ident()
        self.ticked = threading.Event()
        self.gui_calls: list[tuple[Any, ...]] = []
        self.worker_calls: list[tuple[Any, ...]] = []
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self.ticked.set)

    def wrap(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def gated(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() == self.gui_thread:
                self.gui_calls.append(args)
                return real(*args, **kwargs)
            self.worker_calls.append(args)
            if not self.ticked.wait(60):
                raise RuntimeError("the GUI thread's timer never fired while the work ran")
            return real(*args, **kwargs)

        return gated


def _tour(window: MainWindow) -> Walkthrough:
    assert window.open_spec("example:tour-every-number")
    tutorial = window.controller.tutorial
    assert tutorial is not None
    step = tutorial.walkthrough.steps[LONG_STEP]
    assert step.action == "iterations"
    assert step.count >= 5000
    return tutorial.walkthrough


def _wait(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=120_000)


# ---- a long jump back in history ----


def _jump_target(qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> int:
    """A session 40 iterations in, and an iteration whose replay counts as long (here: more
    than three iterations; in use, a large network or a coarse checkpoint grid)."""
    c = window.controller
    with qtbot.waitSignal(c.run_finished, timeout=20_000):
        c.run(40)
    monkeypatch.setattr(session_jobs, "long_replay", lambda config, iterations: iterations > 3)
    return next(k for k in range(38, 0, -1) if c.session.replay_length(k) > 3)


def test_a_long_jump_in_history_replays_on_a_worker(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, dialogs: list[str]
) -> None:
    c = window.controller
    target = _jump_target(qtbot, window, monkeypatch)
    gate = Gate()
    monkeypatch.setattr(Session, "prepare", gate.wrap(Session.prepare))
    window.history.slider.setValue(target)  # as the slider's release does
    assert c.busy
    assert f"recomputing the state after {target} updates" in window.job_ui.busy.label.text()
    assert c.session.iteration == 40  # the window shows where it was meanwhile
    c.reset()  # refused while the job holds the session, as every command that moves it
    c.start_recording()
    assert c.mode == "explore"
    assert c.session.iteration == 40
    assert "wait for recomputing the state" in window.statusBar().currentMessage()
    gate.timer.start()
    _wait(qtbot, window)
    assert [args[1] for args in gate.worker_calls] == [target]
    assert not dialogs
    assert window.statusBar().currentMessage() == f"the state after {target} updates"
    assert (c.session.iteration, c.session.stage) == (target, 0)
    assert window.history.slider.value() == target
    fresh = Session(c.config)
    fresh.goto(target, 0)
    for mine, reference in zip(c.session.params, fresh.params, strict=True):
        np.testing.assert_array_equal(mine.weights, reference.weights)
    short = target - 1 if c.session.replay_length(target - 1) <= 3 else target
    window.history.slider.setValue(short)  # a short jump stays on the window's thread
    assert not c.busy
    assert c.session.iteration == short


def test_cancelling_a_long_jump_stays_where_the_window_was(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, dialogs: list[str]
) -> None:
    c = window.controller
    target = _jump_target(qtbot, window, monkeypatch)
    weights = [p.weights.copy() for p in c.session.params]
    gate = Gate()  # the worker starts its replay only after the cancel
    monkeypatch.setattr(Session, "prepare", gate.wrap(Session.prepare))
    window.history.slider.setValue(target)
    assert c.busy
    window.job_ui.cancel_action.trigger()  # Escape
    gate.timer.start()
    _wait(qtbot, window)
    assert [args[1] for args in gate.worker_calls] == [target]
    assert not dialogs
    assert (c.session.iteration, c.session.stage) == (40, 0)
    for kept, weight in zip(c.session.params, weights, strict=True):
        np.testing.assert_array_equal(kept.weights, weight)
    assert window.history.slider.value() == 40
    assert "cancelled" in window.statusBar().currentMessage()
    assert c.session.replay_length(target) > 3  # the replay stopped at once, not done and dropped


# ---- tutorial replay ----


def test_a_long_step_replays_on_a_worker_while_the_event_loop_runs(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, dialogs: list[str]
) -> None:
    walkthrough = _tour(window)
    c = window.controller
    c.goto_step(LONG_STEP - 1)
    assert not c.busy  # a short step stays on the GUI thread
    shown = c.session
    gate = Gate()
    monkeypatch.setattr(Replay, "compute", gate.wrap(Replay.compute))
    c.goto_step(LONG_STEP)
    assert c.busy
    assert c.job_state == "running"
    assert window.job_ui.busy.isVisibleTo(window)
    assert "replaying step 12" in window.job_ui.busy.label.text()
    assert c.tutorial is not None
    assert c.tutorial.index == LONG_STEP - 1
    assert c.session is shown
    # while it runs, Escape cancels the job instead of leaving the tutorial
    assert window.job_ui.cancel_action.shortcut() == QKeySequence("Escape")
    assert window.tutorial_actions.leave_tutorial_action.shortcut().isEmpty()
    c.step()  # the session is frozen: commands are refused, not queued
    assert c.session.position == shown.position
    gate.timer.start()
    _wait(qtbot, window)
    assert [args[1] for args in gate.worker_calls] == [LONG_STEP]
    assert not gate.gui_calls
    assert not dialogs
    assert c.tutorial.index == LONG_STEP
    assert all(r.met for r in c.tutorial.results)
    player = Player(walkthrough)
    player.goto(LONG_STEP)
    assert c.session.position == player.session.position
    for mine, reference in zip(c.session.params, player.session.params, strict=True):
        np.testing.assert_array_equal(mine.weights, reference.weights)
    assert not window.job_ui.busy.isVisibleTo(window)
    assert window.tutorial_actions.leave_tutorial_action.shortcut() == QKeySequence("Escape")


def test_cancelling_a_long_step_leaves_the_tutorial_as_it_was(
    qtbot, window: MainWindow, dialogs: list[str]
) -> None:
    _tour(window)
    c = window.controller
    c.goto_step(LONG_STEP - 1)
    c.set_color_by("gradient")  # by hand: the replay has left its path
    before = (c.tutorial, c.session, c.session.position, c.selection, c.color_by, c.modified)
    weights = [p.weights.copy() for p in c.session.params]
    c.goto_step(LONG_STEP)
    assert c.busy
    window.job_ui.cancel_action.trigger()  # Escape
    assert c.job_state == "cancelling"
    _wait(qtbot, window)
    assert not dialogs
    assert (c.tutorial, c.session, c.session.position, c.selection, c.color_by, c.modified) == before
    for kept, weight in zip(c.session.params, weights, strict=True):
        np.testing.assert_array_equal(kept.weights, weight)
    assert "cancelled" in window.statusBar().currentMessage()
    c.goto_step(LONG_STEP)  # and Next works again afterwards
    _wait(qtbot, window)
    assert c.tutorial is not None
    assert c.tutorial.index == LONG_STEP


def test_a_replay_stops_part_way_through_a_step_when_asked() -> None:
    player = Player(
        Walkthrough("t", parse_session(tiny_session_dict()), (Step("iterations", count=100_000),))
    )
    asked = []

    def should_stop() -> bool:
        asked.append(player.session.iteration)
        return len(asked) > 3

    with pytest.raises(StepCancelled):
        player.goto(0, should_stop)
    assert 0 < player.session.iteration < 100_000  # it stopped inside the step, not after it


# ---- Apply of a large configuration ----


def test_apply_of_a_million_points_builds_them_on_a_worker(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, dialogs: list[str]
) -> None:
    c, panel = window.controller, window.config_panel
    editor = panel.data_editor
    editor.preset_box.setCurrentIndex(editor.preset_box.findData("moons"))
    editor.samples_box.setValue(1_000_000)
    panel.check_fields()  # typing is judged on a stand-in: nothing of that size is built
    old = c.session
    gate = Gate()
    monkeypatch.setattr(datasets, "preset", gate.wrap(datasets.preset))
    applied: list[bool] = []
    panel.applied.connect(lambda: applied.append(True))
    assert panel.apply()
    assert c.busy
    assert c.session is old
    assert not panel.apply_button.isEnabled()
    gate.timer.start()
    _wait(qtbot, window)
    assert [args[1] for args in gate.worker_calls] == [1_000_000]  # (name, samples, ...)
    assert all(args[1] <= 256 for args in gate.gui_calls)  # the typing check's stand-in
    assert not dialogs
    assert c.session is not old
    assert c.config.x.shape == (1_000_000, 2)
    assert applied == [True]
    assert c.modified
    assert panel.apply_button.isEnabled()


def test_cancelling_apply_keeps_the_old_session(qtbot, window: MainWindow, dialogs: list[str]) -> None:
    c, panel = window.controller, window.config_panel
    panel.data_editor.preset_box.setCurrentIndex(panel.data_editor.preset_box.findData("circles"))
    panel.data_editor.samples_box.setValue(500_000)
    old, config = c.session, c.config
    assert panel.apply()
    assert c.busy
    c.cancel_job()
    _wait(qtbot, window)
    assert c.session is old
    assert c.config is config
    assert not c.modified
    assert not dialogs


def test_a_large_csv_the_engine_refuses_is_shown_under_its_field(
    qtbot, window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    c, panel = window.controller, window.config_panel
    path = tmp_path / "big.csv"
    rows = [f"{i % 7},{i % 5},{i % 2}" for i in range(20_000)]
    rows[-1] = "1,oops,0"
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    editor = panel.data_editor
    editor.source_box.setCurrentIndex(editor.source_box.findData("csv"))
    editor.csv_edit.setText(str(path))
    editor.targets_edit.setText("label")
    old = c.session
    assert panel.apply()  # started: the file is read on the worker
    _wait(qtbot, window)
    assert c.session is old
    assert not dialogs
    assert panel.error_text is not None
    assert "line 20001" in panel.error_text
    assert "not applied" in window.statusBar().currentMessage()


# ---- opening a large file ----


def _large_session(tmp_path: Path, **overrides: Any) -> Path:
    rng = np.random.default_rng(3)
    x = rng.random((10_000, 2)).round(6)
    data = {"inputs": x.tolist(), "targets": (x[:, :1] > 0.5).astype(float).tolist()}
    path = tmp_path / "large.json"
    path.write_text(json.dumps(tiny_session_dict(data=data, **overrides)))
    assert path.stat().st_size > session_jobs.OPEN_BACKGROUND_BYTES
    return path


def test_a_large_file_opens_on_a_worker(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialogs: list[str]
) -> None:
    path = _large_session(tmp_path)
    gate = Gate()
    monkeypatch.setattr(session_jobs, "resolve_any", gate.wrap(session_jobs.resolve_any))
    old = window.controller.session
    assert window.open_spec(str(path))
    assert window.controller.busy
    assert window.controller.session is old
    assert not window.files.open_action.isEnabled()
    gate.timer.start()
    _wait(qtbot, window)
    assert gate.worker_calls == [(str(path),)]
    assert not gate.gui_calls
    assert not dialogs
    assert window.controller.path == path
    assert window.controller.config.x.shape == (10_000, 2)
    assert window.files.recent_files()[0] == str(path.resolve())
    assert window.files.open_action.isEnabled()


def _csv_session(folder: Path, rows: int, csv_name: str = "data.csv") -> Path:
    """A small session file whose data is a CSV file of ``rows`` rows beside it."""
    x = np.random.default_rng(3).random((rows, 2)).round(6)
    lines = ["a,b,label"] + [f"{a},{b},{int(a > 0.5)}" for a, b in x]
    (folder / csv_name).write_text("\n".join(lines) + "\n")
    path = folder / "small.json"
    path.write_text(json.dumps(tiny_session_dict(data={"csv": csv_name, "targets": ["label"]})))
    return path


def test_a_small_session_of_a_large_csv_opens_on_a_worker(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialogs: list[str]
) -> None:
    """The session file is small, its CSV is not: 200,000 rows took 1.4 s to read on the GUI
    thread. So is a walkthrough's; a small CSV, a missing one or an unreadable file open at once."""
    path = _csv_session(tmp_path, 20_000)
    assert path.stat().st_size < session_jobs.OPEN_BACKGROUND_BYTES
    assert (tmp_path / "data.csv").stat().st_size > session_jobs.OPEN_BACKGROUND_BYTES
    gate = Gate()
    monkeypatch.setattr(session_jobs, "resolve_any", gate.wrap(session_jobs.resolve_any))
    assert window.open_spec(str(path))
    assert window.controller.busy
    gate.timer.start()
    _wait(qtbot, window)
    assert gate.worker_calls == [(str(path),)]
    assert not gate.gui_calls
    assert not dialogs
    assert window.controller.config.x.shape == (20_000, 2)

    walkthrough = tmp_path / "tour.json"
    doc = {
        "format": "gradstep-walkthrough",
        "version": 1,
        "session": json.loads(path.read_text()),
        "steps": [],
    }
    walkthrough.write_text(json.dumps(doc))
    assert session_jobs.opens_slowly(str(walkthrough))
    (tmp_path / "small").mkdir()
    small = _csv_session(tmp_path / "small", 50)
    assert not session_jobs.opens_slowly(str(small))
    (tmp_path / "small" / "data.csv").unlink()
    assert not session_jobs.opens_slowly(str(small))  # missing: opening says so at once
    os.mkfifo(tmp_path / "small" / "data.csv")  # a pipe: reading it could block for good
    assert session_jobs.opens_slowly(str(small))
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": ')
    assert not session_jobs.opens_slowly(str(broken))
    nul = tmp_path / "nul.json"  # a name no file can have: opening says so in a dialog
    nul.write_text(json.dumps(tiny_session_dict(data={"csv": "a\u0000b.csv", "targets": ["label"]})))
    assert not session_jobs.opens_slowly(str(nul))
    assert not session_jobs.opens_slowly("a\x00b.json")


def test_a_malformed_large_file_is_a_dialog_and_keeps_the_session(
    qtbot, window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    path = _large_session(tmp_path, loss="no_such_loss")
    old, title = window.controller.session, window.windowTitle()
    assert window.open_spec(str(path))
    _wait(qtbot, window)
    assert len(dialogs) == 1
    assert dialogs[0].startswith("Cannot open the file")
    assert "no_such_loss" in dialogs[0]
    assert window.controller.session is old
    assert window.windowTitle() == title
    window.run_controls.step_action.trigger()  # still usable
    assert window.controller.session.position == 1


# ---- export ----


def test_a_cancelled_trace_export_writes_nothing(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialogs: list[str]
) -> None:
    c = window.controller
    for _ in range(3):
        c.finish_iteration()
    target = tmp_path / "trace.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    cancelled = threading.Event()
    real = session_jobs.summary

    def after_cancel(record: Any) -> Any:
        cancelled.wait(60)  # the first record is held until Cancel was pressed
        return real(record)

    monkeypatch.setattr(session_jobs, "summary", after_cancel)
    window.exports.export_trace_action.trigger()
    assert c.busy
    c.cancel_job()
    cancelled.set()
    _wait(qtbot, window)
    assert not target.exists()
    assert not dialogs
    window.exports.export_trace_action.trigger()
    _wait(qtbot, window)
    assert [item["iteration"] for item in json.loads(target.read_text())["iterations"]] == [0, 1, 2]
