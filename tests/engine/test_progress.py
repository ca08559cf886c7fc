"""Long work shows progress on a terminal: chain far ahead, a walkthrough step of many
iterations; and running in chunks for it changes no number."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

from engine import Session, parse_session
from engine.cli import main
from engine.explain.chain import parse_parameter
from engine.files import walkthrough
from engine.files.examples import resolve
from engine.files.walkthrough import Step, ViewState, apply_step
from engine.progress import Progress, on_stream, tracked
from tests.conftest import tiny_session_dict


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only() -> None:
    terminal = Terminal()
    progress = Progress(4_000_000, "training", terminal, width=4)
    progress.update(1_000_000)
    progress.update(1_000_001)  # same percentage: not redrawn
    progress.update(4_000_000)
    progress.close()
    assert terminal.getvalue() == (
        "\rtraining [█···] 1,000,000/4,000,000\rtraining [████] 4,000,000/4,000,000\n"
    )
    log = io.StringIO()
    Progress(10, "training", log).update(5)
    assert log.getvalue() == ""


def test_tracked_work_is_silent_unless_a_stream_is_set() -> None:
    terminal = Terminal()
    tracked(10, "quiet").update(5)  # no stream set: nothing anywhere, no error
    with on_stream(terminal):
        bar = tracked(10, "loud")
        bar.update(10)
        bar.close()
    assert "loud" in terminal.getvalue()
    tracked(10, "quiet again").update(5)
    assert "quiet again" not in terminal.getvalue()


def test_chain_far_ahead_shows_progress_and_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["chain", "example:xor", "--weight", "0:1:0", "--iteration", "3000", "--json"]) == 0
    assert "training to iteration 3,000" in terminal.getvalue()
    shown = json.loads(out.getvalue())
    # the reference: the same session walked there in one go, without chunks
    session = Session(resolve("example:xor"))
    record = session.iteration_record(3000)
    assert shown["gradient"] == record.backward_of(0).dW[1, 0]  # type: ignore[union-attr]


@pytest.mark.parametrize("stages_first", [0, 2])
def test_a_long_walkthrough_step_runs_in_chunks_with_progress_and_the_same_numbers(
    monkeypatch: pytest.MonkeyPatch, stages_first: int
) -> None:
    """Chunks of 7 for a step of 40 iterations (the limits lowered to keep it quick), from
    the start of an iteration and from its middle: parameters identical to one run."""
    monkeypatch.setattr(walkthrough, "LONG_STEP", 10)
    monkeypatch.setattr(walkthrough, "_CHUNK", 7)
    config = parse_session(tiny_session_dict(batch_size=2))
    chunked, whole = Session(config), Session(config)
    for session in (chunked, whole):
        for _ in range(stages_first):
            session.step()
    terminal = Terminal()
    with on_stream(terminal):
        apply_step(chunked, ViewState(), Step("iterations", count=40))
    whole.run_iterations(40)
    assert "running 40 iterations" in terminal.getvalue()
    assert chunked.iteration == whole.iteration
    for a, b in zip(chunked.params, whole.params, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.bias, b.bias)
    ref = parse_parameter("0:0:0", bias=False)
    assert chunked.explain(ref).to_json() == whole.explain(ref).to_json()
