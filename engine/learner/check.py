"""Check a learner's backprop: run their ``train_step`` in lockstep with the engine and name
the first mistake.

The learner's file runs in a confined child process (``engine/learner/train_step_child.py`` through
:func:`engine.learner.process.run_child`) with a time limit and a memory limit, so an
exception, an infinite loop, a runaway allocation or a crash in it is reported, never shared,
and nothing it started outlives the check. Each iteration starts both sides from the learner's
own previous parameters (:mod:`engine.learner.orientation`); at the first disagreement the
engine recomputes that step with every mistake of the catalogue and names the ones that match
(:mod:`engine.learner.diagnosis`).
"""

from __future__ import annotations

import json
import math
import shutil
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from engine.core.compute import init_params
from engine.core.config import SessionConfig
from engine.core.records import Params
from engine.errors import GradstepError
from engine.interrupts import deferred_signals, signals_raise
from engine.learner.compare import (
    ABSOLUTE_TOLERANCE,
    RELATIVE_TOLERANCE,
    Array,
    IterationVerdict,
    ParameterVerdict,
    first_non_finite,
)
from engine.learner.diagnosis import (
    DIAGNOSIS_TOLERANCE,
    PER_LAYER_MISTAKES,
    Diagnosis,
    GradientComparison,
    LayerMarks,
    compare_gradients,
)
from engine.learner.orientation import Choice, LearnerSteps, choose, lockstep
from engine.learner.process import (
    DEFAULT_MEMORY_LIMIT,
    MEMORY_EXIT_CODE,
    ChildCancelled,
    ChildResult,
    ChildTimeout,
    check_limits,
    run_child,
)
from engine.learner.report import CheckReport
from engine.learner.steps import _layered_step, _step

__all__ = [
    "ABSOLUTE_TOLERANCE",
    "DEFAULT_MEMORY_LIMIT",
    "DIAGNOSIS_TOLERANCE",
    "PER_LAYER_MISTAKES",
    "RELATIVE_TOLERANCE",
    "CheckCancelled",
    "CheckReport",
    "Diagnosis",
    "GradientComparison",
    "IterationVerdict",
    "LayerMarks",
    "ParameterVerdict",
    "_layered_step",
    "_step",
    "check_code",
    "session_notes",
]

RUNNER = Path(__file__).with_name("train_step_child.py")
# a crash whose last words say the memory ran out (an allocation failing inside C code)
_MEMORY_WORDS = ("MemoryError", "Cannot allocate memory", "out of memory", "std::bad_alloc")


class CheckCancelled(GradstepError):
    """The check was cancelled (its caller asked); the learner's process was stopped."""


@dataclass(frozen=True)
class _Answer:
    """What the runner sent back, and what the learner printed."""

    report: dict[str, Any]
    arrays: dict[str, Array]
    output: str
    truncated: bool


def session_notes(config: SessionConfig) -> tuple[str, ...]:
    """What of ``config`` the check does not use, in words."""
    notes = []
    if config.batch_size is not None:
        notes.append(f"full-batch steps compared (the session's batch_size {config.batch_size} is not used)")
    if config.mistake is not None:
        notes.append(
            f"the session's teaching-mode mistake ({config.mistake}) is not used: the check compares "
            "with correct backprop"
        )
    return tuple(notes)


