"""The chain rule of one weight or bias as rich text, from the engine's explanation.

Plain functions, ChainExplanation in and HTML out: every number is a field of the engine's
:class:`engine.ChainExplanation` (or of the check's report), formatted, never computed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.core.mistakes import MISTAKES
from engine.history.snapshot import name_position
from gui.formatting import FAIL_COLOR, PASS_COLOR, format_number, html_number
from gui.network.chain_terms import largest_terms

if TYPE_CHECKING:
    from engine import ParameterRef, Snapshot
    from engine.explain.chain import ChainExplanation, SampleTerms, UpdateLine, UpstreamTerm
    from engine.learner.check import CheckReport

MAX_SAMPLE_ROWS = 16  # rows of the per-sample table; the rest are counted, not listed
NOTE_SAMPLES = 6  # the samples that contribute 0 a note names before "…"
# samples a copy lists: 200,000 took 9 s to write out and 90 MB of clipboard, past any use
COPIED_SAMPLES = 1000
MAX_UPSTREAM_ROWS = 16  # rows of a hidden unit's sum: its largest terms; the rest are counted
MARK_COLOR = "#d000d0"  # the network view's mark of a disagreeing gradient
MISTAKE_COLOR = "#b35900"  # teaching mode: a factor the injected mistake changes

SAMPLE_DIGITS = 7  # the per-sample and upstream tables (their sums above have all 10)

WORD_JOINER = "\u2060"  # no line break on either side: keeps ∂z/∂w on one line
NO_BREAK_THIN = "\u202f"  # a thin space that does not break: Σₛ ∂ℓ, w δ


@dataclass(frozen=True)
class Digits:
    """Significant digits of the numbers in the tables: ``check`` in the finite-difference
    check's, ``table`` in the per-sample and upstream ones. A narrow dock shortens them (fewer
    digits) rather than clipping them; the equations, which wrap between terms, keep all 10."""

    check: int = 10
    table: int = SAMPLE_DIGITS


# tried in order until the tables fit the dock's width
DIGIT_LEVELS = (Digits(10, 7), Digits(8, 6), Digits(7, 5), Digits(6, 4), Digits(5, 3), Digits(4, 3))

# the sections a stage can fill, by their anchors (h3 ids), top to bottom
SECTIONS = ("numbers", "upstream", "samples", "gradient", "check", "update")


# ---- symbols: real partial signs, subscripts and superscripts (0-based like the engine) ----


def _sub_sup(base: str, sub: str, sup: str) -> str:
    return f"<i>{base}</i><sub>{sub}</sub><sup>({sup})</sup>"


def _target(ref: ParameterRef) -> str:
    if ref.input is None:
        return _sub_sup("b", str(ref.unit), str(ref.layer))
    return _sub_sup("w", f"{ref.unit},{ref.input}", str(ref.layer))


def _input_symbol(ref: ParameterRef) -> str:
    if ref.input is None:
        return "1"
    if ref.layer == 0:
        return f"<i>x</i><sub>{ref.input}</sub>"
    return _sub_sup("a", str(ref.input), str(ref.layer - 1))


def _partial(top: str, bottom: str) -> str:
    """∂top/∂bottom as one unbreakable run: a line never breaks at its slash."""
    return f"∂{top}{WORD_JOINER}/{WORD_JOINER}∂{bottom}"


def _factor_symbol(kind: str, ref: ParameterRef, loss: str = "ℓ") -> str:
    """The factor as a fraction of partials, e.g. ∂ℓ/∂a₀⁽¹⁾."""
    a = _sub_sup("a", str(ref.unit), str(ref.layer))
    z = _sub_sup("z", str(ref.unit), str(ref.layer))
    return {
        "dl_da": _partial(loss, a),
        "da_dz": _partial(a, z),
        "dz_dw": _partial(z, _target(ref)),
        "dl_dz": _partial(loss, z),
    }[kind]


def _short_header(kind: str, ref: ParameterRef) -> str:
    """A per-sample column's fixed short header, ∂ℓ/∂a, ∂a/∂z, ∂z/∂w (∂z/∂b), ∂ℓ/∂z."""
    target = "b" if ref.is_bias else "w"
    top, bottom = {"dl_da": ("ℓ", "a"), "da_dz": ("a", "z"), "dz_dw": ("z", target), "dl_dz": ("ℓ", "z")}[
        kind
    ]
    return _partial(f"<i>{top}</i>" if top != "ℓ" else top, f"<i>{bottom}</i>")


