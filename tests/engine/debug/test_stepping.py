"""Stepping through the learner's lines: where each line's quantity is shown, what is selected,
and a wrong update's gradient beside the correct one."""

from __future__ import annotations

import numpy as np
import pytest

from engine import ParameterRef, Session
from engine.files.session_file import parse_session
from engine.learner.debug.stepping import cursor_of, first_wrong_step, line_steps
from tests.engine.debug.conftest import report_of


@pytest.mark.parametrize(
    ("kind", "layer", "cursor"),
    [
        ("z", 0, (0, 1)),
        ("a", 1, (0, 2)),
        ("loss", None, (0, 3)),
        ("delta", 1, (0, 4)),  # the last layer's backward stage runs first
        ("dW", 0, (0, 5)),
        ("W", 0, (1, 0)),  # an update: the next iteration's start, where it stays visible
        ("step_b", 1, (1, 0)),
        ("X", None, (0, 0)),
    ],
)
def test_cursor_of_names_the_stage_that_computes_the_quantity(kind, layer, cursor) -> None:
    assert cursor_of(kind, layer, 2) == cursor


def test_the_stage_holds_the_quantity_the_cursor_names() -> None:
    report = report_of("tutorial_004.py")
    session = Session(parse_session(report.discovery.session))
    session.goto(0, cursor_of("z", 1, 2)[1])
    record = session.snapshot().record
    assert len(record.forward) == 2
    assert record.loss is None
    session.goto(0, cursor_of("delta", 0, 2)[1])
    assert [b.layer for b in session.snapshot().record.backward] == [1, 0]


def test_tutorial_004_steps_in_order_and_names_line_53() -> None:
    report = report_of("tutorial_004.py")
    steps = line_steps(report)
    assert [s.line for s in steps if s.iteration == 0][:5] == [35, 36, 39, 40, 43]
    assert [s.iteration for s in steps] == sorted(s.iteration for s in steps)
    index = first_wrong_step(report, steps)
    assert index is not None
    wrong = steps[index]
    assert (wrong.line, wrong.iteration, wrong.status) == (53, 0, "matches-mistake")
    assert wrong.cursor == (1, 0)
    assert wrong.ref == ParameterRef(0, 0, 0)
    assert all(s.check is None for s in steps[:index])


def test_a_wrong_update_shows_the_implied_gradient_beside_the_engines() -> None:
    report = report_of("tutorial_004.py")
    steps = line_steps(report)
    wrong = steps[first_wrong_step(report, steps)]
    assert wrong.check is not None
    g = wrong.check.gradients
    assert g is not None
    assert g.implied
    before = report.discovery.iterations[0].params[0].weights
    lr = report.discovery.learning_rate
    # yours: (old - your new W) / lr, in Gradstep's (out, in) orientation
    yours_new = before - lr * g.yours[0].weights
    assert yours_new[0, 0] == pytest.approx(0.3746512857634185, rel=1e-12)
    assert g.marks[0].weights.all()
    assert not g.marks[1].weights.any()
    np.testing.assert_array_equal(g.yours[1].weights, g.correct[1].weights)
    assert wrong.check.diagnosis is not None
    assert wrong.check.diagnosis.matches[0].name == "updated_weights_backprop"


def test_a_correct_program_has_no_comparison() -> None:
    steps = line_steps(report_of("tutorial_001.py"))
    assert steps
    assert all(s.check is None for s in steps)
    assert {s.status for s in steps} <= {"matches", "helper"}
