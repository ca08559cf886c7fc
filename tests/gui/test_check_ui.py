"""File > Check my code and Debug > Teaching Mode, driven through the window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from engine import ParameterRef, Session, SessionConfig
from engine.core.compute import init_params
from engine.core.mistakes import MISTAKES
from engine.files.examples import resolve
from engine.files.walkthrough import Step, Walkthrough
from engine.learner.check import CheckReport
from gui.check.ui import CheckDialog, CheckUi
from gui.formatting import format_number
from gui.main_window import MainWindow
from tests.engine.process_helpers import stopped
from tests.gui.conftest import activate, open_window
from tests.learners import LEARNER_TEMPLATE, NAN_IN_W1
from tests.learners import learner_session as _session
from tests.learners import square_session as _square_session
from tests.learners import with_tail as _with_nan

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "resources" / "check" / "reference.py"


@pytest.fixture
def square_window(qtbot, settings: QSettings) -> Iterator[MainWindow]:
    """2-3-3 sigmoid under mse: the learner template's network, where every mistake applies."""
    yield from open_window(qtbot, _square_session(), settings)


@pytest.fixture
def tutorial_window(qtbot, settings: QSettings) -> Iterator[MainWindow]:
    yield from open_window(qtbot, resolve("example:tutorial-001"), settings)


def _learner(tmp_path: Path, mistake: str | None) -> Path:
    path = tmp_path / f"{mistake or 'correct'}.py"
    path.write_text(LEARNER_TEMPLATE.format(mistake=mistake), encoding="utf-8")
    return path


def _run(qtbot, window: MainWindow, code: Path, iterations: int = 3) -> CheckReport:
    ui: CheckUi = window.check_ui
    c = window.controller
    with qtbot.waitSignal(c.check_finished, timeout=60_000) as blocker:
        c.start_check(code, iterations, 30.0)
        assert c.checking
        assert ui.busy.isVisibleTo(window)  # the busy indicator while the subprocess runs
        window.run_controls.step_action.trigger()  # the window stays live during the check
    assert not c.checking
    assert not ui.busy.isVisibleTo(window)
    return blocker.args[0]


def _expected_marks(code: Path, config: SessionConfig) -> list[tuple[Any, Any]]:
    """Independently of the checker: which updated elements of the learner's first step differ from
    the engine's, by the checker's rule (relative 1e-7, absolute 1e-12)."""
    namespace: dict[str, Any] = {}
    exec(compile(code.read_text(), str(code), "exec"), namespace)  # noqa: S102 - our own template
    start = init_params(config)
    new_w, new_b = namespace["train_step"](
        [p.weights.copy() for p in start],
        [p.bias.copy() for p in start],
        config.x,
        config.y,
        config.optimizer.learning_rate,
    )
    record = Session(config).iteration_record(0)
    assert record.update is not None
    out = []
    for k, correct in enumerate(record.update.params_after):
        out.append(
            (
                ~np.isclose(new_w[k], correct.weights, rtol=1e-7, atol=1e-12),
                ~np.isclose(new_b[k], correct.bias, rtol=1e-7, atol=1e-12),
            )
        )
    return out


def _segment_refs(window: MainWindow) -> set[ParameterRef]:
    """The weights whose drawn edge carries a mark (a point of the edge lies on a marked segment)."""
    view = window.network_view
    segments = view.mark_segments()
    found = set()
    sizes = view.sizes
    for layer in range(len(sizes) - 1):
        for j in range(sizes[layer + 1]):
            for i in range(sizes[layer]):
                ref = ParameterRef(layer, j, i)
                p = view.parameter_point(ref)
                for x0, y0, x1, y1 in segments:
                    cross = (x1 - x0) * (p.y() - y0) - (y1 - y0) * (p.x() - x0)
                    inside = min(x0, x1) - 1e-9 <= p.x() <= max(x0, x1) + 1e-9
                    if abs(cross) < 1e-9 and inside:
                        found.add(ref)
    return found