def check_code(
    code: str | Path,
    config: SessionConfig,
    iterations: int = 5,
    timeout: float = 20.0,
    cancel: Callable[[], bool] | None = None,
    *,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
) -> CheckReport:
    """Run the learner's ``train_step`` for ``iterations`` steps and compare each with the
    engine's step from the same parameters.

    Parameters
    ----------
    timeout
        Seconds the learner's code may take in all (positive and finite).
    cancel
        Asked every few hundredths of a second while the learner's code runs (for example
        ``threading.Event().is_set``); when it returns True the learner's process is killed
        and :class:`CheckCancelled` is raised.
    memory_limit
        Bytes of memory the learner's process may map (default 2 GB); None: no limit.

    Raises
    ------
    CheckCancelled
        When ``cancel`` asked to stop.
    GradstepError
        When the file cannot be checked: missing, no ``train_step``, an exception in every
        orientation, non-real results, a time-out, the memory limit, a crash, wrong shapes,
        or a session that is not plain full-batch gradient descent.
    KeyboardInterrupt
        On Ctrl+C (or :class:`engine.interrupts.Terminated` on SIGTERM or SIGHUP, in
        the main thread), once the learner's processes are killed and its files removed.
    """
    code = _checkable(code, config, iterations, timeout, memory_limit)
    start = init_params(config)
    answer = _run_learner(code, config, start, iterations, timeout, memory_limit, cancel)
    entries = answer.report["orientations"]
    candidates = [i for i, entry in enumerate(entries) if entry["error"] is None]
    if not candidates:
        raise _failed_everywhere(code, entries, memory_limit)
    steps = LearnerSteps(answer.arrays, len(start), bool(answer.report["has_gradients"]))
    if not any(config.biased):
        candidates = _first_per_weights(entries, candidates)
    runs = [
        lockstep(config, start, steps, i, _orientation(entries[i], any(config.biased)), iterations)
        for i in candidates
    ]
    if cancel is not None and cancel():
        raise CheckCancelled("the check was cancelled")
    return _report(config, choose(config, runs), steps.has_gradients, answer, session_notes(config))


