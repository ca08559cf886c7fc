"""Say why the first wrong line is wrong, in the catalogue's words."""

from __future__ import annotations

import ast
from typing import Any

from engine.core.mistakes import MISTAKES
from engine.learner.debug.discovery import Discovery
from engine.learner.debug.matching import LineVerdict, NameVerdict
from engine.learner.debug.quantities import CORRECT
from engine.learner.debug.report import _LOSS_WORDS, _mistake_title, _name_text, _quantity_words
from engine.learner.debug.source import LearnerSource


def diagnose(
    source: LearnerSource,
    discovery: Discovery,
    verdicts: list[LineVerdict],
    first: LineVerdict,
    summary: list[tuple[int, tuple[str, ...]]],
) -> dict[str, Any]:
    """The diagnosis of ``first``: where, what, yours against correct, the catalogue mistake
    (or the other loss, or the factor) that explains it, and each layer's verdict."""
    name = first.judged
    where = source.where(first.line)
    code = source.lines[first.line - 1].strip()
    mistake = _mistake_of(name)
    reason = _reason(source, discovery, verdicts, first, name, mistake)
    out: dict[str, Any] = {
        "line": first.line,
        "where": where,
        "iteration": first.iteration,
        "code": code,
        "name": name.name,
        "status": name.status,
        "quantity": name.quantity,
        "mistake": mistake,
        "title": None if mistake is None or mistake.startswith("loss:") else MISTAKES[mistake].title,
        "reason": reason,
        "evidence": _name_text(name),
        "reads": _reads(source, verdicts, first),
        "layers": [{"layer": k, "mistakes": list(names)} for k, names in summary],
        "layers_text": _layers_text(summary) if len(summary) > 1 else "",
    }
    if name.difference is not None:
        index, yours, correct = name.difference
        out.update(index=list(index), yours=yours, correct=correct)
    return out


def _mistake_of(name: NameVerdict) -> str | None:
    if name.status == "matches-mistake" and name.mistakes:
        if name.mistakes[0].startswith("loss:"):
            return name.mistakes[0]
        made = [m for m in name.mistakes if m != CORRECT]
        return made[0] if made else None
    if name.note and name.note.startswith("loss:"):
        return name.note
    return None


def _reason(
    source: LearnerSource,
    discovery: Discovery,
    verdicts: list[LineVerdict],
    first: LineVerdict,
    name: NameVerdict,
    mistake: str | None,
) -> str:
    where = source.where(first.line)
    if mistake == "updated_weights_backprop":
        return _stale_weights(source, discovery, verdicts, first, name)
    if mistake is not None and mistake.startswith("loss:"):
        other = mistake[5:]
        if name.status == "wrong" and discovery.loss_given:
            given = _LOSS_WORDS[discovery.loss]
            return f"{where} computes {_LOSS_WORDS[other]}, but the session's loss is {given}"
        if name.status == "wrong":  # a loss line: the step trains one loss, the line computes another
            return (
                f"{where}: your step is exactly the gradient of {_LOSS_WORDS[discovery.loss]}, but "
                f"this line computes {_LOSS_WORDS[other]}"
            )
        return (
            f"{where}: your step is exactly the gradient of {_LOSS_WORDS[other]}, but the session's "
            f"loss is {_LOSS_WORDS[discovery.loss]}"
        )
    what = _quantity_words(name.quantity)
    if mistake is not None:
        entry = MISTAKES[mistake]
        title = _mistake_title(name.mistakes)
        return f"{where}: {name.name} is {what} as '{title}' computes it: {entry.explanation}"
    if name.note:
        return f"{where}: {name.name} should be {what}; {name.note}"
    return f"{where}: {name.name} should be {what}, and no catalogue mistake explains it"


def _stale_weights(
    source: LearnerSource,
    discovery: Discovery,
    verdicts: list[LineVerdict],
    first: LineVerdict,
    name: NameVerdict,
) -> str:
    """'line 53: the hidden layer's update goes through W after line 52 changed it: ...'"""
    where = source.where(first.line)
    layer = name.layer if name.layer is not None else 0
    roles = discovery.structure.layers
    title = MISTAKES["updated_weights_backprop"].title
    if layer + 1 >= len(roles):
        return f"{where}: {title}"
    upper = roles[layer + 1].weights_name
    changed = [
        v.line
        for v in verdicts
        if v.iteration == first.iteration and v.order < first.order and any(n.name == upper for n in v.names)
    ]
    reads_it = upper in source.lines[first.line - 1] or upper.split(".")[-1] in _read_names(
        source, first.line
    )
    via = f"goes through `{upper}`" if reads_it else f"is computed through `{upper}`"
    after = f" after {source.where(changed[-1])} changed it" if changed else " after it was changed"
    layer_words = "the hidden layer's" if len(roles) == 2 else f"layer {layer}'s"
    return f"{where}: {layer_words} update {via}{after}: {title}"


def _read_names(source: LearnerSource, line: int) -> set[str]:
    text = source.lines[line - 1].strip()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def _reads(source: LearnerSource, verdicts: list[LineVerdict], first: LineVerdict) -> list[str]:
    """What the names the wrong line reads were, where they were last bound."""
    read = _read_names(source, first.line)
    out = []
    for name in sorted(read):
        last = None
        for v in verdicts:
            if v.iteration != first.iteration or v.order >= first.order:
                continue
            for n in v.names:
                if n.name.split(".")[-1] == name and n.name not in (first.judged.name,):
                    last = (v, n)
        if last is not None and last[1].status != "helper":
            v, n = last
            out.append(f"{n.name} from {source.where(v.line)}: {_name_text(n)}")
    return out


def _layers_text(summary: list[tuple[int, tuple[str, ...]]]) -> str:
    parts = []
    for k, names in summary:
        if not names:
            parts.append(f"layer {k}: right")
            continue
        words = [_mistake_words(n) for n in names]
        parts.append(f"layer {k}: {', '.join(words)}")
    return "; ".join(parts)


def _mistake_words(name: str) -> str:
    if name in MISTAKES:
        return MISTAKES[name].title
    if name.startswith("loss:"):
        return f"the gradient of {_LOSS_WORDS[name[5:]]}"
    return "wrong (no catalogue mistake explains it)"
