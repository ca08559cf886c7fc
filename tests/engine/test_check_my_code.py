"""`gradstep check`: a learner's train_step against the engine, and the mistake named."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import GradstepError, Session, parse_session
from engine.cli import main as cli_main
from engine.core.mistakes import MISTAKES
from engine.files.examples import resolve
from engine.learner.check import CheckCancelled, check_code
from tests.engine.process_helpers import dead
from tests.learners import LEARNER_TEMPLATE, NAN_IN_W1, train_step_of
from tests.learners import learner_session as _session
from tests.learners import square_session as _square_session
from tests.learners import with_tail as _with_nan

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "resources" / "check"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_correct_template_agrees(tmp_path: Path) -> None:
    code = _write(tmp_path, "mine.py", LEARNER_TEMPLATE.format(mistake=None))
    report = check_code(code, _square_session(), iterations=3)
    assert report.agrees
    assert report.diagnosis is None
    assert report.orientation == ("rows", "out_in", "vector")


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_injected_mistake_is_diagnosed_as_itself(tmp_path: Path, mistake: str) -> None:
    code = _write(tmp_path, "mine.py", LEARNER_TEMPLATE.format(mistake=mistake))
    report = check_code(code, _square_session(), iterations=3)
    assert not report.agrees
    assert report.diagnosis is not None
    names = [m.name for m in report.diagnosis.matches]
    assert names == [mistake], names
    assert report.iterations[-1].iteration == 0  # caught at the first step


def test_teaching_mode_matches_a_learner_who_makes_the_mistake(tmp_path: Path) -> None:
    """The engine run with a mistake injected computes what such code computes."""
    base = _square_session()
    for mistake in MISTAKES:
        code = _write(tmp_path, f"{mistake}.py", LEARNER_TEMPLATE.format(mistake=mistake))
        namespace: dict[str, Any] = {}
        exec(compile(code.read_text(), str(code), "exec"), namespace)  # noqa: S102 - our own template
        session = Session(parse_session({**_session_dict(base), "mistake": mistake}))
        start = [(p.weights.copy(), p.bias.copy()) for p in session.params]
        new_w, new_b = namespace["train_step"](
            [w for w, _ in start], [b for _, b in start], base.x, base.y, 0.5
        )
        session.finish_iteration()
        for k, p in enumerate(session.params):
            np.testing.assert_allclose(p.weights, new_w[k], rtol=1e-12, atol=1e-15, err_msg=mistake)
            np.testing.assert_allclose(p.bias, new_b[k], rtol=1e-12, atol=1e-15, err_msg=mistake)


def _session_dict(config: Any) -> dict[str, Any]:
    from engine.files.session_file import session_json

    return session_json(config)


@pytest.mark.parametrize(
    ("tutorial", "session", "expected"),
    [
        ("tutorial_000.py", str(CHECK / "tutorial_000_mse.json"), ["other_loss_gradient"]),
        ("tutorial_001.py", "example:tutorial-001", None),
        ("tutorial_002.py", "example:tutorial-002", None),
        ("tutorial_003.py", str(CHECK / "tutorial_003_mse.json"), ["other_loss_gradient"]),
        ("tutorial_004.py", "example:tutorial-004", ["updated_weights_backprop"]),
        ("reference.py", "example:tutorial-001", None),
        ("reference.py", "example:tutorial-004", None),
    ],
)
def test_seed_tutorial_files_get_their_verdicts(
    tutorial: str, session: str, expected: list[str] | None
) -> None:
    report = check_code(CHECK / tutorial, resolve(session), iterations=3)
    if expected is None:
        assert report.agrees, report.to_text()
    else:
        assert not report.agrees
        assert report.diagnosis is not None
        assert [m.name for m in report.diagnosis.matches] == expected


def test_tutorial_orientations_are_detected() -> None:
    assert check_code(
        CHECK / "tutorial_000.py", resolve(str(CHECK / "tutorial_000_mse.json")), 1
    ).orientation == (
        "columns",
        "out_in",
        "column",
    )
    assert check_code(CHECK / "tutorial_001.py", resolve("example:tutorial-001"), 1).orientation == (
        "rows",
        "in_out",
        "row",
    )


def test_gradients_function_is_compared_directly(tmp_path: Path) -> None:
    code = _write(
        tmp_path,
        "grads.py",
        LEARNER_TEMPLATE.format(mistake="half_gradient")
        + """

