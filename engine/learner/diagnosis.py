"""At the first disagreement: which catalogue mistakes reproduce the learner's step (in every
layer, or in the hidden or output layers only), the evidence, and the gradients element by
element for the window to mark."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from engine.core.compute import all_finite
from engine.core.config import SessionConfig
from engine.core.mistakes import MISTAKES, Mistake, applicable
from engine.core.records import LayerParams, Params
from engine.learner.compare import (
    RELATIVE_TOLERANCE,
    agree,
    agree_elements,
    implied,
    params_agree,
    relative_elements,
    worst_indices,
)
from engine.learner.steps import _CORRECT, _layered_step, _step

DIAGNOSIS_TOLERANCE = 1e-6
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
class LearnerStep:
    """The learner's step from ``before``: its parameters after, and its gradients when its
    file defines ``gradients()``."""

    before: Params
    after: Params
    grads: Params | None

    def reproduced_by(self, name: str, mistaken_after: Params, mistaken_grads: Params) -> bool:
        """Whether the engine's step with mistake ``name`` gives the learner's numbers."""
        if self.grads is not None:
            # a gradients() function shows the gradient itself; sign and stale-weight mistakes
            # live in the update, so compare those by the update
            same = params_agree(self.grads, mistaken_grads, DIAGNOSIS_TOLERANCE)
            if name in ("wrong_sign", "updated_weights_backprop"):
                same = same or params_agree(self.after, mistaken_after, DIAGNOSIS_TOLERANCE)
            return same
        return params_agree(self.after, mistaken_after, DIAGNOSIS_TOLERANCE)

    @property
    def finite(self) -> bool:
        return all_finite(self.after) and (self.grads is None or all_finite(self.grads))


def layer_variants(name: str, n: int) -> list[tuple[tuple[int, ...], str]]:
    """(layers, where in words) for making mistake ``name`` in some layers only."""
    if name not in PER_LAYER_MISTAKES or n < 2:
        return []
    hidden = tuple(range(n - 1))
    hidden_words = "in the hidden layer only" if n == 2 else "in the hidden layers only"
    return [(hidden, hidden_words), ((n - 1,), "in the output layer only")]


def _partial_matches(
    config: SessionConfig,
    yours: LearnerStep,
    name: str,
    correct_grads: Params,
    whole_grads: Params | None,
) -> list[tuple[tuple[int, ...], str]]:
    """(layers, where in words) in which mistake ``name`` alone reproduces the learner's step."""
    n = len(yours.before)
    found = []
    for layers, words in layer_variants(name, n):
        names = tuple(name if k in layers else _CORRECT for k in range(n))
        mistaken_after, mistaken_grads = _layered_step(config, yours.before, names)
        # in these layers alone the mistake may change nothing (bce's output delta has no
        # derivative to get wrong), or the same as in every layer: then it says nothing new
        if params_agree(mistaken_grads, correct_grads, DIAGNOSIS_TOLERANCE) or (
            whole_grads is not None and params_agree(mistaken_grads, whole_grads, DIAGNOSIS_TOLERANCE)
        ):
            continue
        if yours.reproduced_by(name, mistaken_after, mistaken_grads):
            found.append((layers, words))
    return found


def _catalogue_matches(config: SessionConfig, yours: LearnerStep, correct_grads: Params) -> Diagnosis:
    """The mistakes made in every layer first, then those made in some layers only."""
    activations = tuple(layer.activation for layer in config.layers)
    matches: list[Mistake] = []
    layers_of: list[tuple[int, ...] | None] = []
    partial: list[tuple[Mistake, tuple[int, ...], str]] = []
    for name, mistake in MISTAKES.items():
        whole_grads = None
        if applicable(name, config.sizes, activations, config.loss, config.biased) is None:
            mistaken_after, whole_grads = _step(config, yours.before, name)
            if yours.reproduced_by(name, mistaken_after, whole_grads):
                matches.append(mistake)
                layers_of.append(None)
        found = _partial_matches(config, yours, name, correct_grads, whole_grads)
        partial.extend((mistake, layers, words) for layers, words in found)
    evidence = []
    for mistake, layers, words in partial:
        matches.append(replace(mistake, title=f"{mistake.title} {words}"))
        layers_of.append(layers)
        where = ", ".join(str(k) for k in layers)
        evidence.append(
            f"{mistake.title} {words} (layer{'s' if len(layers) > 1 else ''} {where}) reproduces "
            "your step; the other layers are computed correctly"
        )
    return Diagnosis(tuple(matches), tuple(evidence), tuple(layers_of))


