"""Walkthroughs: the file format, replay with expect values, and the Markdown export."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import Session
from engine.cli import main as cli_main
from engine.explain.chain import ParameterRef
from engine.explain.worked import MAX_SAMPLES_SHOWN, num, plain, walkthrough_markdown, worked_iteration
from engine.files.examples import resolve, resolve_any, walkthrough_names
from engine.files.step_labels import step_labels
from engine.files.walkthrough import Player, Walkthrough, load_walkthrough, parse_walkthrough

ROOT = Path(__file__).resolve().parents[2]
TOURS = ROOT / "resources" / "walkthroughs"


def test_every_builtin_walkthrough_is_listed_and_replays_with_its_expect_values_met() -> None:
    names = walkthrough_names()
    assert {
        "tour-every-number",
        "tour-tutorial-000",
        "tour-tutorial-001",
        "tour-tutorial-002",
        "tour-tutorial-003",
        "tour-tutorial-004",
    } <= set(names)
    for name in names:
        walkthrough = resolve_any(f"example:{name}")
        assert isinstance(walkthrough, Walkthrough)
        player = Player(walkthrough)
        checked = 0
        for index, step in enumerate(walkthrough.steps):
            assert step.expect, f"{name} step {index} has no expect values"
            results = player.next()
            assert all(r.met for r in results), (name, index, [r for r in results if not r.met])
            checked += len(results)
        assert checked >= 2 * len(walkthrough.steps)


def test_every_number_tour_reproduces_the_published_example() -> None:
    """The classic 2-2-2 example publishes E = 0.298371109, w5+ = 0.35891648, w1+ = 0.149780716."""
    walkthrough = load_walkthrough(TOURS / "tour-every-number.json")
    session = Session(walkthrough.session)
    session.finish_iteration()
    record = session.iteration_record(0)
    assert record.loss is not None
    assert round(record.loss.loss, 9) == 0.298371109
    assert round(float(session.params[1].weights[0, 0]), 8) == 0.35891648
    assert round(float(session.params[0].weights[0, 0]), 9) == 0.149780716
    assert round(float(record.forward[1].a[0, 0]), 8) == 0.75136507


def _classic_example(iterations: int) -> tuple[list[float], list[float], float]:
    """The classic 2-2-2 example trained by hand (biases updated too, as Gradstep does): the loss
    and dE/dw1 of each iteration, and w1 after the last update."""
    x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    w_h, b_h = np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([0.35, 0.35])
    w_o, b_o = np.array([[0.40, 0.45], [0.50, 0.55]]), np.array([0.60, 0.60])
    losses, w1_gradients = [], []
    for _ in range(iterations):
        h = 1 / (1 + np.exp(-(w_h @ x + b_h)))
        o = 1 / (1 + np.exp(-(w_o @ h + b_o)))
        losses.append(0.5 * float(np.sum((t - o) ** 2)))
        delta_o = (o - t) * o * (1 - o)
        delta_h = (w_o.T @ delta_o) * h * (1 - h)
        w1_gradients.append(delta_h[0] * x[0])
        w_o, b_o = w_o - 0.5 * np.outer(delta_o, h), b_o - 0.5 * delta_o
        w_h, b_h = w_h - 0.5 * np.outer(delta_h, x), b_h - 0.5 * delta_h
    return losses, w1_gradients, float(w_h[0, 0])


def test_every_number_tour_expects_the_published_and_hand_computed_numbers() -> None:
    """The tour's recorded expect values: at iteration 0 the published E = 0.298371109,
    dE/dw5 = 0.082167041, dE/dw1 = 0.000438568 and w1+ = 0.149780716 at their precision; after
    10,000 iterations what the hand-written loop above computes."""
    steps = load_walkthrough(TOURS / "tour-every-number.json").steps
    published = {"loss": 0.298371109, "w5": 0.082167041, "w1": 0.000438568}
    losses, w1_gradients, w1_after = _classic_example(10000)
    checked = 0
    for step in steps:
        e = step.expect
        if e.get("iteration") == 0 and "loss" in e:
            assert round(e["loss"], 9) == published["loss"]
            if "gradient" in e:
                assert round(e["gradient"], 9) == published["w5" if e["value"] == 0.4 else "w1"]
            checked += 1
        elif e.get("iteration") == 1:
            # stage 0 shows the iteration just finished, as the chain rule panel does: w1 before
            # its update (0.15) and its gradient; the update line then gives w1+ = 0.149780716
            assert e["value"] == 0.15
            assert round(e["gradient"], 9) == published["w1"]
            assert round(e["value"] - 0.5 * e["gradient"], 9) == 0.149780716
            checked += 1
        elif e.get("iteration") == 10000:
            assert e["loss"] == pytest.approx(losses[-1], rel=1e-8)  # the loss of iteration 9999
            assert e["gradient"] == pytest.approx(w1_gradients[-1], rel=1e-8)
            # the value the panel's header shows: w1 before iteration 9999's update
            assert e["value"] - 0.5 * e["gradient"] == pytest.approx(w1_after, rel=1e-12)
            checked += 1
    assert checked >= 8


def test_expect_mismatch_is_reported(tmp_path: Path) -> None:
    data = json.loads((TOURS / "tour-every-number.json").read_text())
    loss_step = next(i for i, s in enumerate(data["steps"]) if "loss" in s.get("expect", {}))
    data["steps"][loss_step]["expect"]["loss"] = 0.3
    walkthrough = parse_walkthrough(data)
    player = Player(walkthrough)
    results = player.goto(loss_step)
    bad = [r for r in results if not r.met]
    assert [r.key for r in bad] == ["loss"]
    assert bad[0].actual is not None
    assert abs(bad[0].actual - 0.298371109) < 1e-9


def _state(session: Session) -> list[np.ndarray]:
    snap = session.snapshot()
    arrays = [p.weights for p in snap.params] + [p.bias for p in snap.params]
    arrays += [f.a for f in snap.record.forward] + [b.dW for b in snap.record.backward]
    return [np.asarray(snap.iteration), np.asarray(snap.stage), *arrays]


def test_player_back_and_forth_gives_identical_states() -> None:
    walkthrough = resolve_any("example:tour-tutorial-004")
    assert isinstance(walkthrough, Walkthrough)
    player = Player(walkthrough)
    seen = []
    for _ in walkthrough.steps:
        player.next()
        seen.append((_state(player.session), player.view))
    for index in [3, 0, 5, -1, 6, 2, 6]:
        player.goto(index)
        if index >= 0:
            fresh = Player(walkthrough)
            fresh.goto(index)
            for a, b in zip(_state(player.session), _state(fresh.session), strict=True):
                assert np.array_equal(a, b)
            for a, b in zip(_state(player.session), seen[index][0], strict=True):
                assert np.array_equal(a, b)
            assert player.view == seen[index][1]


def test_set_step_then_going_back_restores_the_unedited_state() -> None:
    data = json.loads((TOURS / "tour-every-number.json").read_text())
    data["steps"] = [
        {"action": "step", "count": 2},
        {"action": "set", "weight": "1:0:0", "value": 3.0},
        {"action": "step", "count": 2},
    ]
    player = Player(parse_walkthrough(data))
    player.goto(2)
    assert player.session.params[1].weights[0, 0] == 3.0
    player.goto(0)
    assert player.session.params[1].weights[0, 0] == 0.4
    assert player.session.stage == 2


def _tour() -> dict[str, Any]:
    return json.loads((TOURS / "tour-every-number.json").read_text())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="gradstep-walkthru"), "format: expected 'gradstep-walkthrough'"),
        (lambda d: d.update(version=7), "version: unknown walkthrough version 7"),
        (lambda d: d.update(steps={}), "steps: expected a list"),
        (
            lambda d: d["steps"].append({"action": "jump"}),
            r"steps\[\d+\]\.action \(step \d+\): unknown action 'jump'",
        ),
        (lambda d: d["steps"].append({"action": "step", "count": 0}), r"steps\[\d+\]\.count"),
        (lambda d: d["steps"].append({"action": "step", "count": "2"}), r"steps\[\d+\]\.count"),
        (
            lambda d: d["steps"].append({"action": "select", "weight": "9:0:0"}),
            r"steps\[\d+\]\.weight \(step \d+\): .*layer 9",
        ),
        (
            lambda d: d["steps"].append({"action": "select", "weight": "0:0"}),
            r"steps\[\d+\]\.weight \(step \d+\): .*expected L:J:I",
        ),
        (
            lambda d: d["steps"].append({"action": "select", "weight": "0:0:0", "bias": "0:0"}),
            r"steps\[\d+\] \(step \d+\): give exactly one of 'weight'",
        ),
        (
            lambda d: d["steps"].append({"action": "set", "value": 1.0}),
            r"steps\[\d+\] \(step \d+\): give exactly one",
        ),
        (
            lambda d: d["steps"].append({"action": "set", "bias": "0:0"}),
            r"steps\[\d+\]\.value \(step \d+\): expected a finite",
        ),
        (lambda d: d["steps"].append({"action": "view", "color_by": "rainbow"}), r"steps\[\d+\]\.color_by"),
        (
            lambda d: d["steps"].append({"action": "note", "count": 3}),
            r"steps\[\d+\]\.count \(step \d+\): not a field",
        ),
        (
            lambda d: d["steps"].append({"action": "note", "expect": {"speed": 1}}),
            r"expect\.speed \(step \d+\): unknown",
        ),
        (
            lambda d: d["steps"].append({"action": "note", "caption": 5}),
            r"steps\[\d+\]\.caption \(step \d+\): expected text",
        ),
        (lambda d: d["session"]["network"]["layers"][0].update(units=0), r"network\.layers\[0\]\.units"),
        (
            lambda d: d["steps"][3].setdefault("expect", {}).update(loss=float("nan")),
            r"steps\[3\]\.expect\.loss: NaN is not a number JSON allows",
        ),
    ],
)
def test_bad_walkthrough_files_are_refused_naming_step_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any, message: str
) -> None:
    data = copy.deepcopy(_tour())
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    assert cli_main(["export", str(path), "--out", str(tmp_path / "out.md")]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert "Traceback" not in err
    assert not (tmp_path / "out.md").exists()


def _tutorial_004_first_step() -> dict[str, Any]:
    """Tutorial 004's first iteration written out by hand, from its seed-42 weights (W as (in, out)
    as the tutorial has them): every number its worked example must show, keyed by label."""
    np.random.seed(42)  # noqa: NPY002 - the tutorial's own initialisation
    w_ih = np.random.rand(2, 2)  # noqa: NPY002
    w_ho = np.random.rand(2, 1)  # noqa: NPY002
    x, y, lr = np.array([0.5, 0.6]), 0.8, 0.1
    z_h = x @ w_ih  # zero biases
    a_h = 1 / (1 + np.exp(-z_h))
    z_o = float(a_h @ w_ho[:, 0])
    a_o = 1 / (1 + np.exp(-z_o))
    delta_o = (a_o - y) * a_o * (1 - a_o)  # E = 1/2 (a - y)^2
    delta_h = delta_o * w_ho[:, 0] * a_h * (1 - a_h)  # through the weights the forward pass used
    old = {f"W[0][{j},{i}]": w_ih[i, j] for j in range(2) for i in range(2)}
    grad = {f"W[0][{j},{i}]": delta_h[j] * x[i] for j in range(2) for i in range(2)}
    old |= {"b[0][0]": 0.0, "b[0][1]": 0.0, "W[1][0,0]": w_ho[0, 0], "W[1][0,1]": w_ho[1, 0], "b[1][0]": 0.0}
    grad |= {"b[0][0]": delta_h[0], "b[0][1]": delta_h[1]}
    grad |= {"W[1][0,0]": delta_o * a_h[0], "W[1][0,1]": delta_o * a_h[1], "b[1][0]": delta_o}
    return {
        "z": [*z_h, z_o],
        "a": [*a_h, a_o],
        "loss": 0.5 * (a_o - y) ** 2,
        "old": old,
        "gradient": grad,
        "new": {label: old[label] - lr * g for label, g in grad.items()},
    }


def test_session_markdown_export_numbers_equal_a_hand_written_step(tmp_path: Path) -> None:
    """`gradstep export SESSION --out worked.md`: each pre-activation, activation, the loss, each
    gradient and its finite difference, and each row of the update table, read back out of the
    Markdown, are those of tutorial 004's first step computed by hand above."""
    out = tmp_path / "worked.md"
    assert cli_main(["export", "example:tutorial-004", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    hand = _tutorial_004_first_step()

    def close(shown: str, expected: float) -> bool:
        return float(shown) == pytest.approx(expected, rel=1e-9, abs=1e-300)  # 10 digits shown

    last = r"= \(?(-?[\d.e+-]+)\)? \\\\$"
    zs = re.findall(r"^z\^\{\(\d\)\}_\{\d\} &= .*" + last, text, flags=re.M)
    activations = re.findall(r"^a\^\{\(\d\)\}_\{\d\} &= \\sigma.*" + last, text, flags=re.M)
    assert len(zs) == len(activations) == 3
    assert all(close(s, e) for s, e in zip(zs, hand["z"], strict=True)), zs
    assert all(close(s, e) for s, e in zip(activations, hand["a"], strict=True)), activations
    (loss,) = re.findall(r"^E = .* = (\S+)$", text, flags=re.M)
    assert close(loss, hand["loss"])
    explained = re.findall(
        r"^\*\*(\S+)\*\* \(0-based\): gradient (\S+), finite difference (\S+)$", text, flags=re.M
    )
    assert {label for label, _, _ in explained} == set(hand["gradient"])
    for label, gradient, difference in explained:
        assert close(gradient, hand["gradient"][label]), label
        assert float(difference) == pytest.approx(hand["gradient"][label], rel=1e-6), label
    table = re.findall(r"^\| ([Wb]\S+) \| (\S+) \| (\S+) \| (\S+) \| (\S+) \|$", text, flags=re.M)
    assert {row[0] for row in table} == set(hand["old"])
    for label, old, new, change, g in table:
        assert close(old, hand["old"][label]), label
        assert close(new, hand["new"][label]), label
        assert float(change) == pytest.approx(hand["new"][label] - hand["old"][label], rel=1e-6), label
        assert close(g, hand["gradient"][label]), label


def test_walkthrough_markdown_has_every_step_and_caption(tmp_path: Path) -> None:
    out = tmp_path / "tour.md"
    assert cli_main(["export", "example:tour-every-number", "--out", str(out)]) == 0
    text = out.read_text()
    walkthrough = load_walkthrough(TOURS / "tour-every-number.json")
    labels = step_labels(walkthrough)
    for index, step in enumerate(walkthrough.steps):
        assert f"## Step {index + 1}: {labels[index]}" in text
        assert step.caption.strip() in text
    # the computed numbers (not the captions' words) at the published example's precision:
    # E_total = 0.298371109, w5 -> 0.35891648, w1 -> 0.149780716
    losses = re.findall(r"^E = .* = (\S+)$", text, flags=re.M)
    assert losses
    assert all(round(float(loss), 9) == 0.298371109 for loss in losses), losses
    (w5,) = set(re.findall(r"^\| W\[1\]\[0,0\] \| 0\.4 \| (\S+) \|", text, flags=re.M))
    (w1,) = set(re.findall(r"^\| W\[0\]\[0,0\] \| 0\.15 \| (\S+) \|", text, flags=re.M))
    assert (round(float(w5), 8), round(float(w1), 9)) == (0.35891648, 0.149780716)
    assert "Differs" not in text


def test_frames_from_a_session_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["export", "example:xor", "--out", str(tmp_path / "frames")]) == 2
    assert "exports only as Markdown" in capsys.readouterr().err
    assert (
        cli_main(["export", "example:tour-every-number", "--out", str(tmp_path / "x.md"), "--size", "ab"])
        == 2
    )
    assert "--size" in capsys.readouterr().err


def _markdown(steps: list[dict[str, Any]], **session: Any) -> tuple[str, Walkthrough]:
    data = _tour()
    data["session"].update(session)
    data["steps"] = steps
    walkthrough = parse_walkthrough(data)
    return walkthrough_markdown(walkthrough), walkthrough


def _step_text(text: str, number: int) -> str:
    """The Markdown of step ``number`` (1-based, as the document numbers them)."""
    return text.split(f"## Step {number}:")[1].split("\n## Step ")[0]


def test_a_step_of_several_stages_shows_every_stage_it_ran() -> None:
    text, walkthrough = _markdown([{"action": "step", "count": 3}, {"action": "step", "count": 4}])
    session = Session(walkthrough.session)
    record = session.iteration_record(0)
    assert record.loss is not None
    first = _step_text(text, 1)
    assert first.index("### Forward, layer 0") < first.index("### Forward, layer 1") < first.index("## Loss")
    for layer in range(2):
        for _, value in np.ndenumerate(record.forward[layer].a):
            assert plain(float(value)) in first
    assert f"= {plain(record.loss.loss)}\n$$" in first
    second = _step_text(text, 2)  # backward 1, backward 0, the update, forward 0 of iteration 1
    assert "### Backward, layer 1: gradients" in second
    assert "### Backward, layer 0: gradients" in second
    assert "## Update (sgd" in second
    after = session.iteration_record(1)
    assert "### Forward, layer 0" in second
    assert plain(float(after.forward[0].z[0, 0])) in second
    for _, value in np.ndenumerate(record.backward_of(0).dW):
        assert plain(float(value)) in second


def test_after_a_set_step_the_chain_rule_shows_the_edited_state() -> None:
    text, _ = _markdown(
        [
            {"action": "select", "weight": "1:0:0"},
            {"action": "step", "count": 6},
            {"action": "set", "weight": "1:0:0", "value": 3.0},
        ]
    )
    finished = _step_text(text, 2)
    assert r"w^{(1)}_{0,0} &\leftarrow" in finished  # the finished iteration's update shows
    edited = _step_text(text, 3)
    assert "W[1][0,0] set to 3 by hand" in edited
    assert r"\leftarrow" not in edited  # not iteration 0's update, which led to another value
    assert "at iteration 1; factors of stages not run yet are pending" in edited
    assert r"\text{pending}" in edited


def test_pending_is_mentioned_only_when_something_is_pending() -> None:
    text, _ = _markdown(
        [
            {"action": "select", "weight": "0:0:0"},
            {"action": "step", "count": 5},
            {"action": "step", "count": 1},
            {"action": "back", "count": 2},
        ]
    )
    assert "are pending" in _step_text(text, 1)
    assert "its update is pending" in _step_text(text, 2)
    complete = _step_text(text, 3)
    assert "Chain rule for **W[0][0,0]** at iteration 0:" in complete
    assert "pending" not in complete
    assert "are pending" in _step_text(text, 4)


def test_markdown_indices_are_0_based_like_the_window() -> None:
    text = worked_iteration(Session(load_walkthrough(TOURS / "tour-every-number.json").session))
    assert "1-based" not in text
    assert "$w^{(k)}_{j,i}$ is W[k][j,i]" in text
    assert r"z^{(0)}_{0} &= w^{(0)}_{0,0} x_{0} + w^{(0)}_{0,1} x_{1} + b^{(0)}_{0}" in text
    assert r"z^{(1)}_{1} &= w^{(1)}_{1,0} a^{(0)}_{0} + w^{(1)}_{1,1} a^{(0)}_{1} + b^{(1)}_{1}" in text
    assert r"\frac{\partial \ell_{0}}{\partial w^{(0)}_{0,0}}" in text
    assert "w^{(2)}" not in text
    assert "_{11}" not in text


def test_adam_markdown_writes_adams_update_with_the_engines_numbers(tmp_path: Path) -> None:
    out = tmp_path / "moons.md"
    assert cli_main(["export", "example:moons", "--out", str(out)]) == 0
    text = out.read_text()
    session = Session(resolve("example:moons"))
    record = session.iteration_record(0)
    ex = session.explain(ParameterRef(1, 0, 0), record)
    up = ex.update
    assert up is not None
    assert up.adam is not None
    assert len(ex.samples) > MAX_SAMPLES_SHOWN  # its first samples, the rest counted
    assert ex.to_latex(MAX_SAMPLES_SHOWN) in text
    assert rf"\text{{\dots\ {len(ex.samples) - MAX_SAMPLES_SHOWN} more samples}}" in text
    assert r"\leftarrow w^{(1)}_{0,0} - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}" in text
    assert f"= {num(up.adam.m_hat)}" in text
    assert f"= {num(up.step)} \\\\" in text
    # never the SGD form with Adam's step in place of the gradient
    assert r"- \eta\, g =" not in text
    assert "| parameter | old | new | change | g | m | v |" in text
    assert r"\hat m = \frac{m}{1 - \beta_1^t}" in text


def test_teaching_mode_markdown_says_which_factor_the_mistake_changes() -> None:
    text, _ = _markdown(
        [{"action": "select", "weight": "0:0:0"}, {"action": "step", "count": 6}],
        mistake="missing_activation_derivative",
    )
    assert "**Teaching mode:**" in text
    ex_text = _step_text(text, 2)
    assert (
        r"*Teaching mode:* $\partial a / \partial z$ is 1 (teaching mode: activation derivative missing)."
        in ex_text
    )
    assert "sigmoid's derivative" not in text
    halved, _ = _markdown(
        [{"action": "select", "bias": "1:0"}, {"action": "step", "count": 6}], mistake="half_gradient"
    )
    assert "*Teaching mode: gradient halved, ½ × the reduction.*" in _step_text(halved, 2)


def test_an_unknown_example_lists_the_walkthroughs_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["export", "example:tour-nope", "--out", "never.md"]) == 2
    err = capsys.readouterr().err
    assert "no such example" in err
    assert "walkthroughs: tour-every-number" in err
    assert not Path("never.md").exists()


@pytest.mark.parametrize("path", sorted(TOURS.glob("*.json")), ids=lambda p: p.stem)
def test_built_in_captions_write_gradients_as_the_chain_panel_does(path: Path) -> None:
    """The Chain rule panel names the loss L (∂L/∂w); a caption writing ∂E/∂w or dE/dw would
    make the learner map one notation onto the other."""
    walkthrough = load_walkthrough(path)
    texts = [walkthrough.description, *(step.caption for step in walkthrough.steps)]
    for text in texts:
        assert not re.search(r"(∂|\bd)E/|\bE = ", text), text
    assert any("∂L/∂" in text for text in texts)
