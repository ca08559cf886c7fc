"""Check a learner's backprop: run their ``train_step`` in lockstep with the engine and name
the first mistake.

The learner's file runs in a separate Python process (``engine/learner/runner.py``) with a
timeout, so an exception, an infinite loop or a crash in it is reported, never shared. Each
iteration starts both sides from the learner's own previous parameters, so rounding never
accumulates into a false alarm; at the first disagreement the engine recomputes that step
with every mistake of the catalogue (``engine.core.mistakes``) and names the ones that match.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.backprop import BackwardSpec, backward_pass, forward_pass
from engine.core.compute import all_finite, init_params, optimizer_step
from engine.core.config import SessionConfig
from engine.core.losses import batch_scale
from engine.core.mistakes import MISTAKES, Mistake, applicable
from engine.core.records import LayerParams, OptimizerState, Params
from engine.errors import GradstepError

Array = NDArray[np.float64]

RELATIVE_TOLERANCE = 1e-7
ABSOLUTE_TOLERANCE = 1e-12
DIAGNOSIS_TOLERANCE = 1e-6
RUNNER = Path(__file__).with_name("runner.py")
POLL_SECONDS = 0.05  # how often a running check looks at its time limit and its cancel request
# mistakes a learner often makes in some layers only (the output delta written apart from the
# hidden layers' loop); each is also tried in the hidden layers only and the output layer only
PER_LAYER_MISTAKES = (
    "missing_activation_derivative",
    "derivative_of_z",
    "derivative_of_a",
    "wrong_batch_reduction",
    "bias_not_summed",
    "wrong_sign",
)
_CORRECT = ""  # a name no catalogue function knows: the layer is computed correctly

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


class CheckCancelled(GradstepError):
    """The check was cancelled (its caller asked); the learner's process was stopped."""


@dataclass(frozen=True)
class Diagnosis:
    """The catalogue mistakes whose step reproduces the learner's, with the evidence.

    ``layers`` runs beside ``matches``: None when the mistake is made in every layer, else the
    layers it is made in (the hidden layers only, or the output layer only); such a match's
    title says where.
    """

    matches: tuple[Mistake, ...]
    evidence: tuple[str, ...]
    layers: tuple[tuple[int, ...] | None, ...] = ()


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
    # why this orientation, when the shapes allowed several that give different numbers
    orientation_note: str | None = None
    # the first non-finite number in the learner's output, e.g. "your code produced NaN in W[0] ..."
    non_finite: str | None = None
    # what of the session the check does not use (its mini-batches, its teaching-mode mistake)
    notes: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        return all(v.agrees for v in self.iterations)

    @property
    def orientation_text(self) -> str:
        return ", ".join(_WORDS[w] for w in self.orientation)

    def to_text(self) -> str:
        """The human-readable report."""
        lines = [f"note: {note}" for note in self.notes]
        lines.append(f"orientation detected from the shapes: {self.orientation_text}")
        if self.orientation_note is not None:
            lines.append(f"  ({self.orientation_note})")
        lines.append(
            "(parameters are shown in Gradstep's orientation: W[k][j, i] from input i to unit j of layer k)"
        )
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
            elif self.non_finite is not None:
                lines.append(f"likely cause: {self.non_finite}")
            else:
                lines.append("likely cause: none of the catalogue's mistakes reproduces your step")
            lines.extend(f"  {e}" for e in self.diagnosis.evidence if e != self.non_finite)
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
            "orientation_note": self.orientation_note,
            "non_finite": self.non_finite,
            "notes": list(self.notes),
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
                "layers": [None if layers is None else list(layers) for layers in self.diagnosis.layers],
                "evidence": list(self.diagnosis.evidence),
            },
        }


def _worst_indices(yours: Array, correct: Array, count: int) -> list[tuple[int, ...]]:
    """The ``count`` elements that differ most, a non-finite one first (NaN never compares greater)."""
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(yours - correct).reshape(-1)
    finite = (np.isfinite(yours) & np.isfinite(correct)).reshape(-1)
    diff = np.where(finite, diff, np.inf)
    order = np.argsort(-diff, kind="stable")[:count]
    return [tuple(int(i) for i in np.unravel_index(int(j), yours.shape)) for j in order if diff[j] > 0]


