"""The main window driven through its actions and the mouse, as a user would."""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLabel, QLineEdit, QMessageBox

from engine import ParameterRef, parse_session
from engine.files.examples import example_names, walkthrough_names
from engine.history.snapshot import name_position
from gui.main_window import MainWindow
from tests.helpers import tiny_session_dict

WEIGHT = ParameterRef(0, 1, 0)  # 2-3-1 network: input 0 into hidden unit 1
REAL_INPUT_DIALOGS = {name: getattr(QInputDialog, name) for name in ("getText", "getDouble")}


def test_stepping_an_iteration_updates_strip_view_and_chain_panel(window: MainWindow) -> None:
    c = window.controller
    session = c.session
    c.select(WEIGHT)
    c.set_color_by("gradient")
    stages = len(session.stages)
    for s in range(stages):
        assert window.stage_strip.done == s
        assert window.stage_strip.iteration == 0
        window.run_controls.step_action.trigger()
        record = session.record() if s + 1 < stages else session.iteration_record(0)
        snap = c.snapshot()
        assert window.stage_strip.done == s + 1
        # the nodes of every layer whose forward stage ran are filled with its activations, of
        # the window's sample (the chain panel's first contributing one: XOR's third)
        assert c.sample == 2
        for layer, fwd in enumerate(snap.record.forward):
            np.testing.assert_array_equal(window.network_view.node_values(layer + 1), fwd.a[c.sample])
        # the edges show dW once the backward pass has reached their layer, and are pending before
        for layer in range(2):
            back = record.backward_of(layer)
            shown = window.network_view.edge_values(layer)
            if back is None:
                assert shown is None
            else:
                np.testing.assert_array_equal(shown, back.dW)
        # the chain panel shows the engine's own numbers
        expected = c.explain(WEIGHT)
        panel = window.chain_panel.explanation
        assert panel is not None
        assert expected is not None
        assert panel.gradient == expected.gradient
        assert panel.finite_difference == expected.finite_difference
    assert window.stage_strip.done == stages  # the Update shows as done
    assert window.stage_strip.iteration == 0
    assert c.snapshot().iteration == 1
    assert window.history.slider.maximum() >= 1


def test_step_back_restores_the_previous_stage(window: MainWindow) -> None:
    c = window.controller
    c.select(WEIGHT)
    for _ in range(4):  # forward 0, forward 1, loss, backward 1
        window.run_controls.step_action.trigger()
    view = window.network_view
    before_nodes = view.node_values(2).copy()
    before_gradient = window.chain_panel.explanation.samples[0].factors[0].value
    window.run_controls.step_action.trigger()
    assert window.stage_strip.done == 5
    window.run_controls.back_action.trigger()
    assert window.stage_strip.done == 4
    np.testing.assert_array_equal(view.node_values(2), before_nodes)
    assert window.chain_panel.explanation.samples[0].factors[0].value == before_gradient
    for _ in range(3):
        window.run_controls.back_action.trigger()
    assert window.stage_strip.done == 1
    assert view.node_values(2) is None  # the output layer's forward stage is undone


def test_clicking_an_edge_selects_that_weight(qtbot, window: MainWindow) -> None:
    view = window.network_view
    view.fit()
    qtbot.wait(10)
    for ref in (WEIGHT, ParameterRef(1, 0, 2), ParameterRef(0, 2, 1)):
        point = view.viewport_point(ref)
        qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert window.controller.selection == ref
    bias = ParameterRef(1, 0, None)
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=view.viewport_point(bias))
    assert window.controller.selection == bias


