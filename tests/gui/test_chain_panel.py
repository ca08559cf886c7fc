"""The chain-rule panel shows the engine's explanation: same numbers, pending until computed."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QFontMetricsF, QGuiApplication, QMouseEvent, QTextBlock, QTextDocument, QTextTable
from PySide6.QtWidgets import QApplication, QWidget

from engine import ParameterRef, Session, parse_session
from engine.explain.chain import ChainExplanation
from engine.explain.samples import SampleList
from gui import chain_html, chain_panel
from gui.chain_html import (
    DIGIT_LEVELS,
    MAX_SAMPLE_ROWS,
    MAX_UPSTREAM_ROWS,
    NO_BREAK_THIN,
    SAMPLE_DIGITS,
    WORD_JOINER,
    example_note,
    formulas_html,
)
from gui.chain_panel import HINT, ChainPanel
from gui.controller import SessionController
from gui.formatting import format_cell, format_number, html_number
from gui.network.hits import Hit
from gui.network.tooltips import describe
from gui.window.chain_width import MIN_WIDTH
from tests.engine.test_explain_zeros import NEGATIVE_ZERO
from tests.gui.conftest import open_window
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


def count_explanations(
    controller: SessionController, monkeypatch: pytest.MonkeyPatch
) -> list[ParameterRef | None]:
    """What the controller is asked to explain from now on, in order."""
    explained: list[ParameterRef | None] = []
    real = controller.explain

    def counted(ref: ParameterRef | None = None) -> ChainExplanation | None:
        explained.append(ref)
        return real(ref)

    monkeypatch.setattr(controller, "explain", counted)
    return explained


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
        first = expected.samples[expected.example_row()]  # the worked sample
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
    upstream = shown.samples[panel.sample_box.value()].upstream
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
    chosen = 3 if shown.example_row() != 3 else 1
    panel.sample_box.setValue(chosen)
    sample = shown.samples[chosen]
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


def test_a_copy_of_a_large_batch_lists_the_first_samples_and_counts_the_rest(qtbot, monkeypatch) -> None:
    """A batch of thousands copies its first COPIED_SAMPLES samples (200,000 took 9 s and 90 MB
    of clipboard): the text and the LaTeX count the rest, and so do the panel and the status."""
    monkeypatch.setattr(chain_panel, "COPIED_SAMPLES", 5)
    monkeypatch.setattr(chain_html, "COPIED_SAMPLES", 5)
    doc = tiny_session_dict(data={"preset": "moons", "samples": 40, "noise": 0.1}, loss="mse")
    controller = SessionController(parse_session(doc))
    big = ChainPanel(controller)
    host = show_in_host(qtbot, big, 520, 800)
    messages: list[str] = []
    controller.message.connect(messages.append)
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    assert "more samples (Copy as text lists the first 5)" in big.browser.toPlainText()
    shown = big.explanation
    assert shown is not None
    big.copy_text()
    text = QGuiApplication.clipboard().text()
    assert text == shown.to_text(max_samples=5)
    assert text.count("contribution =") == 5
    assert "... 35 more samples" in text
    assert messages[-1] == "chain rule copied as text (the first 5 of 40 samples)"
    big.copy_latex()
    latex = QGuiApplication.clipboard().text()
    assert latex.count(r"\partial \ell_{") == 5 * 2  # each sample: its dℓ/da line and its contribution
    assert r"\text{\dots\ 35 more samples}" in latex
    assert latex.startswith(r"\begin{aligned}")
    assert latex.endswith(r"\end{aligned}")
    host.close()


def test_the_note_names_a_few_of_thousands_of_samples_that_contribute_zero(monkeypatch) -> None:
    """An input 0 in the first 4,000 rows: "with numbers" goes through row 4,000, and the note
    names the first few and the last of those it passed, without making their terms (listing
    all made every one of them: seconds per step for 100,000 rows)."""
    rng = np.random.default_rng(4)
    x = rng.random((5000, 2))
    x[:4000, 0] = 0.0
    doc = tiny_session_dict(data={"inputs": x.tolist(), "targets": (x[:, 1:] > 0.5).astype(float).tolist()})
    session = Session(parse_session(doc))
    session.finish_iteration()
    ex = session.explain(HIDDEN_WEIGHT, session.snapshot().previous)
    assert ex.example_row() == 4000
    made: list[int] = []
    real = SampleList._make
    monkeypatch.setattr(SampleList, "_make", lambda self, row: made.append(row) or real(self, row))
    note = example_note(ex, 4000)
    assert note == (
        "Sample 4000: the first sample whose contribution is not 0 "
        "(samples 0, 1, 2, 3, 4, …, 3999: 4,000 samples contribute 0)."
    )
    assert made == [4000]
    assert example_note(ex, 3) == (
        "Sample 3: the first sample whose contribution is not 0 (samples 0, 1, 2 contribute 0)."
    )
    assert "(samples 0, 1, 2, 3, 4, 5, 6 contribute 0)" in example_note(ex, 7)  # "…" would be one
    assert "(samples 0, 1, 2, 3, 4, …, 7: 8 samples contribute 0)" in example_note(ex, 8)


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


# ---- a textbook at any width: equations, headers, digits, the worked sample, no −0 ----


def _blocks(doc: QTextDocument) -> Iterator[QTextBlock]:
    block = doc.begin()
    while block.isValid():
        yield block
        block = block.next()


def _plain(text: str) -> str:
    return text.replace(WORD_JOINER, "").replace("\u00a0", " ").replace(NO_BREAK_THIN, " ")


def _lines(block: QTextBlock) -> list[str]:
    layout = block.layout()
    text = block.text()
    return [
        text[layout.lineAt(i).textStart() : layout.lineAt(i).textStart() + layout.lineAt(i).textLength()]
        for i in range(layout.lineCount())
    ]


def _formula_blocks(panel: ChainPanel) -> list[QTextBlock]:
    """The browser's paragraphs that are equations (chain_html's formula paragraphs)."""
    scratch = QTextDocument()
    scratch.setHtml(formulas_html(panel.shown_html))
    texts = {b.text() for b in _blocks(scratch)} - {""}
    doc = panel.browser.document()
    doc.documentLayout().blockBoundingRect(doc.lastBlock())  # laid out to the end
    found = [b for b in _blocks(doc) if b.text() in texts]
    assert {b.text() for b in found} == texts
    return found


def _table_headed(panel: ChainPanel, first: str) -> QTextTable:
    """The browser's table whose top-left header cell reads ``first``."""
    for frame in panel.browser.document().rootFrame().childFrames():
        if isinstance(frame, QTextTable) and frame.cellAt(0, 0).firstCursorPosition().block().text() == first:
            return frame
    raise AssertionError(f"no table headed {first!r}")


