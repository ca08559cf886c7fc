"""Walkthroughs in the window: record, save, replay in tutorial mode, and export frames."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from engine import ParameterRef, parse_session
from engine.files.examples import resolve_walkthrough_path
from engine.files.walkthrough import Player, load_walkthrough, parse_walkthrough
from gui.export import export_walkthrough, frame_seconds, gif_milliseconds
from gui.main import main as gradstep_main
from gui.main_window import MainWindow
from tests.helpers import tiny_session_dict

WEIGHT = ParameterRef(0, 1, 0)
BIAS = ParameterRef(1, 0, None)


def state(session: Any, selection: ParameterRef | None, color_by: str) -> dict[str, Any]:
    """What must be identical between the recording and its replay."""
    snap = session.snapshot()
    record = snap.record
    return {
        "position": (snap.iteration, snap.stage),
        "params": [(p.weights.copy(), p.bias.copy()) for p in snap.params],
        "forward": [f.a.copy() for f in record.forward],
        "backward": [(b.dW.copy(), b.db.copy()) for b in record.backward],
        "loss": None if record.loss is None else record.loss.loss,
        "selection": selection,
        "color_by": color_by,
    }


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["position"] == b["position"]
    assert a["loss"] == b["loss"]  # bit for bit: replay reruns the same float64 operations
    assert a["selection"] == b["selection"]
    assert a["color_by"] == b["color_by"]
    for (wa, ba), (wb, bb) in zip(a["params"], b["params"], strict=True):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ba, bb)
    assert len(a["forward"]) == len(b["forward"])
    for x, y in zip(a["forward"], b["forward"], strict=True):
        np.testing.assert_array_equal(x, y)
    assert len(a["backward"]) == len(b["backward"])
    for (x1, y1), (x2, y2) in zip(a["backward"], b["backward"], strict=True):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)


def window_state(window: MainWindow) -> dict[str, Any]:
    c = window.controller
    return state(c.session, c.selection, c.color_by)


def _record_a_session(window: MainWindow, qtbot) -> list[dict[str, Any]]:
    """Record steps, a selection, an edit, a colour change, a run and a note from mid-iteration;
    returns the window's state after each recorded step."""
    c = window.controller
    window.run_controls.step_action.trigger()  # recording starts mid-iteration: the walkthrough catches up
    window.tutorial_actions.record_action.trigger()
    assert window.controller.mode == "recording"
    assert window.caption_banner.isVisible()
    assert len(window.controller.recorded) == 1  # the stage done before recording started
    seen = [window_state(window)]  # the state after each recorded step

    def act(action: Any) -> None:
        before = len(window.controller.recorded)
        action()
        assert len(window.controller.recorded) == before + 1
        seen.append(window_state(window))

    act(window.run_controls.step_action.trigger)
    act(lambda: c.select(WEIGHT))
    act(window.run_controls.finish_action.trigger)
    act(window.view_actions.color_actions["gradient"].trigger)
    act(lambda: c.back(3))
    act(lambda: c.set_parameter(WEIGHT, 0.25))
    act(lambda: c.goto_stage(len(c.session.stages) - 1))
    act(lambda: c.select(BIAS))

    def run_three() -> None:
        with qtbot.waitSignal(c.run_finished, timeout=10000):
            c.run(3)

    act(run_three)
    act(lambda: window.controller.add_note("That is all."))
    act(lambda: c.select(None))
    act(window.run_controls.back_action.trigger)
    return seen


def test_record_save_load_and_replay_give_identical_states(
    window: MainWindow, qtbot, tmp_path: Path, monkeypatch, settings: QSettings
) -> None:
    seen = _record_a_session(window, qtbot)

    steps = window.controller.recorded
    assert [s.action for s in steps] == [
        "step",  # the first stage, done before recording started
        "step",
        "select",
        "step",
        "view",
        "back",
        "set",
        "step",
        "select",
        "iterations",
        "note",
        "select",  # nothing: the selection cleared
        "back",
    ]
    assert steps[11].parameter is None
    assert steps[9].count == 3
    assert all("iteration" in s.expect and "stage" in s.expect for s in steps)
    assert steps[2].expect["value"] == seen[2]["params"][0][0][1, 0]  # the selected weight's value
    assert steps[6].expect["value"] == 0.25  # after the edit

    # the caption box edits the selected step
    window.walkthrough_panel.steps.setCurrentRow(1)
    window.walkthrough_panel.caption_edit.setPlainText("**Forward**: layer 0 runs.")
    assert window.controller.recorded[1].caption == "**Forward**: layer 0 runs."

    target = tmp_path / "recorded.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.files.save_walkthrough_action.isEnabled()
    window.files.save_walkthrough_action.trigger()
    walkthrough = load_walkthrough(target)
    assert [s.to_json() for s in walkthrough.steps] == [s.to_json() for s in window.controller.recorded]

    # replayed headlessly, every recorded state comes back bit for bit and every expect is met
    player = Player(walkthrough)
    for index in range(len(walkthrough.steps)):
        results = player.goto(index)
        assert results, index
        assert all(r.met for r in results), (index, results)
        assert_same(state(player.session, player.view.selection, player.view.color_by), seen[index])

    # and in a second window in tutorial mode, forwards, backwards and by jumping
    second = MainWindow(parse_session(tiny_session_dict()), None, settings)
    try:
        assert second.open_spec(str(target))
        assert second.controller.mode == "tutorial"
        for index in range(len(walkthrough.steps)):
            second.controller.next_step()
            assert second.controller.tutorial.index == index
            assert_same(window_state(second), seen[index])
        for index in (7, 2, 10, 0, 5):
            second.controller.goto_step(index)
            assert_same(window_state(second), seen[index])
            assert not second.controller.tutorial.mismatched
    finally:
        second.controller.mark_unmodified()
        second.close()
        second.deleteLater()


