"""Runs a learner's ``train_step`` in a child process (``python -I engine/learner/runner.py JOB``).

It imports nothing from Gradstep, so a learner's code cannot reach the engine, and it talks
to the parent only through files: the job (.npz in, no pickles) and the result (.npz out).
The learner's prints go to a log file. Each orientation of the arrays is tried in turn; an
orientation that raises or returns wrong shapes is recorded with its error and skipped.
"""

from __future__ import annotations

import contextlib
import json
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


def to_learner(w: np.ndarray, b: np.ndarray, orientation: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    samples, wo, bo = orientation
    w = w.T.copy() if wo == "in_out" else w.copy()
    if bo == "row":
        b = b.reshape(1, -1).copy()
    elif bo == "column":
        b = b.reshape(-1, 1).copy()
    else:
        b = b.copy()
    return w, b


def from_learner(
    w: Any, b: Any, orientation: tuple[str, ...], shape_w: tuple[int, ...], shape_b: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
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


def main() -> int:
    job_path = Path(sys.argv[1])
    job = np.load(job_path, allow_pickle=False)
    meta = json.loads(str(job["meta"]))
    code_path = Path(meta["code"]).resolve()
    out_path = Path(meta["out"])
    log = open(meta["log"], "w", encoding="utf-8")  # noqa: SIM115 - open for the process's life
    layers = meta["layers"]
    weights = [job[f"w{k}"] for k in range(layers)]
    biases = [job[f"b{k}"] for k in range(layers)]
    x, y, lr, iterations = job["x"], job["y"], float(meta["learning_rate"]), int(meta["iterations"])
    result: dict[str, Any] = {}
    report: dict[str, Any] = {"orientations": [], "import_error": None, "has_gradients": False}

    sys.path.insert(0, str(code_path.parent))
    try:
        # compiled from the source every time: an import would trust a cached .pyc whose
        # source has the same size and modification second (an edit-and-recheck within a second)
        module = ModuleType("learner_code")
        module.__file__ = str(code_path)
        sys.modules["learner_code"] = module
        source = code_path.read_bytes()
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            exec(compile(source, str(code_path), "exec"), module.__dict__)  # noqa: S102 - the learner's own code
    except BaseException as exc:  # the learner's module is arbitrary code
        detail = learner_frames(exc.__traceback__, code_path)
        report["import_error"] = f"{type(exc).__name__}: {exc}\n{detail}".strip()
        out_path.write_text(json.dumps(report), encoding="utf-8")
        return 0
    train_step = getattr(module, "train_step", None)
    gradients = getattr(module, "gradients", None)
    if not callable(train_step):
        report["import_error"] = (
            "the file defines no function train_step(weights, biases, X, Y, learning_rate)"
        )
        out_path.write_text(json.dumps(report), encoding="utf-8")
        return 0
    report["has_gradients"] = callable(gradients)

    for index, orientation in enumerate(ORIENTATIONS):
        entry: dict[str, Any] = {"orientation": list(orientation), "error": None, "steps": 0}
        xs = x if orientation[0] == "rows" else x.T.copy()
        ys = y if orientation[0] == "rows" else y.T.copy()
        ws, bs = weights, biases
        try:
            for step in range(iterations):
                lw, lb = zip(
                    *(to_learner(w, b, orientation) for w, b in zip(ws, bs, strict=True)), strict=True
                )
                shapes = [(w.shape, b.shape) for w, b in zip(lw, lb, strict=True)]
                if callable(gradients):
                    gw, gb = zip(
                        *(to_learner(w, b, orientation) for w, b in zip(ws, bs, strict=True)), strict=True
                    )
                    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                        answer = gradients(list(gw), list(gb), xs.copy(), ys.copy())
                    dws, dbs = _pair(answer, "gradients", layers)
                    for k, (dw, db) in enumerate(zip(dws, dbs, strict=True)):
                        cw, cb = from_learner(dw, db, orientation, *shapes[k])
                        result[f"o{index}_s{step}_gw{k}"] = cw
                        result[f"o{index}_s{step}_gb{k}"] = cb
                with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                    answer = train_step(list(lw), list(lb), xs.copy(), ys.copy(), lr)
                new_w, new_b = _pair(answer, "train_step", layers)
                converted = [
                    from_learner(w, b, orientation, *shapes[k])
                    for k, (w, b) in enumerate(zip(new_w, new_b, strict=True))
                ]
                ws = [c[0] for c in converted]
                bs = [c[1] for c in converted]
                for k in range(layers):
                    result[f"o{index}_s{step}_w{k}"] = ws[k]
                    result[f"o{index}_s{step}_b{k}"] = bs[k]
                entry["steps"] = step + 1
        except BaseException as exc:  # arbitrary learner code: report, never crash
            if isinstance(exc, KeyboardInterrupt):
                raise
            detail = learner_frames(exc.__traceback__, code_path)
            entry["error"] = f"{type(exc).__name__}: {exc}\n{detail}".strip()
        report["orientations"].append(entry)
    np.savez(out_path.with_suffix(".npz"), **result)
    out_path.write_text(json.dumps(report), encoding="utf-8")
    return 0


def _pair(answer: Any, name: str, layers: int) -> tuple[list[Any], list[Any]]:
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise TypeError(f"{name} must return a pair (weights, biases), got {type(answer).__name__}")
    first, second = answer
    if len(first) != layers or len(second) != layers:
        raise ValueError(
            f"{name} returned {len(first)} weight and {len(second)} bias arrays, expected {layers} each"
        )
    return list(first), list(second)


if __name__ == "__main__":
    sys.exit(main())
