"""The chain-rule panel shows the engine's explanation: same numbers, pending until computed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from engine import ParameterRef, parse_session
from engine.explain.chain import ChainExplanation
from gui.chain_html import MAX_SAMPLE_ROWS, SAMPLE_DIGITS
from gui.chain_panel import HINT, ChainPanel
from gui.controller import SessionController
from gui.formatting import format_number
from tests.gui.hosting import show_in_host
from tests.helpers import tiny_session_dict

HIDDEN_WEIGHT = ParameterRef(0, 1, 0)  # 2-3-1 network: a weight into hidden unit 1
OUTPUT_BIAS = ParameterRef(1, 0)


@pytest.fixture
def panel(qtbot, controller: SessionController) -> Iterator[ChainPanel]:
    widget = ChainPanel(controller)
    host = show_in_host(qtbot, widget, 520, 800)
    yield widget
    host.close()


def engine_explanation(controller: SessionController, ref: ParameterRef) -> ChainExplanation:
    """Independently of the panel: the engine's explanation of the record the window shows."""
    snap = controller.session.snapshot()
    record = snap.previous if snap.stage == 0 and snap.previous is not None else snap.record
    return controller.session.explain(ref, record)


def test_without_selection_the_panel_says_what_to_do(panel: ChainPanel) -> None:
    assert HINT in panel.browser.toPlainText()
    assert panel.explanation is None
    assert not panel.copy_latex_button.isEnabled()
    assert not panel.copy_text_button.isEnabled()


def test_numbers_follow_the_engine_through_a_whole_iteration(
    panel: ChainPanel, controller: SessionController
) -> None:
    controller.select(HIDDEN_WEIGHT)
    n_stages = len(controller.session.stages)
    seen_pending = seen_filled = False
    for _ in range(n_stages):
        controller.step()
        expected = engine_explanation(controller, HIDDEN_WEIGHT)
        shown = panel.explanation
        assert shown is not None
        assert shown.to_json() == expected.to_json()
        text = panel.browser.toPlainText()
        first = expected.samples[0]
        for factor in first.factors:
            assert format_number(factor.value) in text
        assert format_number(expected.finite_difference) in text
        if expected.gradient is None:
            seen_pending = True
            assert "pending" in text
            assert "PASS" not in text
        else:
            seen_filled = True
            assert all(f.value is not None for f in first.factors)
            assert format_number(expected.gradient) in text
            assert ("✔ PASS" if expected.passed else "✘ FAIL") in text
    assert seen_pending
    assert seen_filled


def test_pending_factors_fill_in_as_the_backward_pass_reaches_the_layer(
    panel: ChainPanel, controller: SessionController
) -> None:
    controller.select(HIDDEN_WEIGHT)
    n_layers = len(controller.config.layers)
    controller.goto_stage(n_layers + 1)  # forward and loss done, backward not started
    shown = panel.explanation
    assert shown is not None
    kinds = {f.kind: f.value for f in shown.samples[0].factors}
    assert kinds["dl_da"] is None
    assert kinds["da_dz"] is None
    assert kinds["dz_dw"] is not None  # the input activation is known after the forward pass
    assert shown.update is None
    assert "pending" in panel.browser.toPlainText()

    controller.goto_stage(n_layers + 1 + n_layers)  # every backward stage done
    shown = panel.explanation
    assert shown is not None
    assert all(f.value is not None for f in shown.samples[0].factors)
    assert shown.passed is True


def test_hidden_unit_lists_the_next_layers_units(panel: ChainPanel, controller: SessionController) -> None:
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    shown = panel.explanation
    assert shown is not None
    upstream = shown.samples[0].upstream
    assert upstream is not None
    assert len(upstream) == controller.config.layers[1].units
    text = panel.browser.toPlainText()
    assert "Hidden unit" in text
    for term in upstream:
        assert format_number(term.weight, SAMPLE_DIGITS) in text
        assert format_number(term.delta, SAMPLE_DIGITS) in text
        assert format_number(term.product, SAMPLE_DIGITS) in text


def test_output_unit_has_no_expansion(panel: ChainPanel, controller: SessionController) -> None:
    controller.select(OUTPUT_BIAS)
    controller.finish_iteration()
    assert panel.explanation is not None
    assert panel.explanation.samples[0].upstream is None
    assert "Hidden unit" not in panel.browser.toPlainText()


def test_choosing_a_sample_shows_its_expansion(panel: ChainPanel, controller: SessionController) -> None:
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    shown = panel.explanation
    assert shown is not None
    assert panel.sample_box.isVisible()
    assert panel.sample_box.maximum() == len(shown.samples) - 1
    panel.sample_box.setValue(2)
    sample = shown.samples[2]
    text = panel.browser.toPlainText()
    assert f"With numbers, sample {sample.sample}" in text
    assert sample.upstream is not None
    assert format_number(sample.upstream[0].delta, SAMPLE_DIGITS) in text


def test_one_row_per_sample_with_the_reduction(panel: ChainPanel, controller: SessionController) -> None:
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    shown = panel.explanation
    assert shown is not None
    text = panel.browser.toPlainText()
    assert f"Per sample ({len(shown.samples)} in the batch)" in text
    for sample in shown.samples:  # the table rounds to SAMPLE_DIGITS to fit a narrow dock
        assert format_number(sample.contribution, SAMPLE_DIGITS) in text
    assert shown.reduction == "sum"  # half_sse sums over the samples
    assert f"sum over {len(shown.samples)} samples" in text


