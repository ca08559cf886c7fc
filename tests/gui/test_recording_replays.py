"""A recording replays exactly as it was recorded, from wherever it started (issue 12.1, 12.2)."""

from __future__ import annotations

import json
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import ParameterRef, parse_session
from engine.files.walkthrough import Player, ViewState, Walkthrough, parse_walkthrough
from gui.controller import SessionController
from tests.helpers import tiny_session_dict

PARAMETERS = (
    ParameterRef(0, 1, 0),
    ParameterRef(1, 0, 2),
    ParameterRef(0, 2, None),
    ParameterRef(1, 0, None),
)
COLORS = ("weight", "gradient", "update")


def _controller(qtbot) -> SessionController:
    return SessionController(parse_session(tiny_session_dict()))


def _saved_and_loaded(walkthrough: Walkthrough) -> Walkthrough:
    """The walkthrough as Save Walkthrough writes it and Open reads it back."""
    return parse_walkthrough(json.loads(json.dumps(walkthrough.to_json())))


def _replay_unmet(walkthrough: Walkthrough) -> list[tuple[int, str]]:
    player = Player(walkthrough)
    return [
        (index + 1, r.describe())
        for index in range(len(walkthrough.steps))
        for r in player.goto(index)
        if not r.met
    ]


def test_a_recording_started_mid_iteration_with_a_selection_replays_green(qtbot) -> None:
    """20 iterations, F10 x4, select W[1][0,2], colour by gradient, record, step on, replay."""
    c = _controller(qtbot)
    c.goto_iteration(20)
    for _ in range(4):
        c.step()
    c.select(ParameterRef(1, 0, 2))
    c.set_color_by("gradient")
    c.set_sample(2)
    c.start_recording()
    c.step()
    c.step()
    c.stop_recording()
    walkthrough = _saved_and_loaded(c.recorded_walkthrough())
    assert [s.action for s in walkthrough.steps[:3]] == ["step", "select", "view"]
    assert (walkthrough.steps[2].color_by, walkthrough.steps[2].sample) == ("gradient", 2)
    assert _replay_unmet(walkthrough) == []
    player = Player(walkthrough)
    player.goto(2)
    assert player.view == ViewState(ParameterRef(1, 0, 2), "gradient", 2)


def test_stepping_back_before_the_recordings_start_stops_at_it(qtbot) -> None:
    c = _controller(qtbot)
    c.goto_iteration(20, 4)
    c.start_recording()
    messages: list[str] = []
    c.message.connect(messages.append)
    c.step()
    c.step()
    for _ in range(8):
        c.back()
    assert (c.session.iteration, c.session.stage) == (20, 0)  # the walkthrough's session starts here
    assert any("cannot go back before its start" in m for m in messages)
    c.reset()
    assert (c.session.iteration, c.session.stage) == (20, 0)
    walkthrough = _saved_and_loaded(c.recorded_walkthrough())
    assert all(s.expect.get("iteration", 20) >= 20 for s in walkthrough.steps)
    assert _replay_unmet(walkthrough) == []
    c.stop_recording()
    c.back()  # not recording: free to go back
    assert c.session.iteration == 19


def _actions(c: SessionController) -> dict[str, Callable[[int], None]]:
    stages = len(c.session.stages)
    return {
        "step": lambda k: c.step(),
        "back": lambda k: c.back(1 + k % 4),
        "finish": lambda k: c.finish_iteration(),
        "goto_stage": lambda k: c.goto_stage(k % stages),
        "select": lambda k: c.select(None if k % 5 == 4 else PARAMETERS[k % 4]),
        "color": lambda k: c.set_color_by(COLORS[k % 3]),
        "set": lambda k: c.set_parameter(PARAMETERS[k % 4], (k % 7 - 3) / 4),
        "note": lambda k: c.add_note(f"note {k}"),
        "reset": lambda k: c.reset(),
        "sample": lambda k: c.set_sample(k % 4),
    }


ACTION = st.tuples(
    st.sampled_from(
        ("step", "back", "finish", "goto_stage", "select", "color", "set", "note", "reset", "sample")
    ),
    st.integers(0, 20),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start_iterations=st.integers(0, 3),
    start_stages=st.integers(0, 5),
    before=st.lists(ACTION, max_size=4),
    recorded=st.lists(ACTION, min_size=1, max_size=14),
)
def test_random_recordings_from_a_random_start_replay_with_every_expect_met(
    qtbot,
    start_iterations: int,
    start_stages: int,
    before: list[tuple[str, int]],
    recorded: list[tuple[str, int]],
) -> None:
    c = _controller(qtbot)
    actions = _actions(c)
    c.goto_iteration(start_iterations, start_stages)
    for name, k in before:
        actions[name](k)
    c.start_recording()
    for name, k in recorded:
        actions[name](k)
        _assert_expect_is_on_screen(c)
    walkthrough = _saved_and_loaded(c.recorded_walkthrough())
    assert _replay_unmet(walkthrough) == []
    # the replay ends where the recording did
    player = Player(walkthrough)
    if walkthrough.steps:
        player.goto(len(walkthrough.steps) - 1)
        snap = player.session.snapshot()
        assert (snap.iteration, snap.stage) == (c.session.iteration, c.session.stage)
        assert player.view.selection == c.selection
        assert player.view.color_by == c.color_by
        assert player.view.sample == c.sample


def _assert_expect_is_on_screen(c: SessionController) -> None:
    """The last recorded step ticks the chain rule panel's value and gradient, or none of them
    when the panel has none (the recording's session cannot show what came before it)."""
    if not c.recorded:
        return
    expect = c.recorded[-1].expect
    explanation = c.explain()
    if explanation is None:
        assert "value" not in expect
        assert "gradient" not in expect
        return
    state = c.recorded_walkthrough().session.state
    start = 0 if state is None else state.iteration
    if explanation.iteration >= start:  # else the panel shows an iteration replay starts after
        assert expect["value"] == explanation.value
        assert expect.get("gradient") == explanation.gradient
