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

from engine.core.activations import LEAKY_SLOPE
from engine.core.compute import adam_corrections
from engine.core.losses import LOSSES, batch_scale
from engine.core.mistakes import MISTAKES
from engine.core.records import ParameterRef as ParameterRef
from engine.errors import GradstepError

if TYPE_CHECKING:
    from engine.core.config import SessionConfig
    from engine.core.records import IterationRecord, Params

Array = NDArray[np.float64]

FD_TOLERANCE = 1e-5


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
    """One factor of a sample's contribution; ``value`` is None while its stage is pending.

    ``mistaken`` marks a factor that teaching mode's injected mistake computes differently
    from the correct chain rule (its ``note`` says how).
    """

    kind: str  # "dl_da", "da_dz", "dz_dw" or (softmax + cross-entropy) "dl_dz"
    symbol: str
    value: float | None
    note: str
    mistaken: bool = False


@dataclass(frozen=True)
class UpstreamTerm:
    """w_kj · δ_k: how unit k of the next layer passes the loss back to unit j."""

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
class MomentumTerms:
    """SGD with momentum for one parameter: v = μ·v_prev + g (v_prev is 0 before the first step)."""

    momentum: float
    velocity_before: float
    velocity: float


@dataclass(frozen=True)
class AdamTerms:
    """Adam for one parameter at step t: the moments m, v before and after, and their
    bias-corrected m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)."""

    beta1: float
    beta2: float
    eps: float
    t: int
    m_before: float
    v_before: float
    m: float
    v: float
    m_hat: float
    v_hat: float


