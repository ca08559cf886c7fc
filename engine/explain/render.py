"""The chain rule of one parameter in words and symbols: plain text, LaTeX and JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.core.mistakes import MISTAKES
from engine.core.records import ParameterRef
from engine.explain.format import check_mark, unsigned_zero
from engine.explain.format import fmt as _fmt
from engine.explain.format import latex_text as _latex_text
from engine.explain.format import latex_value as _latex_value

if TYPE_CHECKING:
    from engine.explain.chain import ChainExplanation, Factor


def chain_json(ex: ChainExplanation) -> dict[str, Any]:
    """The ``gradstep chain --json`` document (a zero is 0.0, never -0.0)."""
    document: dict[str, Any] = _unsigned_zeros(_chain_document(ex))
    return document


def _unsigned_zeros(value: Any) -> Any:
    """``value`` with every -0.0 in it (in dicts and lists) made 0.0."""
    if isinstance(value, float):
        return unsigned_zero(value)
    if isinstance(value, dict):
        return {key: _unsigned_zeros(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unsigned_zeros(item) for item in value]
    return value


def _chain_document(ex: ChainExplanation) -> dict[str, Any]:
    return {
        "parameter": ex.ref.label,
        "kind": "bias" if ex.ref.is_bias else "weight",
        "layer": ex.ref.layer,
        "unit": ex.ref.unit,
        "input": ex.ref.input,
        "iteration": ex.iteration,
        "value": ex.value,
        "loss": ex.loss_name,
        "activation": ex.activation,
        "reduction": ex.reduction,
        "scale": ex.scale,
        "gradient": ex.gradient,
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
            for s in ex.samples
        ],
        "finite_difference": ex.finite_difference,
        "relative_error": ex.relative_error,
        "passed": ex.passed,
        "mistake": ex.mistake,
        "gradient_note": ex.gradient_note,
        "update": None if ex.update is None else ex.update.to_json(),
    }


def chain_text(ex: ChainExplanation, max_samples: int | None = None) -> str:
    """A plain-text breakdown, one line per factor."""
    lines = [
        f"{ex.ref.label} = {_fmt(ex.value)} at iteration {ex.iteration} "
        f"({ex.activation} unit, {ex.loss_name} loss)",
    ]
    if ex.mistake is not None:
        lines.append(f"teaching mode: {MISTAKES[ex.mistake].title} ({ex.mistake})")
    shown = ex.samples if max_samples is None else ex.samples[:max_samples]
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
    if len(shown) < len(ex.samples):
        more = len(ex.samples) - len(shown)
        lines.append(f"... {more} more sample{'s' if more != 1 else ''} (use --json for all)")
    n = len(ex.samples)
    reduce_word = "mean" if ex.reduction == "mean" else "sum"
    lines.append(f"gradient = {reduce_word} over {n} sample{'s' if n != 1 else ''} = {_fmt(ex.gradient)}")
    if ex.gradient_note:
        lines.append(f"    {ex.gradient_note}")
    lines.append(
        f"finite difference = {_fmt(ex.finite_difference)}, relative error "
        f"{_fmt(ex.relative_error, '.2e')} [{check_mark(ex.passed)}]"
    )
    if ex.update is not None:
        lines.append(f"update ({ex.update.optimizer}):")
        lines.extend(f"    {line}" for line in ex.update.text_lines(ex.ref.label))
    else:
        lines.append("update: pending")
    return "\n".join(lines)


def chain_latex(ex: ChainExplanation, max_samples: int | None = None) -> str:
    """The breakdown as LaTeX: an ``aligned`` block (for $$ ... $$ or an equation); the first
    ``max_samples`` samples (None: all) and a line counting the rest.

    Indices are 0-based as everywhere in Gradstep: w^{(k)}_{j,i} is W[k][j,i].
    """
    layer, unit = ex.ref.layer, ex.ref.unit
    target = latex_parameter(ex.ref)
    rows = [r"\begin{aligned}"]
    a_sym = f"a^{{({layer})}}_{{{unit}}}"
    shown = ex.samples if max_samples is None else ex.samples[:max_samples]
    for s in shown:
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
    if len(shown) < len(ex.samples):
        more = len(ex.samples) - len(shown)
        rows.append(rf"&\text{{\dots\ {more} more sample{'s' if more != 1 else ''}}} \\")
    op = r"\frac{1}{N}\sum_s" if ex.reduction == "mean" else r"\sum_s"
    note = rf" \quad \text{{({_latex_text(ex.gradient_note)})}}" if ex.gradient_note else ""
    rows.append(
        rf"\frac{{\partial L}}{{\partial {target}}} &= {op} \frac{{\partial \ell_s}}{{\partial {target}}}"
        rf" = {_latex_value(ex.gradient)}{note} \\"
    )
    # the check the text and JSON carry, so a copied derivation keeps its evidence
    rows.append(
        rf"\text{{finite difference}} &= {_latex_value(ex.finite_difference)}, \quad "
        rf"\text{{relative error}}\ {_latex_value(ex.relative_error, '.2e')}\ "
        rf"\text{{[{check_mark(ex.passed)}]}}"
    )
    if ex.update is not None:
        rows[-1] += r" \\"
        rows.extend(ex.update.latex_rows(target))
    rows.append(r"\end{aligned}")
    return "\n".join(rows)


def latex_parameter(ref: ParameterRef) -> str:
    """A parameter in LaTeX, 0-based like the window: w^{(k)}_{j,i} or b^{(k)}_{j}."""
    if ref.input is None:
        return f"b^{{({ref.layer})}}_{{{ref.unit}}}"
    return f"w^{{({ref.layer})}}_{{{ref.unit},{ref.input}}}"


def _latex_symbol(f: Factor, layer: int, unit: int, target: str) -> str:
    a = f"a^{{({layer})}}_{{{unit}}}"
    z = f"z^{{({layer})}}_{{{unit}}}"
    return {
        "dl_da": rf"\frac{{\partial \ell}}{{\partial {a}}}",
        "da_dz": rf"\frac{{\partial {a}}}{{\partial {z}}}",
        "dz_dw": rf"\frac{{\partial {z}}}{{\partial {target}}}",
        "dl_dz": rf"\frac{{\partial \ell}}{{\partial {z}}}",
    }[f.kind]
