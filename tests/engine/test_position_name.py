"""name_position: the one rule for how the window names a cursor position."""

from __future__ import annotations

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