def test_keys_move_through_a_built_in_walkthrough_and_leaving_keeps_the_session(
    window: MainWindow, qtbot
) -> None:
    assert window.open_spec("example:tour-every-number")
    c = window.controller
    assert c.mode == "tutorial"
    replay = c.tutorial
    assert replay is not None
    walkthrough = replay.walkthrough
    assert c.tutorial.index == -1
    assert window.caption_banner.counter.text() == "Introduction"
    player = Player(walkthrough)
    window.network_view.setFocus()
    for key, expected in ((Qt.Key.Key_Right, 0), (Qt.Key.Key_Space, 1), (Qt.Key.Key_Right, 2)):
        qtbot.keyClick(window, key)
        assert c.tutorial.index == expected
        player.goto(expected)
        assert_same(window_state(window), state(player.session, player.view.selection, player.view.color_by))
    caption = walkthrough.steps[2].caption
    assert caption
    assert window.caption_banner.caption.text() == caption
    assert window.caption_banner.counter.text() == f"Step 3 of {len(walkthrough.steps)}"
    assert "matches the recording" in window.caption_banner.status.text()
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert c.tutorial.index == 1
    # the step list jumps
    last = len(walkthrough.steps) - 1
    item = window.walkthrough_panel.steps.item(last)
    window.walkthrough_panel.steps.itemClicked.emit(item)
    qtbot.waitUntil(lambda: not c.busy)  # a step of many iterations replays on a worker thread
    with qtbot.waitActive(window):  # the event loop ran: offscreen, the window lost its activation
        window.activateWindow()
    window.network_view.setFocus()
    assert c.tutorial.index == last
    assert (
        not window.tutorial_actions.next_step_action.isEnabled()
        or not window.caption_banner.next_button.isEnabled()
    )
    # leaving keeps the state and the session stays live
    position = window.controller.session.position
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert c.mode == "explore"
    assert not window.caption_banner.isVisible()
    assert window.controller.session.position == position
    window.run_controls.step_action.trigger()
    assert window.controller.session.position == position + 1
    qtbot.keyClick(window, Qt.Key.Key_Right)  # no tutorial: the key does nothing to the session
    assert window.controller.session.position == position + 1


def test_hand_steps_and_edits_leave_the_path_and_next_returns_to_it(window: MainWindow) -> None:
    assert window.open_spec("example:tour-every-number")
    c = window.controller
    replay = c.tutorial
    assert replay is not None
    walkthrough = replay.walkthrough
    c.goto_step(3)
    window.run_controls.step_action.trigger()
    window.run_controls.step_action.trigger()
    assert c.tutorial.diverged
    assert "left the walkthrough" in window.caption_banner.status.text()
    c.next_step()
    player = Player(walkthrough)
    player.goto(4)
    assert_same(window_state(window), state(player.session, player.view.selection, player.view.color_by))
    # an edit by hand starts another branch: Previous replays the recorded one
    window.controller.set_parameter(ParameterRef(0, 0, 0), 9.0)
    assert c.tutorial.diverged
    c.previous_step()
    player.goto(3)
    assert_same(window_state(window), state(player.session, player.view.selection, player.view.color_by))
    assert not c.tutorial.mismatched


def test_a_changed_result_is_flagged_on_the_banner_and_in_the_step_list(
    window: MainWindow, tmp_path: Path
) -> None:
    raw = json.loads(resolve_walkthrough_path("tour-every-number").read_text())
    raw["steps"][3].setdefault("expect", {})["loss"] = 0.5  # as if an older version computed 0.5
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(raw))
    assert window.open_spec(str(path))
    window.controller.goto_step(3)
    assert 3 in window.controller.tutorial.mismatched
    status = window.caption_banner.status.text()
    assert "differs from the recording" in status
    assert "loss: recorded 0.5" in status
    assert window.walkthrough_panel.steps.item(3).text().startswith("⚠")
    window.controller.goto_step(2)
    assert "differs" not in window.caption_banner.status.text()


