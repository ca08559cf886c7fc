"""`gradstep debug` on a corpus of learner programs written in the styles of public NumPy
tutorials: correct ones agree; each catalogue mistake, planted on a known line, is found there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.core.mistakes import MISTAKES

from .conftest import CORPUS, marked_line, report_of

CORRECT = [
    # (file, style)
    ("tutorial_001.py", "seed 001 copied unchanged: global script, samples as rows, W (in, out)"),
    ("class_columns.py", "class driven by its own main code, samples as columns, W (out, in)"),
    ("main_minibatch.py", "everything in main(), mini-batches, relu and linear output"),
    ("softmax_rows.py", "softmax and cross-entropy, tanh hidden layer"),
    ("notebook_tanh.ipynb", "a notebook with IPython magics and a plot"),
    ("no_bias.py", "no biases"),
    ("class_no_bias.py", "class keeping everything on self, no biases, error = y - a with +="),
    ("sse_no_bias.py", "no biases, trained on the summed squared error"),
    ("layers_in_lists.py", "layers in lists, a loop over the layers, three layers of weights"),
    ("float32_script.py", "float32 arrays: rounding at 1e-7 is not a mistake"),
    ("leaky_regression.py", "leaky ReLU and a linear output, MSE, a literal learning rate"),
]

# (file, the catalogue mistake planted, the layers it is planted in)
MISTAKEN = [
    ("tutorial_004.py", "updated_weights_backprop", (0,)),
    ("mistake_missing_derivative.py", "missing_activation_derivative", (0,)),
    ("mistake_derivative_of_z.py", "derivative_of_z", (0,)),
    ("mistake_derivative_of_a.py", "derivative_of_a", (0,)),
    ("mistake_half_gradient.py", "half_gradient", (0,)),
    ("mistake_batch_reduction.py", "wrong_batch_reduction", (0,)),
    ("mistake_wrong_sign.py", "wrong_sign", (0, 1)),
    ("mistake_transposed.py", "transposed_weights", (0,)),
    ("mistake_bias_not_summed.py", "bias_not_summed", (0,)),
    ("mistake_updated_weights.py", "updated_weights_backprop", (0,)),
    ("mistake_two_layers.py", "missing_activation_derivative", (0,)),
    ("notebook_derivative_of_z.ipynb", "derivative_of_z", (0,)),
    ("mistake_deep_middle.py", "missing_activation_derivative", (1,)),
]


@pytest.mark.parametrize(("name", "style"), CORRECT)
def test_correct_programs_agree(name: str, style: str) -> None:
    report = report_of(name)
    assert report.agrees, f"{style}:\n{report.to_text()}"
    assert report.exit_code == 0
    assert report.iterations == 3
    # every parameter line of every iteration matched the engine's new parameters
    parameters = [n for v in report.lines for n in v.names if n.quantity and n.quantity[0] in "Wb"]
    assert parameters
    assert all(n.status == "matches" for n in parameters)


@pytest.mark.parametrize(("name", "mistake", "layers"), MISTAKEN)
def test_each_planted_mistake_is_found_on_its_line(name: str, mistake: str, layers: tuple[int, ...]) -> None:
    report = report_of(name)
    assert not report.agrees
    assert report.exit_code == 1
    assert report.first_wrong is not None
    assert report.first_wrong.line == marked_line(name), report.to_text()
    assert report.first_wrong.iteration == 0
    assert report.diagnosis is not None
    assert report.diagnosis["mistake"] == mistake
    assert MISTAKES[mistake].title in report.diagnosis["reason"]
    named = {entry["layer"] for entry in report.diagnosis["layers"] if mistake in entry["mistakes"]}
    assert named == set(layers)


def test_tutorial_004_names_the_stale_weight_and_the_line_that_changed_it() -> None:
    report = report_of("tutorial_004.py")
    assert report.diagnosis is not None
    reason = report.diagnosis["reason"]
    assert reason == (
        "line 53: the hidden layer's update goes through `weights_hidden_output` after line 52 "
        "changed it: back-propagating through already-updated weights"
    )
    # the weights the tutorial seeded (np.random.seed(42), then rand) are the starting point
    import numpy as np

    rng = np.random.RandomState(42)
    w_ih, w_ho = rng.rand(2, 2), rng.rand(2, 1)
    layers = report.discovery.session["network"]["layers"]
    np.testing.assert_array_equal(np.array(layers[0]["weights"]), w_ih.T)
    np.testing.assert_array_equal(np.array(layers[1]["weights"]), w_ho.T)
    assert report.discovery.loss == "half_sse"
    assert report.discovery.learning_rate == 0.1


def test_tutorial_001_infers_the_published_session() -> None:
    import numpy as np

    report = report_of("tutorial_001.py")
    d = report.discovery
    assert (d.structure.samples, d.structure.weights) == ("rows", "in_out")
    assert [r.bias_shape for r in d.structure.layers] == ["row", "row"]
    assert [r.activation for r in d.structure.layers] == ["sigmoid", "sigmoid"]
    assert d.loss == "half_sse"
    assert d.learning_rate == 0.1
    rng = np.random.RandomState(42)
    w_ih, w_ho, b_h, b_o = rng.rand(2, 2), rng.rand(2, 1), rng.rand(1, 2), rng.rand(1, 1)
    start = d.iterations[0].params
    np.testing.assert_array_equal(start[0].weights, w_ih.T)
    np.testing.assert_array_equal(start[1].weights, w_ho.T)
    np.testing.assert_array_equal(start[0].bias, b_h.ravel())
    np.testing.assert_array_equal(start[1].bias, b_o.ravel())


def test_two_mistakes_are_named_per_layer() -> None:
    report = report_of("mistake_two_layers.py")
    assert report.diagnosis is not None
    assert report.diagnosis["layers_text"] == (
        "layer 0: activation derivative missing; layer 1: wrong sign (gradient ascent)"
    )


def test_a_correct_layer_is_called_right() -> None:
    report = report_of("mistake_derivative_of_z.py")
    assert report.diagnosis is not None
    assert report.diagnosis["layers_text"].endswith("layer 1: right")


def test_learning_rate_applied_twice_is_said() -> None:
    report = report_of("mistake_lr_twice.py")
    assert report.first_wrong is not None
    assert report.first_wrong.line == marked_line("mistake_lr_twice.py")
    assert report.discovery.learning_rate == 0.3  # the learner's own rate, not the rate squared
    assert report.diagnosis is not None
    assert (
        "your update is 0.3 x the correct one (the learning rate: applied twice?)"
        in report.diagnosis["reason"]
    )


def test_a_step_of_another_loss_names_that_loss() -> None:
    report = report_of("mistake_other_loss.py")
    assert report.first_wrong is not None
    assert report.first_wrong.line == marked_line("mistake_other_loss.py")
    # what its gradient a - y trains: summed over the batch (no 1/m) at its own rate 0.1
    assert report.discovery.loss == "bce_sum"
    assert report.discovery.learning_rate == 0.1
    assert report.diagnosis is not None
    assert report.diagnosis["reason"] == (
        "line 17: your step is exactly the gradient of the summed binary cross-entropy, but this "
        "line computes ½Σ(a−y)²"
    )


def test_the_learners_own_bias_orientation_is_reported() -> None:
    columns = report_of("class_columns.py").to_json()["orientation"]
    assert columns == {"samples": "columns", "weights": "out_in", "biases": ["column", "column"]}
    vectors = report_of("main_minibatch.py").to_json()["orientation"]
    assert vectors == {"samples": "rows", "weights": "in_out", "biases": ["vector", "vector"]}


def test_notebook_magics_are_skipped_with_a_note() -> None:
    report = report_of("notebook_tanh.ipynb")
    skipped = [n for n in report.notes if "skipped IPython line" in n]
    assert skipped == [
        "code cell 1, line 1: skipped IPython line '%matplotlib inline'",
        "code cell 1, line 3: skipped IPython line '!pip install numpy'",
        "code cell 5, line 1: skipped IPython line '%%time'",
    ]
    assert report.training_loop is not None
    assert report.source.where(report.training_loop) == "code cell 5, line 3"


def test_train_step_files_run_on_the_given_session() -> None:
    report = report_of("train_step_vectors.py", "example:xor")
    assert report.agrees, report.to_text()
    assert report.discovery.structure.weights == "out_in"
    judged = [v for v in report.lines if v.iteration == 0 and v.status == "matches"]
    assert {n.quantity for v in judged for n in v.names} >= {"W[0]", "W[1]", "b[0]", "b[1]", "delta[0]"}


def test_a_mini_batch_program_is_compared_on_each_of_its_batches() -> None:
    report = report_of("main_minibatch.py")
    batches = [it.x for it in report.discovery.iterations]
    assert all(b.shape == (4, 1) for b in batches)
    assert not all((batches[0] == b).all() for b in batches[1:])


# check's own train_step files (resources/check) through debug: the same verdicts as check gives
CHECK_FILES = [
    ("reference.py", "example:tutorial-001", None),
    ("tutorial_000.py", "resources/check/tutorial_000_mse.json", "loss:bce"),
    ("tutorial_001.py", "example:tutorial-001", None),
    ("tutorial_002.py", "example:tutorial-002", None),
    ("tutorial_003.py", "resources/check/tutorial_003_mse.json", "loss:bce"),
    ("tutorial_004.py", "example:tutorial-004", "updated_weights_backprop"),
]


@pytest.mark.parametrize(("name", "session", "mistake"), CHECK_FILES)
def test_check_files_get_checks_verdicts(name: str, session: str, mistake: str | None) -> None:
    from pathlib import Path

    from engine.files.examples import resolve
    from engine.learner.debug import debug_code

    root = Path(__file__).resolve().parents[3]
    config = resolve(session if session.startswith("example:") else str(root / session))
    report = debug_code(root / "resources" / "check" / name, config, iterations=3, timeout=60)
    assert report.agrees == (mistake is None), report.to_text()
    if mistake is not None:
        assert report.diagnosis is not None
        assert report.diagnosis["mistake"] == mistake


def test_a_train_step_with_another_losss_gradient(tmp_path: Path) -> None:
    import json

    from engine.files.session_file import load_session_config
    from engine.learner.debug import debug_code

    session = {
        "format": "gradstep-session",
        "version": 1,
        "seed": 3,
        "network": {
            "inputs": 2,
            "layers": [{"units": 3, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}],
        },
        "loss": "mse",
        "optimizer": {"name": "sgd", "learning_rate": 0.5},
        "data": {"preset": "xor"},
    }
    path = tmp_path / "mse.json"
    path.write_text(json.dumps(session), encoding="utf-8")
    report = debug_code(CORPUS / "train_step_mistake.py", load_session_config(path), timeout=60)
    assert report.first_wrong is not None
    assert report.first_wrong.line == marked_line("train_step_mistake.py")
    assert report.diagnosis is not None
    assert report.diagnosis["mistake"] == "loss:bce"
    assert report.diagnosis["reason"] == (
        f"line {marked_line('train_step_mistake.py')}: your step is exactly the gradient of the mean "
        "binary cross-entropy, but the session's loss is the mean squared error"
    )


def test_a_layer_computed_right_from_a_wrong_delta_is_called_right() -> None:
    report = report_of("mistake_deep_middle.py")
    assert report.diagnosis is not None
    assert report.diagnosis["layers_text"] == (
        "layer 0: right; layer 1: activation derivative missing; layer 2: right"
    )
    assert any(
        read.startswith("d1 from line 21: d1 = dℓ/da of layer 1") for read in report.diagnosis["reads"]
    )


def test_a_modulo_continuing_an_open_bracket_is_python_not_a_magic(tmp_path: Path) -> None:
    """A line starting with % (or !=) inside an open bracket continues the statement: it is
    kept, while a % line that starts a statement is still skipped as a magic."""
    from engine.learner.debug.source import read_source

    cell = "%matplotlib inline\nx = (7\n% 4)\ny = (x\n!= 3)\n"
    notebook = {"cells": [{"cell_type": "code", "source": cell}], "nbformat": 4}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    source = read_source(path)
    assert source.text.splitlines() == ["pass", "x = (7", "% 4)", "y = (x", "!= 3)"]
    assert len(source.notes) == 1