def test_reference_code_agrees_and_marks_nothing(qtbot, tutorial_window: MainWindow) -> None:
    window = tutorial_window
    report = _run(qtbot, window, REFERENCE)
    assert report.agrees
    assert report.gradients is None
    assert window.network_view.marks is None
    assert window.network_view.mark_segments().shape == (0, 4)
    ui: CheckUi = window.check_ui
    assert ui.result_panel is not None
    assert ui.result_dock is not None
    assert ui.result_dock.isVisible()
    assert ui.result_panel.isVisible()
    assert "agrees with the correct computation for 3 iterations" in ui.result_panel.headline.text()
    shown = ui.result_panel.browser.toPlainText()
    assert "initial parameters" in shown
    assert report.to_text() in shown
    window.controller.select(ParameterRef(0, 0, 0))
    text = window.chain_panel.browser.toPlainText()
    assert "agrees with the correct computation for 3 iterations" in text


@pytest.mark.parametrize("mistake", ["updated_weights_backprop", "double_gradient", "bias_not_summed"])
def test_a_mistake_marks_exactly_the_elements_that_differ(
    qtbot, square_window: MainWindow, tmp_path: Path, mistake: str
) -> None:
    window = square_window
    config = window.controller.config
    code = _learner(tmp_path, mistake)
    report = _run(qtbot, window, code)
    assert not report.agrees
    g = report.gradients
    assert g is not None
    marks = window.network_view.marks
    assert marks is not None
    expected = _expected_marks(code, config)
    any_unmarked = False
    for k, (weights, bias) in enumerate(expected):
        np.testing.assert_array_equal(marks[k].weights, weights, err_msg=f"W[{k}]")
        np.testing.assert_array_equal(marks[k].bias, bias, err_msg=f"b[{k}]")
        any_unmarked |= not weights.all()
    if mistake == "updated_weights_backprop":
        assert any_unmarked  # the output layer is right: only the hidden layer is marked
    drawn = _segment_refs(window)
    wanted = {
        ParameterRef(k, int(j), int(i))
        for k, (weights, _) in enumerate(expected)
        for j, i in np.argwhere(weights)
    }
    assert drawn == wanted

    # the chain panel shows yours beside correct for the selected weight: the report's numbers
    panel = window.chain_panel
    biases = [ParameterRef(k, int(j)) for k, (_, bias) in enumerate(expected) for j in np.flatnonzero(bias)]
    ref = min(wanted, key=lambda r: (r.layer, r.unit, r.input)) if wanted else biases[0]
    window.controller.select(ref)
    values = panel.check_values()
    assert values is not None
    yours, correct, relative, differs = values
    where = (ref.unit,) if ref.is_bias else (ref.unit, ref.input)
    pick = "bias" if ref.is_bias else "weights"
    assert yours == getattr(g.yours[ref.layer], pick)[where]
    assert correct == getattr(g.correct[ref.layer], pick)[where]
    assert relative == getattr(g.relative[ref.layer], pick)[where]
    assert differs
    # correct is the engine's own gradient from the session's initial parameters
    back = Session(config).iteration_record(0).backward_of(ref.layer)
    assert back is not None
    assert correct == (back.db if ref.is_bias else back.dW)[where]
    text = panel.browser.toPlainText()
    assert "yours" in text
    assert format_number(yours) in text
    assert format_number(correct) in text
    assert "DIFFERS" in text
    assert MISTAKES[mistake].title in text
    assert "initial parameters" in text
    ui: CheckUi = window.check_ui
    assert ui.result_panel is not None
    assert MISTAKES[mistake].title in ui.result_panel.browser.toPlainText()


def test_double_gradient_chain_panel_shows_twice_the_correct_value(
    qtbot, square_window: MainWindow, tmp_path: Path
) -> None:
    window = square_window
    _run(qtbot, window, _learner(tmp_path, "double_gradient"))
    for ref in (ParameterRef(1, 2, 0), ParameterRef(0, 1, None)):
        window.controller.select(ref)
        values = window.chain_panel.check_values()
        assert values is not None
        yours, correct, _, differs = values
        assert yours == pytest.approx(2 * correct, rel=1e-9)
        assert differs


