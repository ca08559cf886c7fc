"""The chain rule for one parameter, made explicit: micrograd's "what produced this value"
record, with every factor named, valued and explained."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from engine.activations import ACTIVATIONS
from engine.errors import GradstepError
from engine.losses import LOSSES, batch_scale

if TYPE_CHECKING:
    from engine.config import SessionConfig
    from engine.records import IterationRecord, Params

Array = NDArray[np.float64]

FD_TOLERANCE = 1e-5


@dataclass(frozen=True)
class ParameterRef:
    """A weight W[layer][unit, input] or, with ``input`` None, a bias b[layer][unit]; 0-based."""

    layer: int
    unit: int
    input: int | None = None

    @property
    def is_bias(self) -> bool:
        return self.input is None

    @property
    def spec(self) -> str:
        """The command-line form: "L:J:I" for a weight, "L:J" for a bias."""
        return f"{self.layer}:{self.unit}" + ("" if self.input is None else f":{self.input}")

    @property
    def label(self) -> str:
        return (
            f"b[{self.layer}][{self.unit}]"
            if self.input is None
            else (f"W[{self.layer}][{self.unit},{self.input}]")
        )

    def check(self, sizes: tuple[int, ...]) -> None:
        """Raise GradstepError unless the parameter exists in a network of ``sizes``."""
        what = "bias" if self.input is None else "weight"
        if not 0 <= self.layer < len(sizes) - 1:
            raise GradstepError(
                f"{what} {self.spec}: layer {self.layer} does not exist (layers 0..{len(sizes) - 2})"
            )
        if not 0 <= self.unit < sizes[self.layer + 1]:
            raise GradstepError(
                f"{what} {self.spec}: layer {self.layer} has units 0..{sizes[self.layer + 1] - 1}"
            )
        if self.input is not None and not 0 <= self.input < sizes[self.layer]:
            raise GradstepError(
                f"{what} {self.spec}: layer {self.layer} has inputs 0..{sizes[self.layer] - 1}"
            )


def parse_parameter(text: str, *, bias: bool) -> ParameterRef:
    """Parse "L:J:I" (a weight) or "L:J" (a bias)."""
    pattern = r"(\d+):(\d+)" if bias else r"(\d+):(\d+):(\d+)"
    match = re.fullmatch(pattern, text.strip())
    if match is None:
        form = "L:J (layer:unit)" if bias else "L:J:I (layer:unit:input)"
        raise GradstepError(f"{'bias' if bias else 'weight'} {text!r}: expected {form}, 0-based")
    numbers = [int(g) for g in match.groups()]
    return ParameterRef(numbers[0], numbers[1], None if bias else numbers[2])


@dataclass(frozen=True)
class Factor:
    """One factor of a sample's contribution; ``value`` is None while its stage is pending."""

    kind: str  # "dl_da", "da_dz", "dz_dw" or (softmax + cross-entropy) "dl_dz"
    symbol: str
    value: float | None
    note: str


@dataclass(frozen=True)
class UpstreamTerm:
    """w_KJ * δ_K: how unit K of the next layer passes the loss back to unit J."""

    unit: int
    weight: float
    delta: float | None
    product: float | None


@dataclass(frozen=True)
class SampleTerms:
    """One sample's contribution to the gradient and its factors."""

    sample: int  # row of the data set
    factors: tuple[Factor, ...]
    contribution: float | None
    upstream: tuple[UpstreamTerm, ...] | None


@dataclass(frozen=True)
class UpdateLine:
    """w_new = w - lr * step, where step is the gradient for SGD."""

    optimizer: str
    old: float
    learning_rate: float
    step: float
    new: float


