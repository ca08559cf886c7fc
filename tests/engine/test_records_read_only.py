"""Recorded arrays are read-only and never the buffers of live state or the data."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from engine import ParameterRef, Session, parse_session
from tests.conftest import tiny_session_dict

OPTIMIZERS = {
    "sgd": {"name": "sgd", "learning_rate": 0.5},
    "momentum": {"name": "momentum", "learning_rate": 0.3, "momentum": 0.9},
    "adam": {"name": "adam", "learning_rate": 0.05},
}


def arrays_in(value: Any, where: str = "") -> list[tuple[str, np.ndarray]]:
    """Every array inside a record (dataclasses, tuples), with where it is."""
    if isinstance(value, np.ndarray):
        return [(where, value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            a
            for f in dataclasses.fields(value)
            for a in arrays_in(getattr(value, f.name), f"{where}.{f.name}")
        ]
    if isinstance(value, tuple | list):
        return [a for i, v in enumerate(value) for a in arrays_in(v, f"{where}[{i}]")]
    return []


def session_for(optimizer: str, **overrides: Any) -> Session:
    return Session(parse_session(tiny_session_dict(optimizer=OPTIMIZERS[optimizer], **overrides)))


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_array_of_a_record_and_snapshot_is_read_only(optimizer: str) -> None:
    session = session_for(optimizer, batch_size=3)
    session.run_iterations(2)
    session.finish_iteration()
    for _ in range(3):
        session.step()
    snap = session.snapshot()
    found = arrays_in(snap, "snapshot") + arrays_in(session.iteration_record(0), "record0")
    found += arrays_in(session.params, "params") + arrays_in(session.optimizer_state, "state")
    names = {where.rsplit(".", 1)[-1] for where, _ in found}
    # the data, each stage's arrays, the update's parameters and steps are all there
    assert {"inputs", "targets", "batch", "z", "a", "delta", "dW", "db", "weights", "bias"} <= names
    for where, array in found:
        assert not array.flags.writeable, where
    rec = session.iteration_record(0)
    assert rec.update is not None
    for array in (rec.forward[0].z, rec.backward[0].dW, rec.update.params_after[0].weights, rec.inputs):
        with pytest.raises(ValueError, match="read-only"):
            array[(0,) * array.ndim] = 123.0
    with pytest.raises(ValueError, match="read-only"):
        session.params[0].weights[0, 0] = 1.0


def test_run_callback_arrays_are_read_only() -> None:
    summaries: list[Any] = []
    session_for("momentum").run_iterations(3, on_iteration=summaries.append)
    for where, array in arrays_in(summaries, "summaries"):
        assert not array.flags.writeable, where


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_stepping_and_editing_later_leave_earlier_records_unchanged(optimizer: str) -> None:
    session = session_for(optimizer)
    session.finish_iteration()
    first = session.iteration_record(0)
    snap = session.snapshot()
    copies = [(w, a.copy()) for w, a in arrays_in(first, "record") + arrays_in(snap, "snapshot")]
    session.run_iterations(5)
    session.goto(1, 2)
    session.set_parameter(ParameterRef(0, 1, 0), 1.75)
    session.set_parameter(ParameterRef(1, 0, None), -0.5)
    session.run_iterations(3)
    session.goto(0, 4)
    for (where, before), (_, now) in zip(
        copies, arrays_in(first, "record") + arrays_in(snap, "snapshot"), strict=True
    ):
        np.testing.assert_array_equal(now, before, err_msg=where)
    # and the iteration recomputed from history is the same as the one kept
    again = session.iteration_record(0)
    for (where, a), (_, b) in zip(arrays_in(first), arrays_in(again), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=where)


def test_an_edit_makes_new_arrays_and_leaves_the_snapshot_before_it_alone() -> None:
    session = session_for("sgd")
    before = session.snapshot()
    old_weights = before.params[0].weights.copy()
    session.set_parameter(ParameterRef(0, 0, 0), 9.0)
    assert session.params[0].weights[0, 0] == 9.0
    np.testing.assert_array_equal(before.params[0].weights, old_weights)
    assert not np.shares_memory(session.params[0].weights, before.params[0].weights)


def test_momentum_first_velocity_is_not_the_gradient_buffer() -> None:
    session = session_for("momentum")
    session.finish_iteration()
    rec = session.iteration_record(0)
    assert rec.update is not None
    velocity = rec.update.state_after.first
    assert velocity is not None
    for layer, v in enumerate(velocity):
        back = rec.backward_of(layer)
        assert back is not None
        np.testing.assert_array_equal(v.weights, back.dW)  # v0 = g0, PyTorch's first step
        assert not np.shares_memory(v.weights, back.dW)
        assert not np.shares_memory(v.bias, back.db)


def test_records_do_not_share_the_configuration_data() -> None:
    config = parse_session(tiny_session_dict())
    session = Session(config)
    session.step()
    rec = session.record()
    assert not np.shares_memory(rec.inputs, config.x)
    assert not np.shares_memory(rec.targets, config.y)
    x_before = rec.inputs.copy()
    if config.x.flags.writeable:  # whoever holds the configuration may write into it
        config.x[0, 0] = 1e6
    np.testing.assert_array_equal(rec.inputs, x_before)
