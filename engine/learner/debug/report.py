"""What ``gradstep debug`` found, as text (the learner's source annotated line by line) and as
JSON (``gradstep-debug`` version 1)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.core.losses import LOSSES
from engine.core.mistakes import MISTAKES
from engine.learner.debug.discovery import Discovery
from engine.learner.debug.matching import LineVerdict, NameVerdict, first_wrong, layers_summary
from engine.learner.debug.quantities import CORRECT
from engine.learner.debug.recording import Trace
from engine.learner.debug.source import LearnerSource
from engine.notebook import text_html, text_markdown

FORMAT = "gradstep-debug"
VERSION = 1
_MARKS = {"matches": "ok", "matches-mistake": "MISTAKE", "wrong": "WRONG", "helper": "."}
_KINDS = {
    "z": "z, the weighted input",
    "a": "a, the activation",
    "loss": "the loss",
    "dl_da": "dℓ/da",
    "da_dz": "da/dz = f'(z)",
    "delta": "δ = dℓ/dz",
    "dW": "dL/dW",
    "db": "dL/db",
    "step_W": "the update step of W",
    "step_b": "the update step of b",
    "W": "the new W",
    "b": "the new b",
    "X": "the inputs X",
    "Y": "the targets Y",
    "W_before": "W before the update",
    "b_before": "b before the update",
}
_WORDS = {
    "rows": "samples as rows",
    "columns": "samples as columns",
    "in_out": "weights as (in, out)",
    "out_in": "weights as (out, in)",
    "vector": "a vector (units,)",
    "row": "a row (1, units)",
    "column": "a column (units, 1)",
    "none": "no bias",
}
_LOSS_WORDS = {
    "half_sse": "½Σ(a−y)²",
    "mse": "the mean squared error",
    "sse": "Σ(a−y)²",
    "bce": "the mean binary cross-entropy",
    "bce_sum": "the summed binary cross-entropy",
    "cross_entropy": "the mean cross-entropy",
    "cross_entropy_sum": "the summed cross-entropy",
}


@dataclass(frozen=True)
class DebugReport:
    """The verdict on every traced line, the first wrong one, its diagnosis, and the session
    Gradstep inferred."""

    source: LearnerSource
    discovery: Discovery
    lines: tuple[LineVerdict, ...]
    first_wrong: LineVerdict | None
    diagnosis: dict[str, Any] | None
    notes: tuple[str, ...]
    training_loop: int | None
    iterations: int
    executed: frozenset[int]  # lines run in the first iteration
    printed: str
    # the traced values themselves, for the window's yours-beside-correct (not in the JSON)
    trace: Trace | None = field(default=None, repr=False, compare=False)

    @property
    def agrees(self) -> bool:
        return self.first_wrong is None

    @property
    def exit_code(self) -> int:
        return 0 if self.agrees else 1

    def to_json(self) -> dict[str, Any]:
        """The report as a ``gradstep-debug`` object."""
        first = self.first_wrong
        return {
            "format": FORMAT,
            "version": VERSION,
            "verdict": "agree" if self.agrees else "disagree",
            "first_wrong_line": None if first is None else first.line,
            "file": str(self.source.path),
            "training_loop_line": self.training_loop,
            "iterations": self.iterations,
            "inferred": self.discovery.session,
            "orientation": _orientation(self.discovery),
            "lines": [_line_json(v) for v in self.lines],
            "diagnosis": self.diagnosis,
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        """Jupyter's display: what ``gradstep debug`` prints, typeset."""
        return text_html(f"gradstep debug {self.source.path}", self.to_text())

    def _repr_markdown_(self) -> str:
        return text_markdown(f"gradstep debug {self.source.path}", self.to_text())

    def to_text(self) -> str:
        """The learner's source, each line of the first iteration marked, then the diagnosis
        and the inferred session."""
        out = [
            f"{self.source.path}: {self.iterations} iteration{'s' if self.iterations != 1 else ''} of "
            f"the training loop ({self._loop_words()}) traced; iteration 0 shown",
            "(ok: matches the correct quantity; MISTAKE: as a catalogue mistake computes it; "
            "WRONG; .: a helper value; -: ran, bound no number)",
        ]
        first_of = {v.line: v for v in reversed([v for v in self.lines if v.iteration == 0])}
        wrong_line = None if self.first_wrong is None else self.first_wrong.line
        for number, text in enumerate(self.source.lines, start=1):
            verdict = first_of.get(number)
            if wrong_line == number and self.first_wrong is not None and self.first_wrong.iteration > 0:
                verdict = self.first_wrong
            arrow = ">>" if number == wrong_line else "  "
            ran = "-" if number in self.executed else ""
            mark = ran if verdict is None else _MARKS[verdict.status]
            out.append(f"{arrow}{number:5d} {mark:<8}{text}")
            if verdict is not None:
                for name in verdict.names:
                    if name.status != "helper":
                        out.append(f"{'':16}# {_name_text(name)}")
        out.append("")
        if self.diagnosis is None:
            plural = "" if self.iterations == 1 else "s"
            count = f"{self.iterations} iteration{plural}"
            out.append(f"verdict: every line agrees with the correct computation ({count})")
        else:
            out.append(f"verdict: DISAGREES; the first wrong line is {self.diagnosis['where']}")
            out.append(f"  {self.diagnosis['reason']}")
            if self.diagnosis.get("evidence"):
                out.append(f"  {self.diagnosis['evidence']}")
            for read in self.diagnosis.get("reads", []):
                out.append(f"  it reads {read}")
            if self.diagnosis.get("layers_text"):
                out.append(f"  per layer: {self.diagnosis['layers_text']}")
        out.append("")
        out.extend(self._session_text())
        out.extend(f"note: {note}" for note in self.notes)
        if self.printed.strip():
            out.append("your program printed (first lines):")
            out.extend(f"  | {line}" for line in self.printed.strip().splitlines()[:5])
        return "\n".join(out)

    def _loop_words(self) -> str:
        if self.training_loop is None:
            return "train_step called by Gradstep"
        return f"the loop on {self.source.where(self.training_loop)}"

    def _session_text(self) -> list[str]:
        d = self.discovery
        s = d.structure
        sizes = "-".join(str(n) for n in d.config.sizes)
        acts = ", ".join(r.activation for r in s.layers)
        out = [f"inferred session (--json gives it whole): network {sizes}, activations {acts}"]
        for k, role in enumerate(s.layers):
            bias = "no bias" if role.bias_name is None else f"{role.bias_name} as {_WORDS[role.bias_shape]}"
            out.append(f"  layer {k}: weights {role.weights_name}, bias {bias}")
        out.append(f"  data: X = {s.x_name}, Y = {s.y_name}; {_WORDS[s.samples]}, {_WORDS[s.weights]}")
        out.append(f"  loss: {d.loss} ({LOSSES[d.loss].formula})")
        out.append(f"  learning rate: {d.learning_rate:.10g} ({d.rate_source})")
        start = (
            "the session's" if self.training_loop is None else "your parameters when the training loop began"
        )
        out.append(f"  starting parameters: {start}")
        return out


