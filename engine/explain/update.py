"""The update of one parameter as the optimizer made it, from the update record: the
optimizer's state before and after and the step it applied, in text, LaTeX and JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.core.compute import adam_corrections
from engine.explain.format import fmt as _fmt
from engine.explain.format import latex_value as _latex_value

if TYPE_CHECKING:
    from engine.core.config import SessionConfig
    from engine.core.records import IterationRecord, ParameterRef, Params


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
        lr = _fmt(self.learning_rate, "g")
        lines = []
        if self.momentum is not None:
            m = self.momentum
            lines.append(
                f"v = μ·v_prev + g = {_fmt(m.momentum, 'g')} · {_fmt(m.velocity_before, paren=True)} + "
                f"{_fmt(self.gradient, paren=True)} = {_fmt(m.velocity)}"
            )
            step = "v"
        elif self.adam is not None:
            a = self.adam
            lines += [
                f"m = β1·m_prev + (1 − β1)·g = {_fmt(a.beta1, 'g')} · {_fmt(a.m_before, paren=True)} + "
                f"{_fmt(1 - a.beta1, 'g')} · {_fmt(self.gradient, paren=True)} = {_fmt(a.m)}",
                f"v = β2·v_prev + (1 − β2)·g² = {_fmt(a.beta2, 'g')} · {_fmt(a.v_before)} + "
                f"{_fmt(1 - a.beta2)} · {_fmt(self.gradient, paren=True)}² = {_fmt(a.v)}",
                f"m̂ = m / (1 − β1^{a.t}) = {_fmt(a.m_hat)},  v̂ = v / (1 − β2^{a.t}) = {_fmt(a.v_hat)}",
                f"m̂ / (√v̂ + ε) = {_fmt(a.m_hat, paren=True)} / (√{_fmt(a.v_hat)} + {_fmt(a.eps, 'g')}) "
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
        lr = _fmt(self.learning_rate, "g")
        rows = []
        if self.momentum is not None:
            m = self.momentum
            rows.append(
                rf"v &= \mu v_{{\text{{prev}}}} + g = {_fmt(m.momentum, 'g')} \cdot "
                rf"{_latex_value(m.velocity_before)}"
                rf" + {_latex_value(self.gradient)} = {_latex_value(m.velocity)} \\"
            )
            step_sym = "v"
        elif self.adam is not None:
            a = self.adam
            g = _latex_value(self.gradient)
            rows += [
                rf"m &= \beta_1 m_{{\text{{prev}}}} + (1 - \beta_1)\, g = {_fmt(a.beta1, 'g')} \cdot "
                rf"{_latex_value(a.m_before)} + {_latex_value(1 - a.beta1)} \cdot {g}"
                rf" = {_latex_value(a.m)} \\",
                rf"v &= \beta_2 v_{{\text{{prev}}}} + (1 - \beta_2)\, g^2 = {_fmt(a.beta2, 'g')} \cdot "
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


def update_line(
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