def test_marks_clear_when_the_session_is_replaced(qtbot, square_window: MainWindow, tmp_path: Path) -> None:
    window = square_window
    _run(qtbot, window, _learner(tmp_path, "double_gradient"))
    assert window.network_view.marks is not None
    assert window.network_view.mark_segments().shape[0] == 3 * 2 + 3 * 3
    assert window.chain_panel.check is not None
    window.controller.new_session(window.controller.config)
    assert window.network_view.marks is None
    assert window.network_view.mark_segments().shape == (0, 4)
    assert window.chain_panel.check is None


def test_clear_check_marks_action(qtbot, square_window: MainWindow, tmp_path: Path) -> None:
    window = square_window
    ui: CheckUi = window.check_ui
    assert not ui.clear_action.isEnabled()
    _run(qtbot, window, _learner(tmp_path, "wrong_sign"))
    assert ui.clear_action.isEnabled()
    ui.clear_action.trigger()
    assert window.network_view.marks is None
    assert window.chain_panel.check is None
    assert not ui.clear_action.isEnabled()


def test_code_that_raises_is_an_error_dialog_and_the_window_survives(
    qtbot, square_window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append((title, text)))
    code = tmp_path / "broken.py"
    code.write_text("def train_step(w, b, X, Y, lr):\n    raise RuntimeError('my own bug')\n")
    window = square_window
    ui: CheckUi = window.check_ui
    with qtbot.waitSignal(window.controller.check_failed, timeout=60_000) as blocker:
        window.controller.start_check(code, 2, 10.0)
    assert "my own bug" in blocker.args[0]
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Cannot check your code"
    assert "my own bug" in text
    assert "Traceback" not in text
    assert not window.controller.checking
    assert ui.check_action.isEnabled()
    assert window.network_view.marks is None
    window.run_controls.finish_action.trigger()  # the window still works
    assert window.controller.snapshot().iteration == 1


def test_a_non_sgd_session_is_refused_with_the_engines_message(
    qtbot, settings: QSettings, monkeypatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text))
    for window in open_window(qtbot, resolve("example:moons"), settings):
        with qtbot.waitSignal(window.controller.check_failed, timeout=60_000):
            window.controller.start_check(REFERENCE, 2, 10.0)
        assert len(shown) == 1
        assert "optimizer is adam" in shown[0]


def test_the_dialog_picks_a_file_and_remembers_its_folder(
    qtbot, square_window: MainWindow, settings: QSettings, tmp_path: Path, monkeypatch
) -> None:
    code = _learner(tmp_path, None)
    asked: list[str] = []

    def fake_open(parent, caption, start, filters):
        asked.append(start)
        return str(code), filters

    def fake_exec(dialog: CheckDialog) -> int:
        dialog.browse()
        dialog.iterations_box.setValue(2)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_open)
    monkeypatch.setattr(CheckDialog, "exec", fake_exec)
    window = square_window
    ui: CheckUi = window.check_ui
    with qtbot.waitSignal(window.controller.check_finished, timeout=60_000) as blocker:
        ui.check_action.trigger()
    assert blocker.args[0].agrees
    assert len(blocker.args[0].iterations) == 2
    assert settings.value("check/last_dir") == str(tmp_path.resolve())
    assert int(settings.value("check/iterations")) == 2
    # the next time the dialog starts from the same file
    monkeypatch.setattr(CheckDialog, "exec", lambda dialog: asked.append(dialog.path) or 0)
    ui.check_action.trigger()
    assert asked[-1] == str(code)


def test_check_action_sits_in_the_file_menu_above_save(square_window: MainWindow) -> None:
    window = square_window
    ui: CheckUi = window.check_ui
    actions = window.menus.file.actions()
    assert (
        actions.index(ui.check_action)
        < actions.index(ui.clear_action)
        < actions.index(window.files.save_action)
    )
    assert [k.toString() for k in ui.check_action.shortcuts()] == ["Ctrl+K"]