def _checkable(
    code: str | Path, config: SessionConfig, iterations: int, timeout: float, memory_limit: int | None
) -> Path:
    code = Path(code)
    if not code.is_file():
        raise GradstepError(f"{code}: no such file")
    if config.optimizer.name != "sgd":
        raise GradstepError(
            f"check compares plain gradient-descent steps: the session's optimizer is {config.optimizer.name}"
        )
    if iterations < 1:
        raise GradstepError(f"--iterations must be at least 1, got {iterations}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise GradstepError(f"--timeout must be a positive number of seconds, got {timeout}")
    check_limits(timeout, memory_limit)
    return code


def _first_per_weights(entries: list[dict[str, Any]], candidates: list[int]) -> list[int]:
    """Without biases the bias's shape cannot matter: one run per arrangement of X and W."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for i in candidates:
        key = _orientation(entries[i])[:2]
        if key not in seen:
            seen.add(key)
            kept.append(i)
    return kept


def _orientation(entry: dict[str, Any], biased: bool = True) -> tuple[str, str, str]:
    samples, weights, bias = entry["orientation"]
    return str(samples), str(weights), str(bias) if biased else "none"


def _report(
    config: SessionConfig,
    choice: Choice,
    has_gradients: bool,
    answer: _Answer,
    notes: tuple[str, ...],
) -> CheckReport:
    run = choice.run
    diagnosis, gradients, non_finite = None, None, None
    if not run.agrees:
        diagnosis = choice.diagnosis
        assert diagnosis is not None  # choose() diagnoses every run when none agrees
        non_finite = first_non_finite(run.verdicts[-1])
        if non_finite is not None:
            diagnosis = replace(diagnosis, evidence=(non_finite, *diagnosis.evidence))
        gradients = compare_gradients(
            config, run.verdicts[-1].iteration, run.before, run.yours_after, run.yours_grads
        )
    return CheckReport(
        orientation=run.orientation,
        iterations=run.verdicts,
        diagnosis=diagnosis,
        used_gradients=has_gradients,
        learner_output=answer.output,
        gradients=gradients,
        orientation_note=choice.note,
        non_finite=non_finite,
        notes=notes,
        output_truncated=answer.truncated,
    )


# ---- the learner's process ----


def _run_learner(
    code: Path,
    config: SessionConfig,
    start: Params,
    iterations: int,
    timeout: float,
    memory_limit: int | None,
    cancel: Callable[[], bool] | None,
) -> _Answer:
    """Run the learner's steps in every orientation in a child process; its answer."""
    # SIGTERM and SIGHUP unwind like Ctrl+C, through the finally that removes the folder
    with signals_raise():
        folder = Path(tempfile.mkdtemp(prefix="gradstep-check-"))
        try:
            job = _write_job(folder, code, config, start, iterations)
            try:
                child = run_child(
                    RUNNER,
                    [str(job)],
                    timeout=timeout,
                    memory_limit=memory_limit,
                    cwd=code.resolve().parent,
                    stop=cancel,
                )
            except ChildCancelled:
                raise CheckCancelled("the check was cancelled; your code was stopped") from None
            except ChildTimeout:
                raise GradstepError(
                    f"{code}: your code did not finish {iterations} steps within {timeout:g} s "
                    "(an infinite loop?); it was stopped"
                ) from None
            return _read_answer(folder, code, child, memory_limit)
        finally:
            with deferred_signals():
                shutil.rmtree(folder, ignore_errors=True)


def _write_job(folder: Path, code: Path, config: SessionConfig, start: Params, iterations: int) -> Path:
    arrays: dict[str, Any] = {"x": config.x, "y": config.y}
    for k, p in enumerate(start):
        arrays[f"w{k}"] = p.weights
        arrays[f"b{k}"] = p.bias
    meta = {
        "code": str(code.resolve()),
        "out": str(folder / "result.json"),
        "layers": len(start),
        "learning_rate": config.optimizer.learning_rate,
        "iterations": iterations,
    }
    job = folder / "job.npz"
    np.savez(job, meta=np.array(json.dumps(meta)), **arrays)
    return job


def _read_answer(folder: Path, code: Path, child: ChildResult, memory_limit: int | None) -> _Answer:
    out = folder / "result.json"
    if child.returncode == MEMORY_EXIT_CODE or (child.returncode != 0 and _sounds_like_memory(child.output)):
        raise _memory_error(code, memory_limit)
    if child.returncode != 0 or not out.exists():
        raise _ended_error(code, child)
    report = json.loads(out.read_text(encoding="utf-8"))
    if report["import_error"]:
        if report.get("import_memory"):
            raise _memory_error(code, memory_limit)
        raise GradstepError(f"{code}: {report['import_error']}")
    with np.load(out.with_suffix(".npz"), allow_pickle=False) as results:
        arrays = {key: results[key] for key in results.files}
    return _Answer(report, arrays, child.output, child.truncated)


def _sounds_like_memory(output: str) -> bool:
    last = output.strip().splitlines()[-3:]
    return any(word in line for line in last for word in _MEMORY_WORDS)


def _memory_error(code: Path, memory_limit: int | None) -> GradstepError:
    if memory_limit is None:
        return GradstepError(f"{code}: your code ran out of memory")
    return GradstepError(
        f"{code}: your code exceeded the memory limit of {memory_limit // 2**20} MB "
        "(gradstep check --memory-limit MB raises it)"
    )


def _ended_error(code: Path, child: ChildResult) -> GradstepError:
    if child.returncode < 0:
        try:
            why = signal.Signals(-child.returncode).name
        except ValueError:
            why = f"signal {-child.returncode}"
        return GradstepError(f"{code}: your code crashed the Python interpreter ({why})")
    tail = (child.output.strip().splitlines() or ["no message"])[-1]
    return GradstepError(f"{code}: your code ended the process (exit code {child.returncode}): {tail}")


def _failed_everywhere(code: Path, entries: list[dict[str, Any]], memory_limit: int | None) -> GradstepError:
    """Why no orientation ran: the memory limit, non-real results, or the first one's error."""
    if any(entry.get("memory") for entry in entries):
        return _memory_error(code, memory_limit)
    not_real = next((entry["not_real"] for entry in entries if entry.get("not_real")), None)
    if not_real is not None:
        return GradstepError(f"{code}: {not_real}")
    first = entries[0]
    errors = {entry["error"].splitlines()[0] for entry in entries if entry["error"]}
    return GradstepError(
        f"{code}: train_step failed in every orientation of the arrays; with samples as rows and "
        f"weights as (in, out) it raised {first['error']}"
        + ("" if len(errors) <= 1 else f"\n({len(errors)} different errors across orientations)")
    )
