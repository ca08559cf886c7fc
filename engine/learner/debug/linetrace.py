"""The line tracer's record: for every executed line of the learner's file, each float or
integer NumPy array and float scalar the line bound or changed, copied; and which loop is the
training loop (the first whose iteration changes an array that existed when it began).

Loaded by ``tracer.py`` in the child process; it imports nothing from Gradstep.
"""

from __future__ import annotations

from types import FrameType
from typing import Any

import numpy as np

SUMMARY_ELEMENTS = 8
HUGE = 32 * 1024 * 1024  # bytes: an array this big is summarised even the first time
SAMPLE = 4096  # elements of a huge array its fingerprint looks at
MAX_LIST = 16  # longer lists of arrays are data, not layers


class Stop(BaseException):
    """N iterations of the training loop ran: end the learner's program (BaseException, so a
    learner's ``except Exception`` cannot swallow it)."""


class _Loop:
    """One active loop of a frame: where it is, what existed at its start, what changed."""

    __slots__ = (
        "header",
        "first_body",
        "end",
        "constant",
        "frame",
        "entry",
        "changed",
        "body",
        "start",
        "previous",
        "previous_start",
        "first",
        "idle",
    )

    def __init__(self, spec: list[int], frame: int, entry: set[str], start: int) -> None:
        self.header, self.first_body, self.end, self.constant = spec[0], spec[1], spec[2], bool(spec[3])
        self.frame = frame
        self.entry = entry  # what existed when the outermost active loop began
        self.changed: set[str] = set()
        self.body = 0
        self.start = start  # the event index where the current iteration began
        self.previous: frozenset[str] | None = None  # the arrays the previous iteration updated
        self.previous_start = start
        self.first: tuple[int, int] | None = None  # (start, end) of its first updating iteration
        self.idle = 0  # iterations since then that updated nothing (a converged model)


class _Frame:
    __slots__ = ("serial", "last", "loops", "module")

    def __init__(self, serial: int, module: bool) -> None:
        self.serial = serial
        self.last: int | None = None
        self.loops: list[_Loop] = []
        self.module = module


def _numeric_array(value: Any) -> bool:
    return type(value) is np.ndarray and value.dtype.kind in "fiu" and value.size > 0


def _float_scalar(value: Any) -> bool:
    return type(value) is float or isinstance(value, np.floating)