def _relative(yours: Array, correct: Array) -> float:
    """The largest element-wise relative difference; inf where either side is not finite."""
    if not yours.size:
        return 0.0
    scale = np.maximum(np.abs(yours), np.abs(correct))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        diff = np.abs(yours - correct)
        rel = np.where(scale > 0, diff / scale, 0.0)
    rel = np.where(np.isfinite(yours) & np.isfinite(correct), rel, np.inf)
    return float(rel.max())


def _first_non_finite(verdict: IterationVerdict) -> str | None:
    """Where the learner's output of ``verdict`` first holds NaN or inf, in the report's order."""
    for p in verdict.parameters:
        bad = ~np.isfinite(p.yours)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            value = float(p.yours[index])
            word = "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
            where = ",".join(str(i) for i in index)
            return (
                f"your code produced {word} in {p.name} at iteration {verdict.iteration} "
                f"(first at {p.name}[{where}])"
            )
    return None


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
    from engine.history.session import Session

    layers = tuple(
        replace(layer, weights=p.weights, bias=p.bias) for layer, p in zip(config.layers, params, strict=True)
    )
    session = Session(replace(config, layers=layers, mistake=mistake, state=None, batch_size=None))
    record = session.iteration_record(session.start_iteration)
    assert record.update is not None
    grads = tuple(LayerParams(b.dW, b.db) for b in reversed(record.backward))
    return record.update.params_after, grads


def _layered_step(config: SessionConfig, params: Params, names: tuple[str, ...]) -> tuple[Params, Params]:
    """(parameters after one full-batch step, gradients) with catalogue mistake ``names[k]``
    made in layer ``k`` alone (``_CORRECT``: that layer computed correctly).

    Teaching mode makes a mistake in every layer; a learner often writes the output layer apart
    from the hidden layers' loop and makes it in one of them only. The engine's one backward
    pass, with the mistake confined to those layers.
    """
    mistake = next((name for name in names if name != _CORRECT), None)
    layers = frozenset(k for k, name in enumerate(names) if name != _CORRECT)
    activations = tuple(layer.activation for layer in config.layers)
    spec = BackwardSpec(config.loss, activations, config.optimizer.learning_rate, mistake, layers)
    weights = [p.weights for p in params]
    zs, acts = forward_pass(weights, [p.bias for p in params], activations, config.x)
    layer_grads = backward_pass(
        spec, weights, zs, acts, config.y, batch_scale(config.loss, config.x.shape[0])
    )
    grads = tuple(LayerParams(g[3], g[4]) for g in reversed(layer_grads))
    after, _ = optimizer_step(config.optimizer, params, grads, OptimizerState())  # sgd
    return after, grads


def _layer_variants(name: str, n: int) -> list[tuple[tuple[int, ...], str]]:
    """(layers, where in words) for making mistake ``name`` in some layers only."""
    if name not in PER_LAYER_MISTAKES or n < 2:
        return []
    hidden = tuple(range(n - 1))
    hidden_words = "in the hidden layer only" if n == 2 else "in the hidden layers only"
    return [(hidden, hidden_words), ((n - 1,), "in the output layer only")]


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
    layers_of: list[tuple[int, ...] | None] = []
    # a mistake made in some layers only comes after those made in every layer
    partial: list[tuple[Mistake, tuple[int, ...], str]] = []
    non_finite = not (all_finite(yours_after) and (yours_grads is None or all_finite(yours_grads)))

    def reproduces(name: str, mistaken_after: Params, mistaken_grads: Params) -> bool:
        if yours_grads is not None:
            # a gradients() function shows the gradient itself; sign and stale-weight mistakes
            # live in the update, so compare those by the update
            same = _params_agree(yours_grads, mistaken_grads, DIAGNOSIS_TOLERANCE)
            if name in ("wrong_sign", "updated_weights_backprop"):
                same = same or _params_agree(yours_after, mistaken_after, DIAGNOSIS_TOLERANCE)
            return same
        return _params_agree(yours_after, mistaken_after, DIAGNOSIS_TOLERANCE)

    n = len(before)
    for name, mistake in MISTAKES.items():
        if non_finite:
            break  # no catalogue mistake makes NaN or inf out of finite numbers
        whole_grads = None
        if applicable(name, sizes, activations, config.loss) is None:
            mistaken_after, whole_grads = _step(config, before, name)
            if reproduces(name, mistaken_after, whole_grads):
                matches.append(mistake)
                layers_of.append(None)
        for layers, words in _layer_variants(name, n):
            names = tuple(name if k in layers else _CORRECT for k in range(n))
            mistaken_after, mistaken_grads = _layered_step(config, before, names)
            # in these layers alone the mistake may change nothing (bce's output delta has no
            # derivative to get wrong), or the same as in every layer: then it says nothing new
            if _params_agree(mistaken_grads, correct_grads, DIAGNOSIS_TOLERANCE) or (
                whole_grads is not None and _params_agree(mistaken_grads, whole_grads, DIAGNOSIS_TOLERANCE)
            ):
                continue
            if reproduces(name, mistaken_after, mistaken_grads):
                partial.append((mistake, layers, words))
    for mistake, layers, words in partial:
        matches.append(replace(mistake, title=f"{mistake.title} {words}"))
        layers_of.append(layers)
        where = ", ".join(str(k) for k in layers)
        evidence.append(
            f"{mistake.title} {words} (layer{'s' if len(layers) > 1 else ''} {where}) reproduces "
            "your step; the other layers are computed correctly"
        )
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
            if nonzero.any() and np.isfinite(ya).all():
                ratios = ya[nonzero] / ca[nonzero]
                if np.allclose(ratios, ratios[0], rtol=1e-6, atol=0):
                    text += f" (yours = {ratios[0]:.6g} x correct for every element of {label}[{k}])"
            evidence.append(text)
    if yours_grads is None:
        evidence.insert(0, "your gradient is implied by your update: (old - new) / learning rate")
    return Diagnosis(tuple(matches), tuple(evidence), tuple(layers_of))


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