def test_a_bad_walkthrough_file_is_a_dialog_naming_the_step(window: MainWindow, tmp_path: Path, monkeypatch):
    raw = json.loads(resolve_walkthrough_path("tour-every-number").read_text())
    raw["steps"][2] = {"action": "select", "weight": "5:0:0"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))
    shown: list[str] = []
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    assert window.open_spec(str(path)) is False
    assert len(shown) == 1
    assert "steps[2].weight" in shown[0]
    assert window.controller.mode != "tutorial"


def _images(folder: Path) -> list[QImage]:
    return [QImage(str(p)) for p in sorted(folder.glob("step-*.png"))]


def test_export_to_a_folder_writes_one_frame_per_step_of_the_requested_size(qtbot, tmp_path: Path) -> None:
    walkthrough = load_walkthrough(resolve_walkthrough_path("tour-every-number"))
    out = tmp_path / "frames"
    out.mkdir()
    (out / "step-099.png").write_bytes(b"stale frame of an earlier, longer export")
    (out / "notes.txt").write_text("mine")
    assert export_walkthrough(walkthrough, out, (640, 400)) == 0
    images = _images(out)
    assert len(images) == len(walkthrough.steps)
    assert (out / "notes.txt").read_text() == "mine"  # nothing of the user's is touched
    arrays = []
    for image in images:
        assert (image.width(), image.height()) == (640, 400)
        rgb = image.convertToFormat(QImage.Format.Format_RGB888)
        raw = np.frombuffer(bytes(rgb.constBits()), np.uint8).reshape(400, rgb.bytesPerLine())[:, : 640 * 3]
        assert raw.std() > 20  # not blank: text, network and colours
        arrays.append(raw)
    for index, step in enumerate(walkthrough.steps[1:], start=1):
        if step.action in ("step", "back", "iterations", "set", "select", "view"):
            assert not np.array_equal(arrays[index], arrays[index - 1]), index


def test_export_gif_and_the_command_line(qtbot, tmp_path: Path, capsys) -> None:
    from PIL import Image

    out = tmp_path / "tour.gif"
    assert gradstep_main(["export", "example:tour-tutorial-003", "--out", str(out), "--size", "480x320"]) == 0
    walkthrough = load_walkthrough(resolve_walkthrough_path("tour-tutorial-003"))
    with Image.open(out) as gif:
        assert gif.size == (480, 320)
        assert gif.n_frames == len(walkthrough.steps)
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
    assert durations == [gif_milliseconds(frame_seconds(s.caption)) for s in walkthrough.steps]
    assert f"wrote {len(walkthrough.steps)} steps" in capsys.readouterr().out
    assert gradstep_main(["export", "example:tour-tutorial-003", "--out", str(tmp_path / "x.avi")]) == 2
    assert "expected a folder, .gif, .mp4 or .md" in capsys.readouterr().err
    missing = tmp_path / "no-such-folder" / "tour.gif"
    assert gradstep_main(["export", "example:tour-tutorial-003", "--out", str(missing)]) == 2
    assert "no-such-folder does not exist" in capsys.readouterr().err
    assert not missing.parent.exists()


def test_mp4_without_the_video_extra_says_what_to_install(tmp_path: Path, monkeypatch, capsys) -> None:
    import builtins

    real_import = builtins.__import__

    def no_ffmpeg(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("imageio"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ffmpeg)
    out = tmp_path / "tour.mp4"
    code = gradstep_main(["export", "example:tour-tutorial-003", "--out", str(out)])
    assert code == 2
    assert "pip install 'gradstep[video]'" in capsys.readouterr().err
    assert not out.exists()


def test_mp4_export(qtbot, tmp_path: Path) -> None:
    # CI installs the video extra (the README's test command), so this runs there
    missing = "MP4 export needs the video extra: pip install -e '.[test,video]'"
    imageio = pytest.importorskip("imageio.v2", reason=missing)
    pytest.importorskip("imageio_ffmpeg", reason=missing)
    walkthrough = load_walkthrough(resolve_walkthrough_path("tour-tutorial-003"))
    out = tmp_path / "tour.mp4"
    assert export_walkthrough(walkthrough, out, (481, 321)) == 0
    reader = imageio.get_reader(str(out))
    try:
        first = reader.get_data(0)
        assert first.shape == (320, 480, 3)  # H.264 wants even sizes
        frames = reader.count_frames()
    finally:
        reader.close()
    expected = sum(max(1, round(frame_seconds(s.caption) * 4)) for s in walkthrough.steps)
    assert frames == expected


def test_a_walkthrough_without_steps_is_refused(tmp_path: Path) -> None:
    raw = json.loads(resolve_walkthrough_path("tour-tutorial-003").read_text())
    raw["steps"] = []
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(raw))
    parse_walkthrough(raw)  # a valid file ...
    assert gradstep_main(["export", str(path), "--out", str(tmp_path / "frames")]) == 2  # ... with no frames