def test_double_click_edits_the_weight_in_the_engine(qtbot, window: MainWindow, monkeypatch) -> None:
    asked = []

    def fake_get_text(parent, title, label, echo, text):
        asked.append((title, text))
        return "0.75", True

    monkeypatch.setattr(QInputDialog, "getText", fake_get_text)
    c = window.controller
    for _ in range(3):
        window.run_controls.step_action.trigger()
    old = float(c.session.params[0].weights[1, 0])
    view = window.network_view
    # a real double click: press, release, double-click, release (QTest sends only the last two)
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=view.viewport_point(WEIGHT))
    point = view.viewport_point(WEIGHT)  # the chain panel filled in: the docks may have moved
    qtbot.mouseDClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseRelease(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert asked == [("Edit W[0][1,0]", repr(old))]
    assert c.session.params[0].weights[1, 0] == 0.75
    assert c.snapshot().stage == 0  # every stage depended on it: the engine invalidated them
    assert c.modified
    assert window.isWindowModified()
    np.testing.assert_array_equal(view.edge_values(0), c.session.params[0].weights)
    assert view.edge_values(0)[1, 0] == 0.75


def test_run_and_pause_on_the_worker(qtbot, window: MainWindow) -> None:
    c = window.controller
    window.run_controls.run_count.setValue(10_000_000)
    with qtbot.waitSignal(c.running_changed, timeout=10_000) as started:
        window.run_controls.run_action.trigger()
    assert started.args == [True]
    assert window.run_controls.run_action.text() == "&Pause"
    assert not window.run_controls.step_action.isEnabled()
    qtbot.waitUntil(lambda: c.snapshot().iteration > 0, timeout=10_000)
    with qtbot.waitSignal(c.run_finished, timeout=10_000) as finished:
        window.run_controls.run_action.trigger()  # F5 again pauses
    assert finished.args[0].reason == "stopped"
    assert not c.running
    assert window.run_controls.step_action.isEnabled()
    assert window.stage_strip.iteration == name_position(c.snapshot()).iteration > 0


def test_breakpoint_pauses_the_run_and_marks_the_place(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *args: (10.0, True))
    window.breakpoints.bp_loss.trigger()  # checks it and asks the threshold
    assert window.controller.breakpoints.loss_below == 10.0
    assert window.breakpoints.button.text() == "Breakpoints (2)"
    with qtbot.waitSignal(window.controller.run_finished, timeout=5000) as finished:
        window.run_controls.run_action.trigger()
    result = finished.args[0]
    assert result.reason == "loss_below"
    assert "loss" in window.statusBar().currentMessage()
    assert result.message in window.position.breakpoint.text()
    assert window.stage_strip.current == result.stage
    assert window.network_view.shading.hit_band.isVisible()
    window.run_controls.step_action.trigger()  # moving on clears the mark
    assert not window.network_view.shading.hit_band.isVisible()
    window.breakpoints.bp_dead.trigger()
    assert window.controller.breakpoints.dead_relu


def test_history_slider_goes_back_to_an_earlier_iteration(window: MainWindow) -> None:
    for _ in range(3):
        window.run_controls.finish_action.trigger()
    assert window.history.slider.maximum() == 3
    window.history.slider.setValue(1)
    assert window.controller.snapshot().iteration == 1
    assert window.stage_strip.iteration == 0  # iteration 0 complete: one update done
    assert window.history.label.text() == "1 of 3 updates"


def test_opening_a_bad_file_shows_the_engine_message(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "bad.json"
    data = tiny_session_dict()
    data["optimizer"] = {"name": "sgd", "learning_rate": "fast"}
    bad.write_text(json.dumps(data))
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(bad), ""))
    sizes = window.controller.config.sizes
    window.files.open_action.trigger()
    assert len(shown) == 1
    assert "learning_rate" in shown[0]
    assert window.controller.config.sizes == sizes
    window.run_controls.step_action.trigger()  # still usable
    assert window.stage_strip.done == 1
    assert window.open_spec(str(tmp_path / "missing.json")) is False
    assert len(shown) == 2


def test_every_example_opens(window: MainWindow) -> None:
    actions = [a for a in window.files.examples_menu.actions() if a.data()]  # sections carry no data
    names = {str(a.data()).removeprefix("example:") for a in actions}
    assert set(example_names()) | set(walkthrough_names()) == names
    for action in actions:
        action.trigger()
        assert window.controller.path is None
        name = str(action.data()).removeprefix("example:")
        if name in walkthrough_names():  # a walkthrough opens in tutorial mode, titled by its title
            assert window.controller.mode == "tutorial"
            title = window.controller.tutorial.walkthrough.title
            assert window.windowTitle() == f"{title}[*] — Gradstep"
        else:
            assert window.controller.mode != "tutorial"
            assert window.windowTitle() == f"{name}[*] — Gradstep"
        assert window.network_view.sizes == window.controller.config.sizes


