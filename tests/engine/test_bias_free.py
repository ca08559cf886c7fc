"""Layers without biases ("bias": false) and the summed losses (sse, bce_sum,
cross_entropy_sum) through every path: the file, a run, the chain rule, saved sessions,
traces, teaching mode, check and debug."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import ParameterRef, Session, parse_session
from engine.cli import main
from engine.core.mistakes import applicable
from engine.errors import GradstepError
from engine.explain.worked import worked_iteration
from engine.files.jsonio import dumps, loads
from engine.files.session_file import session_json
from engine.learner.check import check_code
from engine.learner.debug.debugger import debug_code
from tests.helpers import assert_identical, tiny_session_dict

CORPUS = Path(__file__).parent / "debug_corpus"
W0 = [[0.5, -0.4], [0.3, 0.8], [-0.7, 0.2]]
W1 = [[0.6, -0.5, 0.9]]


def bias_free(**overrides: Any) -> dict[str, Any]:
    """A 2-3-1 sigmoid network on XOR without biases in either layer, explicit weights."""
    doc = tiny_session_dict(**overrides)
    doc["network"]["layers"] = [
        {"units": 3, "activation": "sigmoid", "weights": W0, "bias": False},
        {"units": 1, "activation": "sigmoid", "weights": W1, "bias": False},
    ]
    return doc


def write(tmp_path: Path, doc: dict[str, Any], name: str = "s.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


# ---- the file ----


def test_a_layer_without_biases_holds_an_empty_bias_and_computes_z_without_one() -> None:
    session = Session(parse_session(bias_free()))
    assert session.config.biased == (False, False)
    assert all(p.bias.shape == (0,) for p in session.params)
    session.finish_iteration()
    record = session.iteration_record(0)
    x = record.inputs
    np.testing.assert_array_equal(record.forward[0].z, x @ np.array(W0).T)
    assert all(b.db.shape == (0,) for b in record.backward)
    assert all(p.bias.shape == (0,) for p in record.update.params_after)


def test_old_files_keep_their_biases_and_bias_true_is_the_default() -> None:
    plain = parse_session(tiny_session_dict())
    assert plain.biased == (True, True)
    doc = tiny_session_dict()
    doc["network"]["layers"][0]["bias"] = True
    assert parse_session(doc).biased == (True, True)
    assert "bias" not in session_json(plain)["network"]["layers"][0]


def test_bias_false_beside_a_bias_array_names_the_field() -> None:
    text = dumps(bias_free()).replace('"bias":false', '"bias":false,"bias":[0.1,0.2,0.3]', 1)
    with pytest.raises(GradstepError, match=r"network\.layers\[0\]\.bias: given twice"):
        loads(text, "s.json")


def test_cli_refuses_the_duplicate_and_a_bias_of_a_bias_free_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dup.json"
    path.write_text(
        dumps(bias_free()).replace('"bias":false', '"bias":false,"bias":[0,0,0]', 1), encoding="utf-8"
    )
    assert main(["run", str(path), "--iterations", "1"]) == 2
    err = capsys.readouterr().err
    assert "network.layers[0].bias: given twice" in err
    assert len(err.strip().splitlines()) == 1
    good = write(tmp_path, bias_free())
    assert main(["chain", good, "--bias", "0:1"]) == 2
    err = capsys.readouterr().err
    assert 'bias 0:1: layer 0 has no biases ("bias": false in the session)' in err
    assert main(["chain", good, "--weight", "0:1:0"]) == 0


def test_explaining_a_bias_of_a_bias_free_layer_is_refused() -> None:
    session = Session(parse_session(bias_free()))
    session.finish_iteration()
    with pytest.raises(GradstepError, match="layer 1 has no biases"):
        session.explain(ParameterRef(1, 0, None), session.iteration_record(0))
    with pytest.raises(GradstepError, match="layer 0 has no biases"):
        session.set_parameter(ParameterRef(0, 0, None), 1.0)


def test_a_saved_adam_session_without_biases_continues_exactly(tmp_path: Path) -> None:
    doc = bias_free(optimizer={"name": "adam", "learning_rate": 0.05})
    doc["network"]["layers"][1]["bias"] = [0.1]  # one layer with, one without
    session = Session(parse_session(doc))
    session.run_iterations(5)
    saved = session_json(session.config, session.params, session.optimizer_state, session.iteration)
    layers = saved["network"]["layers"]
    assert layers[0]["bias"] is False
    assert layers[1]["bias"] == pytest.approx([session.params[1].bias[0]])
    assert "bias" not in saved["state"]["optimizer"]["first"][0]
    again = Session(parse_session(loads(dumps(saved), "saved")))
    session.run_iterations(3)
    again.run_iterations(3)
    for a, b in zip(session.params, again.params, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.bias, b.bias)


def test_a_saved_state_with_a_bias_for_a_bias_free_layer_names_the_field() -> None:
    doc = bias_free(optimizer={"name": "momentum", "learning_rate": 0.1})
    doc["state"] = {
        "iteration": 1,
        "optimizer": {
            "step": 1,
            "first": [{"weights": [[0.0, 0.0]] * 3, "bias": [0.0] * 3}, {"weights": [[0.0] * 3]}],
        },
    }
    with pytest.raises(GradstepError, match=r"state\.optimizer\.first\[0\]\.bias: layer 0 has no biases"):
        parse_session(doc)


def test_trace_and_worked_markdown_leave_the_biases_out(tmp_path: Path) -> None:
    trace = tmp_path / "t.json"
    assert main(["run", write(tmp_path, bias_free()), "--iterations", "2", "--trace", str(trace)]) == 0
    layer = json.loads(trace.read_text(encoding="utf-8"))["iterations"][0]["layers"][0]
    assert set(layer) == {"z", "a", "dW", "weights"}
    text = worked_iteration(Session(parse_session(bias_free())))
    assert "b[" not in text
    assert "b^{(0)}" not in text
    assert "db[j]" not in text


def test_bias_not_summed_makes_no_sense_without_biases() -> None:
    reason = applicable("bias_not_summed", (2, 3, 1), ("sigmoid", "sigmoid"), "half_sse", (False, False))
    assert reason is not None
    assert "bias" in reason
    assert applicable("bias_not_summed", (2, 3, 1), ("sigmoid", "sigmoid"), "half_sse", (False, True)) is None
    with pytest.raises(GradstepError, match="mistake: bias_not_summed needs a layer with biases"):
        parse_session(bias_free(mistake="bias_not_summed"))


@pytest.mark.parametrize(
    "mistake", ["missing_activation_derivative", "wrong_batch_reduction", "half_gradient"]
)
def test_teaching_mode_without_biases(mistake: str) -> None:
    session = Session(parse_session(bias_free(mistake=mistake)))
    session.run_iterations(3)
    assert all(p.bias.shape == (0,) for p in session.params)
    session.finish_iteration()
    explanation = session.explain(ParameterRef(0, 1, 0), session.iteration_record(3))
    assert explanation.gradient is not None


# ---- published style: a hand-written loop without biases, as real code trains ----


def test_a_hand_written_bias_free_loop_gives_the_losses_of_gradstep_run(tmp_path: Path) -> None:
    """The syn0/syn1 style of public NumPy tutorials: no biases, Σ(a − y)² and its gradient."""
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    syn0, syn1 = np.array(W0).T, np.array(W1).T  # (in, out), as the tutorials hold them
    lr = 0.3
    losses = []
    for _ in range(40):
        l1 = sigmoid(x @ syn0)
        l2 = sigmoid(l1 @ syn1)
        losses.append(float(np.sum((l2 - y) ** 2)))
        l2_delta = 2 * (l2 - y) * (l2 * (1 - l2))
        l1_delta = (l2_delta @ syn1.T) * (l1 * (1 - l1))
        syn1 = syn1 - lr * (l1.T @ l2_delta)
        syn0 = syn0 - lr * (x.T @ l1_delta)
    doc = bias_free(loss="sse", optimizer={"name": "sgd", "learning_rate": lr})
    trace = tmp_path / "trace.json"
    assert main(["run", write(tmp_path, doc), "--iterations", "40", "--trace", str(trace)]) == 0
    ran = [item["loss"] for item in json.loads(trace.read_text(encoding="utf-8"))["iterations"]]
    np.testing.assert_allclose(ran, losses, rtol=1e-12, atol=0)


# ---- summed losses ----


@pytest.mark.parametrize(
    ("loss", "activation", "summed_of", "factor"),
    [
        ("sse", "sigmoid", "half_sse", 2.0),
        ("bce_sum", "sigmoid", "bce", 4.0),
        ("cross_entropy_sum", "softmax", "cross_entropy", 4.0),
    ],
)
def test_a_summed_loss_is_its_mean_times_the_batch(
    loss: str, activation: str, summed_of: str, factor: float
) -> None:
    """On XOR's 4 samples and one output: Σ = 4 × mean, Σ(a−y)² = 2 × ½Σ(a−y)²; the gradients
    scale the same way, and the chain rule reduces them by a sum."""

    def first(name: str) -> Session:
        doc = tiny_session_dict(loss=name)
        if activation == "softmax":
            doc["network"]["layers"][-1] = {"units": 2, "activation": "softmax"}
            doc["data"] = {"preset": "xor", "one_hot": True}
        session = Session(parse_session(doc))
        session.finish_iteration()
        return session

    summed, other = first(loss), first(summed_of)
    a, b = summed.iteration_record(0), other.iteration_record(0)
    assert a.loss.loss == pytest.approx(factor * b.loss.loss, rel=1e-12)
    for x, y in zip(a.backward, b.backward, strict=True):
        np.testing.assert_allclose(x.dW, factor * y.dW, rtol=1e-10)
    explanation = summed.explain(ParameterRef(0, 0, 0), a)
    assert explanation.reduction == "sum"
    assert explanation.passed


def test_summed_losses_need_their_output_layer() -> None:
    with pytest.raises(GradstepError, match="loss: bce_sum needs a sigmoid output layer"):
        parse_session(
            tiny_session_dict(
                loss="bce_sum",
                network={
                    "inputs": 2,
                    "layers": [{"units": 3, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
                },
            )
        )
    with pytest.raises(GradstepError, match="loss: cross_entropy_sum goes with a softmax output layer"):
        parse_session(tiny_session_dict(loss="cross_entropy_sum"))


# ---- check and debug ----

BIAS_FREE_STEP = """
import numpy as np

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def train_step(weights, biases, X, Y, learning_rate):
    W0, W1 = weights
    a1 = sigmoid(X @ W0)
    a2 = sigmoid(a1 @ W1)
    d2 = (a2 - Y) * a2 * (1 - a2)
    d1 = (d2 @ W1.T) * a1 * (1 - a1)
    return [W0 - learning_rate * X.T @ d1, W1 - learning_rate * a1.T @ d2], {biases}
