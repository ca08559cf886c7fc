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

from engine import progress
from engine.core.config import SessionConfig
from engine.core.records import ParameterRef, parse_parameter
from engine.errors import GradstepError
from engine.files.fields import finite_number
from engine.files.jsonio import dumps, read_json_as, write_atomic
from engine.files.session_file import parse_session, session_json
from engine.history.runner import run_in_chunks
from engine.history.session import Session

FORMAT = "gradstep-walkthrough"
VERSION = 1
ACTIONS = ("step", "back", "iterations", "select", "set", "view", "note")
COLOR_MODES = ("weight", "gradient", "update")
EXPECT_KEYS = ("iteration", "stage", "loss", "value", "gradient")
EXPECT_TOLERANCE = 1e-9
# the window's run count goes this far, and a recorded run becomes one "iterations" step
MAX_COUNT = 10_000_000
# a step that runs more iterations than this takes seconds or more: the command line says so
LONG_STEP = 100_000
STOP_EVERY = 1000  # stages stepped between two looks at a replay's ``should_stop``


class StepCancelled(GradstepError):
    """A replay's ``should_stop`` answered True partway through a step: the session and the
    player are left mid-step, for the caller to throw away (the window replays on a copy)."""


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
    sample: int | None = None  # a "view" step: the batch row whose activations are shown

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
        if self.sample is not None:
            out["sample"] = self.sample
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
            return f"Colour by {self.color_by}" if self.color_by is not None else f"Show sample {self.sample}"
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


_STEP_FIELDS = {
    "step": {"count"},
    "back": {"count"},
    "iterations": {"count"},
    "select": {"weight", "bias"},
    "set": {"weight", "bias", "value"},
    "view": {"color_by", "sample"},
    "note": set(),
}


def _error(where: str, message: str) -> GradstepError:
    return GradstepError(f"{where}: {message}", where)


def _step(raw: Any, index: int, sizes: tuple[int, ...], biased: tuple[bool, ...] | None = None) -> Step:
    where = f"steps[{index}]"
    if not isinstance(raw, dict):
        raise _error(where, "expected an object with an 'action'")
    action = raw.get("action")
    if action not in ACTIONS:
        raise _error(f"{where}.action", f"unknown action {action!r} (expected one of: {', '.join(ACTIONS)})")
    allowed = {"action", "caption", "expect"} | _STEP_FIELDS[action]
    for key in raw:
        if key not in allowed:
            raise _error(f"{where}.{key}", f"not a field of a {action!r} step")
    caption = raw.get("caption", "")
    if not isinstance(caption, str):
        raise _error(f"{where}.caption", "expected text")
    count = _count(raw, where) if action in ("step", "back", "iterations") else 1
    parameter = _parameter(raw, where, sizes, biased) if action in ("select", "set") else None
    value = _finite(raw.get("value"), f"{where}.value") if action == "set" else None
    color_by, sample = _view(raw, where) if action == "view" else (None, None)
    expect = _expect(raw.get("expect", {}), where)
    return Step(action, count, parameter, value, color_by, caption, expect, sample)


def _view(raw: dict[str, Any], where: str) -> tuple[str | None, int | None]:
    """A view step's colouring and sample (at least one of them)."""
    if "color_by" not in raw and "sample" not in raw:
        raise _error(where, "give 'color_by', 'sample' or both")
    color_by = raw.get("color_by")
    if color_by is not None and color_by not in COLOR_MODES:
        raise _error(f"{where}.color_by", f"expected one of {', '.join(COLOR_MODES)}, got {color_by!r}")
    sample = raw.get("sample")
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, int) or sample < 0):
        raise _error(f"{where}.sample", f"expected a row number from 0, got {sample!r}")
    return color_by, sample


def _numbered_step(raw: Any, index: int, sizes: tuple[int, ...], biased: tuple[bool, ...]) -> Step:
    """:func:`_step`, its errors naming the step as the window counts it too:
    ``steps[6].weight (step 7): ...`` (the field stays the file's 0-based path)."""
    try:
        return _step(raw, index, sizes, biased)
    except GradstepError as exc:
        where = exc.field or f"steps[{index}]"
        message = str(exc).removeprefix(f"{where}: ")
        raise GradstepError(f"{where} (step {index + 1}): {message}", exc.field) from None


