"""No "−0" in what the engine writes: a zero contribution (input 0 times a negative δ) is 0."""

from __future__ import annotations

import json
import math
import re

import pytest

from engine import ParameterRef, Session, parse_session
from engine.explain.chain import ChainExplanation
from engine.explain.format import fmt, latex_value
from engine.explain.worked import num, plain, worked_iteration
from engine.files.examples import resolve
from tests.helpers import all_refs

# a minus before a zero that is all zeros ("-0", "−0.000"), not "−0.5", "1e-05" or "w−0"
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0(?![.\d]*[1-9])")


def test_the_pattern_finds_negative_zeros_and_nothing_else() -> None:
    for bad in ("= −0", "-0", "(−0)", "-0.0", " −0.000 ", "−0e0"):
        assert NEGATIVE_ZERO.search(bad), bad
    for good in ("−0.5", "-0.0254", "1e-05", "1e−5", "x0", "10", "0", "−0.000001", "2.5e-10", "a−0b"):
        assert not NEGATIVE_ZERO.search(good), good


@pytest.mark.parametrize("write", [fmt, latex_value, num, plain])
def test_negative_zero_is_written_as_zero(write) -> None:
    assert write(-0.0) == "0"
    assert write(0.0) == "0"
    assert write(-0.5) in ("-0.5", "(-0.5)")


def _sweep(session: Session) -> list[ChainExplanation]:
    """Every parameter's explanation at every stage of two iterations, as the window shows it."""
    out = []
    stages = len(session.stages)
    for position in range(2 * stages + 1):
        session.goto_position(position)
        record = session.snapshot().shown_record()
        out.extend(session.explain(ref, record) for ref in all_refs(session.config.sizes))
    return out


def test_no_negative_zero_in_text_latex_or_json_of_xor() -> None:
    explanations = _sweep(Session(resolve("example:xor")))
    signed = [
        s.contribution
        for ex in explanations
        for s in ex.samples
        if s.contribution == 0 and math.copysign(1.0, s.contribution) < 0
    ]
    assert signed, "XOR's (0, 0) sample should give contributions of −0.0 to check against"
    for ex in explanations:
        for rendered in (ex.to_text(), ex.to_latex(), json.dumps(ex.to_json())):
            match = NEGATIVE_ZERO.search(rendered)
            assert match is None, rendered[max(0, match.start() - 60) : match.end() + 20]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_no_negative_zero_in_the_worked_example(optimizer: str) -> None:
    from tests.helpers import tiny_session_dict

    session = Session(parse_session(tiny_session_dict(optimizer={"name": optimizer, "learning_rate": 0.5})))
    text = worked_iteration(session)
    assert NEGATIVE_ZERO.search(text) is None


def test_example_row_is_the_first_sample_that_contributes() -> None:
    session = Session(resolve("example:xor"))
    weight = ParameterRef(0, 1, 0)  # from input x0, which is 0 in XOR's samples 0 and 1
    for position in range(len(session.stages) + 1):
        session.goto_position(position)
        record = session.snapshot().shown_record()
        ex = session.explain(weight, record)
        x0 = record.inputs[:, 0]
        backward = record.backward_of(0)
        if backward is None:  # pending: the first sample with no factor known to be 0
            expected = next(r for r in range(len(x0)) if x0[r] != 0)
        else:
            expected = next(r for r in range(len(x0)) if x0[r] * backward.delta[r, 1] != 0)
        assert ex.example_row() == expected == 2
        assert ex.samples[0].factors[-1].value == 0.0
    bias = session.explain(ParameterRef(0, 1, None), session.snapshot().shown_record())
    assert bias.example_row() == 0  # a bias's ∂z/∂b is 1: sample 0 contributes


def test_example_row_is_0_when_no_sample_contributes() -> None:
    from dataclasses import replace

    session = Session(resolve("example:xor"))
    session.goto_position(len(session.stages))
    ex = session.explain(ParameterRef(0, 1, 0), session.snapshot().shown_record())
    zeroed = replace(ex, samples=tuple(replace(s, contribution=0.0) for s in ex.samples))
    assert zeroed.example_row() == 0