@dataclass(frozen=True)
class UpdateLine:
    """new = old − learning_rate · step, as the optimizer computed it.

    ``step`` is what the learning rate multiplies: the gradient g for SGD, the velocity v for
    momentum, m̂ / (√v̂ + ε) for Adam. ``new`` is the engine's updated value; ``momentum`` and
    ``adam`` hold that optimizer's state (from the update record) and are None otherwise.
    """

    optimizer: str
    old: float
    learning_rate: float
    step: float
    new: float
    gradient: float
    momentum: MomentumTerms | None = None
    adam: AdamTerms | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``update`` object of ``gradstep chain --json``."""
        out: dict[str, Any] = {
            "optimizer": self.optimizer,
            "old": self.old,
            "learning_rate": self.learning_rate,
            "step": self.step,
            "new": self.new,
            "gradient": self.gradient,
            "momentum": None,
            "adam": None,
        }
        if self.momentum is not None:
            m = self.momentum
            out["momentum"] = {
                "momentum": m.momentum,
                "velocity_before": m.velocity_before,
                "velocity": m.velocity,
            }
        if self.adam is not None:
            a = self.adam
            out["adam"] = {
                "beta1": a.beta1,
                "beta2": a.beta2,
                "eps": a.eps,
                "t": a.t,
                "m_before": a.m_before,
                "v_before": a.v_before,
                "m": a.m,
                "v": a.v,
                "m_hat": a.m_hat,
                "v_hat": a.v_hat,
            }
        return out

    def text_lines(self, label: str) -> list[str]:
        """The update of parameter ``label`` in plain text, one equation a line, with the numbers."""
        lr = format(self.learning_rate, "g")
        lines = []
        if self.momentum is not None:
            m = self.momentum
            lines.append(
                f"v = μ·v_prev + g = {m.momentum:g} · {_fmt(m.velocity_before, paren=True)} + "
                f"{_fmt(self.gradient, paren=True)} = {_fmt(m.velocity)}"
            )
            step = "v"
        elif self.adam is not None:
            a = self.adam
            lines += [
                f"m = β1·m_prev + (1 − β1)·g = {a.beta1:g} · {_fmt(a.m_before, paren=True)} + "
                f"{1 - a.beta1:g} · {_fmt(self.gradient, paren=True)} = {_fmt(a.m)}",
                f"v = β2·v_prev + (1 − β2)·g² = {a.beta2:g} · {_fmt(a.v_before)} + "
                f"{_fmt(1 - a.beta2)} · {_fmt(self.gradient, paren=True)}² = {_fmt(a.v)}",
                f"m̂ = m / (1 − β1^{a.t}) = {_fmt(a.m_hat)},  v̂ = v / (1 − β2^{a.t}) = {_fmt(a.v_hat)}",
                f"m̂ / (√v̂ + ε) = {_fmt(a.m_hat, paren=True)} / (√{_fmt(a.v_hat)} + {a.eps:g}) "
                f"= {_fmt(self.step)}",
            ]
            step = "m̂ / (√v̂ + ε)"
        else:
            step = "g"
        lines.append(
            f"{label} ← {label} − η · {step} = {_fmt(self.old)} − {lr} · {_fmt(self.step, paren=True)}"
            f" = {_fmt(self.new)}"
        )
        return lines

    def latex_rows(self, target: str) -> list[str]:
        """The update as rows of an ``aligned`` block (each ending in ``\\\\`` but the last)."""
        lr = format(self.learning_rate, "g")
        rows = []
        if self.momentum is not None:
            m = self.momentum
            rows.append(
                rf"v &= \mu v_{{\text{{prev}}}} + g = {m.momentum:g} \cdot {_latex_value(m.velocity_before)}"
                rf" + {_latex_value(self.gradient)} = {_latex_value(m.velocity)} \\"
            )
            step_sym = "v"
        elif self.adam is not None:
            a = self.adam
            g = _latex_value(self.gradient)
            rows += [
                rf"m &= \beta_1 m_{{\text{{prev}}}} + (1 - \beta_1)\, g = {a.beta1:g} \cdot "
                rf"{_latex_value(a.m_before)} + {_latex_value(1 - a.beta1)} \cdot {g}"
                rf" = {_latex_value(a.m)} \\",
                rf"v &= \beta_2 v_{{\text{{prev}}}} + (1 - \beta_2)\, g^2 = {a.beta2:g} \cdot "
                rf"{_latex_value(a.v_before)} + {_latex_value(1 - a.beta2)} \cdot {g}^2"
                rf" = {_latex_value(a.v)} \\",
                rf"\hat m &= \frac{{m}}{{1 - \beta_1^{{{a.t}}}}} = {_latex_value(a.m_hat)}, \quad "
                rf"\hat v = \frac{{v}}{{1 - \beta_2^{{{a.t}}}}} = {_latex_value(a.v_hat)} \\",
                rf"\frac{{\hat m}}{{\sqrt{{\hat v}} + \epsilon}} &= \frac{{{_latex_value(a.m_hat)}}}"
                rf"{{\sqrt{{{_latex_value(a.v_hat)}}} + {_latex_value(a.eps)}}}"
                rf" = {_latex_value(self.step)} \\",
            ]
            step_sym = r"\frac{\hat m}{\sqrt{\hat v} + \epsilon}"
        else:
            step_sym = "g"
        rows.append(
            rf"{target} &\leftarrow {target} - \eta\, {step_sym} = {_latex_value(self.old)} - {lr}"
            rf" \cdot {_latex_value(self.step)} = {_latex_value(self.new)}"
        )
        return rows


@dataclass(frozen=True)
class ChainExplanation:
    """The whole story of one parameter's gradient in one iteration.

    ``mistake`` is teaching mode's injected mistake (None normally); ``gradient_note`` says how
    it makes the gradient differ from the reduction of the per-sample contributions ("" when
    it does not).
    """

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
    mistake: str | None = None
    gradient_note: str = ""

    @property
    def pending_factors(self) -> bool:
        """Whether some factor or contribution waits for a stage that has not run."""
        return any(s.contribution is None or any(f.value is None for f in s.factors) for s in self.samples)

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
                        {
                            "symbol": f.symbol,
                            "value": f.value,
                            "kind": f.kind,
                            "note": f.note,
                            "mistaken": f.mistaken,
                        }
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
            "mistake": self.mistake,
            "gradient_note": self.gradient_note,
            "update": None if self.update is None else self.update.to_json(),
        }

    def to_text(self, max_samples: int | None = None) -> str:
        """A plain-text breakdown, one line per factor."""
        lines = [
            f"{self.ref.label} = {_fmt(self.value)} at iteration {self.iteration} "
            f"({self.activation} unit, {self.loss_name} loss)",
        ]
        if self.mistake is not None:
            lines.append(f"teaching mode: {MISTAKES[self.mistake].title} ({self.mistake})")
        shown = self.samples if max_samples is None else self.samples[:max_samples]
        for s in shown:
            symbols = " · ".join(f.symbol for f in s.factors)
            lines.append(f"sample {s.sample}: {symbols}")
            for f in s.factors:
                lines.append(f"    {f.symbol:<24} = {_fmt(f.value):>20}   {f.note}")
            if s.upstream is not None:
                for term in s.upstream:
                    lines.append(
                        f"      from unit {term.unit}: w = {_fmt(term.weight)} · δ = {_fmt(term.delta)}"
                        f" → {_fmt(term.product)}"
                    )
            lines.append(f"    contribution = {_fmt(s.contribution)}")
        if len(shown) < len(self.samples):
            more = len(self.samples) - len(shown)
            lines.append(f"... {more} more sample{'s' if more != 1 else ''} (use --json for all)")
        n = len(self.samples)
        reduce_word = "mean" if self.reduction == "mean" else "sum"
        lines.append(
            f"gradient = {reduce_word} over {n} sample{'s' if n != 1 else ''} = {_fmt(self.gradient)}"
        )
        if self.gradient_note:
            lines.append(f"    {self.gradient_note}")
        mark = "pending" if self.passed is None else ("PASS" if self.passed else "FAIL")
        lines.append(
            f"finite difference = {_fmt(self.finite_difference)}, relative error "
            f"{_fmt(self.relative_error, '.2e')} [{mark}]"
        )
        if self.update is not None:
            lines.append(f"update ({self.update.optimizer}):")
            lines.extend(f"    {line}" for line in self.update.text_lines(self.ref.label))
        else:
            lines.append("update: pending")
        return "\n".join(lines)

    def to_latex(self) -> str:
        """The breakdown as LaTeX: an ``aligned`` block (for $$ ... $$ or an equation).

        Indices are 0-based as everywhere in Gradstep: w^{(k)}_{j,i} is W[k][j,i].
        """
        layer, unit = self.ref.layer, self.ref.unit
        target = latex_parameter(self.ref)
        rows = [r"\begin{aligned}"]
        a_sym = f"a^{{({layer})}}_{{{unit}}}"
        for s in self.samples:
            if s.upstream is not None:
                terms = " + ".join(
                    f"w^{{({layer + 1})}}_{{{u.unit},{unit}}} \\delta^{{({layer + 1})}}_{{{u.unit}}}"
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
        note = rf" \quad \text{{({_latex_text(self.gradient_note)})}}" if self.gradient_note else ""
        rows.append(
            rf"\frac{{\partial L}}{{\partial {target}}} &= {op} \frac{{\partial \ell_s}}{{\partial {target}}}"
            rf" = {_latex_value(self.gradient)}{note}"
        )
        if self.update is not None:
            rows[-1] += r" \\"
            rows.extend(self.update.latex_rows(target))
        rows.append(r"\end{aligned}")
        return "\n".join(rows)


def latex_parameter(ref: ParameterRef) -> str:
    """A parameter in LaTeX, 0-based like the window: w^{(k)}_{j,i} or b^{(k)}_{j}."""
    if ref.input is None:
        return f"b^{{({ref.layer})}}_{{{ref.unit}}}"
    return f"w^{{({ref.layer})}}_{{{ref.unit},{ref.input}}}"


def _fmt(value: float | None, spec: str = ".10g", *, paren: bool = False) -> str:
    if value is None:
        return "pending"
    text = format(value, spec)
    return f"({text})" if paren and value < 0 else text


def _latex_value(value: float | None) -> str:
    if value is None:
        return r"\text{pending}"
    text = format(value, ".10g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"({text})" if value < 0 else text


def _latex_text(text: str) -> str:
    """Plain text for \\text{...}: LaTeX's special characters escaped, the Unicode of the notes
    spelled in math."""
    for plain_char, latex in (
        ("\\", r"\textbackslash{}"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("_", r"\_"),
        ("%", r"\%"),
        ("&", r"\&"),
        ("#", r"\#"),
        ("$", r"\$"),
        ("^", r"\^{}"),
        ("½", "$\\tfrac{1}{2}$"),
        ("×", r"$\times$"),
        ("·", r"$\cdot$"),
        ("δ", r"$\delta$"),
        ("η", r"$\eta$"),
        ("−", "-"),
    ):
        text = text.replace(plain_char, latex)
    return text


def _latex_symbol(f: Factor, layer: int, unit: int, target: str) -> str:
    a = f"a^{{({layer})}}_{{{unit}}}"
    z = f"z^{{({layer})}}_{{{unit}}}"
    return {
        "dl_da": rf"\frac{{\partial \ell}}{{\partial {a}}}",
        "da_dz": rf"\frac{{\partial {a}}}{{\partial {z}}}",
        "dz_dw": rf"\frac{{\partial {z}}}{{\partial {target}}}",
        "dl_dz": rf"\frac{{\partial \ell}}{{\partial {z}}}",
    }[f.kind]


def _fused_value(record: IterationRecord, row: int, unit: int) -> float | None:
    """dℓ/dz of a fused output: the backward stage's δ, or before it the loss stage's."""
    backward = record.backward_of(len(record.params) - 1)
    if backward is not None:
        return float(backward.delta[row, unit])
    if record.loss is not None and record.loss.delta is not None:
        return float(record.loss.delta[row, unit])
    return None


def _fused_note(activation: str, outputs: int) -> str:
    if activation == "softmax":
        return "a − y, softmax with cross-entropy"
    k = "a − y" if outputs == 1 else f"(a − y)/K with K = {_plural(outputs, 'output')}"
    return f"{k}, sigmoid with binary cross-entropy (exact where a saturates)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _loss_note(loss: str, outputs: int) -> str:
    k = _plural(outputs, "output")
    return {
        "half_sse": "a − y, the derivative of ½(a − y)²",
        "mse": f"2(a − y)/K with K = {k}, the derivative of the mean of (a − y)²",
    }[loss]


# da/dz of each element-wise activation, written as the notes show it
_DERIVATIVE_NOTES = {
    "linear": "1, the derivative of the identity",
    "sigmoid": "a(1 − a), the sigmoid's derivative",
    "tanh": "1 − a², the derivative of tanh",
    "relu": "1 if z > 0, else 0: the ReLU's derivative",
    "leaky_relu": f"1 if z > 0, else {LEAKY_SLOPE:g}: the leaky ReLU's derivative",
}


def _mistaken_da_dz(mistake: str | None, activation: str, fused_output: bool) -> str | None:
    """What teaching mode's mistake puts in place of da/dz, or None when it leaves it alone."""
    if mistake is None or fused_output:
        return None  # a fused output delta (bce) has no activation factor to get wrong
    if mistake == "missing_activation_derivative" and activation != "linear":
        return "1 (teaching mode: activation derivative missing)"
    if activation in ("sigmoid", "tanh"):
        formula = "a(1 − a)" if activation == "sigmoid" else "1 − a²"
        if mistake == "derivative_of_z":
            return f"{formula.replace('a', 'z')} (teaching mode: {formula} evaluated on z instead of a)"
        if mistake == "derivative_of_a":
            f = "σ" if activation == "sigmoid" else "tanh"
            return f"{f}′(a) (teaching mode: {f}′(z) evaluated on a instead of z)"
    return None


