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
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from engine.learner.debug.linetrace import Stop, Tracer
else:  # in the child process, Gradstep's package is not importable: load the sibling file
    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "_gradstep_linetrace", Path(__file__).with_name("linetrace.py")
    )
    _linetrace = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_linetrace)
    Stop, Tracer = _linetrace.Stop, _linetrace.Tracer


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
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            module.__dict__["show"] = lambda *args, **kwargs: None
            module.__dict__["pause"] = lambda *args, **kwargs: None

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


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
            # a layer without biases (an empty bias array) gets None, as check gives it
            lb = [b.reshape(shape).copy() if b.shape[0] else None for b in bs]
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
        *((f"biases[{k}]", b) for k, b in enumerate(lb) if b is not None),
        ("X", xs),
        ("Y", ys),
    ):
        refs[name] = tracer._store("arg:" + name, np.asarray(value, dtype=np.float64))
    return refs


def _check_answer(answer: Any, lw: list[Any], lb: list[Any]) -> tuple[list[Any], list[Any]]:
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise TypeError(f"train_step must return a pair (weights, biases), got {type(answer).__name__}")
    if answer[1] in (None, [], ()) and all(b is None for b in lb):  # no layer has biases
        answer = (answer[0], [None] * len(lb))
    new_w, new_b = (list(part) for part in answer)
    if [np.shape(w) for w in new_w] != [np.shape(w) for w in lw] or [np.shape(b) for b in new_b] != [
        np.shape(b) for b in lb
    ]:
        raise ValueError("train_step returned arrays of other shapes than it was given")
    return [np.asarray(w, dtype=np.float64) for w in new_w], [
        None if b is None else np.asarray(b, dtype=np.float64) for b in new_b
    ]


def main() -> int:
    job_path = Path(sys.argv[1])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    folder = job_path.parent
    filename = job["filename"]
    os.environ["MPLBACKEND"] = "Agg"  # no window may open: the learner's plots draw off-screen
    sys.meta_path.insert(0, _ShowIsNoOp())
    builtins.input = _no_input
    sys.path.insert(0, str(Path(job["code"]).resolve().parent))
    sys.argv = [job["code"]]
    tracer = Tracer(filename, job["loops"], int(job["iterations"]), int(job["budget"]))
    result: dict[str, Any] = {"status": "finished", "error": None, "error_line": None, "notes": []}
    log = open(folder / "printed.txt", "w", encoding="utf-8")  # noqa: SIM115 - for the process's life
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            _execute(job, tracer, folder, result)
    except Stop:
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
    _write(folder, tracer, result)
    return 0


def _execute(job: dict[str, Any], tracer: Tracer, folder: Path, result: dict[str, Any]) -> None:
    """Run the learner's program: a script traced from its first line, or a module whose
    train_step the tracer calls (its module code runs untraced)."""
    filename = job["filename"]
    module = ModuleType("__main__" if job["mode"] == "script" else "learner_code")
    module.__file__ = filename
    namespace = module.__dict__
    namespace["__builtins__"] = builtins
    code = compile(Path(job["source"]).read_text(encoding="utf-8"), filename, "exec")
    if job["mode"] == "script":
        sys.modules["__main__"] = module
        sys.settrace(tracer.global_trace)
        try:
            exec(code, namespace)  # noqa: S102 - the learner's own program
        finally:
            sys.settrace(None)
        return
    exec(code, namespace)  # noqa: S102 - defines train_step
    result["orientation"] = _run_train_step(namespace, job, tracer, folder)
    result["train_step_starts"] = job["train_step_starts"]
    result["train_step_orientation"] = job["train_step_orientation"]


def _write(folder: Path, tracer: Tracer, result: dict[str, Any]) -> None:
    if result["status"] != "stopped":
        tracer.finish()
    result.update(
        events=tracer.events,
        starts=tracer.starts,
        training_loop=tracer.training_header(),
        summarised=sorted(tracer.summarised),
        summaries=tracer.summaries,
        python_lists=tracer.python_lists,
    )
    values: dict[str, Any] = tracer.values
    np.savez(folder / "values.npz", **values)
    (folder / "trace.json").write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    code = main()
    # the result is written: exit now, not after threads the learner's code left running (a
    # normal exit waits for them, and the parent would take that for a time-out); the
    # supervisor ends whatever they were
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
