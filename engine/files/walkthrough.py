"""Recorded walkthroughs: a session plus a list of actions with captions, replayed live.

A walkthrough is a log that re-runs the engine, not a recording of pixels: replaying it
recomputes every number, and each step's ``expect`` values tell when a later version of
Gradstep computes something different.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.core.config import SessionConfig
from engine.errors import GradstepError
from engine.explain.chain import ParameterRef, parse_parameter
from engine.files.jsonio import dumps, read_json, write_atomic
from engine.files.session_file import parse_session, session_json
from engine.history.session import Session

FORMAT = "gradstep-walkthrough"
VERSION = 1
ACTIONS = ("step", "back", "iterations", "select", "set", "view", "note")
COLOR_MODES = ("weight", "gradient", "update")
EXPECT_KEYS = ("iteration", "stage", "loss", "value", "gradient")
EXPECT_TOLERANCE = 1e-9
MAX_COUNT = 10_000_000


@dataclass(frozen=True)
class Step:
    """One recorded action with its caption and the values replay checks."""

    action: str
    count: int = 1
    parameter: ParameterRef | None = None
    value: float | None = None
    color_by: str | None = None
    caption: str = ""
    expect: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action}
        if self.action in ("step", "back", "iterations"):
            out["count"] = self.count
        if self.parameter is not None:
            key = "bias" if self.parameter.is_bias else "weight"
            out[key] = self.parameter.spec
        if self.value is not None:
            out["value"] = self.value
        if self.color_by is not None:
            out["color_by"] = self.color_by
        if self.caption:
            out["caption"] = self.caption
        if self.expect:
            out["expect"] = dict(self.expect)
        return out

    @property
    def label(self) -> str:
        """A short description for step lists: "Step 3 stages", "Select W[0][1,0]"."""
        if self.action == "step":
            return f"Step {self.count} stage{'s' if self.count != 1 else ''}"
        if self.action == "back":
            return f"Back {self.count} stage{'s' if self.count != 1 else ''}"
        if self.action == "iterations":
            return f"Run {self.count} iteration{'s' if self.count != 1 else ''}"
        if self.action == "select":
            return f"Select {self.parameter.label if self.parameter else 'nothing'}"
        if self.action == "set":
            assert self.parameter is not None
            return f"Set {self.parameter.label} = {self.value:g}"
        if self.action == "view":
            return f"Colour by {self.color_by}"
        return "Note"


@dataclass(frozen=True)
class Walkthrough:
    """A titled session and its steps."""

    title: str
    session: SessionConfig
    steps: tuple[Step, ...]
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "title": self.title}
        if self.description:
            out["description"] = self.description
        out["session"] = session_json(self.session)
        out["steps"] = [s.to_json() for s in self.steps]
        return out

    def save(self, path: str | Path) -> None:
        """Write the walkthrough atomically."""
        write_atomic(Path(path), dumps(self.to_json()))


def _step(raw: Any, index: int, sizes: tuple[int, ...]) -> Step:
    where = f"steps[{index}]"
    if not isinstance(raw, dict):
        raise GradstepError(f"{where}: expected an object with an 'action'")
    action = raw.get("action")
    if action not in ACTIONS:
        raise GradstepError(
            f"{where}.action: unknown action {action!r} (expected one of: {', '.join(ACTIONS)})"
        )
    allowed = {"action", "caption", "expect"} | {
        "step": {"count"},
        "back": {"count"},
        "iterations": {"count"},
        "select": {"weight", "bias"},
        "set": {"weight", "bias", "value"},
        "view": {"color_by"},
        "note": set(),
    }[action]
    for key in raw:
        if key not in allowed:
            raise GradstepError(f"{where}.{key}: not a field of a {action!r} step")
    caption = raw.get("caption", "")
    if not isinstance(caption, str):
        raise GradstepError(f"{where}.caption: expected text")
    count = 1
    if action in ("step", "back", "iterations"):
        count = raw.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            raise GradstepError(f"{where}.count: expected an integer from 1 to {MAX_COUNT:,}, got {count!r}")
    parameter = None
    clears = action == "select" and "weight" not in raw and "bias" not in raw  # select nothing
    if action in ("select", "set") and not clears:
        if ("weight" in raw) == ("bias" in raw):
            raise GradstepError(f"{where}: give exactly one of 'weight' (\"L:J:I\") or 'bias' (\"L:J\")")
        key = "weight" if "weight" in raw else "bias"
        if not isinstance(raw[key], str):
            raise GradstepError(f'{where}.{key}: expected a string like "0:1:0"')
        try:
            parameter = parse_parameter(raw[key], bias=key == "bias")
            parameter.check(sizes)
        except GradstepError as exc:
            raise GradstepError(f"{where}.{key}: {exc}") from None
    value = None
    if action == "set":
        value = raw.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise GradstepError(f"{where}.value: expected a finite number, got {value!r}")
        value = float(value)
    color_by = None
    if action == "view":
        color_by = raw.get("color_by")
        if color_by not in COLOR_MODES:
            raise GradstepError(
                f"{where}.color_by: expected one of {', '.join(COLOR_MODES)}, got {color_by!r}"
            )
    expect_raw = raw.get("expect", {})
    if not isinstance(expect_raw, dict):
        raise GradstepError(f"{where}.expect: expected an object")
    expect: dict[str, float] = {}
    for key, v in expect_raw.items():
        if key not in EXPECT_KEYS:
            raise GradstepError(
                f"{where}.expect.{key}: unknown value (expected one of: {', '.join(EXPECT_KEYS)})"
            )
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise GradstepError(f"{where}.expect.{key}: expected a finite number, got {v!r}")
        expect[key] = v
    return Step(action, count, parameter, value, color_by, caption, expect)


def parse_walkthrough(obj: Any, base_dir: Path | None = None) -> Walkthrough:
    """Validate a decoded walkthrough file; messages name the step and the field."""
    if not isinstance(obj, dict):
        raise GradstepError("walkthrough: expected a JSON object")
    if obj.get("format") != FORMAT:
        raise GradstepError(f"format: expected {FORMAT!r}, got {obj.get('format')!r}")
    version = obj.get("version")
    if version != VERSION or isinstance(version, bool):
        raise GradstepError(
            f"version: unknown walkthrough version {version!r} (this Gradstep reads {VERSION})"
        )
    for key in obj:
        if key not in ("format", "version", "title", "description", "session", "steps"):
            raise GradstepError(f"walkthrough: unknown field {key!r}")
    title = obj.get("title", "")
    if not isinstance(title, str):
        raise GradstepError("title: expected text")
    description = obj.get("description", "")
    if not isinstance(description, str):
        raise GradstepError("description: expected text")
    try:
        session = parse_session(obj.get("session"), base_dir)
    except GradstepError as exc:
        raise GradstepError(f"session.{exc}" if not str(exc).startswith("session") else str(exc)) from None
    raw_steps = obj.get("steps")
    if not isinstance(raw_steps, list):
        raise GradstepError("steps: expected a list of steps")
    steps = tuple(_step(raw, i, session.sizes) for i, raw in enumerate(raw_steps))
    return Walkthrough(title, session, steps, description)


def load_walkthrough(path: str | Path) -> Walkthrough:
    """Read and validate a walkthrough file."""
    path = Path(path)
    return parse_walkthrough(read_json(path), base_dir=path.resolve().parent)


def is_walkthrough_file(path: str | Path) -> bool:
    """Whether a JSON file declares itself a walkthrough (without validating the rest)."""
    try:
        data = read_json(Path(path))
    except GradstepError:
        return False
    # a file with steps is meant as a walkthrough even when its format field is wrong, so its
    # error message is about the walkthrough
    return isinstance(data, dict) and (data.get("format") == FORMAT or "steps" in data)


@dataclass(frozen=True)
class ViewState:
    """What the window shows besides the engine's state: the selection and the colouring."""

    selection: ParameterRef | None = None
    color_by: str = "weight"