def _stop(proc: subprocess.Popen[str]) -> None:
    """Kill the learner's process (and anything it started) and reap it."""
    if proc.poll() is None:
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: the learner's children too
            else:  # pragma: no cover - Windows
                proc.kill()
        except (ProcessLookupError, PermissionError):
            proc.kill()
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # a grandchild holds the pipes: give up on them
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        proc.wait()


def _run_learner(
    command: list[str],
    cwd: str,
    env: dict[str, str],
    timeout: float,
    cancel: Callable[[], bool] | None,
    timeout_message: str,
) -> tuple[int, str]:
    """(exit code, stderr) of the runner; stopped at ``timeout`` or when ``cancel()`` says so."""
    deadline = time.monotonic() + timeout
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=hasattr(os, "killpg"),
    )
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                _, stderr = proc.communicate(timeout=max(0.0, min(POLL_SECONDS, left)))
                return proc.returncode, stderr
            except subprocess.TimeoutExpired:
                pass
            if cancel is not None and cancel():
                raise CheckCancelled("the check was cancelled; your code was stopped")
            if time.monotonic() >= deadline:
                raise GradstepError(timeout_message)
    finally:
        _stop(proc)  # every way out (a time-out, a cancel, Ctrl+C) stops the learner's process


@dataclass(frozen=True)
class _Run:
    """One orientation's comparison: its verdicts up to the first disagreement."""

    index: int
    verdicts: tuple[IterationVerdict, ...]
    before: Params
    yours_after: Params
    yours_grads: Params | None

    @property
    def agrees(self) -> bool:
        return all(v.agrees for v in self.verdicts)

    def distance(self, config: SessionConfig) -> tuple[int, float]:
        """How far the disagreeing step is from the correct one: (non-finite elements, relative
        norm of the gradient error over the finite ones), so a NaN does not hide the rest."""
        if self.agrees:
            return 0, 0.0
        lr = config.optimizer.learning_rate
        correct_after, correct_grads = _step(config, self.before, None)
        if self.yours_grads is not None:
            yours, correct = self.yours_grads, correct_grads
        else:
            yours = _implied(self.before, self.yours_after, lr)
            correct = _implied(self.before, correct_after, lr)
        ys = np.concatenate([np.concatenate([y.weights.ravel(), y.bias.ravel()]) for y in yours])
        cs = np.concatenate([np.concatenate([c.weights.ravel(), c.bias.ravel()]) for c in correct])
        finite = np.isfinite(ys) & np.isfinite(cs)
        with np.errstate(invalid="ignore", over="ignore"):
            error = float(np.sum((ys[finite] - cs[finite]) ** 2))
            size = float(np.sum(cs[finite] ** 2))
        value = float(np.sqrt(error / size)) if size > 0 else float(np.sqrt(error))
        return int((~finite).sum()), value if np.isfinite(value) else float("inf")


def _describe(orientation: tuple[str, ...]) -> str:
    return ", ".join(_WORDS[w] for w in orientation[:2])


