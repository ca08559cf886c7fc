"""`gradstep debug` on the command line: text, JSON, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import parse_session
from engine.cli import main as cli_main

from .conftest import CORPUS


def test_json_report_of_tutorial_004(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["debug", str(CORPUS / "tutorial_004.py"), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "gradstep-debug"
    assert doc["version"] == 1
    assert doc["verdict"] == "disagree"
    assert doc["first_wrong_line"] == 53
    assert doc["file"].endswith("tutorial_004.py")
    config = parse_session(doc["inferred"])  # a valid session, as the window would load it
    assert config.sizes == (2, 2, 1)
    assert config.optimizer.learning_rate == 0.1
    first = [line for line in doc["lines"] if line["iteration"] == 0]
    assert [line["line"] for line in first][:4] == [35, 36, 39, 40]
    assert set(first[0]) == {
        "line",
        "iteration",
        "names",
        "status",
        "quantity",
        "factor",
        "max_relative_difference",
    }
    assert first[0]["names"]["hidden_input"]["quantity"] == "z[0]"
    wrong = next(line for line in first if line["line"] == 53)
    assert wrong["status"] == "matches-mistake"
    assert wrong["names"]["weights_input_hidden"]["mistake"] == [
        "updated_weights_backprop",
        "updated_weights_backprop",
    ]
    assert doc["diagnosis"]["mistake"] == "updated_weights_backprop"
    # yours beside correct, in the learner's orientation: W_ih[0, 0] after one step of each kind
    difference = wrong["names"]["weights_input_hidden"]["difference"]
    assert difference["index"] == [0, 0]
    yours, correct = _tutorial_004_first_step()
    assert difference["yours"] == pytest.approx(yours[0, 0], rel=1e-12)
    assert difference["correct"] == pytest.approx(correct[0, 0], rel=1e-12)
    assert {line["iteration"] for line in doc["lines"]} == {0, 1, 2}


def _tutorial_004_first_step() -> tuple[np.ndarray, np.ndarray]:
    """W_ih after tutorial 004's first step as it computes it (through the updated W_ho) and as
    backprop does (through the W_ho of the forward pass), written out here independently."""
    rng = np.random.RandomState(42)
    w_ih, w_ho = rng.rand(2, 2), rng.rand(2, 1)
    x, y, lr = np.array([[0.5, 0.6]]), np.array([[0.8]]), 0.1
    h = 1 / (1 + np.exp(-(x @ w_ih)))
    o = 1 / (1 + np.exp(-(h @ w_ho)))
    delta_o = (o - y) * o * (1 - o)
    new_w_ho = w_ho - lr * h.T @ delta_o
    stale = w_ih - lr * x.T @ ((delta_o @ new_w_ho.T) * h * (1 - h))
    right = w_ih - lr * x.T @ ((delta_o @ w_ho.T) * h * (1 - h))
    return stale, right


def test_text_report_of_tutorial_001(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["debug", str(CORPUS / "tutorial_001.py")]) == 0
    out = capsys.readouterr().out
    assert "verdict: every line agrees with the correct computation (3 iterations)" in out
    assert (
        "   51 ok          weights_hidden_output += hidden_layer_output.T.dot(output_gradient) * 0.1" in out
    )
    assert "learning rate: 0.1 (the literal 0.1 on line 51)" in out


def test_text_report_marks_the_first_wrong_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["debug", str(CORPUS / "tutorial_004.py"), "--iterations", "1"]) == 1
    out = capsys.readouterr().out
    assert ">>   53 MISTAKE " in out
    assert "verdict: DISAGREES; the first wrong line is line 53" in out


def test_session_overrides_the_loss(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    # class_columns trains on BCE's gradient; told the loss is half_sse, its output step is wrong
    session = {
        "format": "gradstep-session",
        "version": 1,
        "network": {
            "inputs": 2,
            "layers": [{"units": 4, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}],
        },
        "loss": "half_sse",
        "optimizer": {"name": "sgd", "learning_rate": 1.2},
        "data": {"preset": "xor"},
    }
    path = tmp_path / "half_sse.json"
    path.write_text(json.dumps(session), encoding="utf-8")
    assert cli_main(["debug", str(CORPUS / "class_columns.py"), "--session", str(path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["inferred"]["loss"] == "half_sse"
    # its cost line runs first (line 46), then backward's dW2 (line 31) is BCE's gradient
    assert doc["first_wrong_line"] == 46
    assert doc["diagnosis"]["reason"] == (
        "line 46 computes the mean binary cross-entropy, but the session's loss is ½Σ(a−y)²"
    )
    dw2 = next(line for line in doc["lines"] if line["line"] == 31 and line["iteration"] == 0)
    assert dw2["status"] == "matches-mistake"
    assert dw2["names"]["self.dW2"]["mistake"] == ["loss:bce"]


def test_a_session_that_is_not_plain_gradient_descent_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # the moons example trains with Adam: debug compares plain gradient-descent steps
    assert cli_main(["debug", str(CORPUS / "tutorial_001.py"), "--session", "example:moons"]) == 2
    assert "the session's optimizer is adam" in capsys.readouterr().err


def test_a_session_of_another_network_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """--session gives the loss, rate and activations of the program's own network: a 2-3-1
    session for a 2-2-1 program would be compared with numbers of another network."""
    assert cli_main(["debug", str(CORPUS / "tutorial_001.py"), "--session", "example:xor"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "the session's network is 2-3-1, your program's 2-2-1" in err
