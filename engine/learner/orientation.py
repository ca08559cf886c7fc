"""Which orientation of the arrays the learner's code uses, found by running each one the
shapes allow in lockstep with the engine.

Each iteration starts both sides from the learner's own previous parameters, so rounding never
accumulates into a false alarm. Square weight matrices (a 2-2-2 network, say) run in either
weight orientation, one of them with transposed numbers: the one that agrees is preferred,
then one whose disagreement a catalogue mistake reproduces, then the nearest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from engine.core.config import SessionConfig
from engine.core.records import LayerParams, Params
from engine.learner.compare import Array, IterationVerdict, compare, implied
from engine.learner.diagnosis import Diagnosis, diagnose
from engine.learner.steps import _step

WORDS = {
    "rows": "samples as rows",
    "columns": "samples as columns",
    "in_out": "weights as (in, out)",
    "out_in": "weights as (out, in)",
    "vector": "biases as vectors (units,)",
    "row": "biases as rows (1, units)",
    "column": "biases as columns (units, 1)",
    "none": "no biases",
}


@dataclass(frozen=True)
class LearnerSteps:
    """What the runner sent back: per orientation ``o`` and step ``s``, the learner's
    parameters after the step (``o{o}_s{s}_w{k}``, ``..._b{k}``) and, when its file defines
    ``gradients()``, its gradients (``..._gw{k}``, ``..._gb{k}``), in Gradstep's orientation."""

    arrays: Mapping[str, Array]
    layers: int
    has_gradients: bool

    def params(self, index: int, step: int, prefix: str = "") -> Params:
        return tuple(
            LayerParams(
                self.arrays[f"o{index}_s{step}_{prefix}w{k}"], self.arrays[f"o{index}_s{step}_{prefix}b{k}"]
            )
            for k in range(self.layers)
        )


@dataclass(frozen=True)
class OrientationRun:
    """One orientation's comparison: its verdicts up to the first disagreement, and that step."""

    index: int
    orientation: tuple[str, str, str]
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
            yours = implied(self.before, self.yours_after, lr)
            correct = implied(self.before, correct_after, lr)
        ys = np.concatenate([np.concatenate([y.weights.ravel(), y.bias.ravel()]) for y in yours])
        cs = np.concatenate([np.concatenate([c.weights.ravel(), c.bias.ravel()]) for c in correct])
        finite = np.isfinite(ys) & np.isfinite(cs)
        with np.errstate(invalid="ignore", over="ignore"):
            error = float(np.sum((ys[finite] - cs[finite]) ** 2))
            size = float(np.sum(cs[finite] ** 2))
        value = float(np.sqrt(error / size)) if size > 0 else float(np.sqrt(error))
        return int((~finite).sum()), value if np.isfinite(value) else float("inf")


def lockstep(
    config: SessionConfig,
    start: Params,
    steps: LearnerSteps,
    index: int,
    orientation: tuple[str, str, str],
    iterations: int,
) -> OrientationRun:
    """Compare orientation ``index``'s steps with the engine's, up to the first disagreement."""
    before = start
    verdicts = []
    for step in range(iterations):
        yours_after = steps.params(index, step)
        correct_after, correct_grads = _step(config, before, None)
        yours_grads = steps.params(index, step, "g") if steps.has_gradients else None
        params = list(compare(yours_after, correct_after))
        if yours_grads is not None:
            grads = compare(yours_grads, correct_grads)
            params = [replace(g, name=g.name.replace("W", "dW").replace("b", "db")) for g in grads] + params
        verdict = IterationVerdict(step, tuple(params))
        verdicts.append(verdict)
        if not verdict.agrees:
            return OrientationRun(index, orientation, tuple(verdicts), before, yours_after, yours_grads)
        before = yours_after  # lockstep: both sides start the next step from the same place
    return OrientationRun(index, orientation, tuple(verdicts), before, before, None)


@dataclass(frozen=True)
class Choice:
    """The orientation chosen, why (when the shapes allowed several that give different
    numbers), and its diagnosis when choosing needed it."""

    run: OrientationRun
    note: str | None
    diagnosis: Diagnosis | None


def choose(config: SessionConfig, runs: Sequence[OrientationRun]) -> Choice:
    """Prefer a run that agrees, then one a catalogue mistake explains, then the nearest, in
    the runner's order on a tie."""
    agreeing = [run for run in runs if run.agrees]
    diagnosis = None
    if agreeing:
        chosen, because = agreeing[0], "your code agrees with the correct computation in it"
    else:
        diagnoses = {
            run.index: diagnose(config, run.before, run.yours_after, run.yours_grads) for run in runs
        }
        named = [run for run in runs if diagnoses[run.index].matches]

        def closeness(run: OrientationRun) -> tuple[int, int, float]:
            return (-len(run.verdicts), *run.distance(config))

        if named:
            chosen = min(named, key=closeness)
            title = diagnoses[chosen.index].matches[0].title
            because = f"in it a catalogue mistake reproduces your step ({title})"
        else:
            chosen = min(runs, key=closeness)
            because = "in it your numbers are nearest the correct ones (none of the others agrees either)"
        diagnosis = diagnoses[chosen.index]
    return Choice(chosen, _note(runs, chosen, because), diagnosis)


def describe(orientation: tuple[str, ...]) -> str:
    """The orientation in words."""
    return ", ".join(WORDS[w] for w in orientation)


def _note(runs: Sequence[OrientationRun], chosen: OrientationRun, because: str) -> str | None:
    # the bias's shape alone (rows or vectors broadcast alike) changes no number: say nothing of it
    kinds = list(dict.fromkeys(run.orientation[:2] for run in runs))
    if len(kinds) < 2:
        return None
    return (
        "the shapes allow several orientations ("
        + "; ".join(describe(kind) for kind in kinds)
        + f"); chose {describe(chosen.orientation[:2])} because {because}"
    )