class Tracer:
    """The trace function and the record it builds."""

    def __init__(self, filename: str, loops: list[list[int]], iterations: int, budget: int) -> None:
        self.filename = filename
        self.loops = {spec[0]: spec for spec in loops}
        self.first_bodies = {spec[1]: spec for spec in loops if spec[3]}
        self.iterations = iterations
        self.budget = budget
        self.used = 0
        self.summarised: set[str] = set()
        self.state: dict[str, tuple[int, Any]] = {}  # key -> (id of the object, stored copy)
        self.events: list[list[Any]] = []  # [line or None, [[key, display, ref], ...]]
        self.values: dict[str, np.ndarray] = {}
        self.summaries: dict[str, dict[str, Any]] = {}
        self.frames: dict[FrameType, _Frame] = {}
        self.serial = 0
        self.stack: list[_Loop] = []
        self.training: _Loop | None = None
        self.training_line: int | None = None
        self.first_updating: tuple[int, int, int] | None = None  # (header, start, end)
        self.starts: list[int] = []
        self.python_lists: dict[str, int] = {}  # lists of floats the program changed: name -> line
        self.train_step_mode = False

    # -- the trace functions ------------------------------------------------------------
    def global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code.co_filename != self.filename:
            return None
        if code.co_name.startswith("<") and code.co_name != "<module>":
            return None  # comprehensions and lambdas: their results show on their line
        self.serial += 1
        info = _Frame(self.serial, code.co_name == "<module>")
        self.frames[frame] = info
        self._scan(frame, info, None)  # the call's bindings (parameters) belong to no line
        return self.local_trace

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        info = self.frames.get(frame)
        if info is None:
            return None
        if event == "line":
            self._scan(frame, info, info.last)
            self._loop_events(info, frame.f_lineno)
            info.last = frame.f_lineno
        elif event == "return":
            self._scan(frame, info, info.last)
            while info.loops:
                self._exit_loop(info)
            del self.frames[frame]
        return self.local_trace

    # -- values ---------------------------------------------------------------------------
    def _scan(self, frame: FrameType, info: _Frame, line: int | None) -> None:
        changes: list[list[Any]] = []
        module_globals = frame.f_globals
        self._scan_mapping(module_globals, "", "", changes, line)
        if not info.module:
            local = frame.f_locals
            self._scan_mapping(local, f"{frame.f_code.co_name}#{info.serial}:", "", changes, line)
            owner = local.get("self")
            attributes = getattr(owner, "__dict__", None)
            if isinstance(attributes, dict):
                self._scan_mapping(attributes, f"@{id(owner)}.", "self.", changes, line)
        if changes or line is not None:  # an executed line is worth knowing even if it bound nothing
            self.events.append([line, changes])

    def _scan_mapping(
        self,
        mapping: dict[str, Any],
        key_prefix: str,
        shown_prefix: str,
        changes: list[list[Any]],
        line: int | None,
    ) -> None:
        for name, value in mapping.items():
            if name.startswith("__"):
                continue
            kind = type(value)
            if kind is np.ndarray or kind is float or isinstance(value, np.floating):
                self._observe(key_prefix + name, shown_prefix + name, value, changes)
            elif (kind is list or kind is tuple) and value:
                self._observe_sequence(key_prefix + name, shown_prefix + name, value, changes, line)

    def _observe_sequence(
        self,
        key: str,
        shown: str,
        value: list[Any] | tuple[Any, ...],
        changes: list[list[Any]],
        line: int | None,
    ) -> None:
        first = value[0]
        if type(first) is np.ndarray and len(value) <= MAX_LIST:
            for k, item in enumerate(value):
                if type(item) is np.ndarray:
                    self._observe(f"{key}[{k}]", f"{shown}[{k}]", item, changes)
        elif type(value) is list and (
            type(first) is float or (type(first) is list and first and type(first[0]) is float)
        ):
            # weights as nested Python lists: remember the name and whether they change
            try:
                snapshot = np.asarray(value, dtype=np.float64)
            except (ValueError, TypeError):
                return
            old = self.state.get("list:" + key)
            self.state["list:" + key] = (id(value), snapshot)
            if old is not None and (old[1].shape != snapshot.shape or not np.array_equal(old[1], snapshot)):
                self.python_lists.setdefault(shown, line if line is not None else 0)

    def _observe(self, key: str, shown: str, value: Any, changes: list[list[Any]]) -> None:
        if type(value) is np.ndarray:
            if not _numeric_array(value):
                return
        elif not _float_scalar(value):
            return
        old = self.state.get(key)
        if old is not None and old[0] == id(value) and self._same(key, old[1], value):
            return
        if old is not None and old[0] != id(value) and self._same(key, old[1], value):
            self.state[key] = (id(value), old[1])  # rebound to an equal value: nothing new
            return
        ref = self._store(key, value)
        stored = self.values.get(ref) if ref in self.values else self.summaries[ref]
        self.state[key] = (id(value), stored)
        changes.append([key, shown, ref])
        for loop in self.stack:
            if key in loop.entry:
                loop.changed.add(key)

    def _same(self, key: str, stored: Any, value: Any) -> bool:
        if isinstance(stored, dict):  # a summary: compare the fingerprint
            return bool(stored["fingerprint"] == _fingerprint(np.asarray(value)))
        if type(value) is not np.ndarray:
            return bool(stored.shape == () and float(stored) == float(value))
        return bool(stored.shape == value.shape and np.array_equal(stored, value, equal_nan=True))

    def _store(self, key: str, value: Any) -> str:
        ref = f"v{len(self.values) + len(self.summaries)}"
        nbytes = value.nbytes if type(value) is np.ndarray else 8
        # a name's first value is kept whole (data and starting weights are bound once) unless
        # it is huge (a whole data set: the batches cut from it are what the layers see)
        first = key not in self.state
        over = self.used + nbytes > self.budget
        if nbytes > HUGE or (not first and nbytes > 4096 and over):
            self.summarised.add(key)
            self.summaries[ref] = _summary(np.asarray(value))
        else:
            array = np.array(value, dtype=np.float64 if type(value) is not np.ndarray else None, copy=True)
            self.used += array.nbytes
            self.values[ref] = array
        return ref

    # -- loops ----------------------------------------------------------------------------
    def _loop_events(self, info: _Frame, line: int) -> None:
        while info.loops and not (info.loops[-1].header <= line <= info.loops[-1].end):
            self._exit_loop(info)
        top = info.loops[-1] if info.loops else None
        spec = self.loops.get(line)
        if spec is not None:
            if top is not None and top.header == line:
                self._boundary(top)
            else:
                self._enter(info, spec)
        elif top is not None:
            constant = self.first_bodies.get(line)
            if (
                constant is not None
                and top.header == constant[0]
                and info.last is not None
                and info.last > line
            ):
                self._boundary(top)  # `while True:` has no line event of its own per iteration
            top.body += 1
            for loop in info.loops[:-1]:
                loop.body += 1

    def _enter(self, info: _Frame, spec: list[int]) -> None:
        # arrays are "persistent" if they existed when the outermost running loop began: a
        # loop inside the epoch loop that rebinds a delta made in that epoch updates nothing
        entry = self.stack[0].entry if self.stack else set(self.state)
        loop = _Loop(spec, info.serial, entry, len(self.events))
        info.loops.append(loop)
        self.stack.append(loop)
        if loop.constant:
            loop.body = 0

    def _exit_loop(self, info: _Frame) -> None:
        loop = info.loops.pop()
        self.stack.remove(loop)
        if loop.body:
            self._completed(loop)

    def _boundary(self, loop: _Loop) -> None:
        if loop.body:
            self._completed(loop)
        loop.body = 0
        loop.changed = set()

    def _completed(self, loop: _Loop) -> None:
        """An iteration of ``loop`` ended: is this the training loop, and is it done?

        The training loop is the first whose two consecutive iterations each update the same
        persistent arrays: a loop over layers updates a different layer each time, an epoch
        or mini-batch loop the same weights every time.
        """
        end = len(self.events)
        if self.train_step_mode:
            return
        if self.training is None:
            updated = frozenset(k for k in loop.changed if _is_array_state(self.state.get(k)))
            if updated and self.first_updating is None:
                self.first_updating = (loop.header, loop.start, end)
            if updated and loop.first is None:
                loop.first = (loop.start, end)
            loop.idle = 0 if updated else loop.idle + 1
            if updated and loop.previous == updated:
                self.training = loop
                self.starts = [loop.previous_start, loop.start]
            elif loop.first is not None and loop.idle >= 2:
                # it updated, then stopped changing anything (converged or saturated): it is the
                # training loop all the same, and its later iterations are all alike
                self.training = loop
                self.starts = [loop.first[0], loop.first[1]]
                if loop.first[1] != loop.start:
                    self.starts.append(loop.start)
            loop.previous, loop.previous_start = updated, loop.start
        loop.start = end
        if loop is not self.training:
            return
        self.starts.append(end)
        if len(self.starts) > self.iterations:
            del self.starts[self.iterations + 1 :]
            raise Stop

    def finish(self) -> None:
        """At the program's end: a loop that updated once and never again (one epoch) is the
        training loop of a one-iteration trace."""
        if self.training is None and self.first_updating is not None and not self.train_step_mode:
            header, start, end = self.first_updating
            self.training_line = header
            self.starts = [start, end]

    # -- output ---------------------------------------------------------------------------
    def training_header(self) -> int | None:
        return self.training_line if self.training is None else self.training.header


def _is_array_state(entry: tuple[int, Any] | None) -> bool:
    if entry is None:
        return False
    stored = entry[1]
    if isinstance(stored, dict):
        return True
    return bool(stored.ndim >= 1)


def _fingerprint(array: np.ndarray) -> list[float]:
    """A cheap identity of an array's contents; of a huge one, a strided sample (the tracer
    compares it at every line, and a whole data set must not cost a pass per line)."""
    flat = array.reshape(-1)
    if flat.size > SAMPLE:
        flat = flat[:: flat.size // SAMPLE]
    flat = flat.astype(np.float64)
    with np.errstate(all="ignore"):
        return [
            float(flat.sum()),
            float(np.abs(flat).sum()),
            float(flat[0]),
            float(flat[-1]),
            float(array.size),
        ]


def _summary(array: np.ndarray) -> dict[str, Any]:
    flat = array.reshape(-1)
    with np.errstate(all="ignore"):
        return {
            "shape": list(array.shape),
            "min": float(flat.min()),
            "max": float(flat.max()),
            "mean": float(flat.mean()),
            "head": [float(v) for v in flat[:SUMMARY_ELEMENTS]],
            "fingerprint": _fingerprint(array),
        }