def _headers(table: QTextTable) -> list[QTextBlock]:
    return [table.cellAt(0, c).firstCursorPosition().block() for c in range(table.columns())]


@pytest.mark.parametrize("width", [300, 380, 520])
def test_equations_break_only_before_an_operator(qtbot, controller: SessionController, width: int) -> None:
    panel = ChainPanel(controller)
    host = show_in_host(qtbot, panel, width, 900)
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    assert '<p class="formula">' in panel.shown_html
    assert f"{WORD_JOINER}/{WORD_JOINER}" in panel.shown_html  # every fraction is one unit
    wrapped = 0
    for block in _formula_blocks(panel):
        lines = _lines(block)
        assert lines, block.text()
        for line in lines[1:]:  # a continued line starts with its operator, as in a textbook
            wrapped += 1
            assert line.lstrip(" \u00a0")[0] in "·=−+←/", _plain(block.text())
    if width == 300:
        assert wrapped > 0  # the narrow panel did wrap equations, between their terms
    host.close()


@pytest.mark.parametrize("width", [300, 520])
def test_per_sample_headers_are_short_fixed_and_on_one_line(
    qtbot, controller: SessionController, width: int
) -> None:
    panel = ChainPanel(controller)
    host = show_in_host(qtbot, panel, width, 900)
    for ref, headers in (
        (HIDDEN_WEIGHT, ["s", "∂ℓ/∂a", "∂a/∂z", "∂z/∂w", "product"]),
        (OUTPUT_BIAS, ["s", "∂ℓ/∂a", "∂a/∂z", "∂z/∂b", "product"]),
    ):
        controller.select(ref)
        controller.finish_iteration()
        cells = _headers(_table_headed(panel, "s"))
        assert [_plain(c.text()) for c in cells] == headers
        for cell in cells:
            assert cell.layout().lineCount() == 1, cell.text()
    host.close()