def test_teaching_menu_switches_the_mistake_and_back(square_window: MainWindow) -> None:
    window = square_window
    ui = window.teaching_menu
    c = window.controller
    assert ui.menuAction() in window.menus.debug.actions()
    assert ui.menuAction() in window.menuBar().actions()[1].menu().actions()  # Debug, the second
    assert ui.teaching_actions[None].isChecked()
    assert not ui.label.isVisibleTo(window)
    assert ui.teaching_actions["double_gradient"].toolTip() == MISTAKES["double_gradient"].explanation
    ui.teaching_actions["double_gradient"].trigger()
    assert c.config.mistake == "double_gradient"
    assert ui.teaching_actions["double_gradient"].isChecked()
    assert ui.label.isVisibleTo(window)
    assert MISTAKES["double_gradient"].title in ui.label.text()
    # the engine now computes twice the correct gradient
    c.finish_iteration()
    doubled = c.session.iteration_record(0).backward_of(0)
    correct = Session(_square_session()).iteration_record(0).backward_of(0)
    assert doubled is not None
    assert correct is not None
    np.testing.assert_allclose(doubled.dW, 2 * correct.dW, rtol=1e-12)
    ui.teaching_actions[None].trigger()
    assert c.config.mistake is None
    assert ui.teaching_actions[None].isChecked()
    assert not ui.label.isVisibleTo(window)


def test_teaching_menu_follows_the_session(square_window: MainWindow) -> None:
    import dataclasses

    window = square_window
    ui = window.teaching_menu
    c = window.controller
    c.apply_config(dataclasses.replace(c.config, mistake="wrong_sign"))  # e.g. the configuration panel
    assert ui.teaching_actions["wrong_sign"].isChecked()
    assert "wrong sign" in ui.label.text()
    c.new_session(_square_session())
    assert ui.teaching_actions[None].isChecked()
    assert not ui.label.isVisibleTo(window)


def test_mistakes_that_do_not_fit_the_network_are_disabled(tutorial_window: MainWindow) -> None:
    ui = tutorial_window.teaching_menu
    # tutorial 001 is 2-2-1: no square weight matrix after the first layer
    assert not ui.teaching_actions["transposed_weights"].isEnabled()
    assert "not for this network" in ui.teaching_actions["transposed_weights"].toolTip()
    assert ui.teaching_actions["double_gradient"].isEnabled()


# ---- cancelling a running check ----

LOOP_FOREVER = """
import os
from pathlib import Path

Path(__file__).with_name("pid.txt").write_text(str(os.getpid()))


def train_step(w, b, X, Y, lr):
    while True:
        pass
"""


def _start_endless_check(qtbot, window: MainWindow, tmp_path: Path) -> int:
    """Start a check of code that never returns, with a 600 s limit; the learner's process id."""
    code = tmp_path / "loop.py"
    code.write_text(LOOP_FOREVER, encoding="utf-8")
    ui: CheckUi = window.check_ui
    window.controller.start_check(code, 2, 600.0)
    pid_file = tmp_path / "pid.txt"
    qtbot.waitUntil(lambda: pid_file.exists() and pid_file.read_text() != "", timeout=20_000)
    assert window.controller.checking
    assert ui.busy.isVisibleTo(window)
    assert ui.cancel_button.isVisibleTo(window)
    assert ui.cancel_action.isEnabled()
    return int(pid_file.read_text())