def gradients(weights, biases, X, Y):
    new_w, new_b = train_step(weights, biases, X, Y, 1.0)
    return [w - nw for w, nw in zip(weights, new_w)], [b - nb for b, nb in zip(biases, new_b)]
""",
    )
    report = check_code(code, _square_session(), iterations=2)
    assert report.used_gradients
    assert report.diagnosis is not None
    assert [m.name for m in report.diagnosis.matches] == ["half_gradient"]
    assert any(p.name.startswith("dW") and not p.agrees for p in report.iterations[0].parameters)


def test_printing_code_is_checked_and_its_output_kept(tmp_path: Path) -> None:
    code = _write(
        tmp_path,
        "chatty.py",
        LEARNER_TEMPLATE.format(mistake=None).replace(
            "    acts, zs = [X], []", "    print('hello from step')\n    acts, zs = [X], []"
        ),
    )
    report = check_code(code, _square_session(), iterations=2)
    assert report.agrees
    assert "hello from step" in report.learner_output


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("def train_step(w, b, X, Y, lr):\n    raise RuntimeError('my bug')\n", "my bug"),
        ("def train_step(w, b, X, Y, lr):\n    while True:\n        pass\n", "within 3 s"),
        (
            "import os\ndef train_step(w, b, X, Y, lr):\n    os.abort()\n",
            "crashed the Python interpreter (SIGABRT)",
        ),
        ("def train_step(w, b, X, Y, lr):\n    return [x.T for x in w], b\n", "failed in every orientation"),
        ("def train_step(w, b, X, Y, lr):\n    return None\n", "must return a pair"),
        ("def step(w, b, X, Y, lr):\n    return w, b\n", "defines no function train_step"),
        ("def train_step(w, b, X, Y, lr)\n    return w, b\n", "SyntaxError"),
        ("import sys\nsys.exit(4)\n", "SystemExit"),
    ],
)
def test_broken_learner_code_is_reported_cleanly(tmp_path: Path, body: str, message: str) -> None:
    code = _write(tmp_path, "broken.py", body)
    with pytest.raises(GradstepError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_code(code, _square_session(), iterations=2, timeout=3)


def test_check_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["check", str(CHECK / "tutorial_001.py"), "--session", "example:tutorial-001"]) == 0
    assert "agrees" in capsys.readouterr().out
    assert cli_main(["check", str(CHECK / "tutorial_004.py"), "--session", "example:tutorial-004"]) == 1
    out = capsys.readouterr().out
    assert "likely cause: back-propagating through already-updated weights" in out
    assert cli_main(["check", str(tmp_path / "missing.py"), "--session", "example:xor"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert cli_main(["check", str(CHECK / "reference.py"), "--session", "example:moons"]) == 2
    assert "optimizer is adam" in capsys.readouterr().err


def test_doubled_gradient_is_reported_element_by_element(tmp_path: Path) -> None:
    code = _write(tmp_path, "double.py", LEARNER_TEMPLATE.format(mistake="double_gradient"))
    config = _square_session()
    report = check_code(code, config, iterations=3)
    g = report.gradients
    assert g is not None
    assert g.iteration == 0
    assert g.implied  # no gradients(): (old - new) / learning rate
    start = Session(config).params
    session = Session(config)
    record = session.iteration_record(0)
    for k, (yours, correct, marks, relative, before) in enumerate(
        zip(g.yours, g.correct, g.marks, g.relative, g.params, strict=True)
    ):
        back = record.backward_of(k)
        assert back is not None
        # correct is the engine's own gradient from the session's initial parameters
        np.testing.assert_array_equal(correct.weights, back.dW)
        np.testing.assert_array_equal(correct.bias, back.db)
        np.testing.assert_array_equal(before.weights, start[k].weights)
        np.testing.assert_allclose(yours.weights, 2 * correct.weights, rtol=1e-9)
        np.testing.assert_allclose(yours.bias, 2 * correct.bias, rtol=1e-9)
        np.testing.assert_allclose(relative.weights, 0.5, rtol=1e-9)
        assert marks.weights.shape == correct.weights.shape
        assert marks.bias.shape == correct.bias.shape
        assert marks.weights.all()
        assert marks.bias.all()


def test_marks_cover_only_the_elements_that_differ() -> None:
    """Tutorial 004 back-propagates through updated weights: layer 0 differs, layer 1 does not."""
    report = check_code(CHECK / "tutorial_004.py", resolve("example:tutorial-004"), iterations=2)
    g = report.gradients
    assert g is not None
    marks = g.marks
    assert marks[0].weights.all()
    assert marks[0].bias.all()
    assert not marks[1].weights.any()
    assert not marks[1].bias.any()
    verdicts = {p.name: p.agrees for p in report.iterations[-1].parameters}
    assert verdicts == {"W[0]": False, "b[0]": False, "W[1]": True, "b[1]": True}


def test_returned_gradients_are_compared_and_an_update_mistake_falls_back_to_the_update(
    tmp_path: Path,
) -> None:
    gradients = """