@dataclass(frozen=True)
class ChainExplanation:
    """The whole story of one parameter's gradient in one iteration."""

    ref: ParameterRef
    iteration: int
    value: float
    loss_name: str
    activation: str
    reduction: str
    scale: float
    samples: tuple[SampleTerms, ...]
    gradient: float | None
    finite_difference: float
    relative_error: float | None
    passed: bool | None
    update: UpdateLine | None

    def to_json(self) -> dict[str, Any]:
        """The ``gradstep chain --json`` document."""
        return {
            "parameter": self.ref.label,
            "kind": "bias" if self.ref.is_bias else "weight",
            "layer": self.ref.layer,
            "unit": self.ref.unit,
            "input": self.ref.input,
            "iteration": self.iteration,
            "value": self.value,
            "loss": self.loss_name,
            "activation": self.activation,
            "reduction": self.reduction,
            "scale": self.scale,
            "gradient": self.gradient,
            "samples": [
                {
                    "sample": s.sample,
                    "factors": [
                        {"symbol": f.symbol, "value": f.value, "kind": f.kind, "note": f.note}
                        for f in s.factors
                    ],
                    "contribution": s.contribution,
                    "upstream": None
                    if s.upstream is None
                    else [
                        {"unit": u.unit, "weight": u.weight, "delta": u.delta, "product": u.product}
                        for u in s.upstream
                    ],
                }
                for s in self.samples
            ],
            "finite_difference": self.finite_difference,
            "relative_error": self.relative_error,
            "passed": self.passed,
            "update": None
            if self.update is None
            else {
                "optimizer": self.update.optimizer,
                "old": self.update.old,
                "learning_rate": self.update.learning_rate,
                "step": self.update.step,
                "new": self.update.new,
            },
        }

    def to_text(self, max_samples: int | None = None) -> str:
        """A plain-text breakdown, one line per factor."""
        lines = [
            f"{self.ref.label} = {_fmt(self.value)} at iteration {self.iteration} "
            f"({self.activation} unit, {self.loss_name} loss)",
        ]
        shown = self.samples if max_samples is None else self.samples[:max_samples]
        for s in shown:
            symbols = " * ".join(f.symbol for f in s.factors)
            lines.append(f"sample {s.sample}: {symbols}")
            for f in s.factors:
                lines.append(f"    {f.symbol:<28} = {_fmt(f.value):>24}   {f.note}")
            if s.upstream is not None:
                for term in s.upstream:
                    lines.append(
                        f"      from unit {term.unit}: w = {_fmt(term.weight)} * delta = {_fmt(term.delta)}"
                        f" -> {_fmt(term.product)}"
                    )
            lines.append(f"    contribution = {_fmt(s.contribution)}")
        if len(shown) < len(self.samples):
            lines.append(f"... {len(self.samples) - len(shown)} more samples (use --json for all)")
        reduce_word = "mean" if self.reduction == "mean" else "sum"
        lines.append(f"gradient = {reduce_word} over {len(self.samples)} samples = {_fmt(self.gradient)}")
        mark = "pending" if self.passed is None else ("PASS" if self.passed else "FAIL")
        lines.append(
            f"finite difference = {_fmt(self.finite_difference)}, relative error "
            f"{_fmt(self.relative_error, '.2e')} [{mark}]"
        )
        if self.update is not None:
            u = self.update
            lines.append(
                f"update ({u.optimizer}): {_fmt(u.new)} = {_fmt(u.old)} - "
                f"{u.learning_rate:g} * {_fmt(u.step)}"
            )
        else:
            lines.append("update: pending")
        return "\n".join(lines)

    def to_latex(self) -> str:
        """The breakdown as LaTeX: an ``aligned`` block (for $$ ... $$ or an equation)."""
        layer, unit = self.ref.layer + 1, self.ref.unit + 1
        target = (
            f"b^{{({layer})}}_{{{unit}}}"
            if self.ref.is_bias
            else f"w^{{({layer})}}_{{{unit}{self.ref.input + 1}}}"  # type: ignore[operator]
        )
        rows = [r"\begin{aligned}"]
        a_sym = f"a^{{({layer})}}_{{{unit}}}"
        for s in self.samples:
            if s.upstream is not None:
                terms = " + ".join(
                    f"w^{{({layer + 1})}}_{{{u.unit + 1}{unit}}} \\delta^{{({layer + 1})}}_{{{u.unit + 1}}}"
                    for u in s.upstream
                )
                numbers = " + ".join(
                    f"{_latex_value(u.weight)} \\cdot {_latex_value(u.delta)}" for u in s.upstream
                )
                rows.append(
                    rf"\frac{{\partial \ell_{{{s.sample}}}}}{{\partial {a_sym}}} &= {terms} = {numbers}"
                    rf" = {_latex_value(s.factors[0].value)} \\"
                )
            symbols = r" \cdot ".join(_latex_symbol(f, layer, unit, target) for f in s.factors)
            values = r" \cdot ".join(_latex_value(f.value) for f in s.factors)
            rows.append(
                rf"\frac{{\partial \ell_{{{s.sample}}}}}{{\partial {target}}} &= {symbols} = {values}"
                rf" = {_latex_value(s.contribution)} \\"
            )
        op = r"\frac{1}{N}\sum_s" if self.reduction == "mean" else r"\sum_s"
        rows.append(
            rf"\frac{{\partial L}}{{\partial {target}}} &= {op} \frac{{\partial \ell_s}}{{\partial {target}}}"
            rf" = {_latex_value(self.gradient)} \\"
        )
        if self.update is not None:
            u = self.update
            rows.append(
                rf"{target} &\leftarrow {_latex_value(u.old)} - {u.learning_rate:g}"
                rf" \cdot {_latex_value(u.step)}"
                rf" = {_latex_value(u.new)}"
            )
        rows.append(r"\end{aligned}")
        return "\n".join(rows)


