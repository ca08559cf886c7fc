"""Check a learner's backprop: run their ``train_step`` in lockstep with the engine and name
the first mistake.

The learner's file runs in a separate Python process (``engine/check_runner.py``) with a
timeout, so an exception, an infinite loop or a crash in it is reported, never shared. Each
iteration starts both sides from the learner's own previous parameters, so rounding never
accumulates into a false alarm; at the first disagreement the engine recomputes that step
with every mistake of the catalogue (``engine.mistakes``) and names the ones that match.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.config import SessionConfig
from engine.errors import GradstepError
from engine.mistakes import MISTAKES, Mistake, applicable
from engine.records import LayerParams, Params

Array = NDArray[np.float64]

RELATIVE_TOLERANCE = 1e-7
ABSOLUTE_TOLERANCE = 1e-12
DIAGNOSIS_TOLERANCE = 1e-6
RUNNER = Path(__file__).with_name("check_runner.py")

_WORDS = {
    "rows": "samples as rows",
    "columns": "samples as columns",
    "in_out": "weights as (in, out)",
    "out_in": "weights as (out, in)",
    "vector": "biases as vectors (units,)",
    "row": "biases as rows (1, units)",
    "column": "biases as columns (units, 1)",
}


@dataclass(frozen=True)
class ParameterVerdict:
    """One parameter array of one iteration: the learner's value against the correct one."""

    name: str
    yours: Array
    correct: Array
    agrees: bool
    max_relative_difference: float


@dataclass(frozen=True)
class IterationVerdict:
    """One iteration's comparison, parameter by parameter."""

    iteration: int
    parameters: tuple[ParameterVerdict, ...]

    @property
    def agrees(self) -> bool:
        return all(p.agrees for p in self.parameters)


@dataclass(frozen=True)
class Diagnosis:
    """The catalogue mistakes whose step reproduces the learner's, with the evidence."""

    matches: tuple[Mistake, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class LayerMarks:
    """Which elements of one layer's gradient disagree: ``weights`` (units, fan_in), ``bias`` (units,)."""

    weights: NDArray[np.bool_]
    bias: NDArray[np.bool_]


@dataclass(frozen=True)
class GradientComparison:
    """The first disagreeing iteration's gradients, element by element, in Gradstep's orientation.

    ``yours`` is what the learner's ``gradients()`` returned or, when it has none (or its
    gradients agree and the mistake is in the update), the gradient the update implies,
    (old - new) / learning rate. ``correct`` is the engine's gradient from the same
    parameters, ``params`` those parameters, ``relative`` the element-wise relative
    difference |yours - correct| / max(|yours|, |correct|), and ``marks`` flags the elements
    that disagree by the checker's rule (relative tolerance 1e-7) in the gradient or in the
    updated value.
    """

    iteration: int
    implied: bool
    params: Params
    yours: Params
    correct: Params
    relative: Params
    marks: tuple[LayerMarks, ...]


@dataclass(frozen=True)
class CheckReport:
    """What ``gradstep check`` found."""

    orientation: tuple[str, str, str]
    iterations: tuple[IterationVerdict, ...]
    diagnosis: Diagnosis | None
    used_gradients: bool
    learner_output: str
    gradients: GradientComparison | None = None  # None when everything agrees

    @property
    def agrees(self) -> bool:
        return all(v.agrees for v in self.iterations)

    @property
    def orientation_text(self) -> str:
        return ", ".join(_WORDS[w] for w in self.orientation)

    def to_text(self) -> str:
        """The human-readable report."""
        lines = [
            f"orientation detected from the shapes: {self.orientation_text}",
            "(parameters are shown in Gradstep's orientation: W[k][j, i] from input i to unit j of layer k)",
        ]
        if self.used_gradients:
            lines.append("comparing the gradients your gradients() returns, then your updates")
        for verdict in self.iterations:
            if verdict.agrees:
                worst = max(p.max_relative_difference for p in verdict.parameters)
                names = ", ".join(p.name for p in verdict.parameters)
                lines.append(
                    f"iteration {verdict.iteration}: all agree ({names}; largest relative "
                    f"difference {worst:.1e})"
                )
                continue
            lines.append(f"iteration {verdict.iteration}: DISAGREES")
            for p in verdict.parameters:
                mark = "agrees" if p.agrees else "DIFFERS"
                lines.append(
                    f"  {p.name}: {mark} (largest relative difference {p.max_relative_difference:.1e})"
                )
                if not p.agrees:
                    for index in _worst_indices(p.yours, p.correct, 4):
                        where = ",".join(str(i) for i in index)
                        yours, correct = float(p.yours[index]), float(p.correct[index])
                        lines.append(f"    [{where}] yours {yours!r:<24} correct {correct!r}")
        if self.diagnosis is not None:
            if self.diagnosis.matches:
                first, *others = self.diagnosis.matches
                lines.append(f"likely cause: {first.title}")
                lines.append(f"  {first.explanation}")
                for other in others:
                    lines.append(f"  also consistent with: {other.title} ({other.explanation})")
            else:
                lines.append("likely cause: none of the catalogue's mistakes reproduces your step")
            lines.extend(f"  {e}" for e in self.diagnosis.evidence)
        elif self.agrees:
            lines.append(
                f"your code agrees with the correct computation for {len(self.iterations)} iterations"
            )
        if self.learner_output.strip():
            lines.append("your code printed (first lines):")
            lines.extend(f"  | {line}" for line in self.learner_output.strip().splitlines()[:5])
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "agrees": self.agrees,
            "orientation": list(self.orientation),
            "iterations": [
                {
                    "iteration": v.iteration,
                    "agrees": v.agrees,
                    "parameters": [
                        {
                            "name": p.name,
                            "agrees": p.agrees,
                            "max_relative_difference": p.max_relative_difference,
                            "yours": p.yours.tolist(),
                            "correct": p.correct.tolist(),
                        }
                        for p in v.parameters
                    ],
                }
                for v in self.iterations
            ],
            "diagnosis": None
            if self.diagnosis is None
            else {
                "mistakes": [m.name for m in self.diagnosis.matches],
                "evidence": list(self.diagnosis.evidence),
            },
        }