def test_fused_output_headers(qtbot) -> None:
    doc = tiny_session_dict(loss="bce")
    panel, controller, host = _panel_for(qtbot, doc, OUTPUT_BIAS, 1)
    assert [_plain(c.text()) for c in _headers(_table_headed(panel, "s"))] == [
        "s",
        "∂ℓ/∂z",
        "∂z/∂b",
        "product",
    ]
    controller.wait_idle()
    host.close()


def test_upstream_headers_are_on_one_line_in_a_narrow_panel(qtbot, controller: SessionController) -> None:
    panel = ChainPanel(controller)
    host = show_in_host(qtbot, panel, 300, 900)
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    cells = _headers(_table_headed(panel, "k"))
    assert [_plain(c.text()) for c in cells] == ["k", "wk,1", "δk", "product"]
    assert all(c.layout().lineCount() == 1 for c in cells)
    host.close()


def test_a_narrow_panel_shortens_table_numbers_instead_of_scrolling(
    qtbot, controller: SessionController
) -> None:
    panel = ChainPanel(controller)
    host = show_in_host(qtbot, panel, 520, 900)
    controller.select(HIDDEN_WEIGHT)
    controller.finish_iteration()
    shown = panel.explanation
    assert shown is not None
    wide = panel.browser.toPlainText()
    assert format_number(shown.finite_difference) in wide  # room for all 10 digits
    assert panel.browser.horizontalScrollBar().maximum() == 0
    host.resize(300, 900)  # the dock of a 960-pixel window
    qtbot.waitUntil(lambda: panel.browser.viewport().width() < 290)
    narrow = panel.browser.toPlainText()
    assert panel.browser.horizontalScrollBar().maximum() == 0
    table = DIGIT_LEVELS[-1].table
    for sample in shown.samples:  # shortened, never cut: fewer digits of the same numbers
        assert any(format_number(sample.contribution, d) in narrow for d in range(table, SAMPLE_DIGITS + 1))
    assert format_number(shown.finite_difference) not in narrow
    assert format_number(shown.gradient) in narrow  # the equations keep all digits: they wrap
    host.close()


def test_with_numbers_goes_through_the_first_sample_that_contributes(
    panel: ChainPanel, controller: SessionController
) -> None:
    controller.select(HIDDEN_WEIGHT)  # from input x0, 0 in XOR's samples 0 and 1
    controller.finish_iteration()
    record = controller.session.iteration_record(0)
    x0 = record.inputs[:, HIDDEN_WEIGHT.input]
    first = next(r for r in range(len(x0)) if x0[r] != 0)
    assert first == 2
    text = _plain(panel.browser.toPlainText())
    assert f"With numbers, sample {first}" in text
    assert f"Sample {first}: the first sample whose contribution is not 0 (samples 0, 1 contribute 0)" in text
    assert panel.sample_box.value() == first
    assert controller.sample == first  # one sample for the window: the drawing shows it too
    shown = panel.explanation
    assert shown is not None
    assert shown.samples[first].contribution != 0
    assert f"= {format_number(shown.samples[first].contribution)}" in text

    panel.sample_box.setValue(0)  # the reader's choice stands while stepping
    controller.back()
    controller.step()
    assert panel.sample_box.value() == 0
    assert controller.sample == 0
    text = _plain(panel.browser.toPlainText())
    assert "With numbers, sample 0" in text
    assert "the first sample whose contribution" not in text

    controller.set_sample(3)  # chosen in the network's header: the panel follows
    assert panel.sample_box.value() == 3
    assert "With numbers, sample 3" in _plain(panel.browser.toPlainText())

    controller.select(ParameterRef(0, 1, 1))  # a new selection: the panel chooses again
    x1 = record.inputs[:, 1]
    assert panel.sample_box.value() == next(r for r in range(len(x1)) if x1[r] != 0)


