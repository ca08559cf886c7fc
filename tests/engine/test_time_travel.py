"""Stepping back, jumping and editing leave the session bit-identical to a straight replay."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import GradstepError, ParameterRef, Session, parse_session
from engine.history.checkpoints import start_bytes
from tests.helpers import CONFIGS, assert_identical

ops = st.lists(
    st.one_of(
        st.tuples(st.just("step"), st.integers(1, 12)),
        st.tuples(st.just("back"), st.integers(1, 30)),
        st.tuples(st.just("goto"), st.integers(0, 40), st.integers(0, 7)),
        st.tuples(st.just("run"), st.integers(1, 25)),
        st.tuples(st.just("finish")),
        st.tuples(st.just("edit"), st.integers(0, 10), st.floats(-2, 2)),
    ),
    max_size=14,
)


def one_start(session: Session) -> int:
    """Bytes of one iteration's start: what history may hold beyond its budget."""
    return start_bytes(session.params, session.snapshot().optimizer_state)


def count_replays(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The iterations sessions recompute on their fast path from now on, in order."""
    replayed: list[int] = []
    fast = Session._fast_iteration

    def counting(self: Session, k: int, *args: object) -> object:
        replayed.append(k)
        return fast(self, k, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Session, "_fast_iteration", counting)
    return replayed


def refs(session: Session) -> list[ParameterRef]:
    """Every weight and bias of the session's network."""
    out = []
    for layer, p in enumerate(session.params):
        for unit in range(p.weights.shape[0]):
            out.append(ParameterRef(layer, unit, None))
            out.extend(ParameterRef(layer, unit, i) for i in range(p.weights.shape[1]))
    return out


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(CONFIGS)), ops, st.sampled_from([1 << 30, 3000]))
def test_any_walk_matches_a_straight_replay(name: str, walk: list, budget: int) -> None:
    """After any step/back/goto/run/edit sequence the snapshot is the replayed one, bit for bit.

    A budget of 3000 bytes forces the checkpoint interval to double again and again, so
    going back has to recompute from thinned checkpoints.
    """
    config = parse_session(CONFIGS[name])
    session = Session(config, history_bytes=budget)
    per_iteration = len(session.stages)
    edits: list[tuple[int, int, ParameterRef, float]] = []  # (iteration, stage, ref, value)
    for op in walk:
        if op[0] == "step":
            for _ in range(op[1]):
                session.step()
        elif op[0] == "back":
            session.back(min(op[1], session.position))
        elif op[0] == "goto":
            session.goto(op[1], op[2] % per_iteration)
        elif op[0] == "run":
            session.run_iterations(op[1])
        elif op[0] == "finish":
            session.finish_iteration()
        else:
            all_refs = refs(session)
            ref = all_refs[op[1] % len(all_refs)]
            k = session.iteration
            # An edit starts a new branch: later edits are gone with the history they made.
            edits = [e for e in edits if e[0] <= k]
            edits.append((k, session.stage, ref, op[2]))
            session.set_parameter(ref, op[2])
    replay = Session(config)
    for k, s, ref, value in edits:
        replay.goto(k, s)
        replay.set_parameter(ref, value)
    replay.goto(session.iteration, session.stage)
    assert session.position == replay.position
    assert_identical(session.snapshot(), replay.snapshot())
    # The loss curve may run ahead of the cursor (iterations computed before stepping back),
    # but up to the replay's point it is the replay's.
    ks, values = session.losses()
    replay_ks, replay_values = replay.losses()
    n = len(replay_ks)
    assert_identical(ks[:n], replay_ks, "loss iterations")
    assert_identical(values[:n], replay_values, "losses")


def test_thinning_keeps_history_bounded_and_exact() -> None:
    """A tiny budget thins checkpoints; any earlier iteration is still exactly recomputed."""
    config = parse_session(CONFIGS["adam-minibatch"])
    session = Session(config, history_bytes=2000)
    session.run_iterations(300)
    assert session.checkpoint_interval > 1
    assert session.history_bytes() <= 2000 + one_start(session)  # the budget, and the start kept off it
    fresh = Session(config)
    for k in (0, 1, 77, 128, 255, 299):
        for s in (0, 3, len(session.stages) - 1):
            session.goto(k, s)
            fresh.goto(k, s)
            assert_identical(session.snapshot(), fresh.snapshot(), f"({k}, {s})")


def test_back_one_stage_at_a_time_through_three_iterations() -> None:
    """Every stage of the last three iterations, walked backwards, equals a fresh session's."""
    config = parse_session(CONFIGS["momentum-minibatch"])
    session = Session(config, history_bytes=1500)
    session.run_iterations(40)
    session.step()
    session.step()
    while session.position > 37 * len(session.stages):
        session.back()
        fresh = Session(config)
        fresh.goto_position(session.position)
        assert_identical(session.snapshot(), fresh.snapshot(), f"position {session.position}")