def _worst_indices(yours: Array, correct: Array, count: int) -> list[tuple[int, ...]]:
    diff = np.abs(yours - correct).reshape(-1)
    order = np.argsort(-diff, kind="stable")[:count]
    return [tuple(int(i) for i in np.unravel_index(int(j), yours.shape)) for j in order if diff[j] > 0]


def _relative(yours: Array, correct: Array) -> float:
    scale = np.maximum(np.abs(yours), np.abs(correct))
    diff = np.abs(yours - correct)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / scale, 0.0)
    return float(rel.max()) if rel.size else 0.0


def _agree(yours: Array, correct: Array, rtol: float) -> bool:
    return bool(_agree_elements(yours, correct, rtol).all())


def _agree_elements(yours: Array, correct: Array, rtol: float) -> NDArray[np.bool_]:
    """Element by element, the rule :func:`_agree` applies to the whole array."""
    finite = np.isfinite(yours) & np.isfinite(correct)
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.maximum(np.abs(yours), np.abs(correct))
        close = np.abs(yours - correct) <= rtol * scale + ABSOLUTE_TOLERANCE
    return np.asarray(finite & close, dtype=np.bool_)


def _relative_elements(yours: Array, correct: Array) -> Array:
    scale = np.maximum(np.abs(yours), np.abs(correct))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.asarray(np.where(scale > 0, np.abs(yours - correct) / scale, 0.0), dtype=np.float64)


def _step(config: SessionConfig, params: Params, mistake: str | None) -> tuple[Params, Params]:
    """(parameters after one full-batch step, gradients) from ``params``, as the engine
    computes them, optionally with a catalogue mistake."""
    from engine.session import Session

    layers = tuple(
        replace(layer, weights=p.weights, bias=p.bias) for layer, p in zip(config.layers, params, strict=True)
    )
    session = Session(replace(config, layers=layers, mistake=mistake, state=None, batch_size=None))
    record = session.iteration_record(session.start_iteration)
    assert record.update is not None
    grads = tuple(LayerParams(b.dW, b.db) for b in reversed(record.backward))
    return record.update.params_after, grads


def _names(k: int) -> tuple[str, str]:
    return f"W[{k}]", f"b[{k}]"


def _compare(
    yours: Params, correct: Params, rtol: float = RELATIVE_TOLERANCE
) -> tuple[ParameterVerdict, ...]:
    out = []
    for k, (y, c) in enumerate(zip(yours, correct, strict=True)):
        wn, bn = _names(k)
        out.append(
            ParameterVerdict(
                wn, y.weights, c.weights, _agree(y.weights, c.weights, rtol), _relative(y.weights, c.weights)
            )
        )
        out.append(
            ParameterVerdict(bn, y.bias, c.bias, _agree(y.bias, c.bias, rtol), _relative(y.bias, c.bias))
        )
    return tuple(out)


def _params_agree(a: Params, b: Params, rtol: float) -> bool:
    return all(
        _agree(x.weights, y.weights, rtol) and _agree(x.bias, y.bias, rtol) for x, y in zip(a, b, strict=True)
    )


