"""Gradstep's line tracer: runs a learner's program unmodified and records what each line did.

Run as ``python -I tracer.py JOB.json`` with the learner's folder as the working directory.
It imports nothing from Gradstep (the learner's code cannot reach the engine) and talks to
the parent only through files: the job (JSON, arrays as .npz) in, the trace (JSON + .npz,
never a pickle) out.

For every executed line of the learner's file it records each float or integer NumPy array
and each float scalar the line bound or changed (locals, globals, attributes of ``self``,
arrays held in lists), copied. The training loop is the first loop whose iteration changes
an array that existed when the loop began; after N of its iterations the tracer ends the
program by raising a private exception from the trace function, and writes the trace.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.abc
import json
import os
import sys
import traceback
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import numpy as np

SUMMARY_ELEMENTS = 8
MAX_LIST = 16  # longer lists of arrays are data, not layers


class _Stop(BaseException):
    """N iterations of the training loop ran: end the learner's program (BaseException, so a
    learner's ``except Exception`` cannot swallow it)."""


class _InputCalled(BaseException):
    """The learner's program asked for keyboard input."""


def _no_input(prompt: object = "") -> str:
    raise _InputCalled(str(prompt))


class _ShowIsNoOp(importlib.abc.MetaPathFinder):
    """Makes ``matplotlib.pyplot.show`` a no-op the moment pyplot is imported."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "matplotlib.pyplot":
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module  # type: ignore[attr-defined]

        def exec_module(module: ModuleType) -> None:
            original(module)
            module.show = lambda *args, **kwargs: None  # type: ignore[attr-defined]
            module.pause = lambda *args, **kwargs: None  # type: ignore[attr-defined]

        loader.exec_module = exec_module  # type: ignore[attr-defined]
        return spec


class _Loop:
    """One active loop of a frame: where it is, what existed at its start, what changed."""

    __slots__ = ("header", "first_body", "end", "constant", "frame", "entry", "changed", "body", "start")

    def __init__(self, spec: list[int], frame: int, entry: set[str], start: int) -> None:
        self.header, self.first_body, self.end, self.constant = spec[0], spec[1], spec[2], bool(spec[3])
        self.frame = frame
        self.entry = entry
        self.changed: set[str] = set()
        self.body = 0
        self.start = start


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
        array = np.array(value, dtype=np.float64 if type(value) is not np.ndarray else None, copy=True)
        if array.nbytes > 4096 and self.used + array.nbytes > self.budget:
            self.summarised.add(key)
            self.summaries[ref] = _summary(array)
        else:
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
        loop = _Loop(spec, info.serial, set(self.state), len(self.events))
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
        """An iteration of ``loop`` ended: is this the training loop, and is it done?"""
        if self.train_step_mode:
            return
        if self.training is None and not self.starts:
            changed_arrays = [k for k in loop.changed if _is_array_state(self.state.get(k))]
            if not changed_arrays:
                return
            self.training = loop
            self.starts.append(loop.start)
        if loop is not self.training:
            return
        self.starts.append(len(self.events))
        if len(self.starts) > self.iterations:
            raise _Stop

    # -- output ---------------------------------------------------------------------------
    def training_header(self) -> int | None:
        return None if self.training is None else self.training.header


def _is_array_state(entry: tuple[int, Any] | None) -> bool:
    if entry is None:
        return False
    stored = entry[1]
    if isinstance(stored, dict):
        return True
    return bool(stored.ndim >= 1)


def _fingerprint(array: np.ndarray) -> list[float]:
    flat = array.reshape(-1).astype(np.float64)
    with np.errstate(all="ignore"):
        return [
            float(flat.sum()),
            float(np.abs(flat).sum()),
            float(flat[0]),
            float(flat[-1]),
            float(flat.size),
        ]


def _summary(array: np.ndarray) -> dict[str, Any]:
    flat = array.reshape(-1).astype(np.float64)
    with np.errstate(all="ignore"):
        return {
            "shape": list(array.shape),
            "min": float(flat.min()),
            "max": float(flat.max()),
            "mean": float(flat.mean()),
            "head": [float(v) for v in flat[:SUMMARY_ELEMENTS]],
            "fingerprint": _fingerprint(array),
        }


def _learner_line(tb: Any, filename: str) -> int | None:
    frames = [f for f in traceback.extract_tb(tb) if f.filename == filename]
    return frames[-1].lineno if frames else None


def _run_train_step(module: dict[str, Any], job: dict[str, Any], tracer: Tracer, folder: Path) -> str | None:
    """Call the learner's train_step N times on the job's arrays, in the first orientation it
    accepts; returns that orientation's description or None."""
    train_step = module.get("train_step")
    if not callable(train_step):
        raise LookupError("the file defines no function train_step(weights, biases, X, Y, learning_rate)")
    arrays = np.load(folder / "arrays.npz", allow_pickle=False)
    layers = int(job["layers"])
    lr = float(job["learning_rate"])
    x, y = arrays["x"], arrays["y"]
    ws = [arrays[f"w{k}"] for k in range(layers)]
    bs = [arrays[f"b{k}"] for k in range(layers)]
    errors: list[str] = []
    for samples, weights, bias in job["orientations"]:

        def arrange(samples: str = samples, weights: str = weights, bias: str = bias) -> Any:
            lw = [w.T.copy() if weights == "in_out" else w.copy() for w in ws]
            shape = {"row": (1, -1), "column": (-1, 1), "vector": (-1,)}[bias]
            lb = [b.reshape(shape).copy() for b in bs]
            xs, ys = (x, y) if samples == "rows" else (x.T, y.T)
            return lw, lb, xs.copy(), ys.copy()

        try:  # a dry run, untraced, to find the orientation the learner's code accepts
            with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
                lw, lb, xs, ys = arrange()
                answer = train_step(lw, lb, xs, ys, lr)
                _check_answer(answer, lw, lb)
        except Exception as exc:  # noqa: BLE001 - arbitrary learner code
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        tracer.train_step_mode = True
        lw, lb, xs, ys = arrange()
        starts: list[dict[str, Any]] = []
        sys.settrace(tracer.global_trace)
        try:
            for _ in range(tracer.iterations):
                tracer.starts.append(len(tracer.events))
                starts.append(_arguments(tracer, lw, lb, xs, ys))
                answer = train_step(lw, lb, xs, ys, lr)
                lw, lb = _check_answer(answer, lw, lb)
        finally:
            sys.settrace(None)
        tracer.starts.append(len(tracer.events))
        job["train_step_starts"] = starts
        job["train_step_orientation"] = [samples, weights, bias]
        return f"{samples} {weights} {bias}"
    raise RuntimeError(
        "train_step failed in every orientation of the arrays: " + (errors[0] if errors else "")
    )