def gradients(weights, biases, X, Y):
    new_w, new_b = train_step(weights, biases, X, Y, 1.0)
    return [w - nw for w, nw in zip(weights, new_w)], [b - nb for b, nb in zip(biases, new_b)]
"""
    half = _write(tmp_path, "half.py", LEARNER_TEMPLATE.format(mistake="half_gradient") + gradients)
    g = check_code(half, _square_session(), iterations=1).gradients
    assert g is not None
    assert not g.implied
    for yours, correct in zip(g.yours, g.correct, strict=True):
        np.testing.assert_allclose(yours.weights, 0.5 * correct.weights, rtol=1e-9)
    # gradients() returns the correct gradient, but the update adds it
    correct_grads = LEARNER_TEMPLATE.format(mistake=None) + gradients
    ascent = correct_grads.replace(
        "        new_w[layer] = weights[layer] - lr * dW\n        new_b[layer] = biases[layer] - lr * db",
        "        new_w[layer] = weights[layer] + lr * dW\n        new_b[layer] = biases[layer] + lr * db",
    )
    assert ascent != correct_grads
    # gradients() reuses train_step, so keep a correct copy for it
    code = _write(
        tmp_path,
        "ascent.py",
        ascent.replace("def gradients(weights, biases, X, Y):", "def _unused(weights, biases, X, Y):")
        + "\n\ndef gradients(weights, biases, X, Y):\n"
        "    new_w, new_b = train_step(weights, biases, X, Y, 1.0)\n"
        "    return [nw - w for w, nw in zip(weights, new_w)], [nb - b for b, nb in zip(biases, new_b)]\n",
    )
    report = check_code(code, _square_session(), iterations=1)
    g = report.gradients
    assert g is not None
    assert g.implied
    for yours, correct, marks in zip(g.yours, g.correct, g.marks, strict=True):
        np.testing.assert_allclose(yours.weights, -correct.weights, rtol=1e-9)
        assert marks.weights.all()


def test_agreeing_code_has_no_gradient_comparison() -> None:
    report = check_code(CHECK / "reference.py", resolve("example:tutorial-001"), iterations=2)
    assert report.agrees
    assert report.gradients is None
    assert "gradients" not in report.to_json()


# ---- square weight matrices: several orientations run ----


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_mistake_is_named_on_a_network_of_square_matrices(tmp_path: Path, mistake: str) -> None:
    """2-2-2: the learner's code runs with weights as (in, out) too, on transposed numbers."""
    code = _write(tmp_path, "mine.py", LEARNER_TEMPLATE.format(mistake=mistake))
    report = check_code(code, _session((2, 2)), iterations=3)
    assert report.diagnosis is not None
    assert [m.name for m in report.diagnosis.matches] == [mistake], report.to_text()
    assert report.orientation[:2] == ("rows", "out_in")
    assert report.orientation_note is not None
    assert report.orientation_note.startswith("the shapes allow several orientations")
    assert "chose samples as rows, weights as (out, in) because in it a catalogue mistake" in (
        report.orientation_note
    )
    assert report.orientation_note in report.to_text()


