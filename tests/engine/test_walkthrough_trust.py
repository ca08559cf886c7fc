"""Walkthroughs a teacher can trust (issue 12): one rule for what a stage has computed, stage
names in labels, one outline, the same warnings in every format, steps counted from 1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine import Session, parse_session
from engine.cli import main as cli_main
from engine.explain.chain import ParameterRef
from engine.explain.worked import walkthrough_markdown
from engine.files.examples import resolve_any, walkthrough_names
from engine.files.step_labels import step_labels
from engine.files.walkthrough import (
    Player,
    Step,
    ViewState,
    Walkthrough,
    observe,
    parse_walkthrough,
)
from tests.helpers import tiny_session_dict

HIDDEN = ParameterRef(0, 1, 0)
OUTPUT = ParameterRef(1, 0, 2)


def _tiny() -> Session:
    return Session(parse_session(tiny_session_dict()))


def _walkthrough(steps: list[Step], **session: object) -> Walkthrough:
    return Walkthrough("test", parse_session(tiny_session_dict(**session)), tuple(steps))


# ---- 5: "pending" only for what the stage has not computed ----


def test_a_hidden_units_sum_is_known_once_the_next_layer_has_its_delta() -> None:
    session = _tiny()
    for _ in range(4):  # Forward 0, Forward 1, Loss, Backward 1
        session.step()
    explanation = session.explain(HIDDEN, session.snapshot().shown_record())
    for sample in explanation.samples:
        assert sample.upstream is not None
        products = [u.product for u in sample.upstream]
        assert all(p is not None for p in products)
        dl_da = sample.factors[0]
        assert dl_da.kind == "dl_da"
        assert dl_da.value == pytest.approx(sum(p for p in products if p is not None), rel=1e-12)
    latex = explanation.to_latex()
    # the Σ w·δ row ends in its value, not "pending"; only da/dz and the rest wait for Backward 0
    for row in latex.splitlines():
        if r"\delta^{(1)}" in row:
            assert not row.rstrip(" \\").endswith(r"\text{pending}"), row
    session.step()  # Backward 0: the unit's own stage computes the same sum
    done = session.explain(HIDDEN, session.snapshot().shown_record())
    for before, after in zip(explanation.samples, done.samples, strict=True):
        assert before.factors[0].value == pytest.approx(after.factors[0].value, rel=1e-12)


# ---- 6: every ticked value is the value on screen ----


def _shown(session: Session, view: ViewState) -> dict[str, float]:
    """What the chain rule panel shows for the selection: its header's value and its gradient."""
    out: dict[str, float] = {}
    ref = view.selection
    if ref is not None:
        explanation = session.explain(ref, session.snapshot().shown_record())
        out["value"] = explanation.value
        if explanation.gradient is not None:
            out["gradient"] = explanation.gradient
    return out


def test_observed_value_and_gradient_are_the_chain_panels_at_every_stage() -> None:
    session = _tiny()
    view = ViewState(OUTPUT)
    stages = len(session.stages)
    for _ in range(2 * stages + 1):  # through two updates: stage 0 shows the finished iteration
        seen = observe(session, view)
        shown = _shown(session, view)
        assert {k: seen[k] for k in ("value", "gradient") if k in seen} == shown, session.snapshot().stage
        session.step()


def test_builtin_tours_tick_only_the_values_the_window_shows() -> None:
    for name in walkthrough_names():
        walkthrough = resolve_any(f"example:{name}")
        assert isinstance(walkthrough, Walkthrough)
        player = Player(walkthrough)
        for index, step in enumerate(walkthrough.steps):
            player.goto(index)
            shown = _shown(player.session, player.view)
            for key in ("value", "gradient"):
                if key in step.expect:
                    assert key in shown, (name, index + 1, key)
                    assert step.expect[key] == pytest.approx(shown[key], rel=1e-9), (name, index + 1, key)


# ---- 7: stage names in labels, no "(no caption)" ----


def test_step_labels_name_the_stages() -> None:
    walkthrough = _walkthrough(
        [
            Step("step"),
            Step("step", count=2),
            Step("step"),
            Step("back", count=2),
            Step("iterations", count=1),
            Step("step", count=6),
            Step("back", count=6),
            Step("note"),
        ]
    )
    assert step_labels(walkthrough) == (
        "Forward 0",
        "Forward 1 → Loss (2 stages)",
        "Backward 1",
        "Back to Forward 1",
        "Run 1 iteration",
        "Forward 0 → Update (6 stages)",
        "Back to the start of iteration 1",
        "Note",
    )
    markdown = walkthrough_markdown(walkthrough)
    assert "## Step 1: Forward 0" in markdown
    assert "## Step 3: Backward 1" in markdown
    assert "Step 1 stage" not in markdown


# ---- 8: one outline ----


def test_markdown_stage_sections_sit_under_their_step() -> None:
    walkthrough = _walkthrough([Step("step", count=3), Step("step", count=3), Step("step"), Step("back")])
    headings = re.findall(r"^(#+) (.*)$", walkthrough_markdown(walkthrough), flags=re.MULTILINE)
    assert headings[0][0] == "#"
    for level, text in headings[1:]:
        if text.startswith("Step "):
            assert level == "##", text
        else:
            assert level == "###", text
    assert any(text.startswith("Loss") for _, text in headings)
    assert any(text.startswith("Update") for _, text in headings)


# ---- 9: the same warnings, in the same words, for every export ----


def test_markdown_export_prints_the_warnings_the_frames_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    walkthrough = _walkthrough([Step("step", expect={"loss": 1.0}), Step("select", parameter=OUTPUT)])
    data = walkthrough.to_json()
    data["steps"][1]["expect"] = {"gradient": 0.5}
    path = tmp_path / "w.json"
    path.write_text(json.dumps(data))
    assert cli_main(["export", str(path), "--out", str(tmp_path / "w.md")]) == 0
    err = capsys.readouterr().err
    assert "warning: step 1: loss: recorded 1, computed nothing" in err
    assert "warning: step 2: gradient: recorded 0.5, computed nothing" in err
    assert "None" not in err
    text = (tmp_path / "w.md").read_text()
    assert "gradient: recorded 0.5, computed nothing" in text


# ---- 11: steps counted from 1 where a person reads them ----


def test_errors_name_the_step_as_the_window_counts_it() -> None:
    data = _walkthrough([Step("step"), Step("note")]).to_json()
    data["steps"].append({"action": "select", "weight": "5:0:0"})
    with pytest.raises(Exception, match=r"steps\[2\]\.weight \(step 3\): ") as info:
        parse_walkthrough(data)
    assert getattr(info.value, "field", None) == "steps[2].weight"
    player = Player(_walkthrough([Step("step")]))
    with pytest.raises(Exception, match=r"step 3 does not exist \(1\.\.1\)"):
        player.goto(2)


def test_every_builtin_tour_has_a_label_per_step() -> None:
    for name in walkthrough_names():
        walkthrough = resolve_any(f"example:{name}")
        assert isinstance(walkthrough, Walkthrough)
        labels = step_labels(walkthrough)
        assert len(labels) == len(walkthrough.steps)
        assert not any(re.fullmatch(r"Step \d+ stages?", label) for label in labels)


def test_builtin_tours_export_to_markdown_without_warnings() -> None:
    for name in walkthrough_names():
        walkthrough = resolve_any(f"example:{name}")
        assert isinstance(walkthrough, Walkthrough)
        warnings: list[str] = []
        walkthrough_markdown(walkthrough, warnings.append)
        assert warnings == [], name