def test_the_snapshot_after_a_run_recomputes_one_iteration_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run keeps the start of its last iteration, which the snapshot shows: the window drew a
    run's progress and its end after replaying up to a checkpoint interval of iterations (85 ms
    for 784-256-256-10, on the window's thread at the end of a run). The snapshot is exact."""
    replayed = count_replays(monkeypatch)
    for name in ("sgd-full", "adam-minibatch", "momentum-minibatch"):
        config = parse_session(CONFIGS[name])
        session = Session(config)
        for count in (29, 1, 30):  # ends off the checkpoint grid (16 iterations apart)
            session.run_iterations(count)
            replayed.clear()
            snap = session.snapshot()
            assert replayed == []
            fresh = Session(config)
            fresh.goto(session.iteration, 0)
            assert_identical(snap, fresh.snapshot(), f"{name} after {session.iteration}")


def test_runs_keep_one_start_off_the_checkpoint_grid() -> None:
    """Each run's last start replaces the previous run's: many short runs do not pile them up."""
    session = Session(parse_session(CONFIGS["momentum-minibatch"]))
    for _ in range(40):
        session.run_iterations(3)
    kept = [k for k in range(session.iteration + 1) if k in session._checkpoints]
    off_grid = [k for k in kept if k % session.checkpoint_interval]
    assert off_grid == [session.iteration - 1]


@pytest.mark.parametrize("budget", [300, 362, 500, 1000, 1500, 3000])
def test_the_start_a_run_keeps_never_coarsens_the_grid(budget: int) -> None:
    """The run's last start is kept only where the budget has room: thinning the grid for it
    would make every later replay longer. The grid is the one a walk to the same place makes."""
    config = parse_session(CONFIGS["sgd-full"])
    ran = Session(config, history_bytes=budget)
    ran.run_iterations(40)
    walked = Session(config, history_bytes=budget)
    walked.goto(40, 0)
    assert ran.checkpoint_interval == walked.checkpoint_interval
    assert ran.history_bytes() <= budget + one_start(ran)


def test_running_no_iterations_leaves_the_cursor_mid_iteration() -> None:
    session = Session(parse_session(CONFIGS["sgd-full"]))
    session.step()
    session.step()
    result = session.run_iterations(0)
    assert result.iterations == 0
    assert (session.iteration, session.stage) == (0, 2)


def test_going_back_keeps_the_start_the_snapshot_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Going to iteration k replays from a checkpoint through k - 1, whose record the snapshot
    at k shows: that start is kept on the way, so the snapshot replays nothing more (it had
    replayed the same stretch again, doubling the cost of going back)."""
    config = parse_session(CONFIGS["adam-minibatch"])
    session = Session(config)
    session.run_iterations(60)
    replayed = count_replays(monkeypatch)
    for k in (13, 45, 30, 1, 59):
        replayed.clear()
        session.goto(k, 0)
        went = len(replayed)
        snap = session.snapshot()
        assert len(replayed) == went, f"the snapshot at {k} replayed {replayed[went:]}"
        fresh = Session(config)
        fresh.goto(k, 0)
        assert_identical(snap, fresh.snapshot(), f"iteration {k}")


def test_prepare_makes_the_jump_short_and_can_stop() -> None:
    """prepare(k) recomputes the start of k (a window does it on a worker thread): the goto
    there then replays one iteration, and lands where a fresh session does. Asked to stop, it
    stops between two iterations and the cursor has not moved."""
    config = parse_session(CONFIGS["momentum-minibatch"])
    session = Session(config, history_bytes=3000)  # a coarse grid: long replays
    session.run_iterations(120)
    target = next(k for k in range(100, 0, -1) if session.replay_length(k) > 3)
    polls: list[int] = []

    def second_poll_stops() -> bool:
        polls.append(1)
        return len(polls) >= 2

    assert not session.prepare(target, second_poll_stops)
    assert (session.iteration, session.stage) == (120, 0)
    assert session.prepare(target)
    assert session.replay_length(target) == 1
    session.goto(target, 2)
    fresh = Session(config)
    fresh.goto(target, 2)
    assert_identical(session.snapshot(), fresh.snapshot(), f"iteration {target}")
    assert session.replay_length(session.iteration) == 0


@pytest.mark.parametrize("budget", [740, 1500, 3000, 1 << 30])
def test_after_prepare_a_jump_and_its_snapshot_replay_one_iteration_at_most(
    budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the budget (a full one too: the start kept beside the cursor is outside it) and
    wherever the target falls (on the grid, whose snapshot needs the iteration before, too)."""
    config = parse_session(CONFIGS["momentum-minibatch"])
    session = Session(config, history_bytes=budget)
    session.run_iterations(60)
    replayed = count_replays(monkeypatch)
    for target in (48, 32, 17, 59, 1, 16, 0):
        assert session.prepare(target)
        assert session.replay_length(target) <= 1
        replayed.clear()
        session.goto(target, 0)
        snap = session.snapshot()
        assert len(replayed) <= 1, f"budget {budget}, jump to {target}: replayed {replayed}"
        fresh = Session(config)
        fresh.goto(target, 0)
        assert_identical(snap, fresh.snapshot(), f"budget {budget}, iteration {target}")


def test_no_replay_length_before_the_sessions_start() -> None:
    session = Session(parse_session(CONFIGS["sgd-full"]))
    with pytest.raises(GradstepError, match="before this session's start"):
        session.replay_length(-1)