def test_square_matrices_with_correct_code_say_why_the_orientation(tmp_path: Path) -> None:
    code = _write(tmp_path, "mine.py", LEARNER_TEMPLATE.format(mistake=None))
    report = check_code(code, _session((2, 2)), iterations=2)
    assert report.agrees
    assert report.orientation[:2] == ("rows", "out_in")
    assert report.orientation_note is not None
    assert "because your code agrees with the correct computation in it" in report.orientation_note
    # where the shapes tell the orientations apart, nothing is said
    assert check_code(code, _square_session(), iterations=1).orientation_note is None


def _tour_session() -> Any:
    walkthrough = ROOT / "resources" / "walkthroughs" / "tour-every-number.json"
    return parse_session(json.loads(walkthrough.read_text(encoding="utf-8"))["session"])


@pytest.mark.parametrize(
    "mistake",
    ["double_gradient", "wrong_sign", "half_gradient", "updated_weights_backprop", "transposed_weights"]
    + ["derivative_of_z"],
)
def test_the_tour_networks_mistakes_are_named(tmp_path: Path, mistake: str) -> None:
    """The 2-2-2 tour (one sample, half the sum of squares) the reviewer found picking (in, out)."""
    half_sse = LEARNER_TEMPLATE.format(mistake=mistake).replace("(2 * (a - Y) / k)", "(a - Y)")
    code = _write(tmp_path, "tour.py", half_sse)
    report = check_code(code, _tour_session(), iterations=1)
    assert report.diagnosis is not None
    assert [m.name for m in report.diagnosis.matches] == [mistake], report.to_text()
    assert report.orientation[:2] == ("rows", "out_in")
    assert "weights as (in, out)" not in report.orientation_text


def test_an_edited_file_is_checked_afresh_even_within_the_same_second(tmp_path: Path) -> None:
    """Python's import trusts a cached .pyc whose source has the same size and mtime."""
    code = _write(tmp_path, "mine.py", LEARNER_TEMPLATE.format(mistake="derivative_of_z"))
    stamp = code.stat().st_mtime_ns
    first = check_code(code, _square_session(), iterations=1)
    assert first.diagnosis is not None
    assert [m.name for m in first.diagnosis.matches] == ["derivative_of_z"]
    code.write_text(LEARNER_TEMPLATE.format(mistake="derivative_of_a"), encoding="utf-8")
    os.utime(code, ns=(stamp, stamp))  # same size, same modification time
    second = check_code(code, _square_session(), iterations=1)
    assert second.diagnosis is not None
    assert [m.name for m in second.diagnosis.matches] == ["derivative_of_a"]
    assert not (tmp_path / "__pycache__").exists()


# ---- NaN and inf in the learner's output ----