def test_no_negative_zero_in_the_panel_or_the_tooltips(
    panel: ChainPanel, controller: SessionController
) -> None:
    session = controller.session
    refs = [
        ParameterRef(k, j, i)
        for k, p in enumerate(session.params)
        for j in range(p.weights.shape[0])
        for i in [None, *range(p.weights.shape[1])]
    ]
    stages = len(session.stages)
    seen_signed_zero = False
    activations = tuple(layer.activation for layer in controller.config.layers)
    for position in range(stages + 2):
        controller.goto_iteration(*divmod(position, stages))
        snap = controller.snapshot()
        for ref in refs:
            controller.select(ref)
            ex = panel.explanation
            assert ex is not None
            seen_signed_zero |= any(
                s.contribution == 0 and math.copysign(1.0, s.contribution) < 0 for s in ex.samples
            )
            for text in (panel.shown_html, panel.browser.toPlainText(), panel.title.text()):
                assert NEGATIVE_ZERO.search(_plain(text)) is None, (ref, position)
            kind = "bias" if ref.is_bias else "weight"
            for sample in range(snap.record.inputs.shape[0]):
                tip = describe(Hit(kind, ref), snap, sample, controller.last_update(), activations, 10)
                assert NEGATIVE_ZERO.search(tip) is None, tip
    assert seen_signed_zero  # the sweep met XOR's (0, 0) sample times a negative δ
    assert format_number(-0.0) == "0"
    assert format_cell(-0.0) == "0"
    assert html_number(-0.0, parens=True) == "0"


def test_the_stage_that_fills_a_section_scrolls_it_into_view(qtbot, controller: SessionController) -> None:
    panel = ChainPanel(controller)
    host = show_in_host(qtbot, panel, 420, 360)  # short: the sections do not all fit
    controller.select(HIDDEN_WEIGHT)
    controller.goto_stage(len(controller.session.stages) - 1)  # the backward pass done
    bar = panel.browser.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)
    assert not _section_in_view(panel, "update")
    controller.step()  # the update fills the update line
    qtbot.waitUntil(lambda: _section_in_view(panel, "update"))
    controller.back()  # nothing newly filled: the reader's place stays
    bar.setValue(0)
    controller.goto_stage(len(controller.session.stages) - 2)  # before the last backward stage
    bar.setValue(0)
    controller.step()  # Backward 0 fills the worked sample's numbers
    assert _section_in_view(panel, "numbers")
    host.close()


def _anchor_tops(panel: ChainPanel) -> dict[str, float]:
    doc = panel.browser.document()
    layout = doc.documentLayout()
    tops: dict[str, float] = {}
    for block in _blocks(doc):
        fragments = block.begin()
        while not fragments.atEnd():
            for name in fragments.fragment().charFormat().anchorNames():
                tops.setdefault(name, layout.blockBoundingRect(block).top())
            fragments += 1
    return tops


def _section_in_view(panel: ChainPanel, anchor: str) -> bool:
    """Whether the heading of section ``anchor`` and its first lines are inside the viewport."""
    tops = _anchor_tops(panel)
    top = tops[anchor]
    value = panel.browser.verticalScrollBar().value()
    return value <= top and top + 40 <= value + panel.browser.viewport().height()


# ---- in the window: the dock takes the width its content needs, up to a third ----