def test_closing_the_window_cancels_a_running_check_at_once(
    qtbot, square_window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    window = square_window
    pid = _start_endless_check(qtbot, window, tmp_path)
    window.controller.stop_recording()
    window.controller.mark_unmodified()  # closing must not ask to save
    start = time.monotonic()
    assert window.close()
    assert time.monotonic() - start < 3.0
    assert not window.isVisible()
    assert not window.controller.checking
    assert stopped(pid)
    qtbot.wait(300)  # any answer still on its way from the worker thread arrives now
    assert dialogs == []
    assert "the check could not run" not in window.statusBar().currentMessage()


def test_the_cancel_button_stops_the_check_without_a_dialog(
    qtbot, square_window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    window = square_window
    ui: CheckUi = window.check_ui
    pid = _start_endless_check(qtbot, window, tmp_path)
    qtbot.mouseClick(ui.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.controller.checking, timeout=15_000)
    assert stopped(pid)
    assert dialogs == []
    assert not ui.busy.isVisibleTo(window)
    assert not ui.cancel_action.isEnabled()
    assert ui.check_action.isEnabled()
    assert "check cancelled" in window.statusBar().currentMessage()
    assert window.controller.check_report is None
    # the window checks again afterwards
    report = _run(qtbot, window, _learner(tmp_path, None), iterations=1)
    assert report.agrees


def test_escape_cancels_the_check(
    qtbot, square_window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    window = square_window
    ui: CheckUi = window.check_ui
    assert [k.toString() for k in ui.cancel_action.shortcuts()] == ["Esc"]
    assert not ui.cancel_action.isEnabled()  # Escape is free while nothing is checked
    pid = _start_endless_check(qtbot, window, tmp_path)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.controller.checking, timeout=15_000)
    assert stopped(pid)
    assert dialogs == []


# ---- the result dock says what of the session the check does not use ----


def test_result_dock_shows_the_batch_size_and_teaching_mode_notes(
    qtbot, settings: QSettings, tmp_path: Path
) -> None:
    import dataclasses

    config = dataclasses.replace(_square_session(), batch_size=2, mistake="double_gradient")
    for window in open_window(qtbot, config, settings):
        report = _run(qtbot, window, _learner(tmp_path, None), iterations=1)
        assert report.agrees
        ui: CheckUi = window.check_ui
        assert ui.result_panel is not None
        shown = ui.result_panel.browser.toPlainText()
        assert "Note: full-batch steps compared (the session's batch_size 2 is not used)." in shown
        assert (
            "Note: the session's teaching-mode mistake (double_gradient) is not used: the check "
            "compares with correct backprop." in shown
        )


def test_result_dock_says_why_the_orientation_and_where_nan_appeared(
    qtbot, settings: QSettings, tmp_path: Path
) -> None:
    for window in open_window(qtbot, _session((2, 2)), settings):
        report = _run(qtbot, window, _learner(tmp_path, "double_gradient"), iterations=1)
        ui: CheckUi = window.check_ui
        assert ui.result_panel is not None
        shown = ui.result_panel.browser.toPlainText()
        assert report.orientation_note is not None
        assert "the shapes allow several orientations" in shown
        assert "Likely cause: gradient doubled" in shown
        nan = tmp_path / "nan.py"
        nan.write_text(_with_nan(NAN_IN_W1.replace("[2, 0]", "[1, 0]")), encoding="utf-8")
        report = _run(qtbot, window, nan, iterations=1)
        assert report.non_finite is not None
        shown = ui.result_panel.browser.toPlainText()
        assert f"Likely cause: {report.non_finite}." in shown
        assert "your code produced NaN in W[1] at iteration 0 (first at W[1][1,0])" in shown


def test_escape_cancels_the_check_before_it_leaves_the_tutorial(
    qtbot, square_window: MainWindow, tmp_path: Path, dialogs: list[str]
) -> None:
    window = square_window
    walkthrough = Walkthrough("A note", window.controller.config, (Step("note", caption="hello"),))
    window.play_walkthrough(walkthrough)
    assert window.controller.mode == "tutorial"
    pid = _start_endless_check(qtbot, window, tmp_path)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # first Escape: the check
    qtbot.waitUntil(lambda: not window.controller.checking, timeout=15_000)
    assert stopped(pid)
    assert window.controller.mode == "tutorial"
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # then the tutorial
    assert window.controller.mode != "tutorial"
    assert dialogs == []
