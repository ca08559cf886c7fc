"""Runs a learner's ``train_step`` in a child process (started by :func:`engine.learner.check.check_code`
through :func:`engine.learner.process.run_child` as ``train_step_child.py JOB``).

It imports nothing from Gradstep, so a learner's code cannot reach the engine, and it answers
the parent only through files: the job (.npz in, no pickles) and the result (.json and .npz
out). What the learner prints goes to this process's stdout, which the parent reads and caps.
Each orientation of the arrays is tried in turn; an orientation that raises or returns wrong
shapes is recorded with its error and skipped.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import numpy as np

ORIENTATIONS = [
    # (samples, weights, bias): the tutorials' two conventions first, then Gradstep's own
    ("rows", "in_out", "row"),
    ("columns", "out_in", "column"),
    ("rows", "out_in", "vector"),
    ("rows", "in_out", "vector"),
    ("columns", "out_in", "vector"),
    ("rows", "out_in", "row"),
    ("columns", "in_out", "column"),
    ("columns", "in_out", "vector"),
    ("rows", "in_out", "column"),
    ("rows", "out_in", "column"),
    ("columns", "out_in", "row"),
    ("columns", "in_out", "row"),
]
REAL_KINDS = "iuf"  # integers and floats: what a weight can be compared as


class NotReal(TypeError):
    """The learner returned complex numbers, objects or strings where real numbers belong."""


def to_learner(
    w: np.ndarray, b: np.ndarray, orientation: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray | None]:
    """The layer's arrays as the learner holds them; None for the bias of a layer without
    biases (its bias array is empty)."""
    samples, wo, bo = orientation
    w = w.T.copy() if wo == "in_out" else w.copy()
    if not b.shape[0]:
        return w, None
    if bo == "row":
        b = b.reshape(1, -1).copy()
    elif bo == "column":
        b = b.reshape(-1, 1).copy()
    else:
        b = b.copy()
    return w, b


def real_array(value: Any, where: str) -> np.ndarray:
    """``value`` as float64, refusing what is not real: a complex number's imaginary part
    would be dropped silently and a string of digits parsed, either hiding the bug."""
    array = np.asarray(value)
    if array.dtype.kind not in REAL_KINDS:
        kind = {"c": "complex numbers", "O": "Python objects", "U": "strings", "S": "bytes"}.get(
            array.dtype.kind, "non-numbers"
        )
        raise NotReal(f"{where} holds {kind} ({array.dtype}), not real numbers: Gradstep refuses them")
    return np.asarray(array, dtype=np.float64)


def where_in(source: str, layer: int, gradient: bool) -> tuple[str, str]:
    """The weight and bias arrays of ``layer`` as ``source`` returned them, in words."""
    if gradient:
        return (
            f"the dW[{layer}] (layer {layer}'s weight gradient) that your {source} returned",
            f"the db[{layer}] (layer {layer}'s bias gradient) that your {source} returned",
        )
    return (
        f"the W[{layer}] (layer {layer}'s weights) that your {source} returned",
        f"the b[{layer}] (layer {layer}'s biases) that your {source} returned",
    )


def from_learner(
    w: Any,
    b: Any,
    orientation: tuple[str, ...],
    shape_w: tuple[int, ...],
    shape_b: tuple[int, ...] | None,
    names: tuple[str, str] = ("W", "b"),
) -> tuple[np.ndarray, np.ndarray]:
    """The learner's pair of layer arrays in Gradstep's orientation; ``names`` say which
    arrays they are (see :func:`where_in`) when they are not real numbers. ``shape_b`` None:
    the layer has no biases, and its bias comes back as an empty array."""
    w = real_array(w, names[0])
    if shape_b is None:  # a layer without biases: None back (or an empty array), nothing else
        if b is not None and np.size(b) != 0:
            raise ValueError(
                f'{names[1]} is not None, but the layer has no biases ("bias": false in the session): '
                "return None for it, as it was given"
            )
        if w.shape != shape_w:
            raise ValueError(
                f"returned a weight of shape {w.shape}, expected {shape_w} (the shape it was given)"
            )
        return (w.T if orientation[1] == "in_out" else w).copy(), np.zeros(0)
    b = real_array(b, names[1])
    if w.shape != shape_w or b.shape != shape_b:
        raise ValueError(
            f"returned a weight of shape {w.shape} and a bias of shape {b.shape}, "
            f"expected {shape_w} and {shape_b} (the shapes it was given)"
        )
    w = w.T if orientation[1] == "in_out" else w
    return w.copy(), b.reshape(-1).copy()


def learner_frames(tb: TracebackType | None, code_path: Path) -> str:
    """The traceback lines from the learner's own file."""
    frames = [f for f in traceback.extract_tb(tb) if Path(f.filename).resolve() == code_path]
    return "".join(traceback.format_list(frames[-3:]))


def describe(exc: BaseException, code_path: Path) -> str:
    detail = learner_frames(exc.__traceback__, code_path)
    return f"{type(exc).__name__}: {exc}\n{detail}".strip()


def load_learner(code_path: Path) -> ModuleType:
    """The learner's module, compiled from the source every time: an import would trust a
    cached .pyc whose source has the same size and modification second (an edit-and-recheck
    within a second)."""
    sys.path.insert(0, str(code_path.parent))
    module = ModuleType("learner_code")
    module.__file__ = str(code_path)
    sys.modules["learner_code"] = module
    source = code_path.read_bytes()
    exec(compile(source, str(code_path), "exec"), module.__dict__)  # noqa: S102 - the learner's own code
    return module