def test_nan_in_the_learners_output_is_a_disagreement_said_where(tmp_path: Path) -> None:
    code = _write(tmp_path, "nan.py", _with_nan(NAN_IN_W1))
    report = check_code(code, _square_session(), iterations=3)
    assert not report.agrees
    assert report.non_finite == "your code produced NaN in W[1] at iteration 0 (first at W[1][2,0])"
    assert report.diagnosis is not None
    assert report.diagnosis.matches == ()
    text = report.to_text()
    assert f"likely cause: {report.non_finite}" in text
    assert "[2,0] yours nan" in text
    assert report.gradients is not None
    assert report.gradients.marks[1].weights[2, 0]
    assert not report.gradients.marks[1].weights[0, 0]


def test_inf_at_a_later_iteration_is_reported_with_its_iteration(tmp_path: Path) -> None:
    # counted per orientation (the bias's shape tells them apart): inf from the second step on
    tail = """
    CALLS[np.shape(biases[0])] = CALLS.get(np.shape(biases[0]), 0) + 1
    if CALLS[np.shape(biases[0])] >= 2:
        new_b[0] = new_b[0] + np.array([0.0, -np.inf, 0.0])
    return new_w, new_b
"""
    code = _write(tmp_path, "inf.py", "CALLS = {}\n" + _with_nan(tail))
    report = check_code(code, _square_session(), iterations=3)
    assert not report.agrees
    assert report.iterations[-1].iteration == 1
    assert report.non_finite == "your code produced -inf in b[0] at iteration 1 (first at b[0][1])"
    assert report.non_finite in report.to_text()


def test_nan_from_gradients_is_reported_in_the_gradient(tmp_path: Path) -> None:
    code = _write(
        tmp_path,
        "nan_grads.py",
        LEARNER_TEMPLATE.format(mistake=None)
        + """

def gradients(weights, biases, X, Y):
    return [np.full_like(w, np.nan) for w in weights], [np.zeros_like(b) for b in biases]
""",
    )
    report = check_code(code, _square_session(), iterations=1)
    assert report.non_finite == "your code produced NaN in dW[0] at iteration 0 (first at dW[0][0,0])"
    assert report.diagnosis is not None


def test_nan_from_the_command_line_is_exit_1_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.files.session_file import session_json

    session = tmp_path / "session.json"
    session.write_text(json.dumps(session_json(_square_session())), encoding="utf-8")
    code = _write(tmp_path, "nan.py", _with_nan(NAN_IN_W1))
    assert cli_main(["check", str(code), "--session", str(session)]) == 1
    captured = capsys.readouterr()
    assert "your code produced NaN in W[1] at iteration 0" in captured.out
    assert "Traceback" not in captured.out + captured.err
    assert captured.err == ""
    # --json stays strict JSON: the NaN is written as a string
    assert cli_main(["check", str(code), "--session", str(session), "--json"]) == 1
    out = capsys.readouterr().out
    report = json.loads(out, parse_constant=lambda name: pytest.fail(f"bare {name} in the JSON"))
    assert report["agrees"] is False
    assert '"NaN"' in out


# ---- a mistake made in some layers only ----

LAYERED = [
    "missing_activation_derivative",
    "derivative_of_z",
    "derivative_of_a",
    "bias_not_summed",
    "wrong_batch_reduction",
    "wrong_sign",
]


def _layered_learner(mistake: str, where: str) -> str:
    """The template with ``mistake`` made in the hidden layers only or in the output layer only,
    the output delta written apart from the hidden layers' loop as learners often do."""
    only = "layer < len(weights) - 1" if where == "hidden" else "layer == len(weights) - 1"
    text = LEARNER_TEMPLATE.format(mistake=mistake)
    if where == "hidden":
        text = text.replace("* deriv(zs[-1], a)", "* (a * (1 - a))")
    else:
        text = text.replace("* deriv(zs[layer - 1], acts[layer])", "* (acts[layer] * (1 - acts[layer]))")
    for name in ("bias_not_summed", "wrong_sign"):
        text = text.replace(f'MISTAKE == "{name}"', f'(MISTAKE == "{name}" and {only})')
    return text.replace("    scale = 1.0 if", "    full_scale = 1.0 if").replace(
        "        dW = scale * (", f"        scale = full_scale if {only} else 1.0 / n\n        dW = scale * ("
    )