@dataclass(frozen=True)
class ExpectResult:
    """One checked value: what the walkthrough expected and what replay computed."""

    key: str
    expected: float
    actual: float | None

    @property
    def met(self) -> bool:
        if self.actual is None:
            return False
        return abs(self.actual - self.expected) <= EXPECT_TOLERANCE * max(1.0, abs(self.expected))


def observe(session: Session, view: ViewState, since: int | None = None) -> dict[str, float]:
    """The values a recorded step expects: where the cursor is, the loss it shows, and the
    selected parameter's value and gradient when they are known.

    The values are those of :meth:`Snapshot.shown_record`, the record the window shows, but
    only from iteration ``since`` on (default: the session's first): a walkthrough recorded
    from iteration k cannot replay what was computed before k.
    """
    snap = session.snapshot()
    out: dict[str, float] = {"iteration": snap.iteration, "stage": snap.stage}
    first = session.start_iteration if since is None else since
    record = snap.shown_record()
    if record.iteration < first:  # computed before the recording began: replay cannot show it
        record = snap.record
    if record.loss is not None:
        out["loss"] = record.loss.loss
    ref = view.selection
    if ref is not None:
        out["value"] = ref.value_in(snap.params)
        backward = record.backward_of(ref.layer)
        if backward is not None:
            out["gradient"] = ref.gradient_in(backward)
    return out


