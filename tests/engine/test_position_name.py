"""name_position: the one rule for how the window names a cursor position."""

from __future__ import annotations

import pytest

import engine.history.snapshot as snapshot_module
from engine import ParameterRef, Session, parse_session
from engine.history.snapshot import name_position
from tests.helpers import tiny_session_dict


def test_positions_are_named_0_based_with_the_updates_in_words() -> None:
    session = Session(parse_session(tiny_session_dict()))
    assert name_position(session.snapshot()).text == "iteration 0 · not started · 0 updates done"
    session.step()
    assert name_position(session.snapshot()).text == "iteration 0 · after Forward 0 · 0 updates done"
    session.finish_iteration()
    name = name_position(session.snapshot())
    assert (name.iteration, name.done, name.updates) == (0, len(session.stages), 1)
    assert name.text == "iteration 0 · after Update · 1 update done"
    session.step()
    assert name_position(session.snapshot()).text == "iteration 1 · after Forward 0 · 1 update done"


def test_an_edit_after_the_update_starts_the_next_iteration() -> None:
    session = Session(parse_session(tiny_session_dict()))
    session.finish_iteration()
    session.set_parameter(ParameterRef(0, 0, 0), 0.5)  # the update no longer leads here
    name = name_position(session.snapshot())
    assert (name.iteration, name.done, name.updates) == (1, 0, 1)


def test_a_snapshot_compares_its_parameters_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window names a position about seven times a redraw; the comparison of the parameters
    with the last update's (2 ms a time for 784-256-256-10) is made once a snapshot."""
    session = Session(parse_session(tiny_session_dict()))
    session.finish_iteration()
    compared: list[int] = []
    real = snapshot_module.np.array_equal

    def counting(a: object, b: object, equal_nan: bool = False) -> bool:
        compared.append(1)
        return bool(real(a, b, equal_nan=equal_nan))

    monkeypatch.setattr(snapshot_module.np, "array_equal", counting)
    snap = session.snapshot()
    names = {name_position(snap).text for _ in range(7)}
    assert names == {"iteration 0 · after Update · 1 update done"}
    assert len(compared) == 2 * len(snap.params)  # weights and bias of each layer, once
    assert snap.shown_record() is snap.previous