def _implied(before: Params, after: Params, lr: float) -> Params:
    return tuple(
        LayerParams((p.weights - q.weights) / lr, (p.bias - q.bias) / lr)
        for p, q in zip(before, after, strict=True)
    )


def _diagnose(
    config: SessionConfig, before: Params, yours_after: Params, yours_grads: Params | None
) -> Diagnosis:
    lr = config.optimizer.learning_rate
    correct_after, correct_grads = _step(config, before, None)
    sizes = config.sizes
    activations = tuple(layer.activation for layer in config.layers)
    matches = []
    evidence = []
    yours_g = yours_grads if yours_grads is not None else _implied(before, yours_after, lr)
    for name, mistake in MISTAKES.items():
        if applicable(name, sizes, activations, config.loss) is not None:
            continue
        mistaken_after, mistaken_grads = _step(config, before, name)
        if yours_grads is not None:
            # a gradients() function shows the gradient itself; sign and stale-weight mistakes
            # live in the update, so compare those by the update
            same = _params_agree(yours_grads, mistaken_grads, DIAGNOSIS_TOLERANCE)
            if name in ("wrong_sign", "updated_weights_backprop"):
                same = same or _params_agree(yours_after, mistaken_after, DIAGNOSIS_TOLERANCE)
        else:
            same = _params_agree(yours_after, mistaken_after, DIAGNOSIS_TOLERANCE)
        if same:
            matches.append(mistake)
    # evidence: where the gradient differs most, yours against the correct one
    correct_g = correct_grads if yours_grads is not None else _implied(before, correct_after, lr)
    for k, (y, c) in enumerate(zip(yours_g, correct_g, strict=True)):
        for label, ya, ca in (("dW", y.weights, c.weights), ("db", y.bias, c.bias)):
            if _agree(ya, ca, RELATIVE_TOLERANCE):
                continue
            index = _worst_indices(ya, ca, 1)[0]
            where = ",".join(str(i) for i in index)
            text = f"{label}[{k}][{where}]: your gradient {ya[index]:.10g}, correct {ca[index]:.10g}"
            nonzero = np.abs(ca) > 1e-300
            if nonzero.any():
                ratios = ya[nonzero] / ca[nonzero]
                if np.allclose(ratios, ratios[0], rtol=1e-6, atol=0):
                    text += f" (yours = {ratios[0]:.6g} x correct for every element of {label}[{k}])"
            evidence.append(text)
    if yours_grads is None:
        evidence.insert(0, "your gradient is implied by your update: (old - new) / learning rate")
    return Diagnosis(tuple(matches), tuple(evidence))


def _compare_gradients(
    config: SessionConfig,
    iteration: int,
    before: Params,
    yours_after: Params,
    yours_grads: Params | None,
) -> GradientComparison:
    """Element-wise gradients of the first disagreeing iteration (the window marks them)."""
    lr = config.optimizer.learning_rate
    correct_after, correct_grads = _step(config, before, None)
    implied = yours_grads is None or _params_agree(yours_grads, correct_grads, RELATIVE_TOLERANCE)
    if implied:
        yours = _implied(before, yours_after, lr)
        # like for like: both sides' rounding of (old - new) / lr, so a correct element never flags
        reference = _implied(before, correct_after, lr)
    else:
        assert yours_grads is not None
        yours, reference = yours_grads, correct_grads
    marks = []
    for y, r, ya, ca in zip(yours, reference, yours_after, correct_after, strict=True):
        marks.append(
            LayerMarks(
                ~_agree_elements(y.weights, r.weights, RELATIVE_TOLERANCE)
                | ~_agree_elements(ya.weights, ca.weights, RELATIVE_TOLERANCE),
                ~_agree_elements(y.bias, r.bias, RELATIVE_TOLERANCE)
                | ~_agree_elements(ya.bias, ca.bias, RELATIVE_TOLERANCE),
            )
        )
    relative = tuple(
        LayerParams(_relative_elements(y.weights, c.weights), _relative_elements(y.bias, c.bias))
        for y, c in zip(yours, correct_grads, strict=True)
    )
    return GradientComparison(iteration, implied, before, yours, correct_grads, relative, tuple(marks))