def check_code(
    code: str | Path,
    config: SessionConfig,
    iterations: int = 5,
    timeout: float = 20.0,
    cancel: Callable[[], bool] | None = None,
) -> CheckReport:
    """Run the learner's ``train_step`` for ``iterations`` steps and compare each with the
    engine's step from the same parameters.

    Parameters
    ----------
    cancel
        Asked every few hundredths of a second while the learner's code runs (for example
        ``threading.Event().is_set``); when it returns True the learner's process is killed
        and :class:`CheckCancelled` is raised.

    Raises
    ------
    CheckCancelled
        When ``cancel`` asked to stop.
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
        returncode, stderr = _run_learner(
            [sys.executable, "-I", "-B", str(RUNNER), str(folder / "job.npz")],
            str(code.resolve().parent),
            env,
            timeout,
            cancel,
            f"{code}: your code did not finish {iterations} steps within {timeout:g} s "
            "(an infinite loop?); it was stopped",
        )
        printed = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if returncode != 0 or not out.exists():
            if returncode < 0:
                try:
                    why = signal.Signals(-returncode).name
                except ValueError:
                    why = f"signal {-returncode}"
                raise GradstepError(f"{code}: your code crashed the Python interpreter ({why})")
            tail = (stderr.strip().splitlines() or ["no message"])[-1]
            raise GradstepError(f"{code}: your code ended the process (exit code {returncode}): {tail}")
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

    def verdicts(index: int) -> _Run:
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
                return _Run(index, tuple(out_verdicts), before, yours_after, yours_grads)
            before = yours_after  # lockstep: both sides start the next step from the same place
        return _Run(index, tuple(out_verdicts), before, before, None)

    def orientation_of(run: _Run) -> tuple[str, ...]:
        return tuple(report["orientations"][run.index]["orientation"])

    runs = [verdicts(index) for index, _entry in candidates]
    if cancel is not None and cancel():
        raise CheckCancelled("the check was cancelled")
    # Square weight matrices (a 2-2-2 network, say) run in either weight orientation, one of
    # them with transposed numbers: prefer the one that agrees, then one whose disagreement
    # a catalogue mistake reproduces, then the nearest, in the runner's order on a tie.
    diagnoses: dict[int, Diagnosis] = {}
    agreeing = [run for run in runs if run.agrees]
    if agreeing:
        chosen, because = agreeing[0], "your code agrees with the correct computation in it"
    else:
        for run in runs:
            diagnoses[run.index] = _diagnose(config, run.before, run.yours_after, run.yours_grads)
        named = [run for run in runs if diagnoses[run.index].matches]

        def closeness(run: _Run) -> tuple[int, int, float]:
            return (-len(run.verdicts), *run.distance(config))

        if named:
            chosen = min(named, key=closeness)
            title = diagnoses[chosen.index].matches[0].title
            because = f"in it a catalogue mistake reproduces your step ({title})"
        else:
            chosen = min(runs, key=closeness)
            because = "in it your numbers are nearest the correct ones (none of the others agrees either)"
    # the bias's shape alone (rows or vectors broadcast alike) changes no number: say nothing of it
    kinds = list(dict.fromkeys(orientation_of(run)[:2] for run in runs))
    orientation_note = None
    if len(kinds) > 1:
        orientation_note = (
            "the shapes allow several orientations ("
            + "; ".join(_describe(kind) for kind in kinds)
            + f"); chose {_describe(orientation_of(chosen))} because {because}"
        )
    its = chosen.verdicts
    diagnosis = None
    gradients = None
    non_finite = None
    if not chosen.agrees:
        diagnosis = diagnoses.get(chosen.index) or _diagnose(
            config, chosen.before, chosen.yours_after, chosen.yours_grads
        )
        non_finite = _first_non_finite(its[-1])
        if non_finite is not None:
            diagnosis = replace(diagnosis, evidence=(non_finite, *diagnosis.evidence))
        gradients = _compare_gradients(
            config, its[-1].iteration, chosen.before, chosen.yours_after, chosen.yours_grads
        )
    orientation = orientation_of(chosen)
    return CheckReport(
        orientation=(orientation[0], orientation[1], orientation[2]),
        iterations=tuple(its),
        diagnosis=diagnosis,
        used_gradients=has_gradients,
        learner_output=printed[:4000],
        gradients=gradients,
        orientation_note=orientation_note,
        non_finite=non_finite,
        notes=session_notes(config),
    )