WIDE = {
    "inputs": 2,
    "init": "xavier_uniform",
    "layers": [
        {"units": 128, "activation": "sigmoid"},
        {"units": 128, "activation": "sigmoid"},
        {"units": 1, "activation": "sigmoid"},
    ],
}


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080), (2560, 1440)])
@pytest.mark.parametrize("network", ["xor", "2-128-128-1"])
def test_the_chain_dock_fits_its_content_without_a_horizontal_scrollbar(
    qtbot, settings: QSettings, size: tuple[int, int], network: str
) -> None:
    doc = tiny_session_dict() if network == "xor" else tiny_session_dict(network=WIDE)
    with contextmanager(open_window)(qtbot, parse_session(doc), settings) as win:
        win.resize(*size)
        controller, panel, dock = win.controller, win.chain_panel, win.chain_dock
        controller.select(HIDDEN_WEIGHT)
        controller.goto_stage(len(controller.session.stages) - 1)  # after the backward pass
        sizer = win.docks.chain_width
        for stage in ("backward", "update"):
            if stage == "backward":  # from the hint's width to the selection's
                qtbot.waitUntil(lambda: dock.width() == sizer.width())
            else:  # new content only widens the dock: the network does not move under the pointer
                qtbot.waitUntil(lambda: dock.width() >= sizer.width())
            # its content's width, up to a third of the window and what leaves the network half
            want = min(max(panel.preferred_width(), MIN_WIDTH), sizer.limit())
            assert sizer.width() == want
            assert dock.width() <= sizer.limit()  # the network keeps its half (test_window_sizes)
            assert dock.width() <= win.width() // 3
            assert want > MIN_WIDTH or size[0] < 3 * MIN_WIDTH  # wider than the old fixed 375
            assert panel.browser.horizontalScrollBar().maximum() == 0, stage
            top = _formula_blocks(panel)[0]  # ∂L/∂w = Σ ∂ℓ/∂a · ∂a/∂z · ∂z/∂w
            assert _plain(top.text()).startswith("∂L/∂w")
            assert top.layout().lineCount() == 1, stage
            if stage == "backward":
                controller.step()
        qtbot.waitUntil(lambda: _section_in_view(panel, "update"))


def test_the_chain_dock_leaves_a_width_the_user_dragged(qtbot, settings: QSettings) -> None:
    with contextmanager(open_window)(qtbot, parse_session(tiny_session_dict()), settings) as win:
        win.resize(1920, 1080)
        controller, dock, sizer = win.controller, win.chain_dock, win.docks.chain_width
        controller.select(HIDDEN_WEIGHT)
        controller.finish_iteration()
        qtbot.waitUntil(lambda: dock.width() == sizer.width())
        # drag the separator left of the dock 150 pixels to the right, as a user would
        start = QPointF(dock.x() - 2, dock.y() + 50)
        for kind, where, buttons in (
            (QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton),
            (QEvent.Type.MouseMove, start + QPointF(75, 0), Qt.MouseButton.LeftButton),
            (QEvent.Type.MouseMove, start + QPointF(150, 0), Qt.MouseButton.LeftButton),
            (QEvent.Type.MouseButtonRelease, start + QPointF(150, 0), Qt.MouseButton.NoButton),
        ):
            event = QMouseEvent(
                kind,
                where,
                win.mapToGlobal(where),
                Qt.MouseButton.LeftButton,
                buttons,
                Qt.KeyboardModifier.NoModifier,
            )
            QApplication.sendEvent(win, event)
            QApplication.processEvents()  # the window moves its separator on a zero timer
        dragged = dock.width()
        assert dragged < sizer.width() - 100
        assert sizer.user_sized
        controller.select(OUTPUT_BIAS)
        win.resize(1900, 1080)
        for _ in range(5):  # the resize's and the selection's events: the dock stays as the user left it
            QApplication.processEvents()
        assert dock.width() == dragged
        win.docks.reset_layout()  # Reset Layout: the dock follows its content again
        assert not sizer.user_sized
        qtbot.waitUntil(lambda: dock.width() == sizer.width())


