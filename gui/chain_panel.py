"""The chain rule of the selected weight or bias, symbol by symbol and number by number.

Every number shown is a field of the engine's :class:`engine.ChainExplanation`; this panel
only lays it out as rich text.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError, ParameterRef
from engine.core.mistakes import MISTAKES
from engine.explain.chain import ChainExplanation, SampleTerms, UpdateLine
from engine.learner.check import CheckReport
from gui.controller import SessionController
from gui.formatting import FAIL_COLOR, PASS_COLOR, PENDING_COLOR, format_number, html_number

MAX_SAMPLE_ROWS = 16  # rows of the per-sample table; the rest are counted, not listed
MARK_COLOR = "#d000d0"  # the network view's mark of a disagreeing gradient
MISTAKE_COLOR = "#b35900"  # teaching mode: a factor the injected mistake changes

HINT = "Click a weight or bias in the network to see its chain rule."

_CSS = f"""
body {{ font-size: 10pt; }}
h3 {{ margin: 10px 0 4px 0; font-size: 10pt; color: #444; }}
.meta {{ color: #555; }}
.formula {{ font-size: 12pt; margin: 2px 0 2px 0; }}
.note {{ color: #555; }}
.pending {{ color: {PENDING_COLOR}; font-style: italic; }}
td {{ padding: 2px 8px 2px 0; }}
th {{ padding: 2px 8px 2px 0; text-align: left; color: #444; font-weight: 600; }}
td.num {{ font-family: monospace; text-align: right; white-space: nowrap; }}
.mistake {{ color: {MISTAKE_COLOR}; }}
"""

SAMPLE_DIGITS = 7  # the per-sample and upstream tables (their sums above have all 10)


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


def _factor_symbol(kind: str, ref: ParameterRef, loss: str = "ℓ") -> str:
    """The factor as a fraction of partials, e.g. ∂ℓ/∂a₀⁽¹⁾."""
    a = _sub_sup("a", str(ref.unit), str(ref.layer))
    z = _sub_sup("z", str(ref.unit), str(ref.layer))
    return {
        "dl_da": f"∂{loss}/∂{a}",
        "da_dz": f"∂{a}/∂{z}",
        "dz_dw": f"∂{z}/∂{_target(ref)}",
        "dl_dz": f"∂{loss}/∂{z}",
    }[kind]


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


class ChainPanel(QWidget):
    """Shows :meth:`SessionController.explain` for the selection; pending factors are greyed."""

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._explanation: ChainExplanation | None = None
        self._dirty = True

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.sample_label = QLabel("Sample")
        self.sample_box = QSpinBox()
        self.sample_box.setToolTip("Which row of the batch the numbers and the expansion are for")
        self.sample_box.setKeyboardTracking(False)
        self.copy_latex_button = QPushButton("Copy as LaTeX")
        self.copy_text_button = QPushButton("Copy as text")
        self.copy_latex_action = QAction("Copy as LaTeX", self)
        self.copy_text_action = QAction("Copy as text", self)

        self.browser = QTextBrowser()
        self._html = ""  # what the browser shows
        self.browser.setOpenLinks(False)
        self.browser.document().setDefaultStyleSheet(_CSS)
        self.browser.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(self.sample_label)
        bar.addWidget(self.sample_box)
        bar.addStretch(1)
        bar.addWidget(self.copy_latex_button)
        bar.addWidget(self.copy_text_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addLayout(bar)
        layout.addWidget(self.browser, 1)

        self.copy_latex_button.clicked.connect(self.copy_latex)
        self.copy_text_button.clicked.connect(self.copy_text)
        self.copy_latex_action.triggered.connect(self.copy_latex)
        self.copy_text_action.triggered.connect(self.copy_text)
        self.browser.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.sample_box.valueChanged.connect(self._on_sample_changed)
        controller.selection_changed.connect(self._on_selection_changed)
        controller.stage_changed.connect(self._on_stage_changed)
        controller.running_changed.connect(self._on_running_changed)
        controller.check_changed.connect(self._on_check_changed)
        self._refresh()

    # ---- public ----

    @property
    def explanation(self) -> ChainExplanation | None:
        """The engine's explanation currently on display."""
        return self._explanation

    @property
    def check(self) -> CheckReport | None:
        """The result of File > Check my code shown beside the chain rule."""
        return self._controller.check_report

    def check_values(self) -> tuple[float, float, float, bool] | None:
        """(yours, correct, relative difference, differs) of the selection, as the check reported."""
        ref = self._controller.selection
        report = self._controller.check_report
        if ref is None or report is None or report.gradients is None:
            return None
        g = report.gradients
        if ref.layer >= len(g.yours):
            return None
        k, j = ref.layer, ref.unit
        if ref.input is None:
            pick = (g.yours[k].bias, g.correct[k].bias, g.relative[k].bias, g.marks[k].bias)
            where: tuple[int, ...] = (j,)
        else:
            pick = (g.yours[k].weights, g.correct[k].weights, g.relative[k].weights, g.marks[k].weights)
            where = (j, ref.input)
        yours, correct, relative, marks = pick
        if any(i >= n for i, n in zip(where, yours.shape, strict=True)):
            return None
        return float(yours[where]), float(correct[where]), float(relative[where]), bool(marks[where])

    def copy_latex(self) -> None:
        """Put the engine's LaTeX of the explanation on the clipboard."""
        if self._explanation is not None:
            QGuiApplication.clipboard().setText(self._explanation.to_latex())
            self._controller.message.emit("chain rule copied as LaTeX")

    def copy_text(self) -> None:
        """Put the engine's plain-text breakdown on the clipboard."""
        if self._explanation is not None:
            QGuiApplication.clipboard().setText(self._explanation.to_text())
            self._controller.message.emit("chain rule copied as text")

    # ---- handlers ----

    def _on_selection_changed(self, ref: ParameterRef | None) -> None:
        self.sample_box.setValue(0)
        self._request_refresh()

    def _on_stage_changed(self) -> None:
        self._request_refresh()

    def _on_running_changed(self, running: bool) -> None:
        self._request_refresh()

    def _on_check_changed(self, state: str) -> None:
        self._render()

    def _on_sample_changed(self, value: int) -> None:
        self._render()

    def _on_context_menu_requested(self, pos: QPoint) -> None:
        menu = self.browser.createStandardContextMenu(pos)
        menu.addSeparator()
        menu.addAction(self.copy_latex_action)
        menu.addAction(self.copy_text_action)
        menu.exec(self.browser.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self._refresh()

    # ---- drawing ----

    def _request_refresh(self) -> None:
        # The finite-difference check costs two forward passes: skip it while the dock is hidden.
        if self.isVisible():
            self._refresh()
        else:
            self._dirty = True

    def _refresh(self) -> None:
        self._dirty = False
        self._explanation = None
        error = None
        ref = self._controller.selection
        if ref is not None and not self._controller.running:
            try:
                self._explanation = self._controller.explain(ref)
            except GradstepError as exc:  # a stale selection after an edit: say so, do not crash
                error = str(exc)
        has = self._explanation is not None
        for widget in (self.copy_latex_button, self.copy_text_button):
            widget.setEnabled(has)
        self.copy_latex_action.setEnabled(has)
        self.copy_text_action.setEnabled(has)
        samples = 0 if self._explanation is None else len(self._explanation.samples)
        if self._explanation is not None:
            self.sample_box.blockSignals(True)
            self.sample_box.setRange(0, max(0, samples - 1))
            self.sample_box.blockSignals(False)
        self.sample_box.setVisible(samples > 1)
        self.sample_label.setVisible(self.sample_box.isVisibleTo(self))
        self._render(error)

    def _render(self, error: str | None = None) -> None:
        ex = self._explanation
        if ex is None:
            if error is not None:
                text = f"The chain rule is not available: {html.escape(error)}"
            elif self._controller.selection is not None and self._controller.running:
                text = "Running. The chain rule is shown again when the run pauses."
            else:
                text = HINT
            self.title.setText("<b>Chain rule</b>")
            detail = (
                "Its gradient is shown as a product of factors, first in symbols, then with the "
                "numbers of the current iteration. Factors the current stage has not computed yet "
                "say <i>pending</i> and fill in as you step through the backward pass (F10)."
            )
            if self._controller.check_report is not None and error is None:
                detail = (
                    "The result of <i>Check my code</i> is shown here for the weight or bias you "
                    f'click: <span style="color:{MARK_COLOR}">magenta dashed</span> edges and ringed '
                    "biases are the gradients your code gets wrong."
                )
            self._set_html(
                f'<p style="color:#333; font-size:11pt; margin-top:18px" align="center">{text}</p>'
                f'<p style="color:#777" align="center">{detail if error is None else ""}</p>'
            )
            return
        self.title.setText(self._title_html(ex))
        row = min(self.sample_box.value(), len(ex.samples) - 1)
        parts = [
            self._yours_html(ex),
            self._formula_html(ex),
            self._factors_html(ex),
            self._numbers_html(ex, ex.samples[row], row),
        ]
        if ex.samples[row].upstream is not None:
            parts.append(self._upstream_html(ex, ex.samples[row]))
        if len(ex.samples) > 1:
            parts.append(self._samples_html(ex))
        parts.append(self._gradient_html(ex))
        parts.append(self._check_html(ex))
        parts.append(self._update_html(ex))
        self._set_html("".join(parts))

    def _set_html(self, text: str) -> None:
        """Show ``text`` unless it is already shown (a step with nothing new redraws nothing)."""
        if text == self._html:
            return
        self._html = text
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(text)
        self.browser.verticalScrollBar().setValue(scroll)  # stepping should not jump the reader back

    def _yours_html(self, ex: ChainExplanation) -> str:
        """Check my code: the learner's gradient of the selection beside the correct one."""
        report = self._controller.check_report
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
        values = self.check_values()
        if values is None:
            return ""
        yours, correct, relative, differs = values
        mark = (
            f'<b style="color:{FAIL_COLOR}">✘ DIFFERS</b>'
            if differs
            else f'<b style="color:{PASS_COLOR}">✔ agrees</b>'
        )
        source = (
            "implied by your update, (old − new) / η"
            if g.implied
            else "returned by your <tt>gradients()</tt>"
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
            f"<h3>Your code: ∂<i>L</i>/∂{t} beside the correct one</h3>",
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
                parts.extend(
                    f'<p class="note">also consistent with: {html.escape(o.title)}</p>' for o in others
                )
            else:
                parts.append("<p>Likely cause: none of the catalogue's mistakes reproduces your step.</p>")
            if diagnosis.evidence:
                items = "".join(f"<li>{html.escape(e)}</li>" for e in diagnosis.evidence)
                parts.append(f'<ul class="note">{items}</ul>')
        return "".join(parts)

    def _title_html(self, ex: ChainExplanation) -> str:
        ref = ex.ref
        what = "bias" if ref.is_bias else "weight"
        where = f"layer {ref.layer}, unit {ref.unit}" + ("" if ref.is_bias else f", input {ref.input}")
        snap = self._controller.snapshot()
        if ex.iteration < snap.iteration:
            when = f"iteration {ex.iteration} (complete)"
        else:
            last = snap.last_stage
            when = (
                f"iteration {ex.iteration}, after {last.label}"
                if snap.stage > 0 and last
                else (f"iteration {ex.iteration}, not started")
            )
        n = len(ex.samples)
        return (
            f"<b>{_target(ref)}</b> = {html_number(ex.value)}"
            f'<br><span style="color:#555">{what} {html.escape(ref.label)} ({where}) · {when} · '
            f"{html.escape(ex.activation)} unit · {html.escape(ex.loss_name)} loss, "
            f"{ex.reduction} over {n} sample{'s' if n != 1 else ''}</span>"
        )

    def _formula_html(self, ex: ChainExplanation) -> str:
        kinds = [f.kind for f in ex.samples[0].factors]
        product = " · ".join(_factor_symbol(k, ex.ref, "ℓ<sub><i>s</i></sub>") for k in kinds)
        return (
            "<h3>Chain rule</h3>"
            f'<p class="formula">∂<i>L</i>/∂{_target(ex.ref)} = {_reduction_prefix(ex)}&thinsp;{product}</p>'
        )

    def _factors_html(self, ex: ChainExplanation) -> str:
        rows = "".join(
            f"<tr><td style='white-space:nowrap'>{_factor_symbol(f.kind, ex.ref)}</td>"
            f"<td class='{'mistake' if f.mistaken else 'note'}'>{_note_html(f.note)}</td></tr>"
            for f in ex.samples[0].factors
        )
        head = "<h3>Factors</h3>"
        if ex.mistake is not None:
            head += (
                f'<p class="mistake">Teaching mode: the backward pass makes the mistake '
                f"<i>{html.escape(MISTAKES[ex.mistake].title)}</i>.</p>"
            )
        return f"{head}<table>{rows}</table>"

    def _numbers_html(self, ex: ChainExplanation, sample: SampleTerms, row: int) -> str:
        values = " · ".join(html_number(f.value, parens=True) for f in sample.factors)
        head = "With numbers" if len(ex.samples) == 1 else f"With numbers, sample {sample.sample}"
        return (
            f"<h3>{head}</h3>"
            f'<p class="formula">∂ℓ<sub>{sample.sample}</sub>/∂{_target(ex.ref)} = {values}'
            f" = <b>{html_number(sample.contribution)}</b></p>"
        )

    def _upstream_html(self, ex: ChainExplanation, sample: SampleTerms) -> str:
        assert sample.upstream is not None
        ref = ex.ref
        nxt = ref.layer + 1
        a = _sub_sup("a", str(ref.unit), str(ref.layer))
        w = _sub_sup("w", f"<i>k</i>,{ref.unit}", str(nxt))
        d = _sub_sup("δ", "<i>k</i>", str(nxt))
        rows = "".join(
            f"<tr><td class='num'>{u.unit}</td><td class='num'>{html_number(u.weight, SAMPLE_DIGITS)}</td>"
            f"<td class='num'>{html_number(u.delta, SAMPLE_DIGITS)}</td>"
            f"<td class='num'>{html_number(u.product, SAMPLE_DIGITS)}</td></tr>"
            for u in sample.upstream
        )
        dl_da = next((f.value for f in sample.factors if f.kind == "dl_da"), None)
        units = len(sample.upstream)
        total = html_number(dl_da)
        return (
            f"<h3>Hidden unit: ∂ℓ/∂{a} over the {units} unit{'s' if units != 1 else ''} <i>k</i>"
            f" of layer {nxt}</h3>"
            f'<p class="formula">∂ℓ/∂{a} = Σ<sub><i>k</i></sub> {w}&thinsp;{d} = <b>{total}</b></p>'
            f"<table><tr><th><i>k</i></th><th>{w}</th><th>{d}</th><th>{w}&thinsp;{d}</th></tr>{rows}</table>"
        )

    def _samples_html(self, ex: ChainExplanation) -> str:
        first = ex.samples[0]
        head = "".join(f"<th>{_factor_symbol(f.kind, ex.ref)}</th>" for f in first.factors)
        rows = []
        for s in ex.samples[:MAX_SAMPLE_ROWS]:
            # 7 digits keep four columns inside a narrow dock; the rows above have all 10
            cells = "".join(f"<td class='num'>{html_number(f.value, SAMPLE_DIGITS)}</td>" for f in s.factors)
            total = html_number(s.contribution, SAMPLE_DIGITS)
            rows.append(f"<tr><td class='num'>{s.sample}</td>{cells}<td class='num'>{total}</td></tr>")
        more = len(ex.samples) - MAX_SAMPLE_ROWS
        tail = f'<p class="note">… {more} more samples (Copy as text lists them all)</p>' if more > 0 else ""
        return (
            f"<h3>Per sample ({len(ex.samples)} in the batch)</h3>"
            f"<table><tr><th><i>s</i></th>{head}<th>∂ℓ<sub><i>s</i></sub>/∂{_target(ex.ref)}</th></tr>"
            f"{''.join(rows)}</table>{tail}"
        )

    def _gradient_html(self, ex: ChainExplanation) -> str:
        n = len(ex.samples)
        if ex.reduction == "mean":
            how = f"mean over <i>N</i> = {n} sample{'s' if n != 1 else ''} (× {format_number(ex.scale)})"
        else:
            how = f"sum over {n} sample{'s' if n != 1 else ''}"
        mistake = f'<p class="mistake">{html.escape(ex.gradient_note)}</p>' if ex.gradient_note else ""
        return (
            "<h3>Gradient</h3>"
            f'<p class="formula">∂<i>L</i>/∂{_target(ex.ref)} = {_reduction_prefix(ex)}&thinsp;'
            f"∂ℓ<sub><i>s</i></sub>/∂{_target(ex.ref)} = <b>{html_number(ex.gradient)}</b></p>"
            f'<p class="note">{how}</p>{mistake}'
        )

    def _check_html(self, ex: ChainExplanation) -> str:
        if ex.passed is None:
            mark = (
                f'<span class="pending">pending until the backward pass reaches layer {ex.ref.layer}</span>'
            )
        elif ex.passed:
            mark = f'<b style="color:{PASS_COLOR}">✔ PASS</b>'
        else:
            mark = f'<b style="color:{FAIL_COLOR}">✘ FAIL</b>'
        rel = html_number(ex.relative_error, 3)
        t = _target(ex.ref)
        return (
            "<h3>Finite-difference check</h3>"
            "<table>"
            "<tr><td style='white-space:nowrap'>"
            f"(<i>L</i>({t} + <i>h</i>) − <i>L</i>({t} − <i>h</i>)) / 2<i>h</i></td>"
            f"<td class='num'>{html_number(ex.finite_difference)}</td></tr>"
            f"<tr><td>backpropagation</td><td class='num'>{html_number(ex.gradient)}</td></tr>"
            f"<tr><td>relative error</td><td class='num'>{rel}</td></tr>"
            "</table>"
            f"<p>{mark}</p>"
        )

    def _update_html(self, ex: ChainExplanation) -> str:
        t = _target(ex.ref)
        u = ex.update
        if u is None:
            rule = {"momentum": "<i>v</i>", "adam": "<i>m̂</i> / (√<i>v̂</i> + ε)"}.get(
                self._controller.config.optimizer.name, "<i>g</i>"
            )
            return (
                f'<h3>Update</h3><p class="formula">{t} ← {t} − η · {rule} = '
                '<span class="pending">pending</span></p>'
            )
        rows = _optimizer_rows(u)
        step = {"momentum": "<i>v</i>", "adam": "<i>m̂</i> / (√<i>v̂</i> + ε)"}.get(u.optimizer, "<i>g</i>")
        rows.append(
            f"{t} ← {t} − η · {step} = {html_number(u.old)} − {html_number(u.learning_rate)} · "
            f"{html_number(u.step, parens=True)} = <b>{html_number(u.new)}</b>"
        )
        lines = "".join(f'<p class="formula">{row}</p>' for row in rows)
        return f'<h3>Update ({html.escape(u.optimizer)})</h3>{lines}<p class="note">{_optimizer_note(u)}</p>'


def _optimizer_rows(u: UpdateLine) -> list[str]:
    """The optimizer's state equations with the engine's numbers (none for SGD)."""
    g = html_number(u.gradient, parens=True)
    if u.momentum is not None:
        m = u.momentum
        return [
            f"<i>v</i> = μ · <i>v</i><sub>prev</sub> + <i>g</i> = {html_number(m.momentum)} · "
            f"{html_number(m.velocity_before, parens=True)} + {g} = <b>{html_number(m.velocity)}</b>"
        ]
    if u.adam is not None:
        a = u.adam
        return [
            f"<i>m</i> = β<sub>1</sub> <i>m</i><sub>prev</sub> + (1 − β<sub>1</sub>) <i>g</i> = "
            f"{html_number(a.beta1)} · {html_number(a.m_before, parens=True)} + "
            f"(1 − {html_number(a.beta1)}) · {g} = {html_number(a.m)}",
            f"<i>v</i> = β<sub>2</sub> <i>v</i><sub>prev</sub> + (1 − β<sub>2</sub>) <i>g</i>² = "
            f"{html_number(a.beta2)} · {html_number(a.v_before)} + (1 − {html_number(a.beta2)}) · {g}² = "
            f"{html_number(a.v)}",
            f"<i>m̂</i> = <i>m</i> / (1 − β<sub>1</sub><sup>{a.t}</sup>) = {html_number(a.m_hat)}",
            f"<i>v̂</i> = <i>v</i> / (1 − β<sub>2</sub><sup>{a.t}</sup>) = {html_number(a.v_hat)}",
            f"<i>m̂</i> / (√<i>v̂</i> + ε) = {html_number(a.m_hat, parens=True)} / "
            f"(√{html_number(a.v_hat)} + {html_number(a.eps)}) = <b>{html_number(u.step)}</b>",
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