@pytest.mark.parametrize("where", ["hidden", "output"])
@pytest.mark.parametrize("mistake", LAYERED)
@pytest.mark.parametrize("units", [(3, 3), (3, 4, 2)])
def test_a_mistake_in_some_layers_only_is_named_with_its_layers(
    tmp_path: Path, mistake: str, where: str, units: tuple[int, ...]
) -> None:
    code = _write(tmp_path, "layered.py", _layered_learner(mistake, where))
    report = check_code(code, _session(units), iterations=2)
    assert report.diagnosis is not None
    d = report.diagnosis
    assert [m.name for m in d.matches] == [mistake], report.to_text()
    n = len(units)
    expected = tuple(range(n - 1)) if where == "hidden" else (n - 1,)
    assert d.layers == (expected,)
    words = "in the output layer only" if where == "output" else "in the hidden layer"
    assert words in d.matches[0].title
    assert d.matches[0].title.startswith(MISTAKES[mistake].title)
    assert any(words in e and "the other layers are computed correctly" in e for e in d.evidence)
    assert f"likely cause: {d.matches[0].title}" in report.to_text()
    assert report.to_json()["diagnosis"]["layers"] == [list(expected)]


def test_hidden_only_wording_on_one_hidden_layer(tmp_path: Path) -> None:
    code = _write(tmp_path, "z.py", _layered_learner("derivative_of_z", "hidden"))
    report = check_code(code, _square_session(), iterations=1)
    assert report.diagnosis is not None
    assert (
        report.diagnosis.matches[0].title == f"{MISTAKES['derivative_of_z'].title} in the hidden layer only"
    )


def test_a_derivative_missing_at_the_output_under_half_sse_is_also_named(tmp_path: Path) -> None:
    """Under half the sum of squares with one sigmoid output, a - y is both BCE's delta and the
    output delta without its derivative: both are named."""
    text = (
        _layered_learner("missing_activation_derivative", "output")
        .replace("(2 * (a - Y) / k)", "(a - Y)")
        .replace("else 1.0 / n", "else 1.0")
    )
    code = _write(tmp_path, "out.py", text)
    report = check_code(code, _session((3, 1), loss="half_sse"), iterations=1)
    assert report.diagnosis is not None
    assert [m.name for m in report.diagnosis.matches] == [
        "other_loss_gradient",
        "missing_activation_derivative",
    ]
    assert report.diagnosis.layers == (None, (1,))
    assert "also consistent with: activation derivative missing in the output layer only" in report.to_text()


@pytest.mark.parametrize("units", [(3, 3), (3, 4, 2)])
def test_layered_recomputation_equals_hand_written_learners(units: tuple[int, ...]) -> None:
    """The diagnosis's layer-by-layer step, correct or with a mistake in every layer, in the
    hidden layers only or in the output layer only, is what the hand-written learner making
    that mistake computes (LEARNER_TEMPLATE and _layered_learner, run here in-process)."""
    from engine.core.compute import init_params
    from engine.core.mistakes import applicable
    from engine.learner.steps import _CORRECT, _layered_step

    config = _session(units)
    params = init_params(config)
    n = len(params)
    activations = tuple(layer.activation for layer in config.layers)
    cases: list[tuple[str | None, tuple[int, ...], str]] = [
        (name, tuple(range(n)), LEARNER_TEMPLATE.format(mistake=name))
        for name in [None, *MISTAKES]
        if name is None or applicable(name, config.sizes, activations, config.loss) is None
    ]
    cases += [
        (name, tuple(range(n - 1)) if where == "hidden" else (n - 1,), _layered_learner(name, where))
        for name in LAYERED
        for where in ("hidden", "output")
    ]
    assert len(cases) == (len(MISTAKES) + 1 if units == (3, 3) else len(MISTAKES)) + 2 * len(LAYERED)
    for name, layers, code in cases:
        names = tuple(name if name is not None and k in layers else _CORRECT for k in range(n))
        after, _ = _layered_step(config, params, names)
        new_w, new_b = train_step_of(code)(
            [p.weights.copy() for p in params], [p.bias.copy() for p in params], config.x, config.y, 0.5
        )
        for k, p in enumerate(after):
            where = f"{name} in layers {layers}, layer {k}"
            np.testing.assert_allclose(p.weights, new_w[k], rtol=1e-12, atol=1e-15, err_msg=where)
            np.testing.assert_allclose(p.bias, new_b[k], rtol=1e-12, atol=1e-15, err_msg=where)