def test_a_new_selection_only_widens_the_dock_and_a_window_resize_fits_it(qtbot, settings: QSettings) -> None:
    with contextmanager(open_window)(qtbot, parse_session(tiny_session_dict()), settings) as win:
        win.resize(2560, 1440)  # a third is wider than either explanation needs
        controller, dock, sizer = win.controller, win.chain_dock, win.docks.chain_width
        controller.select(HIDDEN_WEIGHT)
        controller.finish_iteration()
        qtbot.waitUntil(lambda: dock.width() == sizer.width())
        hidden = dock.width()
        assert MIN_WIDTH < hidden < win.width() // 3
        controller.select(OUTPUT_BIAS)  # no upstream sum: narrower content
        assert sizer.width() < hidden
        for _ in range(5):
            QApplication.processEvents()
        assert dock.width() == hidden
        win.resize(2500, 1440)
        qtbot.waitUntil(lambda: dock.width() == sizer.width())
        assert dock.width() < hidden


def test_the_drawing_and_the_panel_work_through_the_same_sample(qtbot, settings: QSettings) -> None:
    with contextmanager(open_window)(qtbot, parse_session(tiny_session_dict()), settings) as win:
        controller, panel = win.controller, win.chain_panel
        controller.goto_stage(len(controller.session.stages) - 1)  # after the backward pass
        controller.select(HIDDEN_WEIGHT)
        qtbot.waitUntil(lambda: panel.explanation is not None)
        shown = panel.explanation
        assert shown is not None
        row = panel.sample_box.value()
        assert row == shown.example_row() == controller.sample == 2
        assert win.network_view.header.sample_box.value() == row
        terms = {t.key: t for t in win.network_view.chain_terms}
        assert terms["contribution"].value == shown.samples[row].contribution != 0


def test_a_stage_that_changes_nothing_shown_leaves_the_document_alone(
    panel: ChainPanel, controller: SessionController
) -> None:
    """The rich text is set again only when it differs: a forward stage that computes nothing
    the hidden weight's chain shows does not re-lay the document out."""
    controller.select(HIDDEN_WEIGHT)
    sets: list[int] = []
    panel.browser.textChanged.connect(lambda: sets.append(1))
    unchanged = changed = 0
    for _ in range(2 * len(controller.session.stages)):
        before, count = panel.shown_html, len(sets)
        controller.step()
        assert panel.explanation is not None
        assert panel.explanation.to_json() == engine_explanation(controller, HIDDEN_WEIGHT).to_json()
        if panel.shown_html == before:
            unchanged += 1
            assert len(sets) == count
        else:
            changed += 1
            assert len(sets) > count
            assert panel.browser.toHtml() != ""
    assert unchanged >= 2  # so the test can fail: some stages leave the chain as it was
    assert changed >= 2


