"""Run the tracer on the learner's program in a child process and read back what it recorded."""

from __future__ import annotations

import json
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.config import SessionConfig
from engine.core.records import Params
from engine.errors import GradstepError
from engine.learner.debug.source import LearnerSource
from engine.learner.process import DEFAULT_MEMORY_LIMIT, MEMORY_EXIT_CODE, ChildCancelled, run_child
from engine.learner.train_step_child import ORIENTATIONS

Array = NDArray[np.float64]

TRACER = Path(__file__).with_name("tracer.py")
MEMORY_BUDGET = 200 * 1024 * 1024  # bytes of copied values; past it, big arrays are summarised
# the orientations a train_step is tried in: check's first six, in check's order (samples,
# weights, bias); the other three are rare enough not to be worth a debug run each
TRAIN_STEP_ORIENTATIONS = tuple(tuple(o) for o in ORIENTATIONS[:6])


@dataclass(frozen=True)
class Change:
    """One value a line bound or changed: its identity (``key``), the name the learner sees
    (``name``: ``W1``, ``self.W1``, ``weights[0]``) and the copy (None when summarised)."""

    key: str
    name: str
    value: Array | None
    summary: dict[str, Any] | None = None


@dataclass(frozen=True)
class Event:
    """What one executed line changed; ``line`` None for a call's parameter bindings."""

    line: int | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Trace:
    """Everything the tracer recorded.

    ``starts[k]`` is the index of the first event of iteration k of the training loop;
    ``starts[-1]`` ends the last complete iteration.
    """

    events: tuple[Event, ...]
    starts: tuple[int, ...]
    status: str  # stopped, finished, error, input
    error: str | None
    error_line: int | None
    training_loop: int | None
    summarised: tuple[str, ...]
    python_lists: dict[str, int]
    printed: str
    train_step_orientation: tuple[str, str, str] | None = None
    train_step_starts: tuple[dict[str, Array], ...] = ()

    @property
    def iterations(self) -> int:
        return max(0, len(self.starts) - 1)

    def state_before(self, index: int) -> dict[str, Change]:
        """The latest value of every key before event ``index``."""
        state: dict[str, Change] = {}
        for event in self.events[:index]:
            for change in event.changes:
                state[change.key] = change
        return state

    def iteration_events(self, k: int) -> tuple[Event, ...]:
        return self.events[self.starts[k] : self.starts[k + 1]]


def record(
    source: LearnerSource,
    iterations: int,
    timeout: float,
    *,
    train_step: tuple[SessionConfig, Params] | None = None,
    cancel: threading.Event | None = None,
) -> Trace:
    """Trace ``iterations`` iterations of the learner's training loop (or train_step calls).

    Raises
    ------
    GradstepError
        A time-out, a crash of the interpreter, or a file the tracer could not run.
    """
    with tempfile.TemporaryDirectory(prefix="gradstep-debug-") as tmp:
        folder = Path(tmp)
        (folder / "source.py").write_text(source.text, encoding="utf-8")
        job: dict[str, Any] = {
            "code": str(source.path.resolve()),
            "filename": str(source.path.resolve()),
            "source": str(folder / "source.py"),
            "mode": "script" if train_step is None else "train_step",
            "loops": [[s.header, s.first_body, s.end, int(s.constant)] for s in source.loops],
            "iterations": iterations,
            "budget": MEMORY_BUDGET,
        }
        if train_step is not None:
            config, params = train_step
            arrays: dict[str, Any] = {"x": config.x, "y": config.y}
            for k, p in enumerate(params):
                arrays[f"w{k}"] = p.weights
                arrays[f"b{k}"] = p.bias
            np.savez(folder / "arrays.npz", **arrays)
            job.update(
                layers=len(params),
                learning_rate=config.optimizer.learning_rate,
                orientations=[list(o) for o in TRAIN_STEP_ORIENTATIONS],
            )
        (folder / "job.json").write_text(json.dumps(job), encoding="utf-8")
        try:
            result = run_child(
                TRACER,
                [str(folder / "job.json")],
                timeout=timeout,
                memory_limit=DEFAULT_MEMORY_LIMIT,
                cwd=source.path.resolve().parent,
                cancel=cancel,
            )
        except ChildCancelled:
            raise GradstepError(f"{source.path}: the debug was cancelled; your program was stopped") from None
        except GradstepError:  # the time-out, said in the learner's terms
            raise GradstepError(
                f"{source.path}: your program did not run {iterations} iterations of its training loop "
                f"within {timeout:g} s and was stopped (an infinite loop, or a slow one: raise --timeout)"
            ) from None
        if result.returncode == MEMORY_EXIT_CODE:
            raise GradstepError(
                f"{source.path}: your program exceeded the memory limit of {DEFAULT_MEMORY_LIMIT // 2**20} MB"
            )
        out = folder / "trace.json"
        if not out.exists():
            tail = (result.output.strip().splitlines() or ["no message"])[-1]
            raise GradstepError(
                f"{source.path}: your program ended the tracer's process "
                f"(exit code {result.returncode}): {tail}"
            )
        return _read(folder)


def _read(folder: Path) -> Trace:
    raw = json.loads((folder / "trace.json").read_text(encoding="utf-8"))
    with np.load(folder / "values.npz", allow_pickle=False) as npz:
        values = {key: npz[key] for key in npz.files}
    summaries: dict[str, dict[str, Any]] = raw["summaries"]
    events = tuple(
        Event(
            line,
            tuple(Change(key, name, values.get(ref), summaries.get(ref)) for key, name, ref in changes),
        )
        for line, changes in raw["events"]
    )
    printed_path = folder / "printed.txt"
    printed = printed_path.read_text(encoding="utf-8", errors="replace") if printed_path.exists() else ""
    orientation = raw.get("train_step_orientation")
    starts = tuple(
        {name: values[ref] for name, ref in entry.items()} for entry in raw.get("train_step_starts", [])
    )
    return Trace(
        events=events,
        starts=tuple(raw["starts"]),
        status=raw["status"],
        error=raw["error"],
        error_line=raw["error_line"],
        training_loop=raw["training_loop"],
        summarised=tuple(raw["summarised"]),
        python_lists=dict(raw["python_lists"]),
        printed=printed[:4000],
        train_step_orientation=None
        if orientation is None
        else (orientation[0], orientation[1], orientation[2]),
        train_step_starts=starts,
    )
