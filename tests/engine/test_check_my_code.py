"""`gradstep check`: a learner's train_step against the engine, and the mistake named."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import GradstepError, Session, parse_session
from engine.check import check_code
from engine.cli import main as cli_main
from engine.examples import resolve
from engine.mistakes import MISTAKES

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "resources" / "check"

# A learner's generic implementation in Gradstep's orientation (samples as rows, W as
# (out, in), vector biases), with every catalogue mistake behind a switch. Written here,
# independently of the engine, the way a learner would write it.
LEARNER_TEMPLATE = """
import numpy as np

MISTAKE = {mistake!r}


def sig(z):
    return 1 / (1 + np.exp(-z))


def deriv(z, a):
    if MISTAKE == "missing_activation_derivative":
        return np.ones_like(z)
    if MISTAKE == "derivative_of_z":
        return z * (1 - z)
    if MISTAKE == "derivative_of_a":
        return sig(a) * (1 - sig(a))
    return a * (1 - a)


def train_step(weights, biases, X, Y, lr):
    acts, zs = [X], []
    for W, b in zip(weights, biases):
        zs.append(acts[-1] @ W.T + b)
        acts.append(sig(zs[-1]))
    a, n, k = acts[-1], X.shape[0], acts[-1].shape[1]
    if MISTAKE == "other_loss_gradient":
        delta = (a - Y) / k
    else:
        delta = (2 * (a - Y) / k) * deriv(zs[-1], a)
    scale = 1.0 if MISTAKE == "wrong_batch_reduction" else 1.0 / n
    new_w, new_b = list(weights), list(biases)
    for layer in range(len(weights) - 1, -1, -1):
        dW = scale * (delta.T @ acts[layer])
        db = scale * delta.sum(axis=0)
        if MISTAKE == "bias_not_summed":
            db = np.full_like(db, scale * delta.sum())
        if MISTAKE == "half_gradient":
            dW, db = 0.5 * dW, 0.5 * db
        if MISTAKE == "double_gradient":
            dW, db = 2 * dW, 2 * db
        if MISTAKE == "wrong_sign":
            dW, db = -dW, -db
        if layer > 0:
            W_next = weights[layer]
            if MISTAKE == "updated_weights_backprop":
                W_next = weights[layer] - lr * dW
            if MISTAKE == "transposed_weights":
                W_next = weights[layer].T
            delta = (delta @ W_next) * deriv(zs[layer - 1], acts[layer])
        new_w[layer] = weights[layer] - lr * dW
        new_b[layer] = biases[layer] - lr * db
    return new_w, new_b
"""


def _square_session() -> Any:
    """2-3-3 sigmoid, mse, 4 samples: every catalogue mistake applies and each is distinct."""
    rng = np.random.default_rng(11)
    return parse_session(
        {
            "format": "gradstep-session",
            "version": 1,
            "seed": 5,
            "network": {
                "inputs": 2,
                "init": "uniform",
                "layers": [{"units": 3, "activation": "sigmoid"}, {"units": 3, "activation": "sigmoid"}],
            },
            "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": 0.5},
            "data": {"inputs": rng.normal(size=(4, 2)).tolist(), "targets": rng.random((4, 3)).tolist()},
        }
    )


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
    from engine.config import session_json

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