def test_a_hidden_panel_renders_when_shown(
    qtbot, controller: SessionController, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While hidden the panel neither explains nor lays out; shown, it shows the current stage."""
    widget = ChainPanel(controller)
    host = show_in_host(qtbot, widget, 520, 800)
    controller.select(HIDDEN_WEIGHT)
    before = widget.shown_html
    explained = count_explanations(controller, monkeypatch)
    widget.hide()
    n_layers = len(controller.config.layers)
    controller.goto_stage(2 * n_layers + 1)  # every backward stage: the gradient is known
    assert explained == []
    assert widget.shown_html == before
    widget.show()
    qtbot.waitUntil(lambda: widget.shown_html != before)
    assert explained == [HIDDEN_WEIGHT]
    expected = engine_explanation(controller, HIDDEN_WEIGHT)
    assert widget.explanation is not None
    assert widget.explanation.to_json() == expected.to_json()
    assert format_number(expected.gradient) in widget.browser.toPlainText()
    host.close()


def unwrapped_width(panel: ChainPanel, text: str) -> float:
    """``text``'s width unwrapped in the style of the document the panel shows now (a new page
    is a new document: the one shown before is gone)."""
    shown = panel.browser.document()
    doc = QTextDocument()
    doc.setDefaultStyleSheet(shown.defaultStyleSheet())
    doc.setDefaultFont(shown.defaultFont())
    doc.setDocumentMargin(shown.documentMargin())
    doc.setHtml(text)
    doc.setTextWidth(-1)
    return doc.idealWidth()


def test_tables_measured_one_by_one_are_as_wide_as_measured_together(
    panel: ChainPanel, controller: SessionController
) -> None:
    """The panel measures each table on its own and takes the widest (a step re-measures only
    the tables it changed): the same width as the tables laid out in one document, so the digits
    chosen and the width asked for are what measuring them together gives."""
    from gui.chain_html import explanation_html, table_parts, tables_html

    def width(text: str) -> float:
        return unwrapped_width(panel, text)

    cases = 0
    for ref in (HIDDEN_WEIGHT, OUTPUT_BIAS):
        controller.select(ref)
        for _ in range(len(controller.session.stages)):
            controller.step()
            ex = controller.explain(ref)
            assert ex is not None
            for digits in DIGIT_LEVELS[::2]:
                page = explanation_html(ex, 0, "sgd", None, None, digits, "")
                parts = table_parts(page)
                assert len(parts) >= 1
                cases += len(parts) > 1
                assert width(tables_html(page)) == max(width(part) for part in parts)
    assert cases  # some pages have several tables


def _wide_controller() -> SessionController:
    """2-3-40-1: hidden unit 1 of layer 0 sums 40 terms w·δ, more than the table lists."""
    layers = [
        {"units": 3, "activation": "tanh"},
        {"units": 40, "activation": "relu"},
        {"units": 1, "activation": "sigmoid"},
    ]
    doc = tiny_session_dict(network={"inputs": 2, "init": "xavier_uniform", "layers": layers})
    return SessionController(parse_session(doc))


def test_a_wide_next_layer_lists_its_largest_terms(qtbot) -> None:
    """Of 40 terms the table lists the MAX_UPSTREAM_ROWS largest by |w·δ|, in the order of k,
    and says how many it left out; copying as text still gives every one."""
    controller = _wide_controller()
    panel = ChainPanel(controller)
    host = show_in_host(qtbot, panel, 520, 800)
    controller.select(HIDDEN_WEIGHT)
    controller.goto_stage(len(controller.session.stages) - 1)  # after the backward pass
    assert panel.explanation is not None
    upstream = panel.explanation.samples[panel.sample_box.value()].upstream
    assert upstream is not None
    assert len(upstream) == 40
    products = [u.product for u in upstream]
    assert all(p is not None for p in products)
    largest = sorted(range(40), key=lambda k: -abs(products[k] or 0.0))[:MAX_UPSTREAM_ROWS]
    doc = panel.browser.document()
    tables = [f for f in doc.rootFrame().childFrames() if isinstance(f, QTextTable)]
    wide = [t for t in tables if t.columns() == 4]
    upstream_table = next(t for t in wide if t.cellAt(0, 3).firstCursorPosition().block().text() == "product")
    listed = [
        int(upstream_table.cellAt(row, 0).firstCursorPosition().block().text())
        for row in range(1, upstream_table.rows())
    ]
    assert listed == sorted(largest)
    assert f"{40 - MAX_UPSTREAM_ROWS} smaller ones" in panel.browser.toPlainText()
    panel.copy_text()
    copied = QGuiApplication.clipboard().text()
    for term in upstream:
        assert f"from unit {term.unit}: w = " in copied
    host.close()


def test_tables_cut_to_their_widest_rows_are_as_wide_as_whole(qtbot) -> None:
    """The panel measures each table from the rows that set its columns' widths: at every stage
    and digit level, exactly the width of the whole table."""
    from gui.chain_html import explanation_html, table_parts, widest_rows

    controller = _wide_controller()
    panel = ChainPanel(controller)
    host = show_in_host(qtbot, panel, 520, 800)
    metrics = QFontMetricsF(panel.browser.document().defaultFont())

    def width(text: str) -> float:
        return unwrapped_width(panel, text)

    cut_some = 0
    controller.select(HIDDEN_WEIGHT)
    for _ in range(len(controller.session.stages)):
        controller.step()
        ex = controller.explain(HIDDEN_WEIGHT)
        assert ex is not None
        for digits in DIGIT_LEVELS:
            for part in table_parts(explanation_html(ex, 0, "sgd", None, None, digits, "")):
                cut = widest_rows(part, metrics.horizontalAdvance)
                cut_some += cut != part
                assert width(cut) == width(part)
    assert cut_some  # so the test can fail: some tables were cut
    host.close()


def test_the_chain_dock_behind_the_walkthrough_tab_keeps_its_width_until_raised(
    qtbot, settings: QSettings
) -> None:
    """A tutorial step that selects a weight widens the chain's content while the walkthrough's
    tab covers the dock: the dock is not resized then (Qt kept the width and applied it at the
    window's next re-layout, the busy indicator's, moving the network while a job ran), but
    when its tab comes up."""
    with contextmanager(open_window)(qtbot, parse_session(tiny_session_dict()), settings) as win:
        win.resize(1400, 900)
        win.controller.mark_unmodified()
        win.open_spec("example:tour-every-number")
        win.controller.goto_step(10)  # selects a weight: the chain has content to fit
        QApplication.processEvents()
        assert win.walkthrough_dock.isVisible()
        view = win.network_view.width()
        for _ in range(5):
            QApplication.processEvents()
        assert win.network_view.width() == view
        win.job_ui.busy.set_label("replaying step 12…")
        win.job_ui.busy.setVisible(True)  # re-lays the window out, as a job's start does
        for _ in range(5):
            QApplication.processEvents()
        assert win.network_view.width() == view
        win.job_ui.busy.setVisible(False)
        win.chain_dock.raise_()
        sizer = win.docks.chain_width
        qtbot.waitUntil(lambda: win.chain_dock.width() == sizer.width())


def test_widths_kept_from_earlier_numbers_are_the_widths_measured_anew(
    qtbot, controller: SessionController
) -> None:
    """The panel keeps the widths it measured by the text with every digit a 0 (the fonts draw
    all digits equally wide): at every step of two iterations, the width it asks for is what a
    new panel measures from scratch for the same page."""
    panel = ChainPanel(controller)
    host = show_in_host(qtbot, panel, 520, 900)
    if panel.width_key("w 0.5118216247") != "w 0.0000000000":
        host.close()
        pytest.skip("this machine's fonts have digits of unequal widths: every text is measured")
    assert panel.width_key('<span style="color:#9a9a9a">ReLU&#x27;s 12</span>') == (
        '<span style="color:#9a9a9a">ReLU&#x27;s 00</span>'  # tags and entities unchanged
    )
    controller.select(HIDDEN_WEIGHT)
    for _ in range(2 * len(controller.session.stages)):
        controller.step()
        fresh = ChainPanel(controller)
        fresh_host = show_in_host(qtbot, fresh, 520, 900)
        assert fresh.browser.toPlainText() == panel.browser.toPlainText()
        assert fresh.preferred_width() == panel.preferred_width()
        fresh_host.close()
    host.close()


def test_a_run_says_running_and_its_end_explains_once(
    qtbot, panel: ChainPanel, controller: SessionController, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a run goes the panel says so; at its end running_changed(False) is followed by
    stage_changed, and the panel explains the new state once, not for each (a 784-128-10
    page took 10 to 20 ms to lay out)."""
    controller.select(HIDDEN_WEIGHT)
    explained = count_explanations(controller, monkeypatch)
    shown: list[str] = []
    controller.running_changed.connect(lambda running: shown.append(panel.shown_html))
    with qtbot.waitSignal(controller.run_finished, timeout=10_000):
        controller.run(3)
    assert "Running." in shown[0]
    assert explained == [HIDDEN_WEIGHT]
    assert panel.explanation is not None
    assert panel.explanation.to_json() == engine_explanation(controller, HIDDEN_WEIGHT).to_json()