def _finite(value: Any, where: str) -> float:
    """A finite float; an integer too large for a float is named by ``finite_number``."""
    not_number = isinstance(value, bool) or not isinstance(value, int | float)
    if not_number or (isinstance(value, float) and not math.isfinite(value)):
        raise _error(where, f"expected a finite number, got {value!r}")
    return finite_number(value, where)


def _count(raw: dict[str, Any], where: str) -> int:
    count = raw.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        shown = count if not isinstance(count, int) or abs(count) < 10**12 else "a larger integer"
        raise _error(f"{where}.count", f"expected an integer from 1 to {MAX_COUNT:,}, got {shown!r}")
    return count


def _parameter(
    raw: dict[str, Any], where: str, sizes: tuple[int, ...], biased: tuple[bool, ...] | None = None
) -> ParameterRef | None:
    if raw["action"] == "select" and "weight" not in raw and "bias" not in raw:
        return None  # select nothing
    if ("weight" in raw) == ("bias" in raw):
        raise _error(where, "give exactly one of 'weight' (\"L:J:I\") or 'bias' (\"L:J\")")
    key = "weight" if "weight" in raw else "bias"
    if not isinstance(raw[key], str):
        raise _error(f"{where}.{key}", 'expected a string like "0:1:0"')
    try:
        parameter = parse_parameter(raw[key], bias=key == "bias")
        parameter.check(sizes, biased)
    except GradstepError as exc:
        raise _error(f"{where}.{key}", str(exc)) from None
    return parameter


