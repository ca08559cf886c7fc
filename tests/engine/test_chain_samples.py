"""A batch's chain-rule terms are made when read: what reads every sample reads the columns,
and agrees with reading every sample one by one."""

from __future__ import annotations

import functools
import operator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ParameterRef, Session, parse_session
from engine.explain import samples as samples_module
from engine.explain.chain import ChainExplanation
from engine.explain.samples import SampleList
from tests.engine.test_chain import all_refs
from tests.helpers import tiny_session_dict
from tests.reference import problems, session_for


def one_by_one(ex: ChainExplanation) -> ChainExplanation:
    """The same explanation with its samples a plain tuple, read one by one."""
    return replace(ex, samples=tuple(ex.samples))


@settings(max_examples=60, deadline=None)
@given(problems(), st.data())
def test_what_reads_every_sample_agrees_with_reading_them_one_by_one(p: dict[str, Any], data: Any) -> None:
    """At every stage of an iteration (pending factors included), for random networks."""
    session = session_for(p)
    stages = len(session.stages)
    session.goto(0, data.draw(st.integers(0, stages - 1)))
    record = session.snapshot().record
    for ref in data.draw(st.lists(st.sampled_from(all_refs(session)), min_size=1, max_size=4, unique=True)):
        ex = session.explain(ref, record)
        assert isinstance(ex.samples, SampleList)
        plain = one_by_one(ex)
        assert ex.pending_factors == plain.pending_factors
        assert ex.example_row() == plain.example_row()
        assert ex.all_contribute_zero() == plain.all_contribute_zero()
        assert tuple(ex.samples) == plain.samples
        assert ex.to_text() == plain.to_text()


def test_a_dead_unit_contributes_zero_in_every_sample_and_the_worked_sample_is_row_0() -> None:
    """A ReLU unit that no sample switches on: every contribution is 0, known from the columns."""
    doc = tiny_session_dict(
        network={
            "inputs": 2,
            "init": "xavier_uniform",
            "layers": [{"units": 3, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}],
        }
    )
    session = Session(parse_session(doc))
    # inputs are 0 or 1: z ≤ bias < 0, the unit is off for every sample
    for ref, value in (
        (ParameterRef(0, 1, 0), -1.0),
        (ParameterRef(0, 1, 1), -1.0),
        (ParameterRef(0, 1), -0.5),
    ):
        session.set_parameter(ref, value)
    session.finish_iteration()
    ex = session.explain(ParameterRef(0, 1, 0), session.snapshot().previous)
    assert ex.all_contribute_zero()
    assert one_by_one(ex).all_contribute_zero()
    assert ex.example_row() == 0 == one_by_one(ex).example_row()


def test_a_large_batch_makes_only_the_samples_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Explaining a weight for a batch of 50,000 rows makes no sample's terms until read: the
    window reads a dozen (a step with a weight selected took 5 s for 200,000 rows)."""
    made: list[int] = []
    real = SampleList._make
    monkeypatch.setattr(SampleList, "_make", lambda self, row: made.append(row) or real(self, row))
    rng = np.random.default_rng(0)
    x = rng.random((50_000, 2))
    doc = tiny_session_dict(data={"inputs": x.tolist(), "targets": (x[:, :1] > 0.5).astype(float).tolist()})
    session = Session(parse_session(doc))
    session.finish_iteration()
    ex = session.explain(ParameterRef(0, 1, 0), session.snapshot().previous)
    assert made == []
    assert not ex.pending_factors
    assert len(ex.samples) == 50_000
    row = ex.example_row()
    first = ex.samples[row]
    assert ex.samples[row] is first  # made once
    assert ex.samples[-1] == ex.samples[49_999]
    assert sorted(set(made)) == sorted({row, 49_999})
    with pytest.raises(IndexError):
        ex.samples[50_000]
    assert len(ex.samples[10:13]) == 3


def test_upstream_sums_add_the_terms_one_after_another_in_ks_order() -> None:
    """A hidden unit's dℓ/da from the next layer's w·δ: the terms shown, added left to right,
    bit for bit (on every Python: 3.12's sum() of floats compensates, so it is not the rule)."""
    rng = np.random.default_rng(1)
    weights = rng.normal(size=7)
    deltas = rng.normal(size=(50, 7)) * 10.0 ** rng.integers(-8, 8, size=(50, 7))
    rows = samples_module.UpstreamRows(weights, deltas, 50)
    assert rows.sums is not None
    for row in range(50):
        products = [term.product for term in rows[row] if term.product is not None]
        assert rows.sums[row] == functools.reduce(operator.add, products, 0.0)
    pending = samples_module.UpstreamRows(weights, None, 50)
    assert pending.sums is None
    assert all(term.delta is None for term in pending[3])


def test_two_explanations_of_the_same_record_are_equal_without_making_their_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = Session(parse_session(tiny_session_dict(data={"preset": "moons", "samples": 500})))
    session.finish_iteration()
    record = session.snapshot().previous
    ref = ParameterRef(0, 1, 0)
    first, second = session.explain(ref, record), session.explain(ref, record)
    made: list[int] = []
    monkeypatch.setattr(SampleList, "_make", lambda self, row: made.append(row))
    assert first == second
    assert hash(first.samples) == hash(second.samples)
    assert made == []
    other = session.explain(ParameterRef(0, 2, 0), record)
    assert first.samples != other.samples