class Job:
    """What the parent asked for: the start parameters, the data, the step count."""

    def __init__(self, job_path: Path) -> None:
        job = np.load(job_path, allow_pickle=False)
        meta = json.loads(str(job["meta"]))
        self.code = Path(meta["code"]).resolve()
        self.out = Path(meta["out"])
        self.layers = int(meta["layers"])
        self.weights = [job[f"w{k}"] for k in range(self.layers)]
        self.biases = [job[f"b{k}"] for k in range(self.layers)]
        self.biased = any(b.shape[0] for b in self.biases)  # False: no layer has biases
        self.x, self.y = job["x"], job["y"]
        self.lr = float(meta["learning_rate"])
        self.iterations = int(meta["iterations"])


def one_step(
    job: Job, module: ModuleType, ws: list[np.ndarray], bs: list[np.ndarray], orientation: tuple[str, ...]
) -> tuple[list[np.ndarray], list[np.ndarray], dict[str, np.ndarray]]:
    """(new weights, new biases, named arrays to keep) of one learner step in ``orientation``."""
    xs = job.x if orientation[0] == "rows" else job.x.T.copy()
    ys = job.y if orientation[0] == "rows" else job.y.T.copy()
    lw, lb = zip(*(to_learner(w, b, orientation) for w, b in zip(ws, bs, strict=True)), strict=True)
    shapes = [(w.shape, None if b is None else b.shape) for w, b in zip(lw, lb, strict=True)]
    kept: dict[str, np.ndarray] = {}
    gradients = getattr(module, "gradients", None)
    if callable(gradients):
        gw, gb = zip(*(to_learner(w, b, orientation) for w, b in zip(ws, bs, strict=True)), strict=True)
        dws, dbs = pair(
            gradients(list(gw), list(gb), xs.copy(), ys.copy()), "gradients", job.layers, job.biased
        )
        for k, (dw, db) in enumerate(zip(dws, dbs, strict=True)):
            names = where_in("gradients()", k, gradient=True)
            kept[f"gw{k}"], kept[f"gb{k}"] = from_learner(dw, db, orientation, *shapes[k], names)
    new_w, new_b = pair(
        module.train_step(list(lw), list(lb), xs.copy(), ys.copy(), job.lr),
        "train_step",
        job.layers,
        job.biased,
    )
    converted = [
        from_learner(w, b, orientation, *shapes[k], where_in("train_step", k, gradient=False))
        for k, (w, b) in enumerate(zip(new_w, new_b, strict=True))
    ]
    for k, (w, b) in enumerate(converted):
        kept[f"w{k}"], kept[f"b{k}"] = w, b
    return [c[0] for c in converted], [c[1] for c in converted], kept


def run_orientation(job: Job, module: ModuleType, index: int, result: dict[str, Any]) -> dict[str, Any]:
    """Run every step in orientation ``index``; its entry of the report."""
    orientation = ORIENTATIONS[index]
    entry: dict[str, Any] = {"orientation": list(orientation), "error": None, "steps": 0}
    ws, bs = job.weights, job.biases
    try:
        for step in range(job.iterations):
            ws, bs, kept = one_step(job, module, ws, bs, orientation)
            result.update({f"o{index}_s{step}_{name}": array for name, array in kept.items()})
            entry["steps"] = step + 1
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # arbitrary learner code: report, never crash
        entry["error"] = describe(exc, job.code)
        entry["memory"] = isinstance(exc, MemoryError)
        entry["not_real"] = str(exc) if isinstance(exc, NotReal) else None
    return entry


def main() -> int:
    job = Job(Path(sys.argv[1]))
    report: dict[str, Any] = {"orientations": [], "import_error": None, "has_gradients": False}
    try:
        module = load_learner(job.code)
    except BaseException as exc:  # the learner's module is arbitrary code
        report["import_error"] = describe(exc, job.code)
        report["import_memory"] = isinstance(exc, MemoryError)
        job.out.write_text(json.dumps(report), encoding="utf-8")
        return 0
    if not callable(getattr(module, "train_step", None)):
        report["import_error"] = (
            "the file defines no function train_step(weights, biases, X, Y, learning_rate)"
        )
        job.out.write_text(json.dumps(report), encoding="utf-8")
        return 0
    report["has_gradients"] = callable(getattr(module, "gradients", None))
    result: dict[str, Any] = {}  # Any: np.savez would take a key "allow_pickle" for its flag
    for index in range(len(ORIENTATIONS)):
        report["orientations"].append(run_orientation(job, module, index, result))
    np.savez(job.out.with_suffix(".npz"), **result)
    job.out.write_text(json.dumps(report), encoding="utf-8")
    return 0


def pair(answer: Any, name: str, layers: int, biased: bool = True) -> tuple[list[Any], list[Any]]:
    """The two lists ``name`` returned; with ``biased`` False (no layer has biases) the second
    may also be None or empty."""
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise TypeError(f"{name} must return a pair (weights, biases), got {type(answer).__name__}")
    first, second = answer
    if not biased and (second is None or (isinstance(second, tuple | list) and len(second) == 0)):
        second = [None] * layers
    if len(first) != layers or len(second) != layers:
        raise ValueError(
            f"{name} returned {len(first)} weight and {len(second)} bias arrays, expected {layers} each"
        )
    return list(first), list(second)


if __name__ == "__main__":
    code = main()
    # the result is written: exit now, not after threads the learner's code left running (a
    # normal exit waits for them, and the parent would take that for a time-out); the
    # supervisor ends whatever they were
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