def _gradient_note(mistake: str | None, ref: ParameterRef, reduction: str) -> str:
    """How teaching mode's mistake makes the gradient differ from the reduced contributions."""
    if mistake == "wrong_batch_reduction":
        wrong = "sum instead of mean" if reduction == "mean" else "mean instead of sum"
        return f"teaching mode: the contributions are reduced with a {wrong}"
    if mistake == "half_gradient":
        return "teaching mode: gradient halved, ½ × the reduction"
    if mistake == "double_gradient":
        return "teaching mode: gradient doubled, 2 × the reduction"
    if mistake == "wrong_sign":
        return "teaching mode: wrong sign, −1 × the reduction (the update climbs the loss)"
    if mistake == "bias_not_summed" and ref.is_bias:
        return "teaching mode: δ summed over every unit of the layer too, not over the batch alone"
    return ""


def _update_line(
    record: IterationRecord, ref: ParameterRef, config: SessionConfig, old: float, gradient: float
) -> UpdateLine | None:
    """The optimizer's update of ``ref`` as the update record holds it: its state before and
    after, and the step it applied (so old − η·step is the new value exactly)."""
    u = record.update
    if u is None:
        return None

    def pick(params: Params | None) -> float:
        # PyTorch starts the buffers at zero (momentum: at g, = μ·0 + g)
        return 0.0 if params is None else ref.value_in(params)

    new = pick(u.params_after)
    step = pick(u.steps)
    opt = config.optimizer
    if opt.name == "momentum":
        terms = MomentumTerms(opt.momentum, pick(u.state_before.first), pick(u.state_after.first))
        return UpdateLine(opt.name, old, u.learning_rate, step, new, gradient, momentum=terms)
    if opt.name == "adam":
        t = u.state_after.step
        m, v = pick(u.state_after.first), pick(u.state_after.second)
        bc1, bc2 = adam_corrections(opt, t)
        adam = AdamTerms(
            opt.beta1,
            opt.beta2,
            opt.eps,
            t,
            pick(u.state_before.first),
            pick(u.state_before.second),
            m,
            v,
            m / bc1,
            v / bc2,
        )
        return UpdateLine(opt.name, old, u.learning_rate, step, new, gradient, adam=adam)
    return UpdateLine(opt.name, old, u.learning_rate, step, new, gradient)