"""


@pytest.mark.parametrize("returned", ["biases", "[]", "None"])
def test_check_agrees_with_bias_free_code(tmp_path: Path, returned: str) -> None:
    code = tmp_path / "step.py"
    code.write_text(BIAS_FREE_STEP.replace("{biases}", returned), encoding="utf-8")
    report = check_code(code, parse_session(bias_free()), iterations=3)
    assert report.agrees, report.to_text()
    assert report.orientation[2] == "none"
    names = {p.name for v in report.iterations for p in v.parameters}
    assert names == {"W[0]", "W[1]"}  # no b[k] to compare


def test_check_refuses_a_bias_returned_for_a_bias_free_layer(tmp_path: Path) -> None:
    code = tmp_path / "step.py"
    code.write_text(BIAS_FREE_STEP.replace("{biases}", "[np.zeros(3), np.zeros(1)]"), encoding="utf-8")
    with pytest.raises(GradstepError, match=r'has no biases \("bias": false in the session\)'):
        check_code(code, parse_session(bias_free()), iterations=1)


def test_check_names_a_mistake_in_bias_free_code(tmp_path: Path) -> None:
    code = tmp_path / "step.py"
    code.write_text(
        BIAS_FREE_STEP.replace("{biases}", "biases").replace("d2 = (a2 - Y) * a2 * (1 - a2)", "d2 = a2 - Y"),
        encoding="utf-8",
    )
    report = check_code(code, parse_session(bias_free()), iterations=2)
    assert not report.agrees
    assert report.diagnosis is not None
    assert report.diagnosis.matches


@pytest.mark.parametrize("name", ["no_bias.py", "class_no_bias.py"])
def test_debug_infers_a_bias_free_session(name: str) -> None:
    report = debug_code(CORPUS / name)
    assert report.agrees, report.to_text()
    layers = report.discovery.session["network"]["layers"]
    assert [layer["bias"] for layer in layers] == [False, False]
    assert report.discovery.config.biased == (False, False)
    assert not any("zeros" in note for note in report.discovery.notes)


def test_debug_infers_the_summed_squared_error_a_program_trains_on() -> None:
    report = debug_code(CORPUS / "sse_no_bias.py")
    assert report.agrees, report.to_text()
    assert report.discovery.loss == "sse"
    assert report.discovery.learning_rate == 0.1
    assert report.discovery.config.biased == (False, False)


def test_debug_of_a_bias_free_train_step_with_its_session(tmp_path: Path) -> None:
    code = tmp_path / "step.py"
    code.write_text(BIAS_FREE_STEP.replace("{biases}", "biases"), encoding="utf-8")
    report = debug_code(code, session=parse_session(bias_free()))
    assert report.agrees, report.to_text()


def test_time_travel_without_biases_is_bit_identical() -> None:
    doc = bias_free(optimizer={"name": "momentum", "learning_rate": 0.2}, loss="sse")
    session = Session(parse_session(doc), history_bytes=1)  # a tiny budget: recomputed from far back
    session.run_iterations(40)
    session.goto(7, 3)
    at_seven = session.snapshot()
    session.goto(40, 0)
    session.goto(7, 3)
    assert_identical(at_seven, session.snapshot())
    assert all(p.bias.shape == (0,) for p in session.params)