def check_code(
    code: str | Path, config: SessionConfig, iterations: int = 5, timeout: float = 20.0
) -> CheckReport:
    """Run the learner's ``train_step`` for ``iterations`` steps and compare each with the
    engine's step from the same parameters.

    Raises
    ------
    GradstepError
        When the file cannot be checked: missing, no ``train_step``, an exception in every
        orientation, a time-out, a crash, wrong shapes, or a session that is not plain
        full-batch gradient descent.
    """
    code = Path(code)
    if not code.is_file():
        raise GradstepError(f"{code}: no such file")
    if config.optimizer.name != "sgd":
        raise GradstepError(
            f"check compares plain gradient-descent steps: the session's optimizer is {config.optimizer.name}"
        )
    if iterations < 1:
        raise GradstepError(f"--iterations must be at least 1, got {iterations}")
    from engine.compute import init_params

    start = init_params(config)
    with tempfile.TemporaryDirectory(prefix="gradstep-check-") as tmp:
        folder = Path(tmp)
        out = folder / "result.json"
        log = folder / "output.txt"
        arrays: dict[str, Any] = {"x": config.x, "y": config.y}
        for k, p in enumerate(start):
            arrays[f"w{k}"] = p.weights
            arrays[f"b{k}"] = p.bias
        meta = {
            "code": str(code.resolve()),
            "out": str(out),
            "log": str(log),
            "layers": len(start),
            "learning_rate": config.optimizer.learning_rate,
            "iterations": iterations,
        }
        np.savez(folder / "job.npz", meta=np.array(json.dumps(meta)), **arrays)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONINSPECT")}
        try:
            proc = subprocess.run(
                [sys.executable, "-I", str(RUNNER), str(folder / "job.npz")],
                cwd=str(code.resolve().parent),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
            )
        except subprocess.TimeoutExpired:
            raise GradstepError(
                f"{code}: your code did not finish {iterations} steps within {timeout:g} s "
                "(an infinite loop?); it was stopped"
            ) from None
        printed = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if proc.returncode != 0 or not out.exists():
            if proc.returncode < 0:
                try:
                    why = signal.Signals(-proc.returncode).name
                except ValueError:
                    why = f"signal {-proc.returncode}"
                raise GradstepError(f"{code}: your code crashed the Python interpreter ({why})")
            tail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise GradstepError(f"{code}: your code ended the process (exit code {proc.returncode}): {tail}")
        report = json.loads(out.read_text(encoding="utf-8"))
        if report["import_error"]:
            raise GradstepError(f"{code}: {report['import_error']}")
        results = np.load(out.with_suffix(".npz"), allow_pickle=False)
        results = {key: results[key] for key in results.files}
    candidates = [(i, entry) for i, entry in enumerate(report["orientations"]) if entry["error"] is None]
    if not candidates:
        first = report["orientations"][0]
        errors = {e["error"].splitlines()[0] for e in report["orientations"] if e["error"]}
        raise GradstepError(
            f"{code}: train_step failed in every orientation of the arrays; with samples as rows and "
            f"weights as (in, out) it raised {first['error']}"
            + ("" if len(errors) <= 1 else f"\n({len(errors)} different errors across orientations)")
        )
    n_layers = len(start)

    def learner_params(index: int, step: int, prefix: str = "") -> Params:
        return tuple(
            LayerParams(results[f"o{index}_s{step}_{prefix}w{k}"], results[f"o{index}_s{step}_{prefix}b{k}"])
            for k in range(n_layers)
        )

    has_gradients = bool(report["has_gradients"])

    def verdicts(index: int) -> tuple[list[IterationVerdict], Params, Params, Params | None]:
        before = start
        out_verdicts = []
        for step in range(iterations):
            yours_after = learner_params(index, step)
            correct_after, correct_grads = _step(config, before, None)
            yours_grads = learner_params(index, step, "g") if has_gradients else None
            params = list(_compare(yours_after, correct_after))
            if yours_grads is not None:
                grads = _compare(yours_grads, correct_grads)
                params = [
                    replace(g, name=g.name.replace("W", "dW").replace("b", "db")) for g in grads
                ] + params
            verdict = IterationVerdict(step, tuple(params))
            out_verdicts.append(verdict)
            if not verdict.agrees:
                return out_verdicts, before, yours_after, yours_grads
            before = yours_after  # lockstep: both sides start the next step from the same place
        return out_verdicts, before, before, None

    chosen = None
    for index, _entry in candidates:
        found = verdicts(index)
        if all(v.agrees for v in found[0]):
            chosen = (index, found)
            break
        if chosen is None:
            chosen = (index, found)
    assert chosen is not None
    index, (its, before, yours_after, yours_grads) = chosen
    diagnosis = None
    gradients = None
    if not all(v.agrees for v in its):
        diagnosis = _diagnose(config, before, yours_after, yours_grads)
        gradients = _compare_gradients(config, its[-1].iteration, before, yours_after, yours_grads)
    orientation = tuple(report["orientations"][index]["orientation"])
    return CheckReport(
        orientation=(orientation[0], orientation[1], orientation[2]),
        iterations=tuple(its),
        diagnosis=diagnosis,
        used_gradients=has_gradients,
        learner_output=printed[:4000],
        gradients=gradients,
    )