# ---- cancelling, and the learner's process stopped on every way out ----

LOOP_FOREVER = """
import os
from pathlib import Path

Path(__file__).with_name("pid.txt").write_text(str(os.getpid()))


def train_step(w, b, X, Y, lr):
    while True:
        pass
"""


def _wait_gone(pid: int) -> bool:
    # stopped running (a zombie counts: this machine's PID 1 may never reap an orphan), as long
    # as a loaded machine may need; the cancel itself is timed separately
    return dead(pid, seconds=15.0)


def test_cancel_stops_the_check_and_kills_the_learners_process(tmp_path: Path) -> None:
    code = _write(tmp_path, "loop.py", LOOP_FOREVER)
    pid_file = tmp_path / "pid.txt"
    asked = []

    def cancel() -> bool:
        asked.append(time.monotonic())
        return pid_file.exists() and pid_file.read_text() != ""

    start = time.monotonic()
    with pytest.raises(CheckCancelled, match="cancelled"):
        check_code(code, _square_session(), iterations=2, timeout=600, cancel=cancel)
    assert time.monotonic() - start < 10
    assert len(asked) >= 1
    assert _wait_gone(int(pid_file.read_text()))


def test_a_time_out_kills_the_learners_process(tmp_path: Path) -> None:
    code = _write(tmp_path, "loop.py", LOOP_FOREVER)
    with pytest.raises(GradstepError, match="within 1 s"):
        check_code(code, _square_session(), iterations=2, timeout=1)
    assert _wait_gone(int((tmp_path / "pid.txt").read_text()))


# ---- what of the session the check does not use ----


def test_batch_size_and_teaching_mistake_are_noted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.files.session_file import session_json

    config = _session((3, 3), batch_size=2)
    data = session_json(config)
    data["mistake"] = "double_gradient"
    session = tmp_path / "session.json"
    session.write_text(json.dumps(data), encoding="utf-8")
    code = _write(tmp_path, "mine.py", LEARNER_TEMPLATE.format(mistake=None))
    report = check_code(code, parse_session(data), iterations=1)
    assert report.agrees  # compared with correct backprop, full batch
    assert report.notes == (
        "full-batch steps compared (the session's batch_size 2 is not used)",
        "the session's teaching-mode mistake (double_gradient) is not used: the check compares with "
        "correct backprop",
    )
    assert cli_main(["check", str(code), "--session", str(session), "--iterations", "1"]) == 0
    out = capsys.readouterr().out
    for note in report.notes:
        assert f"note: {note}" in out
    assert cli_main(["check", str(code), "--session", str(session), "--iterations", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == list(report.notes)


def test_nan_on_square_matrices_keeps_the_orientation_whose_other_numbers_agree(tmp_path: Path) -> None:
    code = _write(tmp_path, "nan.py", _with_nan(NAN_IN_W1.replace("[2, 0]", "[1, 0]")))
    report = check_code(code, _session((2, 2)), iterations=1)
    assert report.orientation[:2] == ("rows", "out_in")
    assert report.non_finite == "your code produced NaN in W[1] at iteration 0 (first at W[1][1,0])"
    assert report.orientation_note is not None
    assert "nearest the correct ones" in report.orientation_note