def _fmt(value: float | None, spec: str = ".10g") -> str:
    return "pending" if value is None else format(value, spec)


def _latex_value(value: float | None) -> str:
    if value is None:
        return r"\text{pending}"
    text = format(value, ".10g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({text})" if value < 0 else text


def _latex_symbol(f: Factor, layer: int, unit: int, target: str) -> str:
    a = f"a^{{({layer})}}_{{{unit}}}"
    z = f"z^{{({layer})}}_{{{unit}}}"
    return {
        "dl_da": rf"\frac{{\partial \ell}}{{\partial {a}}}",
        "da_dz": rf"\frac{{\partial {a}}}{{\partial {z}}}",
        "dz_dw": rf"\frac{{\partial {z}}}{{\partial {target}}}",
        "dl_dz": rf"\frac{{\partial \ell}}{{\partial {z}}}",
    }[f.kind]


def _loss_note(loss: str, outputs: int) -> str:
    return {
        "half_sse": "a - y, derivative of 1/2 (a - y)^2",
        "mse": f"2(a - y)/K with K = {outputs} outputs, derivative of the mean of (a - y)^2",
        "bce": f"(a - y)/(a(1 - a)K) with K = {outputs}, derivative of binary cross-entropy",
    }[loss]


def explain(
    record: IterationRecord,
    ref: ParameterRef,
    config: SessionConfig,
    batch_loss: Callable[[SessionConfig, Params, Array, Array], float],
) -> ChainExplanation:
    """Break one parameter's gradient in ``record`` into per-sample chain-rule factors.

    Factors whose stage has not run yet in ``record`` are None (pending).
    """
    n_layers = len(config.layers)
    layer, unit, inp = ref.layer, ref.unit, ref.input
    activation = config.layers[layer].activation
    is_output = layer == n_layers - 1
    params = record.params
    value = float(params[layer].bias[unit] if inp is None else params[layer].weights[unit, inp])
    backward = record.backward_of(layer)
    upper = record.backward_of(layer + 1) if not is_output else None
    a_in = record.activation_in(layer)
    n_samples = record.inputs.shape[0]
    outputs = config.layers[-1].units

    L1, J1 = layer, unit
    a_sym, z_sym = f"a[{L1}]_{J1}", f"z[{L1}]_{J1}"
    w_sym = ref.label
    if inp is None:
        dz_note = "1, the bias enters z directly"
    elif layer == 0:
        dz_note = f"x_{inp}, input feature {inp} of the sample"
    else:
        dz_note = f"a[{layer - 1}]_{inp}, activation of unit {inp} in layer {layer - 1}"
    act = ACTIVATIONS[activation]
    da_note = f"{act.derivative_formula}, {act.derivative_note}"

    samples = []
    for row in range(n_samples):
        sample = int(record.batch[row])
        if inp is None:
            dz_dw: float | None = 1.0
        else:
            dz_dw = None if a_in is None else float(a_in[row, inp])
        factors: list[Factor] = []
        upstream: tuple[UpstreamTerm, ...] | None = None
        if activation == "softmax":
            dl_dz = None if backward is None else float(backward.delta[row, unit])
            factors.append(Factor("dl_dz", f"dl/d{z_sym}", dl_dz, "a - y, softmax with cross-entropy"))
        else:
            if is_output:
                # the backward record holds dℓ/da as the backward pass used it (teaching mode
                # may inject a wrong one); before that stage, the loss stage's
                dl_da_arr: Array | None
                if backward is not None and backward.dl_da is not None:
                    dl_da_arr = backward.dl_da
                else:
                    dl_da_arr = record.loss.dl_da if record.loss is not None else None
                dl_da: float | None = None if dl_da_arr is None else float(dl_da_arr[row, unit])
                note = _loss_note(config.loss, outputs)
            else:
                dl_da = (
                    None if backward is None or backward.dl_da is None else float(backward.dl_da[row, unit])
                )
                width = config.layers[layer + 1].units
                note = f"sum over the {width} units K of layer {layer + 1} of w_KJ * delta_K"
                w_next = params[layer + 1].weights[:, unit]
                upstream = tuple(
                    UpstreamTerm(
                        k,
                        float(w_next[k]),
                        None if upper is None else float(upper.delta[row, k]),
                        None if upper is None else float(w_next[k] * upper.delta[row, k]),
                    )
                    for k in range(w_next.shape[0])
                )
            da_dz = None if backward is None or backward.da_dz is None else float(backward.da_dz[row, unit])
            factors.append(Factor("dl_da", f"dl/d{a_sym}", dl_da, note))
            factors.append(Factor("da_dz", f"d{a_sym}/d{z_sym}", da_dz, da_note))
        factors.append(Factor("dz_dw", f"d{z_sym}/d{w_sym}", dz_dw, dz_note))
        contribution = None
        if backward is not None and dz_dw is not None:
            contribution = float(backward.delta[row, unit] * dz_dw)
        samples.append(SampleTerms(sample, tuple(factors), contribution, upstream))

    gradient = None
    if backward is not None:
        gradient = float(backward.db[unit] if inp is None else backward.dW[unit, inp])
    fd = finite_difference(record, ref, config, batch_loss)
    relative = passed = None
    if gradient is not None:
        scale = max(abs(gradient), abs(fd))
        diff = abs(gradient - fd)
        relative = diff / scale if scale > 0 else 0.0
        passed = relative <= FD_TOLERANCE or diff <= 1e-9
    update = None
    if record.update is not None and gradient is not None:
        u = record.update
        old = value
        new = float(
            u.params_after[layer].bias[unit] if inp is None else u.params_after[layer].weights[unit, inp]
        )
        opt = config.optimizer.name
        if opt == "sgd":
            step = gradient
        elif opt == "momentum":
            assert u.state_after.first is not None
            v = u.state_after.first[layer]
            step = float(v.bias[unit] if inp is None else v.weights[unit, inp])
        else:
            step = (old - new) / u.learning_rate
        update = UpdateLine(opt, old, u.learning_rate, step, new)
    return ChainExplanation(
        ref=ref,
        iteration=record.iteration,
        value=value,
        loss_name=config.loss,
        activation=activation,
        reduction=LOSSES[config.loss].reduction,
        scale=batch_scale(config.loss, n_samples),
        samples=tuple(samples),
        gradient=gradient,
        finite_difference=fd,
        relative_error=relative,
        passed=passed,
        update=update,
    )


def finite_difference(
    record: IterationRecord,
    ref: ParameterRef,
    config: SessionConfig,
    batch_loss: Callable[[SessionConfig, Params, Array, Array], float],
) -> float:
    """Central difference (L(w + h) - L(w - h)) / 2h on the record's batch and parameters."""
    from engine.records import LayerParams

    layer = record.params[ref.layer]
    value = float(layer.bias[ref.unit] if ref.input is None else layer.weights[ref.unit, ref.input])
    h = 1e-5 * max(1.0, abs(value))

    def loss_with(v: float) -> float:
        w, b = layer.weights.copy(), layer.bias.copy()
        if ref.input is None:
            b[ref.unit] = v
        else:
            w[ref.unit, ref.input] = v
        params = tuple(LayerParams(w, b) if i == ref.layer else p for i, p in enumerate(record.params))
        return batch_loss(config, params, record.inputs, record.targets)

    plus, minus = value + h, value - h
    with np.errstate(all="ignore"):
        result = (loss_with(plus) - loss_with(minus)) / (plus - minus)
    return result if math.isfinite(result) else float("nan")
