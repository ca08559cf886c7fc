"""Match every traced value with the engine's quantities of the same iteration, and give each
line a status: matches, matches-mistake, wrong or helper."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from engine.learner.debug.compare import (
    RELATIVE_TOLERANCE,
    SINGLE_TOLERANCE,
    Factor,
    Fit,
    arrangements,
    first_difference,
    fit,
    legitimate_factors,
)
from engine.learner.debug.discovery import Discovery, IterationData
from engine.learner.debug.quantities import (
    CORRECT,
    Quantity,
    QuantitySet,
    correct_quantities,
    loss_values,
    mistake_pairs,
    mistake_variants,
    mistaken_quantities,
)
from engine.learner.debug.recording import Trace

Array = NDArray[np.float64]

STATUS_ORDER = ("helper", "matches", "matches-mistake", "wrong")
NEAR = 0.3  # a value this close to a quantity (relative) was meant to be it
EXACT_ONLY = ("W", "b", "W_before", "b_before", "X", "Y")  # the new parameters carry no factor
# how far off a wrong update is, when it is a whole multiple of the correct one
_SCALE_WORDS = {"lr": "the learning rate: applied twice?", "m": "the batch size m", "1/m": "1/m"}


@dataclass(frozen=True)
class NameVerdict:
    """One name a line bound, judged."""

    name: str
    status: str
    quantity: str | None = None
    factor: str | None = None
    max_relative_difference: float | None = None
    mistakes: tuple[str, ...] | None = None  # the catalogue variant (a name per layer)
    difference: tuple[tuple[int, ...], float, float] | None = None  # index, yours, correct
    note: str | None = None
    layer: int | None = None


@dataclass(frozen=True)
class LineVerdict:
    """One executed line of one iteration and the values it bound."""

    line: int
    iteration: int
    order: int
    names: tuple[NameVerdict, ...]

    @property
    def status(self) -> str:
        return max((n.status for n in self.names), key=STATUS_ORDER.index)

    @property
    def judged(self) -> NameVerdict:
        """The name that gives the line its status."""
        return max(self.names, key=lambda n: STATUS_ORDER.index(n.status))


class _Iteration:
    """The quantities of one iteration, with the mistaken ones computed when first needed."""

    def __init__(self, data: IterationData, loss: str) -> None:
        self.data = data
        self.correct = correct_quantities(data.config)
        self._mistaken: list[QuantitySet] | None = None
        self._pairs: list[QuantitySet] | None = None
        config = data.config
        m, outputs = config.x.shape[0], config.y.shape[1]
        lr = config.optimizer.learning_rate
        self.factors = legitimate_factors(m, outputs, lr)
        self.loss_factors = [f for f in legitimate_factors(m, outputs, 1.0) if f.value > 0]
        self.losses = loss_values(config)
        self.loss = loss
        zs = [q.value for q in self.correct.quantities if q.kind == "z"]
        acts = [config.x, *(q.value for q in self.correct.quantities if q.kind == "a")]
        self.forward = (zs, acts)

    @property
    def mistaken(self) -> list[QuantitySet]:
        if self._mistaken is None:
            config = self.data.config
            # another loss's exact gradient first: it says more than "derivative missing at the output"
            sets = [
                replace(correct_quantities(replace(config, loss=other)), mistakes=(f"loss:{other}",))
                for other in self.losses
                # sse's and bce_sum's gradients are half_sse's and bce's times 2 or a batch
                # factor: the catalogue's double_gradient and wrong_batch_reduction name them
                if other not in (self.loss, "cross_entropy", "cross_entropy_sum", "sse", "bce_sum")
            ]
            sets += [mistaken_quantities(config, names, self.forward) for names in mistake_variants(config)]
            self._mistaken = sets
        return self._mistaken

    @property
    def pairs(self) -> list[QuantitySet]:
        """Two layers, each with its own mistake: computed only when nothing simpler fits."""
        if self._pairs is None:
            config = self.data.config
            self._pairs = [
                mistaken_quantities(config, names, self.forward) for names in mistake_pairs(config)
            ]
        return self._pairs


def match(trace: Trace, discovery: Discovery) -> list[LineVerdict]:
    """Every line of every traced iteration, judged against the engine's quantities.

    An iteration whose parameters all come out right has no wrong line: a value in it that is
    no quantity is a helper. Only when a parameter is wrong are the values that are not
    correct quantities compared with the catalogue's mistakes (and then called wrong when
    nothing explains them but they are near a quantity).
    """
    roles = {}
    for k, role in enumerate(discovery.structure.layers):
        roles[role.weights_key] = ("W", k)
        if role.bias_key is not None:
            roles[role.bias_key] = ("b", k)
    verdicts = []
    for k, data in enumerate(discovery.iterations):
        it = _Iteration(data, discovery.loss)
        lines: list[tuple[int, int, list[NameVerdict | _Pending]]] = []
        for order, event in enumerate(trace.iteration_events(k)):
            if event.line is None or not event.changes:
                continue
            entries = [_first_pass(c.name, c.value, roles.get(c.key), it) for c in event.changes]
            lines.append((event.line, order, entries))
        broken = any(isinstance(e, _Pending) and e.parameter for _, _, entries in lines for e in entries)
        for line, order, entries in lines:
            names = tuple(e if isinstance(e, NameVerdict) else _second_pass(e, it, broken) for e in entries)
            verdicts.append(LineVerdict(line, k, order, names))
    return verdicts


@dataclass(frozen=True)
class _Pending:
    """A value that is no correct quantity, waiting to know whether its iteration is wrong."""

    name: str
    value: Array
    role: tuple[str, int] | None
    candidates: tuple[Quantity, ...]
    parameter: bool  # a parameter, or nearest a new parameter: its being wrong makes the iteration wrong
    rtol: float


def _first_pass(
    name: str, raw: Array | None, role: tuple[str, int] | None, it: _Iteration
) -> NameVerdict | _Pending:
    if raw is None:
        return NameVerdict(name, "helper", note="summarised (memory bound)")
    value = raw.astype(np.float64)
    rtol = SINGLE_TOLERANCE if raw.dtype == np.float32 else RELATIVE_TOLERANCE
    if value.ndim == 0:
        return _judge_scalar(name, value, it)
    candidates = [q for q in it.correct.quantities if q.kind != "loss"]
    if role is not None:
        candidates = [q for q in candidates if (q.kind, q.layer) == role]
    found = _first_match(value, candidates, it, rtol)
    if found is not None:
        q, f = found
        return NameVerdict(name, "matches", q.label, _factor_words(f), f.relative, layer=q.layer)
    nearest = _nearest_quantity(value, candidates, it)
    parameter = role is not None or (
        nearest is not None and nearest[1].kind in ("W", "b") and nearest[0] <= NEAR
    )
    return _Pending(name, value, role, tuple(candidates), parameter, rtol)


def _second_pass(p: _Pending, it: _Iteration, broken: bool) -> NameVerdict:
    if not broken:
        return NameVerdict(p.name, "helper")
    for qsets in (it.mistaken, it.pairs):
        for qset in qsets:
            chosen = [
                q
                for q in qset.quantities
                if q.kind != "loss" and (p.role is None or (q.kind, q.layer) == p.role)
            ]
            found = _first_match(p.value, chosen, it, p.rtol)
            if found is not None:
                q, f = found
                return NameVerdict(
                    p.name,
                    "matches-mistake",
                    q.label,
                    _factor_words(f),
                    f.relative,
                    qset.mistakes,
                    _against_correct(p.value, q, f, it, p.rtol),
                    layer=q.layer,
                )
    return _nearest(p.name, p.value, list(p.candidates), p.role, it, p.rtol)


def _nearest_quantity(
    value: Array, candidates: list[Quantity], it: _Iteration
) -> tuple[float, Quantity, Fit] | None:
    best: tuple[float, Quantity, Fit] | None = None
    for q in candidates:
        factors = [it.factors[0]] if q.kind in EXACT_ONLY else it.factors
        result = fit(value, q.value, factors)
        if result is not None and (best is None or result.relative < best[0]):
            best = (result.relative, q, result)
    return best


def _against_correct(
    value: Array, q: Quantity, f: Fit, it: _Iteration, rtol: float
) -> tuple[tuple[int, ...], float, float] | None:
    """Yours against the correct quantity of the same name, at the first element that differs."""
    for correct in it.correct.quantities:
        if (correct.kind, correct.layer) != (q.kind, q.layer):
            continue
        factor = 1.0 if f.factor is None else f.factor.value
        if f.arranged is q.value:
            target = correct.value
        elif (
            q.value.ndim == 2
            and f.arranged.shape == q.value.T.shape
            and np.array_equal(f.arranged, q.value.T)
        ):
            target = correct.value.T  # the same arrangement the mistaken quantity needed
        else:
            target = correct.value.reshape(value.shape)
        return first_difference(value, factor * target, rtol)
    return None


def _first_match(
    value: Array, quantities: list[Quantity], it: _Iteration, rtol: float
) -> tuple[Quantity, Fit] | None:
    """The first quantity the value equals as it stands, else the first it equals up to a
    legitimate factor (new biases from zero are also -lr x db: the new bias is meant)."""
    for exact in (True, False):
        for q in quantities:
            factors = [it.factors[0]] if exact or q.kind in EXACT_ONLY else it.factors
            result = fit(value, q.value, factors, rtol)
            if result is not None and result.factor is not None:
                return q, result
    return None


def _factor_words(result: Fit) -> str:
    return "1" if result.factor is None or not result.factor.words else result.factor.words


def _nearest(
    name: str,
    value: Array,
    candidates: list[Quantity],
    role: tuple[str, int] | None,
    it: _Iteration,
    rtol: float,
) -> NameVerdict:
    best = _nearest_quantity(value, candidates, it)
    if best is None or (role is None and best[0] > NEAR):
        return NameVerdict(name, "helper")
    relative, q, result = best
    scale = result.arranged
    c = _scale(value, scale, factors=[it.factors[0]] if q.kind in EXACT_ONLY else it.factors)
    target = scale * c
    note = None
    if role is not None:
        note = _multiple_note(value, q, it)
    return NameVerdict(
        name, "wrong", q.label, None, relative, None, first_difference(value, target, rtol), note, q.layer
    )


def _scale(value: Array, arranged: Array, factors: list[Factor]) -> float:
    with np.errstate(all="ignore"):
        denominator = float(np.vdot(arranged, arranged))
        c = float(np.vdot(arranged, value)) / denominator if denominator else 1.0
    return min(factors, key=lambda f: abs(c - f.value)).value


def _multiple_note(value: Array, q: Quantity, it: _Iteration) -> str | None:
    """A new parameter whose change is k times the correct change, k the learning rate, m or 1/m."""
    layer = q.layer
    assert layer is not None
    p = it.data.params[layer]
    old = p.weights if q.kind == "W" else p.bias
    for arranged_old, arranged_new in _pairs(value, old, q.value):
        yours = value - arranged_old
        correct = arranged_new - arranged_old
        with np.errstate(all="ignore"):
            denominator = float(np.vdot(correct, correct))
            if not denominator:
                continue
            k = float(np.vdot(correct, yours)) / denominator
        if not np.allclose(yours, k * correct, rtol=1e-6, atol=1e-15):
            continue
        m = it.data.x.shape[0]
        lr = it.data.config.optimizer.learning_rate
        for factor, words in (
            (lr, _SCALE_WORDS["lr"]),
            (m, _SCALE_WORDS["m"]),
            (1.0 / m, _SCALE_WORDS["1/m"]),
        ):
            if factor != 1.0 and abs(k - factor) <= 1e-6 * factor:
                return f"your update is {k:.6g} x the correct one ({words})"
        return f"your update is {k:.6g} x the correct one"
    return None


def _pairs(value: Array, old: Array, new: Array) -> list[tuple[Array, Array]]:
    olds = arrangements(value, old)
    news = arrangements(value, new)
    return list(zip(olds, news, strict=False))


def _judge_scalar(name: str, value: Array, it: _Iteration) -> NameVerdict:
    x = float(value)
    correct = it.losses.get(it.loss)
    for f in it.loss_factors:
        if correct is not None and _same(x, f.value * correct):
            return NameVerdict(name, "matches", "loss", f.words or "1", 0.0)
    for other, v in it.losses.items():
        if other != it.loss and _same(x, v):
            return NameVerdict(
                name,
                "wrong",
                "loss",
                None,
                abs(x - (correct or 0.0)) / max(abs(x), abs(correct or 0.0), 1e-300),
                difference=((), x, float(correct or 0.0)),
                note=f"loss:{other}",
            )
    return NameVerdict(name, "helper")


def _same(x: float, y: float) -> bool:
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y)) + 1e-15


def first_wrong(verdicts: list[LineVerdict]) -> LineVerdict | None:
    """The first line, in execution order, whose value is not right."""
    for v in verdicts:
        if v.status in ("wrong", "matches-mistake"):
            return v
    return None


def layers_summary(verdicts: list[LineVerdict], layers: int) -> list[tuple[int, tuple[str, ...]]]:
    """For each layer, the catalogue mistakes its lines match (none: right)."""
    out = []
    for k in range(layers):
        names: list[str] = []
        for v in verdicts:
            for n in v.names:
                if n.layer == k and n.status == "matches-mistake" and n.mistakes is not None:
                    # a layer computed correctly from a mistaken upstream delta is right itself
                    made = n.mistakes[k] if len(n.mistakes) == layers else n.mistakes[0]
                    if made != CORRECT and made not in names:
                        names.append(made)
                elif n.layer == k and n.status == "wrong" and "?" not in names:
                    names.append("?")
        out.append((k, tuple(names)))
    return out