def test_unsaved_recorded_steps_are_offered_for_saving(window: MainWindow, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton) -> Any:
        def question(_parent: Any, _title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
            asked.append(text)
            return button

        return question

    window.tutorial_actions.record_action.trigger()
    assert window.files.maybe_save_recording()  # nothing recorded yet: nothing to ask
    assert not asked
    window.run_controls.step_action.trigger()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert not window.open_spec("example:moons")  # cancelled: the recording and session stay
    assert window.controller.mode == "recording"
    assert asked == ["Save the 1 recorded steps as a walkthrough?"]
    window.tutorial_actions.record_action.trigger()  # stopping asks too; cancelling keeps recording
    assert window.controller.mode == "recording"
    assert window.tutorial_actions.record_action.isChecked()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Discard))
    window.tutorial_actions.record_action.trigger()
    assert window.controller.mode != "recording"
    assert not window.tutorial_actions.record_action.isChecked()


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # floating offscreen
def test_reset_layout_docks_the_walkthrough_panel_again(window: MainWindow) -> None:
    assert window.open_spec("example:tour-tutorial-001")
    window.walkthrough_dock.setFloating(True)
    window.reset_layout()
    assert not window.walkthrough_dock.isFloating()
    assert window.walkthrough_dock in window.tabifiedDockWidgets(window.chain_dock)
    assert window.walkthrough_dock.toggleViewAction().isChecked()  # still shown, as a tab
    window.controller.leave_tutorial()
    window.reset_layout()
    assert not window.walkthrough_dock.toggleViewAction().isChecked()  # nothing to show: hidden


def test_a_recording_started_later_replays_from_where_it_began(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    doc = tiny_session_dict(optimizer={"name": "adam", "learning_rate": 0.05}, batch_size=3)
    assert window.controller.apply_config(parse_session(doc)) is None
    window.controller.mark_unmodified()
    for _ in range(3):
        window.run_controls.finish_action.trigger()
    window.run_controls.step_action.trigger()
    window.tutorial_actions.record_action.trigger()
    seen = [window_state(window)]
    for action in (
        window.run_controls.step_action,
        window.run_controls.finish_action,
        window.run_controls.step_action,
    ):
        action.trigger()
        seen.append(window_state(window))
    target = tmp_path / "later.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.files.save_walkthrough_action.trigger()
    walkthrough = load_walkthrough(target)
    assert walkthrough.session.state is not None
    assert walkthrough.session.state.iteration == 3  # with Adam's moments and the batch order
    player = Player(walkthrough)
    for index in range(len(walkthrough.steps)):
        results = player.goto(index)
        assert all(r.met for r in results), (index, results)
        assert_same(state(player.session, player.view.selection, player.view.color_by), seen[index])


def test_replacing_the_session_stops_recording_but_keeps_the_steps(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    window.tutorial_actions.record_action.trigger()
    window.run_controls.step_action.trigger()
    window.controller.select(WEIGHT)
    # another session replaces the recorded one without asking (File › New asks first: see
    # test_recording_new_session.py)
    window.controller.new_session(parse_session(tiny_session_dict()))
    assert window.controller.mode != "recording"
    assert len(window.controller.recorded) == 2
    assert "Save Walkthrough still keeps the 2 steps" in window.statusBar().currentMessage()
    assert window.files.save_walkthrough_action.isEnabled()
    target = tmp_path / "kept.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.files.save_walkthrough_action.trigger()
    kept = load_walkthrough(target)
    assert kept.session.sizes == (2, 3, 1)  # the recorded session, not the new one
    assert [s.action for s in kept.steps] == ["step", "select"]
    assert all(r.met for i in range(2) for r in Player(kept).goto(i))
    # a new recording asks about steps not saved yet; Discard forgets them
    window.tutorial_actions.record_action.trigger()
    window.run_controls.step_action.trigger()
    window.controller.apply_config(window.controller.config)  # the Configuration panel's Apply
    assert window.controller.mode != "recording"
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda _p, _t, text, *a: asked.append(text) or QMessageBox.StandardButton.Discard,
    )
    window.tutorial_actions.record_action.trigger()
    assert asked == ["Save the 1 recorded steps as a walkthrough?"]
    assert window.controller.mode == "recording"
    assert window.controller.recorded == ()