def test_large_batches_are_capped(qtbot, panel: ChainPanel) -> None:
    doc = tiny_session_dict(data={"preset": "moons", "samples": 40, "noise": 0.1}, loss="mse")
    controller = SessionController(parse_session(doc))
    big = ChainPanel(controller)
    host = show_in_host(qtbot, big, 520, 800)
    controller.select(OUTPUT_BIAS)
    controller.finish_iteration()
    text = big.browser.toPlainText()
    assert f"… {40 - MAX_SAMPLE_ROWS} more samples" in text
    assert "mean over N = 40 samples" in text
    assert format_number(big.explanation.scale) in text  # type: ignore[union-attr]
    host.close()


def test_update_line_after_the_update(panel: ChainPanel, controller: SessionController) -> None:
    controller.select(HIDDEN_WEIGHT)
    controller.goto_stage(len(controller.session.stages) - 1)  # everything but the update
    assert panel.explanation is not None
    assert panel.explanation.update is None
    controller.step()  # the update; the panel keeps showing the finished iteration
    update = panel.explanation.update  # type: ignore[union-attr]
    assert update is not None
    text = panel.browser.toPlainText()
    assert "Update (sgd)" in text
    assert format_number(update.old) in text
    assert format_number(update.new) in text
    assert controller.session.params[0].weights[1, 0] == update.new


def test_copy_puts_the_engines_text_on_the_clipboard(
    qtbot, panel: ChainPanel, controller: SessionController
) -> None:
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    expected = engine_explanation(controller, HIDDEN_WEIGHT)
    qtbot.mouseClick(panel.copy_latex_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == expected.to_latex()
    qtbot.mouseClick(panel.copy_text_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == expected.to_text()
    QGuiApplication.clipboard().clear()
    panel.copy_latex_action.trigger()  # the context menu's action does the same
    assert QGuiApplication.clipboard().text() == expected.to_latex()


def test_new_session_clears_the_selection(panel: ChainPanel, controller: SessionController) -> None:
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    controller.new_session(parse_session(tiny_session_dict(seed=3)))
    assert panel.explanation is None
    assert HINT in panel.browser.toPlainText()


def _panel_for(
    qtbot, doc: dict, ref: ParameterRef, iterations: int
) -> tuple[ChainPanel, SessionController, QWidget]:
    """A shown panel on ``doc`` with ``ref`` selected, after ``iterations`` whole iterations."""
    controller = SessionController(parse_session(doc))
    widget = ChainPanel(controller)
    host = show_in_host(qtbot, widget, 520, 1100)
    controller.select(ref)
    for _ in range(iterations):
        controller.finish_iteration()
    return widget, controller, host


def test_adam_update_line_shows_adams_moments_and_step(qtbot) -> None:
    doc = tiny_session_dict(optimizer={"name": "adam", "learning_rate": 0.05})
    panel, controller, host = _panel_for(qtbot, doc, HIDDEN_WEIGHT, 2)
    shown = panel.explanation
    assert shown is not None
    assert shown.to_json() == engine_explanation(controller, HIDDEN_WEIGHT).to_json()
    up = shown.update
    assert up is not None
    assert up.adam is not None
    text = panel.browser.toPlainText()
    assert "Update (adam)" in text
    for value in (up.gradient, up.adam.m, up.adam.v, up.adam.m_hat, up.adam.v_hat, up.step, up.old, up.new):
        assert format_number(value) in text
    assert "m̂ / (√v̂ + ε)" in text
    assert "η · g =" not in text  # not the SGD form
    controller.wait_idle()
    host.close()


def test_momentum_update_line_shows_the_velocity(qtbot) -> None:
    doc = tiny_session_dict(optimizer={"name": "momentum", "learning_rate": 0.5})
    panel, controller, host = _panel_for(qtbot, doc, OUTPUT_BIAS, 2)
    up = panel.explanation.update  # type: ignore[union-attr]
    assert up is not None
    assert up.momentum is not None
    text = panel.browser.toPlainText()
    assert "v = μ · vprev + g" in text
    for value in (up.momentum.velocity_before, up.gradient, up.momentum.velocity, up.new):
        assert format_number(value) in text
    controller.wait_idle()
    host.close()


def test_after_an_edit_the_panel_shows_the_edited_weight_not_the_old_update(
    panel: ChainPanel, controller: SessionController
) -> None:
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    assert panel.explanation is not None
    assert panel.explanation.update is not None  # the finished iteration's update stays visible
    controller.set_parameter(HIDDEN_WEIGHT, 2.5)
    shown = panel.explanation
    assert shown is not None
    assert shown.iteration == 1
    assert shown.value == 2.5
    assert shown.update is None
    assert "not started" in panel.title.text()


def test_teaching_mode_factor_says_what_the_mistake_changed(qtbot) -> None:
    doc = tiny_session_dict(mistake="missing_activation_derivative")
    panel, controller, host = _panel_for(qtbot, doc, HIDDEN_WEIGHT, 1)
    text = panel.browser.toPlainText()
    assert "1 (teaching mode: activation derivative missing)" in text
    assert "sigmoid's derivative" not in text
    assert "Teaching mode: the backward pass makes the mistake activation derivative missing" in text
    assert "w_kj" not in text  # the note's symbols are typeset with subscripts
    assert "sum over the 1 unit k of layer 1 of wkj · δk" in text
    controller.wait_idle()
    host.close()
