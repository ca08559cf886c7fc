"""What ``gradstep check`` found, as text for a terminal and as JSON for other tools."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.learner.compare import IterationVerdict, worst_indices
from engine.learner.diagnosis import Diagnosis, GradientComparison
from engine.learner.orientation import describe
from engine.learner.process import OUTPUT_LIMIT

PRINTED_LINES = 5  # of the learner's output, in the text report


@dataclass(frozen=True)
class CheckReport:
    """What ``gradstep check`` found."""

    orientation: tuple[str, str, str]
    iterations: tuple[IterationVerdict, ...]
    diagnosis: Diagnosis | None
    used_gradients: bool
    learner_output: str  # what the learner's code printed, its middle cut past OUTPUT_LIMIT bytes
    gradients: GradientComparison | None = None  # None when everything agrees
    # why this orientation, when the shapes allowed several that give different numbers
    orientation_note: str | None = None
    # the first non-finite number in the learner's output, e.g. "your code produced NaN in W[0] ..."
    non_finite: str | None = None
    # what of the session the check does not use (its mini-batches, its teaching-mode mistake)
    notes: tuple[str, ...] = ()
    output_truncated: bool = False  # the learner printed more than OUTPUT_LIMIT bytes

    @property
    def agrees(self) -> bool:
        return all(v.agrees for v in self.iterations)

    @property
    def orientation_text(self) -> str:
        return describe(self.orientation)

    def to_text(self) -> str:
        """The human-readable report."""
        lines = [f"note: {note}" for note in self.notes]
        lines.append(f"orientation detected from the shapes: {self.orientation_text}")
        if self.orientation_note is not None:
            lines.append(f"  ({self.orientation_note})")
        lines.append(
            "(parameters are shown in Gradstep's orientation: W[k][j, i] from input i to unit j of layer k)"
        )
        if self.used_gradients:
            lines.append("comparing the gradients your gradients() returns, then your updates")
        for verdict in self.iterations:
            lines.extend(_verdict_lines(verdict))
        lines.extend(self._conclusion_lines())
        lines.extend(self._output_lines())
        return "\n".join(lines)

    def _conclusion_lines(self) -> list[str]:
        if self.diagnosis is None:
            if not self.agrees:
                return []
            return [f"your code agrees with the correct computation for {len(self.iterations)} iterations"]
        lines = []
        if self.diagnosis.matches:
            first, *others = self.diagnosis.matches
            lines.append(f"likely cause: {first.title}")
            lines.append(f"  {first.explanation}")
            lines.extend(f"  also consistent with: {o.title} ({o.explanation})" for o in others)
        elif self.non_finite is not None:
            lines.append(f"likely cause: {self.non_finite}")
        else:
            lines.append("likely cause: none of the catalogue's mistakes reproduces your step")
        lines.extend(f"  {e}" for e in self.diagnosis.evidence if e != self.non_finite)
        return lines

    def _output_lines(self) -> list[str]:
        if not self.learner_output.strip():
            return []
        lines = ["your code printed (first lines):"]
        lines.extend(f"  | {line}" for line in self.learner_output.strip().splitlines()[:PRINTED_LINES])
        if self.output_truncated:
            lines.append(
                f"  (it printed more than {OUTPUT_LIMIT // 1024} KB: only the first and last were kept)"
            )
        return lines

    def to_json(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "agrees": self.agrees,
            "orientation": list(self.orientation),
            "orientation_note": self.orientation_note,
            "non_finite": self.non_finite,
            "notes": list(self.notes),
            "output_truncated": self.output_truncated,
            "iterations": [_verdict_json(v) for v in self.iterations],
            "diagnosis": None
            if self.diagnosis is None
            else {
                "mistakes": [m.name for m in self.diagnosis.matches],
                "layers": [None if layers is None else list(layers) for layers in self.diagnosis.layers],
                "evidence": list(self.diagnosis.evidence),
            },
        }


def _verdict_lines(verdict: IterationVerdict) -> list[str]:
    if verdict.agrees:
        worst = max(p.max_relative_difference for p in verdict.parameters)
        names = ", ".join(p.name for p in verdict.parameters)
        return [
            f"iteration {verdict.iteration}: all agree ({names}; largest relative difference {worst:.1e})"
        ]
    lines = [f"iteration {verdict.iteration}: DISAGREES"]
    for p in verdict.parameters:
        mark = "agrees" if p.agrees else "DIFFERS"
        lines.append(f"  {p.name}: {mark} (largest relative difference {p.max_relative_difference:.1e})")
        if p.agrees:
            continue
        for index in worst_indices(p.yours, p.correct, 4):
            where = ",".join(str(i) for i in index)
            yours, correct = float(p.yours[index]), float(p.correct[index])
            lines.append(f"    [{where}] yours {yours!r:<24} correct {correct!r}")
    return lines


def _verdict_json(verdict: IterationVerdict) -> dict[str, Any]:
    return {
        "iteration": verdict.iteration,
        "agrees": verdict.agrees,
        "parameters": [
            {
                "name": p.name,
                "agrees": p.agrees,
                "max_relative_difference": p.max_relative_difference,
                "yours": p.yours.tolist(),
                "correct": p.correct.tolist(),
            }
            for p in verdict.parameters
        ],
    }