def explain(
    record: IterationRecord,
    ref: ParameterRef,
    config: SessionConfig,
    batch_loss: Callable[[SessionConfig, Params, Array, Array], float],
) -> ChainExplanation:
    """Break one parameter's gradient in ``record`` into per-sample chain-rule factors.

    Factors whose stage has not run yet in ``record`` are None (pending). In teaching mode
    (``config.mistake``) the factors are the ones the mistaken backward pass computed, and
    those it computes differently from the chain rule are marked and say so.
    """
    n_layers = len(config.layers)
    layer, unit, inp = ref.layer, ref.unit, ref.input
    activation = config.layers[layer].activation
    is_output = layer == n_layers - 1
    mistake = config.mistake
    params = record.params
    value = ref.value_in(params)
    backward = record.backward_of(layer)
    upper = record.backward_of(layer + 1) if not is_output else None
    a_in = record.activation_in(layer)
    n_samples = record.inputs.shape[0]
    outputs = config.layers[-1].units

    a_sym, z_sym = f"a[{layer}]_{unit}", f"z[{layer}]_{unit}"
    w_sym = ref.label
    if inp is None:
        dz_note = "1, the bias enters z directly"
    elif layer == 0:
        dz_note = f"x_{inp}, input feature {inp} of the sample"
    else:
        dz_note = f"a[{layer - 1}]_{inp}, the activation of unit {inp} in layer {layer - 1}"

    # the output's dℓ/da and da/dz, and the hidden layers' sum over the next layer, as the
    # backward pass computed them (teaching mode's mistake may change them); a fused output
    # (sigmoid + bce, softmax + cross-entropy) shows the one factor dℓ/dz the engine computes
    fused_output = is_output and (
        activation == "softmax" or (config.loss == "bce" and mistake != "other_loss_gradient")
    )
    da_note = _mistaken_da_dz(mistake, activation, fused_output)
    da_mistaken = da_note is not None
    dl_mistaken = False
    if is_output:
        dl_note = "" if fused_output else _loss_note(config.loss, outputs)
        if mistake == "other_loss_gradient" and config.loss == "bce":
            dl_note, dl_mistaken = "a − y (teaching mode: half squared error's derivative, not bce's)", True
        elif mistake == "other_loss_gradient":
            dl_note = "a − y" if outputs == 1 else f"(a − y)/K with K = {outputs} outputs"
            dl_note += " (teaching mode: binary cross-entropy's δ, which has no activation factor)"
            dl_mistaken = True
            da_note, da_mistaken = "1 (teaching mode: the other loss's δ has no activation factor)", True
    else:
        width = config.layers[layer + 1].units
        dl_note = f"sum over the {_plural(width, 'unit')} k of layer {layer + 1} of w_kj · δ_k"
        if mistake == "transposed_weights":
            dl_note = (
                f"sum over the {_plural(width, 'unit')} k of layer {layer + 1} of w_jk · δ_k "
                "(teaching mode: through W instead of its transpose)"
            )
            dl_mistaken = True
        elif mistake == "updated_weights_backprop":
            dl_note = (
                f"sum over the {_plural(width, 'unit')} k of layer {layer + 1} of w_kj · δ_k "
                f"with w_kj already updated, w − η·dW (teaching mode: back-propagating through "
                "updated weights)"
            )
            dl_mistaken = True
    if da_note is None:
        da_note = _DERIVATIVE_NOTES.get(activation, "")
    fused_note = _fused_note(activation, outputs)

    # the weights the backward pass used to reach unit j from each unit k of the next layer
    w_next: Array | None = None
    if not is_output:
        nxt = params[layer + 1].weights
        if mistake == "transposed_weights":
            w_next = nxt[unit, :]
        elif mistake == "updated_weights_backprop" and upper is not None:
            w_next = (nxt - config.optimizer.learning_rate * upper.dW)[:, unit]
        else:
            w_next = nxt[:, unit]

    samples = []
    for row in range(n_samples):
        sample = int(record.batch[row])
        if inp is None:
            dz_dw: float | None = 1.0
        else:
            dz_dw = None if a_in is None else float(a_in[row, inp])
        factors: list[Factor] = []
        upstream: tuple[UpstreamTerm, ...] | None = None
        if fused_output:
            factors.append(Factor("dl_dz", f"∂ℓ/∂{z_sym}", _fused_value(record, row, unit), fused_note))
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
            else:
                assert w_next is not None
                dl_da = (
                    None if backward is None or backward.dl_da is None else float(backward.dl_da[row, unit])
                )
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
            factors.append(Factor("dl_da", f"∂ℓ/∂{a_sym}", dl_da, dl_note, dl_mistaken))
            factors.append(Factor("da_dz", f"∂{a_sym}/∂{z_sym}", da_dz, da_note, da_mistaken))
        factors.append(Factor("dz_dw", f"∂{z_sym}/∂{w_sym}", dz_dw, dz_note))
        contribution = None
        if backward is not None and dz_dw is not None:
            contribution = float(backward.delta[row, unit] * dz_dw)
        samples.append(SampleTerms(sample, tuple(factors), contribution, upstream))

    gradient = None if backward is None else ref.gradient_in(backward)
    fd = finite_difference(record, ref, config, batch_loss)
    relative = passed = None
    if gradient is not None:
        scale = max(abs(gradient), abs(fd))
        diff = abs(gradient - fd)
        relative = diff / scale if scale > 0 else 0.0
        passed = relative <= FD_TOLERANCE or diff <= 1e-9
    update = None if gradient is None else _update_line(record, ref, config, value, gradient)
    reduction = LOSSES[config.loss].reduction
    return ChainExplanation(
        ref=ref,
        iteration=record.iteration,
        value=value,
        loss_name=config.loss,
        activation=activation,
        reduction=reduction,
        scale=batch_scale(config.loss, n_samples),
        samples=tuple(samples),
        gradient=gradient,
        finite_difference=fd,
        relative_error=relative,
        passed=passed,
        update=update,
        mistake=mistake,
        gradient_note=_gradient_note(mistake, ref, reduction),
    )


def finite_difference(
    record: IterationRecord,
    ref: ParameterRef,
    config: SessionConfig,
    batch_loss: Callable[[SessionConfig, Params, Array, Array], float],
) -> float:
    """Central difference (L(w + h) - L(w - h)) / 2h on the record's batch and parameters."""
    value = ref.value_in(record.params)
    h = 1e-5 * max(1.0, abs(value))

    def loss_with(v: float) -> float:
        return batch_loss(config, ref.replaced_in(record.params, v), record.inputs, record.targets)

    plus, minus = value + h, value - h
    with np.errstate(all="ignore"):
        result = (loss_with(plus) - loss_with(minus)) / (plus - minus)
    return result if math.isfinite(result) else float("nan")