def formula(body: str) -> str:
    """An equation as a paragraph that may break only before an operator (· = − + ← /), never
    inside a fraction, a subscript, a number or a symbol."""
    for op in ("·", "=", "−", "+", "←", "/"):
        body = body.replace(f" {op} ", f" {op}&nbsp;")
    return f'<p class="formula">{body.replace("&thinsp;", NO_BREAK_THIN)}</p>'


def _heading(anchor: str, text: str) -> str:
    return f'<h3 id="{anchor}">{text}</h3>'


_INDEXED = re.compile(r"(?<![\w\]])([a-zA-Zδ])\[(\d+)\]_(\d+)|(?<![\w\]])([a-zA-Zδ])_(\w+)")


def _note_html(note: str) -> str:
    """An engine note as rich text: a[0]_1 and w_kj written with sub- and superscripts."""

    def symbol(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return _sub_sup(match.group(1), match.group(3), match.group(2))
        return f"<i>{match.group(4)}</i><sub>{match.group(5)}</sub>"

    return _INDEXED.sub(symbol, html.escape(note))


def _reduction_prefix(explanation: ChainExplanation) -> str:
    return (
        "<sup>1</sup>&frasl;<sub><i>N</i></sub>&thinsp;Σ<sub><i>s</i></sub>"
        if (explanation.reduction == "mean")
        else "Σ<sub><i>s</i></sub>"
    )


def yours_html(
    ex: ChainExplanation, report: CheckReport | None, values: tuple[float, float, float, bool] | None
) -> str:
    """Check my code: the learner's gradient of the selection beside the correct one."""
    if report is None:
        return ""
    t = _target(ex.ref)
    if report.gradients is None:
        n = len(report.iterations)
        return (
            "<h3>Your code</h3>"
            f'<p><b style="color:{PASS_COLOR}">✔ agrees</b> with the correct computation for '
            f"{n} iteration{'s' if n != 1 else ''} from the session's initial parameters.</p>"
        )
    g = report.gradients
    if values is None:
        return ""
    yours, correct, relative, differs = values
    mark = (
        f'<b style="color:{FAIL_COLOR}">✘ DIFFERS</b>'
        if differs
        else f'<b style="color:{PASS_COLOR}">✔ agrees</b>'
    )
    source = (
        "implied by your update, (old − new) / η" if g.implied else "returned by your <tt>gradients()</tt>"
    )
    k = ex.ref.layer
    before = g.params[k].bias if ex.ref.is_bias else g.params[k].weights
    where = (ex.ref.unit,) if ex.ref.is_bias else (ex.ref.unit, ex.ref.input)
    at = html_number(float(before[where]))
    when = (
        "iteration 0, from the session's initial parameters"
        if g.iteration == 0
        else f"iteration {g.iteration} of the check (it started from the session's initial "
        "parameters; each step from your previous one)"
    )
    rows = (
        f"<tr><td>yours</td><td class='num' style='white-space:nowrap'>{html_number(yours)}</td></tr>"
        f"<tr><td>correct</td><td class='num' style='white-space:nowrap'>{html_number(correct)}</td></tr>"
        "<tr><td style='white-space:nowrap'>relative difference</td>"
        f"<td class='num' style='white-space:nowrap'>{html_number(relative, 3)}</td></tr>"
    )
    parts = [
        f"<h3>Your code: {_partial('<i>L</i>', t)} beside the correct one</h3>",
        f'<p class="note">{when}, at {t} = {at}</p>',
        f"<table>{rows}</table>",
        f"<p>{mark}</p>",
        f'<p class="note">yours: {source}; correct: the engine\'s chain rule; they agree within a '
        "relative 1e−7</p>",
    ]
    diagnosis = report.diagnosis
    if diagnosis is not None:
        if diagnosis.matches:
            first, *others = diagnosis.matches
            parts.append(
                f"<p>Likely cause: <b>{html.escape(first.title)}</b><br>"
                f'<span class="note">{html.escape(first.explanation)}</span></p>'
            )
            parts.extend(f'<p class="note">also consistent with: {html.escape(o.title)}</p>' for o in others)
        else:
            parts.append("<p>Likely cause: none of the catalogue's mistakes reproduces your step.</p>")
        if diagnosis.evidence:
            items = "".join(f"<li>{html.escape(e)}</li>" for e in diagnosis.evidence)
            parts.append(f'<ul class="note">{items}</ul>')
    return "".join(parts)


def title_html(ex: ChainExplanation, snap: Snapshot) -> str:
    ref = ex.ref
    what = "bias" if ref.is_bias else "weight"
    where = f"layer {ref.layer}, unit {ref.unit}" + ("" if ref.is_bias else f", input {ref.input}")
    name = name_position(snap)
    when = name.text if ex.iteration == name.iteration else f"iteration {ex.iteration}"
    n = len(ex.samples)
    return (
        f"<b>{_target(ref)}</b> = {html_number(ex.value)}"
        f'<br><span style="color:#555">{what} {html.escape(ref.label)} ({where}) · {when} · '
        f"{html.escape(ex.activation)} unit · {html.escape(ex.loss_name)} loss, "
        f"{ex.reduction} over {n:,} sample{'s' if n != 1 else ''}</span>"
    )


def formula_html(ex: ChainExplanation) -> str:
    kinds = [f.kind for f in ex.samples[0].factors]
    product = " · ".join(_factor_symbol(k, ex.ref, "ℓ<sub><i>s</i></sub>") for k in kinds)
    lhs = _partial("<i>L</i>", _target(ex.ref))
    return _heading("formula", "Chain rule") + formula(f"{lhs} = {_reduction_prefix(ex)}&thinsp;{product}")


def factors_html(ex: ChainExplanation) -> str:
    rows = "".join(
        f"<tr><td class='sym'>{_factor_symbol(f.kind, ex.ref)}</td>"
        f"<td class='{'mistake' if f.mistaken else 'note'}'>{_note_html(f.note)}</td></tr>"
        for f in ex.samples[0].factors
    )
    head = _heading("factors", "Factors")
    if ex.mistake is not None:
        head += (
            f'<p class="mistake">Teaching mode: the backward pass makes the mistake '
            f"<i>{html.escape(MISTAKES[ex.mistake].title)}</i>.</p>"
        )
    return f'{head}<table class="prose">{rows}</table>'  # its notes wrap: not measured


def numbers_html(ex: ChainExplanation, sample: SampleTerms, why: str = "") -> str:
    """The chain rule of one sample with its numbers; ``why`` says why that sample was chosen."""
    values = " · ".join(html_number(f.value, parens=True) for f in sample.factors)
    head = "With numbers" if len(ex.samples) == 1 else f"With numbers, sample {sample.sample}"
    lhs = _partial(f"ℓ<sub>{sample.sample}</sub>", _target(ex.ref))
    note = f'<p class="note">{why}</p>' if why else ""
    return (
        _heading("numbers", head)
        + note
        + formula(f"{lhs} = {values} = <b>{html_number(sample.contribution)}</b>")
    )


def example_note(ex: ChainExplanation, row: int) -> str:
    """Why "with numbers" shows sample ``row`` when the panel chose it (the engine's example_row)."""
    if len(ex.samples) == 1:
        return ""
    sample = ex.samples[row].sample
    if row > 0:
        if row <= NOTE_SAMPLES + 1:  # "…" stands for two samples at least
            skipped = ", ".join(str(s) for s in ex.sample_rows(0, row))
        else:  # the first few and the last: a pixel or an input 0 in thousands of rows
            first = ", ".join(str(s) for s in ex.sample_rows(0, NOTE_SAMPLES - 1))
            skipped = f"{first}, …, {ex.sample_rows(row - 1, row)[0]}: {row:,} samples"
        return (
            f"Sample {sample}: the first sample whose contribution is not 0 "
            f"(sample{'s' if row > 1 else ''} {skipped} contribute{'' if row > 1 else 's'} 0)."
        )
    if ex.all_contribute_zero():
        return "Every sample contributes 0."
    return ""


def upstream_html(ex: ChainExplanation, sample: SampleTerms, digits: Digits) -> str:
    assert sample.upstream is not None
    ref = ex.ref
    nxt = ref.layer + 1
    a = _sub_sup("a", str(ref.unit), str(ref.layer))
    w = _sub_sup("w", f"<i>k</i>,{ref.unit}", str(nxt))
    d = _sub_sup("δ", "<i>k</i>", str(nxt))
    t = digits.table
    listed = listed_upstream(sample.upstream)
    rows = "".join(
        f"<tr><td class='num'>{u.unit}</td><td class='num'>{html_number(u.weight, t)}</td>"
        f"<td class='num'>{html_number(u.delta, t)}</td>"
        f"<td class='num'>{html_number(u.product, t)}</td></tr>"
        for u in listed
    )
    dl_da = next((f.value for f in sample.factors if f.kind == "dl_da"), None)
    units = len(sample.upstream)
    total = html_number(dl_da)
    head = (
        f"<tr><th><i>k</i></th><th><i>w</i><sub><i>k</i>,{ref.unit}</sub></th>"
        "<th>δ<sub><i>k</i></sub></th><th>product</th></tr>"
    )
    return (
        _heading(
            "upstream",
            f"Hidden unit: ∂ℓ/∂{a} over the {units} unit{'s' if units != 1 else ''} <i>k</i> of layer {nxt}",
        )
        + formula(f"{_partial('ℓ', a)} = Σ<sub><i>k</i></sub> {w}&thinsp;{d} = <b>{total}</b>")
        + f"<table>{head}{rows}</table>"
        + _unlisted_note(sample.upstream, listed)
    )


def listed_upstream(upstream: tuple[UpstreamTerm, ...]) -> list[UpstreamTerm]:
    """The terms of a hidden unit's sum the table lists, in the order of k: all of them up to
    :data:`MAX_UPSTREAM_ROWS`, else the largest by |w·δ| (the first ones while δ is pending). A
    table of 64 or 128 rows of mostly small terms buries the few that matter, and laying it out
    on every step cost the dock tens of milliseconds."""
    if len(upstream) <= MAX_UPSTREAM_ROWS:
        return list(upstream)
    largest = largest_terms(upstream, MAX_UPSTREAM_ROWS)
    if largest is None:
        return list(upstream[:MAX_UPSTREAM_ROWS])
    return sorted(largest, key=lambda u: u.unit)


def _unlisted_note(upstream: tuple[UpstreamTerm, ...], listed: list[UpstreamTerm]) -> str:
    more = len(upstream) - len(listed)
    if more <= 0:
        return ""
    if listed and listed[0].product is None:
        return f'<p class="note">… {more} more units (Copy as text lists them all)</p>'
    zeros = sum(1 for u in upstream if u.product == 0) - sum(1 for u in listed if u.product == 0)
    zero = f", {zeros} of them 0" if zeros else ""
    return (
        f'<p class="note">the {len(listed)} largest terms by |<i>w</i>·δ|; {more} smaller ones'
        f"{zero}, are in the sum but not listed (Copy as text lists them all)</p>"
    )


def samples_html(ex: ChainExplanation, digits: int = SAMPLE_DIGITS) -> str:
    first = ex.samples[0]
    head = "".join(f"<th>{_short_header(f.kind, ex.ref)}</th>" for f in first.factors)
    rows = []
    for s in ex.samples[:MAX_SAMPLE_ROWS]:
        cells = "".join(f"<td class='num'>{html_number(f.value, digits)}</td>" for f in s.factors)
        total = html_number(s.contribution, digits)
        rows.append(f"<tr><td class='num'>{s.sample}</td>{cells}<td class='num'>{total}</td></tr>")
    more = len(ex.samples) - MAX_SAMPLE_ROWS
    listed = "them all" if len(ex.samples) <= COPIED_SAMPLES else f"the first {COPIED_SAMPLES:,}"
    tail = f'<p class="note">… {more:,} more samples (Copy as text lists {listed})</p>' if more > 0 else ""
    ref = ex.ref
    legend = [f"<i>w</i> = {_target(ref)}" if not ref.is_bias else f"<i>b</i> = {_target(ref)}"]
    if any(f.kind != "dl_dz" for f in first.factors):
        legend.insert(0, f"<i>a</i> = {_sub_sup('a', str(ref.unit), str(ref.layer))}")
    legend.insert(-1, f"<i>z</i> = {_sub_sup('z', str(ref.unit), str(ref.layer))}")
    return (
        _heading("samples", f"Per sample ({len(ex.samples):,} in the batch)")
        + f'<p class="note">{", ".join(legend)}; product = ∂ℓ<sub><i>s</i></sub>/∂{_target(ref)}</p>'
        + f"<table><tr><th><i>s</i></th>{head}<th>product</th></tr>{''.join(rows)}</table>{tail}"
    )


def gradient_html(ex: ChainExplanation) -> str:
    n = len(ex.samples)
    if ex.reduction == "mean":
        how = f"mean over <i>N</i> = {n:,} sample{'s' if n != 1 else ''} (× {format_number(ex.scale)})"
    else:
        how = f"sum over {n:,} sample{'s' if n != 1 else ''}"
    mistake = f'<p class="mistake">{html.escape(ex.gradient_note)}</p>' if ex.gradient_note else ""
    t = _target(ex.ref)
    body = (
        f"{_partial('<i>L</i>', t)} = {_reduction_prefix(ex)}&thinsp;"
        f"{_partial('ℓ<sub><i>s</i></sub>', t)} = <b>{html_number(ex.gradient)}</b>"
    )
    return _heading("gradient", "Gradient") + formula(body) + f'<p class="note">{how}</p>{mistake}'


def finite_difference_html(ex: ChainExplanation, digits: int = 10) -> str:
    if ex.passed is None:
        mark = f'<span class="pending">pending until the backward pass reaches layer {ex.ref.layer}</span>'
    elif ex.passed:
        mark = f'<b style="color:{PASS_COLOR}">✔ PASS</b>'
    else:
        mark = f'<b style="color:{FAIL_COLOR}">✘ FAIL</b>'
    rel = html_number(ex.relative_error, 3)
    t = _target(ex.ref)
    return (
        _heading("check", "Finite-difference check")
        + formula(f"(<i>L</i>({t} + <i>h</i>) − <i>L</i>({t} − <i>h</i>)) / 2<i>h</i>")
        + "<table>"
        f"<tr><td class='label'>finite difference</td>"
        f"<td class='num'>{html_number(ex.finite_difference, digits)}</td></tr>"
        f"<tr><td class='label'>backpropagation</td>"
        f"<td class='num'>{html_number(ex.gradient, digits)}</td></tr>"
        f"<tr><td class='label'>relative error</td><td class='num'>{rel}</td></tr>"
        "</table>"
        f"<p>{mark}</p>"
    )


def update_html(ex: ChainExplanation, optimizer: str) -> str:
    t = _target(ex.ref)
    u = ex.update
    if u is None:
        rule = {"momentum": "<i>v</i>", "adam": "<i>m̂</i> / (√<i>v̂</i> + ε)"}.get(optimizer, "<i>g</i>")
        return _heading("update", "Update") + formula(
            f'{t} ← {t} − η · {rule} = <span class="pending">pending</span>'
        )
    rows = _optimizer_rows(u)
    step = {"momentum": "<i>v</i>", "adam": "<i>m̂</i> / (√<i>v̂</i> + ε)"}.get(u.optimizer, "<i>g</i>")
    rows.append(
        f"{t} ← {t} − η · {step} = {html_number(u.old)} − {html_number(u.learning_rate)} · "
        f"{html_number(u.step, parens=True)} = <b>{html_number(u.new)}</b>"
    )
    lines = "".join(formula(row) for row in rows)
    return (
        _heading("update", f"Update ({html.escape(u.optimizer)})")
        + f'{lines}<p class="note">{_optimizer_note(u)}</p>'
    )


def filled_sections(ex: ChainExplanation, row: int) -> frozenset[str]:
    """The sections of :data:`SECTIONS` whose numbers are all computed (none pending)."""
    sample = ex.samples[row]
    filled = {
        "numbers": sample.contribution is not None and all(f.value is not None for f in sample.factors),
        "upstream": sample.upstream is not None and all(u.product is not None for u in sample.upstream),
        "samples": not ex.pending_factors,
        "gradient": ex.gradient is not None,
        "check": ex.passed is not None,
        "update": ex.update is not None,
    }
    return frozenset(name for name, done in filled.items() if done)


def explanation_html(
    ex: ChainExplanation,
    row: int,
    optimizer: str,
    report: CheckReport | None = None,
    values: tuple[float, float, float, bool] | None = None,
    digits: Digits = DIGIT_LEVELS[0],
    why: str = "",
) -> str:
    """The whole explanation of sample ``row``: the learner's value beside the correct one (after
    a check), the chain rule in symbols and numbers, the per-sample table, the finite-difference
    check and the update. ``why`` says why the worked sample is ``row``."""
    sample = ex.samples[row]
    parts = [
        yours_html(ex, report, values),
        formula_html(ex),
        factors_html(ex),
        numbers_html(ex, sample, why),
    ]
    if sample.upstream is not None:
        parts.append(upstream_html(ex, sample, digits))
    if len(ex.samples) > 1:
        parts.append(samples_html(ex, digits.table))
    parts += [gradient_html(ex), finite_difference_html(ex, digits.check), update_html(ex, optimizer)]
    return "".join(parts)


_TABLE = re.compile(r"<table>.*?</table>", re.DOTALL)
_FORMULA = re.compile(r'<p class="formula">.*?</p>', re.DOTALL)


def tables_html(text: str) -> str:
    """The tables of numbers of an explanation's HTML (not the factors' notes): they cannot wrap,
    so they set the narrowest width that shows them whole."""
    return "".join(table_parts(text))


def table_parts(text: str) -> list[str]:
    """Each table of :func:`tables_html` on its own (their document is as wide as the widest)."""
    return _TABLE.findall(text)


_ROW = re.compile(r"<tr>.*?</tr>", re.DOTALL)
_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def widest_rows(table: str, advance: Callable[[str], float]) -> str:
    """``table`` (one of :func:`table_parts`) cut to its first row and, for each column, the
    row with the widest plain cell and the row with the widest styled one (a pending value is
    italic), by ``advance`` of the cell's text.

    Unwrapped, a table is as wide as its columns' widest cells side by side, so the cut table
    lays out to the same width as the whole one in a fraction of the time: the panel measures
    every new table it shows, on every step, at up to six digit levels.
    """
    rows = _ROW.findall(table)
    if len(rows) <= 3:
        return table
    cells = [_CELL.findall(row) for row in rows]
    keep = {0}
    for column in range(max(len(c) for c in cells)):
        for styled in (False, True):
            widths = {
                i: advance(html.unescape(_TAG.sub("", c[column])))
                for i, c in enumerate(cells)
                if column < len(c) and ("<" in c[column]) == styled
            }
            if widths:
                keep.add(max(widths, key=widths.__getitem__))
    return "<table>" + "".join(rows[i] for i in sorted(keep)) + "</table>"


def formulas_html(text: str) -> str:
    """The equations of an explanation's HTML, each a paragraph: their width unwrapped is the
    width the panel needs to show every one on one line."""
    return "".join(_FORMULA.findall(text))


def _optimizer_rows(u: UpdateLine) -> list[str]:
    """The optimizer's state equations with the engine's numbers (none for SGD)."""

    def n(value: float, parens: bool = False) -> str:
        return html_number(value, parens=parens)

    g = n(u.gradient, parens=True)
    if u.momentum is not None:
        m = u.momentum
        return [
            f"<i>v</i> = μ · <i>v</i><sub>prev</sub> + <i>g</i> = {n(m.momentum)} · "
            f"{n(m.velocity_before, parens=True)} + {g} = <b>{n(m.velocity)}</b>"
        ]
    if u.adam is not None:
        a = u.adam
        return [
            f"<i>m</i> = β<sub>1</sub> <i>m</i><sub>prev</sub> + (1 − β<sub>1</sub>) <i>g</i> = "
            f"{n(a.beta1)} · {n(a.m_before, parens=True)} + (1 − {n(a.beta1)}) · {g} = {n(a.m)}",
            f"<i>v</i> = β<sub>2</sub> <i>v</i><sub>prev</sub> + (1 − β<sub>2</sub>) <i>g</i>² = "
            f"{n(a.beta2)} · {n(a.v_before)} + (1 − {n(a.beta2)}) · {g}² = {n(a.v)}",
            f"<i>m̂</i> = <i>m</i> / (1 − β<sub>1</sub><sup>{a.t}</sup>) = {n(a.m_hat)}",
            f"<i>v̂</i> = <i>v</i> / (1 − β<sub>2</sub><sup>{a.t}</sup>) = {n(a.v_hat)}",
            f"<i>m̂</i> / (√<i>v̂</i> + ε) = {n(a.m_hat, parens=True)} / "
            f"(√{n(a.v_hat)} + {n(a.eps)}) = <b>{n(u.step)}</b>",
        ]
    return []


def _optimizer_note(u: UpdateLine) -> str:
    if u.momentum is not None:
        velocity = "<i>v</i> the velocity (0 before the first update)"
        return f"η is the learning rate; {velocity}, <i>g</i> the gradient."
    if u.adam is not None:
        return (
            f"η is the learning rate; <i>m</i>, <i>v</i> Adam's moments (0 before the first update), "
            f"<i>m̂</i>, <i>v̂</i> their bias corrections at step <i>t</i> = {u.adam.t}; <i>g</i> the gradient."
        )
    return "η is the learning rate; <i>g</i> the gradient."