def test_save_clears_the_modified_mark_and_remembers_the_file(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    window.controller.set_parameter(WEIGHT, 0.5)
    assert window.isWindowModified()
    target = tmp_path / "mine"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    window.files.save_action.trigger()
    saved = tmp_path / "mine.gradstep.json"  # the suffix the desktop knows Gradstep sessions by
    assert saved.exists()
    assert not window.isWindowModified()
    assert window.windowTitle() == "mine[*] — Gradstep"
    assert window.files.recent_files()[0] == str(saved.resolve())
    window.run_controls.finish_action.trigger()
    window.open_spec(str(saved))
    assert window.controller.session.params[0].weights[1, 0] == 0.5


def test_exports_png_svg_and_trace(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    for _ in range(2):
        window.run_controls.finish_action.trigger()
    window.run_controls.step_action.trigger()
    targets = iter([tmp_path / "net.png", tmp_path / "net.svg", tmp_path / "trace.json"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(next(targets)), ""))
    window.exports.export_png_action.trigger()
    window.exports.export_svg_action.trigger()
    window.exports.export_trace_action.trigger()
    qtbot.waitUntil(lambda: not window.controller.busy)  # the trace is written on a worker thread
    assert (tmp_path / "net.png").stat().st_size > 1000
    assert b"<svg" in (tmp_path / "net.svg").read_bytes()
    trace = json.loads((tmp_path / "trace.json").read_text())
    assert [item["iteration"] for item in trace["iterations"]] == [0, 1]
    record = window.controller.session.iteration_record(1)
    assert trace["iterations"][1]["loss"] == record.loss.loss
    assert window.controller.snapshot().stage == 1  # exporting did not move the cursor


def test_closing_with_unsaved_changes_prompts(qtbot, window: MainWindow, monkeypatch) -> None:
    window.controller.set_parameter(WEIGHT, 0.25)
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked = []

    def fake_question(*args):
        asked.append(args[1])
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", fake_question)
    assert window.close() is False
    assert window.isVisible()
    assert window.close() is True
    assert asked == ["Unsaved changes", "Unsaved changes"]
    assert not window.settings.value("window_state").isEmpty()


def test_shortcuts_are_the_debugger_ones(window: MainWindow) -> None:
    def keys(action):
        return [k.toString() for k in action.shortcuts()]

    assert keys(window.run_controls.step_action) == ["F10"]
    assert keys(window.run_controls.back_action) == ["Shift+F10"]
    assert keys(window.run_controls.finish_action) == ["F11"]
    assert keys(window.run_controls.run_action) == ["F5"]
    assert keys(window.run_controls.reset_action) == ["Shift+F5", "Ctrl+R"]
    assert keys(window.files.save_as_action) == ["Ctrl+Shift+S"]
    window.run_controls.finish_action.trigger()
    window.run_controls.reset_action.trigger()
    assert window.controller.snapshot().iteration == 0


def test_number_format_is_remembered(qtbot, window: MainWindow, settings: QSettings) -> None:
    window.view_actions.digits_actions[10].trigger()
    assert window.network_view.digits == 10
    other = MainWindow(parse_session(tiny_session_dict()), None, settings)
    assert other.network_view.digits == 10
    other.deleteLater()


def test_repaint_loop_keeps_none_referenced(qtbot, window: MainWindow) -> None:
    """Guard for PySide6 6.12's none_dealloc fault: void calls dropped a reference to None."""
    view = window.network_view
    window.controller.select(WEIGHT)
    # Earlier tests' widgets and cycles freed mid-loop would release their own references to
    # None: collect them first and keep the collector out of the loop, so only the loop counts.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        for frame in range(2000):
            if frame % 50 == 0:
                window.run_controls.step_action.trigger()
            view.plot.viewport().repaint()
        after = sys.getrefcount(None)
    finally:
        gc.enable()
    assert after >= before - 100


def test_a_paced_run_shows_each_iteration(qtbot, window: MainWindow) -> None:
    c = window.controller
    window.run_controls.speed_box.setCurrentIndex(window.run_controls.speed_box.findText("100 it/s"))
    assert c.speed == 100.0
    window.run_controls.run_count.setValue(1000)
    seen = []
    c.stage_changed.connect(lambda: seen.append(c.snapshot().iteration))
    window.run_controls.run_action.trigger()
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=10_000)
    with qtbot.waitSignal(c.run_finished, timeout=10_000) as finished:
        window.run_controls.run_action.trigger()
    assert finished.args[0].reason == "stopped"
    assert 0 < c.session.iteration < 1000  # paced: far from done when paused
    assert seen == sorted(seen)


def test_about_names_the_version(window: MainWindow, monkeypatch) -> None:
    from engine import __version__

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(text))
    window.help.about_action.trigger()
    window.help.help_action.trigger()
    assert __version__ in shown[0]
    assert "F10" in shown[1]