def _arguments(tracer: Tracer, lw: list[Any], lb: list[Any], xs: Any, ys: Any) -> dict[str, Any]:
    refs: dict[str, Any] = {}
    for name, value in (
        *((f"weights[{k}]", w) for k, w in enumerate(lw)),
        *((f"biases[{k}]", b) for k, b in enumerate(lb)),
        ("X", xs),
        ("Y", ys),
    ):
        refs[name] = tracer._store("arg:" + name, np.asarray(value, dtype=np.float64))
    return refs


def _check_answer(answer: Any, lw: list[Any], lb: list[Any]) -> tuple[list[Any], list[Any]]:
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise TypeError(f"train_step must return a pair (weights, biases), got {type(answer).__name__}")
    new_w, new_b = (list(part) for part in answer)
    if [np.shape(w) for w in new_w] != [np.shape(w) for w in lw] or [np.shape(b) for b in new_b] != [
        np.shape(b) for b in lb
    ]:
        raise ValueError("train_step returned arrays of other shapes than it was given")
    return [np.asarray(w, dtype=np.float64) for w in new_w], [np.asarray(b, dtype=np.float64) for b in new_b]


def main() -> int:
    job_path = Path(sys.argv[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    folder = job_path.parent
    filename = job["filename"]
    source = Path(job["source"]).read_text(encoding="utf-8")
    os.environ["MPLBACKEND"] = "Agg"  # no window may open: the learner's plots draw off-screen
    sys.meta_path.insert(0, _ShowIsNoOp())
    builtins.input = _no_input
    sys.path.insert(0, str(Path(job["code"]).resolve().parent))
    sys.argv = [job["code"]]
    tracer = Tracer(filename, job["loops"], int(job["iterations"]), int(job["budget"]))
    result: dict[str, Any] = {"status": "finished", "error": None, "error_line": None, "notes": []}
    module = ModuleType("__main__" if job["mode"] == "script" else "learner_code")
    module.__file__ = filename
    namespace = module.__dict__
    namespace["__builtins__"] = builtins
    log = open(folder / "printed.txt", "w", encoding="utf-8")  # noqa: SIM115 - for the process's life
    try:
        code = compile(source, filename, "exec")
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            if job["mode"] == "script":
                sys.modules["__main__"] = module
                sys.settrace(tracer.global_trace)
                try:
                    exec(code, namespace)  # noqa: S102 - the learner's own program
                finally:
                    sys.settrace(None)
            else:
                exec(code, namespace)  # noqa: S102 - defines train_step; its module code runs untraced
                result["orientation"] = _run_train_step(namespace, job, tracer, folder)
                result["train_step_starts"] = job["train_step_starts"]
                result["train_step_orientation"] = job["train_step_orientation"]
    except _Stop:
        result["status"] = "stopped"
    except _InputCalled as exc:
        sys.settrace(None)
        result.update(status="input", error=str(exc), error_line=_learner_line(exc.__traceback__, filename))
    except BaseException as exc:  # noqa: BLE001 - the learner's program is arbitrary code
        sys.settrace(None)
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        result.update(status="error", error=text, error_line=_learner_line(exc.__traceback__, filename))
    finally:
        sys.settrace(None)
        log.flush()
    result.update(
        events=tracer.events,
        starts=tracer.starts,
        training_loop=tracer.training_header(),
        summarised=sorted(tracer.summarised),
        summaries=tracer.summaries,
        python_lists=tracer.python_lists,
    )
    np.savez(folder / "values.npz", **tracer.values)
    (folder / "trace.json").write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
