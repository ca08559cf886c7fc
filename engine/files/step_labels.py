"""The names of a walkthrough's steps for step lists and headings: the stages a move runs or
returns to ("Forward 0", "Loss", "Back to Forward 1"), worked out from the steps alone, without
replaying them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.stages import Stage, iteration_stages

if TYPE_CHECKING:
    from engine.files.walkthrough import Step, Walkthrough


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _moved_to(step: Step, position: int, per_iteration: int) -> int:
    """The stage position (from the walkthrough's first) ``step`` leads to from ``position``."""
    if step.action == "step":
        return position + step.count
    if step.action == "back":
        return max(0, position - step.count)
    if step.action == "iterations":  # a started iteration counts as one
        return (-(-position // per_iteration) + step.count - (position % per_iteration != 0)) * per_iteration
    return position


def _moves_label(step: Step, before: int, after: int, stages: tuple[Stage, ...]) -> str:
    """ "Forward 0", "Forward 1 → Loss", "Back to Forward 0": the stages a move ran or returns to."""
    n = len(stages)
    if step.action == "step":
        first, last = stages[before % n].label, stages[(after - 1) % n].label
        return first if step.count == 1 else f"{first} → {last} ({_plural(step.count, 'stage')})"
    if after % n == 0:
        return f"Back to the start of iteration {after // n}"
    return f"Back to {stages[after % n - 1].label}"


def step_labels(walkthrough: Walkthrough) -> tuple[str, ...]:
    """Each step's label for step lists and headings, naming the stages a move ran or returns to
    ("Forward 0", "Loss", "Backward 1 → Update (3 stages)"); other steps say what they do.

    Iterations in the labels count from the walkthrough's session's first (0 unless it was saved
    from a later state).
    """
    stages = iteration_stages(len(walkthrough.session.layers))
    state = walkthrough.session.state
    offset = 0 if state is None else state.iteration * len(stages)
    labels: list[str] = []
    position = 0
    for step in walkthrough.steps:
        after = _moved_to(step, position, len(stages))
        if step.action in ("step", "back") and after != position:
            labels.append(_moves_label(step, position + offset, after + offset, stages))
        else:
            labels.append(step.label)
        position = after
    return tuple(labels)
