"""The chain on the canvas: the selected parameter's factors written along its path, from the engine."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from engine import ParameterRef, parse_session
from engine.core import compute
from engine.explain.chain import explain
from gui.controller import SessionController
from gui.formatting import PENDING_COLOR, format_number
from gui.network.chain_labels import SLOT
from gui.network.chain_terms import TOP_TERMS, shown_number
from gui.network_view import NetworkView
from gui.stage_strip import KIND_COLORS
from tests.gui.hosting import show_in_host
from tests.helpers import tiny_session_dict, wide_network_dict

HIDDEN = ParameterRef(0, 1, 0)


def make_view(qtbot, config, width: int = 1100, height: int = 700) -> tuple[SessionController, NetworkView]:
    controller = SessionController(config)
    view = NetworkView(controller)
    view.host_window = show_in_host(qtbot, view, width, height, margin=0)
    view.fit()
    return controller, view


def step_through(controller: SessionController, label: str) -> None:
    """Step until the stage just run is ``label``."""
    for _ in range(20):
        controller.step()
        last = controller.snapshot().last_stage
        if last is not None and last.label == label:
            return
    raise AssertionError(f"never reached {label}")


def engine_explanation(controller: SessionController, ref: ParameterRef):
    """The engine's own explanation of ``ref``, computed here, apart from the controller's."""
    record = controller.snapshot().shown_record()
    return explain(record, ref, controller.config, compute.batch_loss)


def shown(view: NetworkView) -> dict[str, tuple[str, str]]:
    """Each chain label shown: its key -> (text, colour)."""
    return {
        label.key.removeprefix("chain "): (label.item.toPlainText(), label.item.color.name())
        for label, _ in view.text_labels()
        if label.kind == "chain"
    }


def test_a_hidden_weight_s_factors_after_backward_0_are_the_engine_s(qtbot) -> None:
    controller, view = make_view(qtbot, parse_session(tiny_session_dict()))
    controller.select(HIDDEN)
    controller.set_sample(2)
    step_through(controller, "Backward 0")
    ex = engine_explanation(controller, HIDDEN)
    sample = ex.samples[2]
    factors = {f.kind: f.value for f in sample.factors}
    terms = {t.key: t for t in view.chain_terms}
    assert terms["dz_dw"].value == factors["dz_dw"]
    assert terms["da_dz"].value == factors["da_dz"]
    assert terms["dl_da"].value == factors["dl_da"]
    assert terms["contribution"].value == sample.contribution
    for u in sample.upstream:
        assert terms[f"upstream {u.unit}"].value == u.product
    # at the output, the loss stage's derivative for this sample
    record = controller.snapshot().shown_record()
    assert terms["output 0"].value == float(record.loss.dl_da[2, 0])
    assert None not in [t.value for t in terms.values()]
    labels = shown(view)
    assert set(labels) == set(terms)  # a roomy view writes every one of them
    for key, term in terms.items():
        text, color = labels[key]
        assert shown_number(term.value, 3) in text or shown_number(term.value, 4) in text
        assert color == QColor(KIND_COLORS[term.stage]).name()
    assert terms["dz_dw"].stage == "forward"
    assert terms["da_dz"].stage == "backward"
    assert terms["output 0"].stage == "loss"


def test_pending_factors_are_empty_slots_that_fill_in_as_the_backward_pass_runs(qtbot) -> None:
    controller, view = make_view(qtbot, parse_session(tiny_session_dict()))
    controller.select(HIDDEN)
    step_through(controller, "Forward 1")
    terms = {t.key: t for t in view.chain_terms}
    assert terms["dz_dw"].value is not None  # the input is known from the start
    assert terms["da_dz"].value is None
    assert terms["upstream 0"].value is None
    text, color = shown(view)["da_dz"]
    assert text.endswith(SLOT)
    assert color == QColor(PENDING_COLOR).name()
    step_through(controller, "Backward 1")  # the output's δ: w·δ and their sum fill in
    terms = {t.key: t for t in view.chain_terms}
    ex = engine_explanation(controller, HIDDEN)
    assert terms["upstream 0"].value == ex.samples[0].upstream[0].product
    assert terms["dl_da"].value == ex.samples[0].factors[0].value
    assert terms["da_dz"].value is None  # Backward 0 computes it
    assert shown(view)["da_dz"][0].endswith(SLOT)
    step_through(controller, "Backward 0")
    assert SLOT not in shown(view)["da_dz"][0]


def test_a_label_s_tooltip_has_the_full_value_and_what_it_is(qtbot) -> None:
    controller, view = make_view(qtbot, parse_session(tiny_session_dict()))
    controller.select(HIDDEN)
    step_through(controller, "Backward 0")
    label, box = next((lb, b) for lb, b in view.text_labels() if lb.key == "chain da_dz")
    assert view.labels.label_at(box.center()) is label
    value = next(t.value for t in view.chain_terms if t.key == "da_dz")
    assert f"= {format_number(value)}" in label.tooltip
    assert "derivative" in label.tooltip
    assert "Backward 0" in label.tooltip


def test_a_wide_layer_labels_its_top_contributors_and_counts_the_rest(qtbot) -> None:
    controller, view = make_view(qtbot, parse_session(wide_network_dict([2, 8, 8, 1], 6)), 1400, 900)
    controller.select(HIDDEN)
    step_through(controller, "Backward 0")
    ex = engine_explanation(controller, HIDDEN)
    upstream = ex.samples[0].upstream
    assert len(upstream) == 8
    top = sorted(upstream, key=lambda u: -abs(u.product))[:TOP_TERMS]
    labelled = {t.key: t.value for t in view.chain_terms if t.key.startswith("upstream")}
    assert labelled == {f"upstream {u.unit}": u.product for u in top}
    text, _ = shown(view)["dl_da"]
    assert f"+ {8 - TOP_TERMS} more" in text


def test_no_selection_or_a_run_clears_the_chain(qtbot) -> None:
    controller, view = make_view(qtbot, parse_session(tiny_session_dict()))
    controller.select(HIDDEN)
    step_through(controller, "Backward 0")
    assert shown(view)
    controller.select(None)
    assert view.chain_terms == []
    assert shown(view) == {}


def test_a_bias_s_chain_starts_at_its_square_with_dz_db_one(qtbot) -> None:
    controller, view = make_view(qtbot, parse_session(tiny_session_dict()))
    bias = ParameterRef(0, 2, None)
    controller.select(bias)
    step_through(controller, "Backward 0")
    terms = {t.key: t for t in view.chain_terms}
    assert terms["dz_dw"].value == 1.0
    assert terms["dz_dw"].symbol == "∂z/∂b"
    assert terms["dz_dw"].anchor == view.network_layout.bias_position(0, 2)


@pytest.mark.parametrize("value", [-0.0, 0.0])
def test_zero_is_never_written_with_a_minus(value: float) -> None:
    assert shown_number(value, 4) == "0"
    assert shown_number(np.float64(value), 10) == "0"