def apply_step(session: Session, view: ViewState, step: Step) -> ViewState:
    """Carry out one step on ``session``; returns the new view state."""
    if step.action == "step":
        for _ in range(step.count):
            session.step()
    elif step.action == "back":
        session.back(step.count)
    elif step.action == "iterations":
        session.run_iterations(step.count)
    elif step.action == "select":
        return ViewState(step.parameter, view.color_by)
    elif step.action == "set":
        assert step.parameter is not None
        assert step.value is not None
        session.set_parameter(step.parameter, step.value)
    elif step.action == "view":
        assert step.color_by is not None
        return ViewState(view.selection, step.color_by)
    return view


def check_expect(session: Session, view: ViewState, step: Step) -> tuple[ExpectResult, ...]:
    """Compare a step's ``expect`` values with what the engine computes now."""
    seen = observe(session, view)
    return tuple(ExpectResult(key, value, seen.get(key)) for key, value in step.expect.items())


class Player:
    """Replays a walkthrough step by step, forwards and backwards, on a live session.

    Going back uses the engine's time travel when no parameter was edited in between, and
    replays from the start otherwise (an edit starts a new branch of history).
    """

    def __init__(
        self,
        walkthrough: Walkthrough,
        session: Session | None = None,
        session_factory: Callable[[SessionConfig], Session] = Session,
    ) -> None:
        self.walkthrough = walkthrough
        self._factory = session_factory
        self.session = session or session_factory(walkthrough.session)
        self.view = ViewState()
        self.index = -1  # steps done: -1 is before the first
        self._positions: list[int] = []
        self._views: list[ViewState] = []

    def restart(self) -> None:
        """A fresh session before the first step (after the state was changed by hand)."""
        self.session = self._factory(self.walkthrough.session)
        self.view = ViewState()
        self.index = -1
        del self._positions[:], self._views[:]

    def position_of(self, index: int) -> int | None:
        """The session position recorded after step ``index`` (None if not reached yet)."""
        if index < 0:
            return 0
        return self._positions[index] if index < len(self._positions) else None

    @property
    def step(self) -> Step | None:
        """The step whose result is shown (None before the first)."""
        return self.walkthrough.steps[self.index] if self.index >= 0 else None

    def next(self) -> tuple[ExpectResult, ...]:
        """Do the next step; returns its expect results."""
        if self.index + 1 >= len(self.walkthrough.steps):
            return ()
        return self.goto(self.index + 1)

    def previous(self) -> tuple[ExpectResult, ...]:
        """Go back one step."""
        if self.index < 0:
            return ()
        return self.goto(self.index - 1)

    def goto(self, index: int) -> tuple[ExpectResult, ...]:
        """Show the state after step ``index`` (-1: before the first)."""
        steps = self.walkthrough.steps
        if not -1 <= index < len(steps):
            raise GradstepError(f"step {index} does not exist (0..{len(steps) - 1})")
        if index < self.index:
            edited = any(s.action == "set" for s in steps[index + 1 : self.index + 1])
            if not edited and index >= 0:
                self.session.goto_position(self._positions[index])
                self.view = self._views[index]
                self.index = index
            else:
                self.restart()
        while self.index < index:
            self.index += 1
            self.view = apply_step(self.session, self.view, steps[self.index])
            del self._positions[self.index :], self._views[self.index :]
            self._positions.append(self.session.position)
            self._views.append(self.view)
        return check_expect(self.session, self.view, steps[index]) if index >= 0 else ()


def record_step(session: Session, view: ViewState, step: Step, since: int | None = None) -> Step:
    """``step`` with ``expect`` filled in from the state it leads to (for recording from
    iteration ``since``; default the session's first)."""
    return Step(
        step.action,
        step.count,
        step.parameter,
        step.value,
        step.color_by,
        step.caption,
        observe(session, view, since),
    )