def _gradient_evidence(yours_g: Params, correct_g: Params) -> list[str]:
    """Where each gradient differs most, yours against the correct one, and a constant ratio."""
    evidence = []
    for k, (y, c) in enumerate(zip(yours_g, correct_g, strict=True)):
        for label, ya, ca in (("dW", y.weights, c.weights), ("db", y.bias, c.bias)):
            if agree(ya, ca, RELATIVE_TOLERANCE):
                continue
            index = worst_indices(ya, ca, 1)[0]
            where = ",".join(str(i) for i in index)
            text = f"{label}[{k}][{where}]: your gradient {ya[index]:.10g}, correct {ca[index]:.10g}"
            nonzero = np.abs(ca) > 1e-300
            if nonzero.any() and np.isfinite(ya).all():
                ratios = ya[nonzero] / ca[nonzero]
                if np.allclose(ratios, ratios[0], rtol=1e-6, atol=0):
                    text += f" (yours = {ratios[0]:.6g} x correct for every element of {label}[{k}])"
            evidence.append(text)
    return evidence


def diagnose(
    config: SessionConfig, before: Params, yours_after: Params, yours_grads: Params | None
) -> Diagnosis:
    """The catalogue mistakes whose step from ``before`` gives the learner's, with the evidence."""
    lr = config.optimizer.learning_rate
    correct_after, correct_grads = _step(config, before, None)
    yours = LearnerStep(before, yours_after, yours_grads)
    # no catalogue mistake makes NaN or inf out of finite numbers
    found = _catalogue_matches(config, yours, correct_grads) if yours.finite else Diagnosis((), (), ())
    yours_g = yours_grads if yours_grads is not None else implied(before, yours_after, lr)
    correct_g = correct_grads if yours_grads is not None else implied(before, correct_after, lr)
    evidence = [*found.evidence, *_gradient_evidence(yours_g, correct_g)]
    if yours_grads is None:
        evidence.insert(0, "your gradient is implied by your update: (old - new) / learning rate")
    return replace(found, evidence=tuple(evidence))


def compare_gradients(
    config: SessionConfig,
    iteration: int,
    before: Params,
    yours_after: Params,
    yours_grads: Params | None,
) -> GradientComparison:
    """Element-wise gradients of the first disagreeing iteration (the window marks them)."""
    lr = config.optimizer.learning_rate
    correct_after, correct_grads = _step(config, before, None)
    by_update = yours_grads is None or params_agree(yours_grads, correct_grads, RELATIVE_TOLERANCE)
    if by_update:
        yours = implied(before, yours_after, lr)
        # like for like: both sides' rounding of (old - new) / lr, so a correct element never flags
        reference = implied(before, correct_after, lr)
    else:
        assert yours_grads is not None
        yours, reference = yours_grads, correct_grads
    marks = []
    for y, r, ya, ca in zip(yours, reference, yours_after, correct_after, strict=True):
        marks.append(
            LayerMarks(
                ~agree_elements(y.weights, r.weights, RELATIVE_TOLERANCE)
                | ~agree_elements(ya.weights, ca.weights, RELATIVE_TOLERANCE),
                ~agree_elements(y.bias, r.bias, RELATIVE_TOLERANCE)
                | ~agree_elements(ya.bias, ca.bias, RELATIVE_TOLERANCE),
            )
        )
    relative = tuple(
        LayerParams(relative_elements(y.weights, c.weights), relative_elements(y.bias, c.bias))
        for y, c in zip(yours, correct_grads, strict=True)
    )
    return GradientComparison(iteration, by_update, before, yours, correct_grads, relative, tuple(marks))