def _orientation(d: Discovery) -> dict[str, Any]:
    s = d.structure
    return {"samples": s.samples, "weights": s.weights, "biases": [r.bias_shape for r in s.layers]}


def _name_text(name: NameVerdict) -> str:
    what = _quantity_words(name.quantity)
    factor = "" if name.factor in (None, "1") else f" x {name.factor}"
    if name.status == "matches":
        return f"{name.name} = {what}{factor}"
    if name.status == "matches-mistake":
        text = f"{name.name} = {what}{factor} as '{_mistake_title(name.mistakes)}' computes it"
    else:
        text = f"{name.name} should be {what}"
    if name.difference is not None:
        index, yours, correct = name.difference
        where = "" if not index else "[" + ",".join(str(i) for i in index) + "]"
        text += f": {name.name}{where} is {yours:.10g}, correct {correct:.10g}"
    if name.note and not name.note.startswith("loss:"):
        text += f" ({name.note})"
    return text


def _quantity_words(label: str | None) -> str:
    if label is None:
        return "?"
    match = re.fullmatch(r"(\w+?)(?:\[(\d+)\])?", label)
    if match is None:
        return label
    kind, layer = match.groups()
    words = _KINDS.get(kind, kind)
    return words if layer is None else f"{words} of layer {layer}"


def _mistake_title(mistakes: tuple[str, ...] | None) -> str:
    if not mistakes:
        return "?"
    if mistakes[0].startswith("loss:"):
        return f"the gradient of {_LOSS_WORDS[mistakes[0][5:]]}"
    made = [(k, m) for k, m in enumerate(mistakes) if m != CORRECT]
    title = MISTAKES[made[0][1]].title
    if len(made) < len(mistakes):
        return f"{title} in layer {made[0][0]} only"
    return title


def _line_json(v: LineVerdict) -> dict[str, Any]:
    judged = v.judged
    return {
        "line": v.line,
        "iteration": v.iteration,
        "names": {
            n.name: {
                "status": n.status,
                "quantity": n.quantity,
                "factor": n.factor,
                "max_relative_difference": _finite(n.max_relative_difference),
                "mistake": None if n.mistakes is None else [m or None for m in n.mistakes],
                "difference": None
                if n.difference is None
                else {"index": list(n.difference[0]), "yours": n.difference[1], "correct": n.difference[2]},
            }
            for n in v.names
        },
        "status": v.status,
        "quantity": judged.quantity,
        "factor": judged.factor,
        "max_relative_difference": _finite(judged.max_relative_difference),
    }


def _finite(value: float | None) -> float | str | None:
    if value is None or value == value and abs(value) != float("inf"):
        return value
    return "Infinity" if value == value else "NaN"


def build_report(
    source: LearnerSource, trace: Trace, discovery: Discovery, verdicts: list[LineVerdict]
) -> DebugReport:
    """Assemble the report: the first wrong line, its diagnosis in the catalogue's words."""
    from engine.learner.debug.diagnosis import diagnose

    first = first_wrong(verdicts)
    diagnosis = None
    if first is not None:
        summary = layers_summary(verdicts, len(discovery.structure.layers))
        diagnosis = diagnose(source, discovery, verdicts, first, summary)
    executed = frozenset(e.line for e in trace.iteration_events(0) if e.line is not None)
    notes = (*source.notes, *discovery.notes)
    if trace.summarised:
        names = ", ".join(sorted({key.split(":")[-1].split(".")[-1] for key in trace.summarised})[:5])
        notes += (
            f"memory bound reached: large arrays ({names}) were summarised, not copied whole, and not "
            "compared (the bound: 200 MB of copies, and 32 MB for any one array)",
        )
    if trace.status == "error" and trace.error:
        where = "" if trace.error_line is None else f" at {source.where(trace.error_line)}"
        notes += (f"your program raised {trace.error}{where} after {trace.iterations} iterations",)
    return DebugReport(
        source,
        discovery,
        tuple(verdicts),
        first,
        diagnosis,
        notes,
        trace.training_loop,
        trace.iterations,
        executed,
        trace.printed,
        trace,
    )