def _expect(raw: Any, where: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise _error(f"{where}.expect", "expected an object")
    expect: dict[str, float] = {}
    for key, value in raw.items():
        if key not in EXPECT_KEYS:
            known = ", ".join(EXPECT_KEYS)
            raise _error(f"{where}.expect.{key}", f"unknown value (expected one of: {known})")
        expect[key] = _finite(value, f"{where}.expect.{key}")
    return expect


def parse_walkthrough(obj: Any, base_dir: Path | None = None) -> Walkthrough:
    """Validate a decoded walkthrough file.

    Raises
    ------
    GradstepError
        Naming the step and the field, which it also carries as ``field``
        (``steps[3].expect.loss``, ``session.optimizer.learning_rate``).
    """
    if not isinstance(obj, dict):
        raise GradstepError("walkthrough: expected a JSON object")
    if obj.get("format") != FORMAT:
        raise _error("format", f"expected {FORMAT!r}, got {obj.get('format')!r}")
    version = obj.get("version")
    if version != VERSION or isinstance(version, bool):
        raise _error("version", f"unknown walkthrough version {version!r} (this Gradstep reads {VERSION})")
    for key in obj:
        if key not in ("format", "version", "title", "description", "session", "steps"):
            raise GradstepError(f"walkthrough: unknown field {key!r}")
    texts = {key: obj.get(key, "") for key in ("title", "description")}
    for key, text in texts.items():
        if not isinstance(text, str):
            raise _error(key, "expected text")
    try:
        session = parse_session(obj.get("session"), base_dir)
    except GradstepError as exc:
        # the session's own messages start with its field ("optimizer.learning_rate: ..."), or
        # with "session" for the object as a whole
        message = str(exc) if str(exc).startswith("session") else f"session.{exc}"
        field = None if exc.field is None else f"session.{exc.field}"
        raise GradstepError(message, field) from None
    raw_steps = obj.get("steps")
    if not isinstance(raw_steps, list):
        raise _error("steps", "expected a list of steps")
    steps = tuple(_numbered_step(raw, i, session.sizes, session.biased) for i, raw in enumerate(raw_steps))
    return Walkthrough(texts["title"], session, steps, texts["description"])


def load_walkthrough(path: str | Path) -> Walkthrough:
    """Read and validate a walkthrough file."""
    return read_json_as(Path(path), lambda data, folder: parse_walkthrough(data, base_dir=folder))


def declares_walkthrough(data: Any) -> bool:
    """Whether parsed JSON declares itself a walkthrough. A file with steps is meant as one even
    when its format field is wrong, so its error message is about the walkthrough."""
    return isinstance(data, dict) and (data.get("format") == FORMAT or "steps" in data)


@dataclass(frozen=True)
class ViewState:
    """What the window shows besides the engine's state: the selection and the colouring."""

    selection: ParameterRef | None = None
    color_by: str = "weight"
    sample: int = 0  # the batch row the views show (the window keeps it within the batch)


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

    def describe(self) -> str:
        """The words every place uses for it: "value: recorded 0.25, computed nothing"."""
        actual = "nothing" if self.actual is None else format(self.actual, ".10g")
        return f"{self.key}: recorded {format(self.expected, '.10g')}, computed {actual}"


def expect_warnings(index: int, results: tuple[ExpectResult, ...]) -> list[str]:
    """The warnings every export prints for step ``index`` (0-based; the text counts from 1)."""
    return [f"warning: step {index + 1}: {r.describe()}" for r in results if not r.met]


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
        # the chain rule panel's header: the value in the record shown, before its update
        out["value"] = ref.value_in(record.params)
        backward = record.backward_of(ref.layer)
        if backward is not None:
            out["gradient"] = ref.gradient_in(backward)
    return out


def apply_step(
    session: Session, view: ViewState, step: Step, should_stop: Callable[[], bool] | None = None
) -> ViewState:
    """Carry out one step on ``session``; returns the new view state. A long step looks at
    ``should_stop`` as it goes and raises :class:`StepCancelled` when it answers True."""
    if step.action == "step":
        _step_stages(session, step.count, should_stop)
    elif step.action == "back":
        session.back(step.count)
    elif step.action == "iterations":
        _run_iterations(session, step.count, should_stop)
    elif step.action == "select":
        return ViewState(step.parameter, view.color_by, view.sample)
    elif step.action == "set":
        assert step.parameter is not None
        assert step.value is not None
        session.set_parameter(step.parameter, step.value)
    elif step.action == "view":
        color_by = view.color_by if step.color_by is None else step.color_by
        return ViewState(view.selection, color_by, view.sample if step.sample is None else step.sample)
    return view


_CHUNK = 10_000


def _run_iterations(session: Session, count: int, should_stop: Callable[[], bool] | None = None) -> None:
    """Run ``count`` iterations; a long step runs in chunks with progress where the command
    line asked for it (chunks give the same numbers as one run: the batches follow the
    iteration number)."""
    if should_stop is not None:
        if session.run_iterations(count, should_stop=should_stop).reason == "stopped":
            raise StepCancelled("the replay was cancelled")
        return
    if count <= LONG_STEP:
        session.run_iterations(count)
        return
    run_in_chunks(session, count, _CHUNK, f"running {count:,} iterations")


def _step_stages(session: Session, count: int, should_stop: Callable[[], bool] | None = None) -> None:
    bar = progress.tracked(count, f"stepping {count:,} stages") if count > LONG_STEP else None
    try:
        for done in range(1, count + 1):
            if should_stop is not None and done % STOP_EVERY == 0 and should_stop():
                raise StepCancelled("the replay was cancelled")
            session.step()
            if bar is not None and done % _CHUNK == 0:
                bar.update(done)
    finally:
        if bar is not None:
            bar.close()


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

    def goto(self, index: int, should_stop: Callable[[], bool] | None = None) -> tuple[ExpectResult, ...]:
        """Show the state after step ``index`` (-1: before the first); ``should_stop``, when
        given, can end a long replay early (:class:`StepCancelled`, the player left mid-way)."""
        steps = self.walkthrough.steps
        if not -1 <= index < len(steps):
            raise GradstepError(f"step {index + 1} does not exist (1..{len(steps)})")
        if index < self.index:
            edited = any(s.action == "set" for s in steps[index + 1 : self.index + 1])
            if not edited and index >= 0:
                self.session.goto_position(self._positions[index])
                self.view = self._views[index]
                self.index = index
            else:
                self.restart()
        while self.index < index:
            if should_stop is not None and should_stop():
                raise StepCancelled("the replay was cancelled")
            self.index += 1
            self.view = apply_step(self.session, self.view, steps[self.index], should_stop)
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
        step.sample,
    )