def test_step_back_is_disabled_at_the_sessions_start(window: MainWindow) -> None:
    back = window.run_controls.back_action
    assert not back.isEnabled()  # iteration 0, stage 0: nothing to go back to
    window.run_controls.step_action.trigger()
    assert back.isEnabled()
    back.trigger()
    assert not back.isEnabled()
    window.run_controls.finish_action.trigger()
    window.controller.reset()
    assert not back.isEnabled()


def answer_dialogs(qtbot, monkeypatch, answers: list[str | None], prompts: list[str]) -> None:
    """Let the real input dialogs open, and type each answer into the next one's text field and
    press OK (None: Cancel), as a user would."""
    for name, real in REAL_INPUT_DIALOGS.items():
        monkeypatch.setattr(QInputDialog, name, real)

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, answer)
            return
        prompts.append(" ".join(label.text() for label in dialog.findChildren(QLabel)))
        text = answers.pop(0)
        if text is None:
            dialog.reject()
        else:
            edit = dialog.findChild(QLineEdit)
            edit.selectAll()
            qtbot.keyClicks(edit, text)
            qtbot.keyClick(edit, Qt.Key.Key_Return)
        if answers:
            QTimer.singleShot(10, answer)

    QTimer.singleShot(10, answer)


@pytest.mark.qt_log_ignore("propagateSizeHints")  # a real dialog, shown offscreen
@pytest.mark.parametrize("text", ["1e-3", "1e308", "-2.5E+2", "7"])
def test_the_weight_dialog_takes_every_float_the_configuration_panel_takes(
    qtbot, monkeypatch, window: MainWindow, text: str
) -> None:
    answer_dialogs(qtbot, monkeypatch, [text], [])
    window.network_view.edit_parameter(WEIGHT)
    assert window.controller.session.params[0].weights[1, 0] == float(text)


@pytest.mark.qt_log_ignore("propagateSizeHints")  # a real dialog, shown offscreen
def test_the_weight_dialog_refuses_the_rest_with_a_message(qtbot, monkeypatch, window: MainWindow) -> None:
    prompts: list[str] = []
    answer_dialogs(qtbot, monkeypatch, ["1e-3x", "inf", "nan", None], prompts)
    old = float(window.controller.session.params[0].weights[1, 0])
    window.network_view.edit_parameter(WEIGHT)
    assert window.controller.session.params[0].weights[1, 0] == old
    assert "'1e-3x' is not a number" in prompts[1]  # asked again, saying why
    assert "finite" in prompts[2]
    assert "finite" in prompts[3]
    assert not window.controller.modified


def test_every_view_names_the_position_after_a_run_alike(qtbot, window: MainWindow) -> None:
    c = window.controller
    c.select(WEIGHT)
    window.run_controls.run_count.setValue(500)
    with qtbot.waitSignal(c.run_finished, timeout=20_000):
        window.run_controls.run_action.trigger()
    snap = c.snapshot()
    assert (snap.iteration, snap.stage) == (500, 0)
    name = "iteration 499 · after Update · 500 updates done"  # 0-based: the 500th is 499
    assert window.stage_strip.iteration == 499
    assert window.stage_strip.current.label == "Update"
    assert window.history.label.text() == "500 of 500 updates"
    assert window.position.position.text() == name
    assert name in window.chain_panel.title.text()
    assert window.chain_panel.explanation.iteration == 499


def test_a_config_error_leaves_the_status_bar_once_its_field_is_fixed(window: MainWindow) -> None:
    panel = window.config_panel
    panel.training_editor.lr_edit.setText("0")
    assert not panel.apply()
    assert window.statusBar().currentMessage() == (
        "configuration not applied: Learning rate: must be positive, got 0.0"
    )
    panel.training_editor.lr_edit.setText("0.3")
    assert panel.check_fields()
    assert window.statusBar().currentMessage() == ""


def test_apply_names_the_window_after_the_rebuilt_session(window: MainWindow) -> None:
    window.open_spec("example:xor")
    assert window.windowTitle() == "xor[*] — Gradstep"
    data = window.config_panel.data_editor
    data.preset_box.setCurrentIndex(data.preset_box.findData("moons"))
    assert window.config_panel.apply()
    assert window.windowTitle() == "moons, 2-3-1 sigmoid[*] — Gradstep"
    assert window.controller.config.title == "moons, 2-3-1 sigmoid"
