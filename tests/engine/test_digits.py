"""The digits preset and example, the image_shape field, the confusion matrix and test accuracy."""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import GradstepError, Session, parse_session
from engine.cli import main
from engine.core.classify import class_count, classes_of, confusion_matrix, evaluate
from engine.files.data import DIGITS_FILE
from engine.files.examples import example, resolve
from engine.files.session_file import session_json
from tests.helpers import same_but_last_digits

ROOT = Path(__file__).resolve().parents[2]


def raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled file read with the csv module: (pixels, digit) per row."""
    with gzip.open(DIGITS_FILE, "rt", encoding="ascii") as stream:
        rows = [[int(v) for v in row] for row in csv.reader(stream)]
    table = np.array(rows)
    return table[:, :64], table[:, 64]


def digits_doc(**changes: Any) -> dict[str, Any]:
    return {**example("digits").session, **changes}


def test_the_bundled_file_is_the_uci_test_set() -> None:
    pixels, digit = raw_digits()
    assert pixels.shape == (1797, 64)
    assert pixels.min() == 0
    assert pixels.max() == 16
    # the class counts the UCI page gives for optdigits.tes
    assert np.bincount(digit).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert (DIGITS_FILE.parent / "ATTRIBUTION.md").read_text(encoding="utf-8").count("CC BY 4.0") >= 1


def test_preset_splits_all_1797_images_into_train_and_test() -> None:
    config = parse_session(example("digits").session)
    assert config.x.shape == (1438, 64)
    assert config.y.shape == (1438, 10)
    assert config.test_x is not None
    assert config.test_y is not None
    assert config.test_x.shape == (359, 64)
    assert config.test_y.shape == (359, 10)
    for y in (config.y, config.test_y):
        assert set(np.unique(y)) == {0.0, 1.0}
        assert np.all(y.sum(axis=1) == 1.0)
    # every image once, scaled by 1/16, with its own digit: no image in both sets
    pixels, digit = raw_digits()
    together = np.vstack([config.x, config.test_x]) * 16
    labels = np.argmax(np.vstack([config.y, config.test_y]), axis=1)
    order = np.lexsort(np.column_stack([together, labels]).T)
    raw_order = np.lexsort(np.column_stack([pixels, digit]).T)
    np.testing.assert_array_equal(together[order], pixels[raw_order])
    np.testing.assert_array_equal(labels[order], digit[raw_order])
    assert config.image_shape == (8, 8)
    assert len(np.unique(labels[-359:])) == 10


def test_split_is_a_function_of_the_seed() -> None:
    a = parse_session(digits_doc())
    b = parse_session(digits_doc())
    c = parse_session(digits_doc(seed=1))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.test_y, b.test_y)
    assert a.test_x is not None
    assert c.test_x is not None
    assert not np.array_equal(a.test_x, c.test_x)


@pytest.mark.parametrize(("fraction", "train", "test"), [(0.5, 899, 898), (0.1, 1617, 180)])
def test_test_fraction_sets_the_split(fraction: float, train: int, test: int) -> None:
    config = parse_session(digits_doc(data={"preset": "digits", "test_fraction": fraction}))
    assert config.x.shape[0] == train
    assert config.test_x is not None
    assert config.test_x.shape[0] == test


def test_no_test_fraction_means_no_test_split() -> None:
    config = parse_session(digits_doc(data={"preset": "digits", "test_fraction": 0}))
    assert config.x.shape == (1797, 64)
    assert config.test_x is None
    assert config.test_y is None


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"preset": "digits", "samples": 100}, "data", "unknown field 'samples'"),
        ({"preset": "digits", "noise": 0.1}, "data", "unknown field 'noise'"),
        ({"preset": "digits", "one_hot": False}, "data.one_hot", "one-hot"),
        ({"preset": "digits", "test_fraction": 0.95}, "data.test_fraction", "from 0 to 0.9"),
        ({"preset": "digits", "test_fraction": "a"}, "data.test_fraction", "expected a number"),
    ],
)
def test_bad_digits_options_name_the_field(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(GradstepError, match=re.escape(words)) as info:
        parse_session(digits_doc(data=data))
    assert info.value.field == field


def test_digits_need_64_inputs_and_10_outputs() -> None:
    doc = digits_doc()
    doc["network"] = {**doc["network"], "inputs": 2}
    with pytest.raises(GradstepError, match="64 input columns, but network.inputs is 2"):
        parse_session(doc)


def test_example_trains_and_its_loss_falls() -> None:
    session = Session(resolve("example:digits"))
    first = session.run_iterations(1)
    assert first.reason is None
    session.run_iterations(199)
    losses = session.losses()[1]
    assert losses.shape == (200,)
    # mini-batches of 32 make single losses noisy: compare the first and last twenty
    assert losses[-20:].mean() < 0.5 * losses[:20].mean()
    assert session.record().inputs.shape == (32, 64)


# ---- image_shape ----


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ([8, 9], "image_shape", "8 x 9 is 72 pixels, but network.inputs is 64"),
        ([4, 4], "image_shape", "is 16 pixels"),
        ([8, 0], "image_shape[1]", "at least 1"),
        ([8, 8.5], "image_shape[1]", "expected an integer"),
        ([], "image_shape", "expected a list"),
        ("8x8", "image_shape", "expected a list"),
    ],
)
def test_image_shape_is_validated(value: Any, field: str, words: str) -> None:
    with pytest.raises(GradstepError, match=re.escape(words)) as info:
        parse_session(digits_doc(image_shape=value))
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_image_shape_of_another_session_and_its_round_trip() -> None:
    doc = {
        "format": "gradstep-session",
        "version": 1,
        "network": {"inputs": 4, "layers": [{"units": 1, "activation": "sigmoid"}]},
        "data": {"inputs": [[0, 1, 1, 0], [1, 0, 0, 1]], "targets": [[0], [1]]},
        "image_shape": [2, 2],
    }
    config = parse_session(doc)
    assert config.image_shape == (2, 2)
    assert config.test_x is None
    again = parse_session(json.loads(json.dumps(session_json(config))))
    assert again.image_shape == (2, 2)
    plain = parse_session({k: v for k, v in doc.items() if k != "image_shape"})
    assert plain.image_shape is None
    assert "image_shape" not in session_json(plain)


def test_digits_session_round_trips_its_split() -> None:
    config = parse_session(example("digits").session)
    saved = session_json(config)
    assert saved["image_shape"] == [8, 8]
    again = parse_session(json.loads(json.dumps(saved)))
    np.testing.assert_array_equal(again.x, config.x)
    assert again.test_x is not None
    assert config.test_x is not None
    np.testing.assert_array_equal(again.test_x, config.test_x)


# ---- confusion matrix and accuracy ----


def test_confusion_matrix_counts_by_hand() -> None:
    target = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    expected = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    np.testing.assert_array_equal(confusion_matrix(target, predicted, 3), expected)


def test_evaluate_one_hot_and_one_column() -> None:
    out = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.4, 0.4, 0.2]])
    y = np.eye(3)[[0, 1, 1, 0]]
    result = evaluate(out, y, "softmax")
    np.testing.assert_array_equal(result.confusion, [[2, 0, 0], [0, 1, 1], [0, 0, 0]])
    assert result.correct == 3
    assert result.accuracy == 0.75
    binary = evaluate(np.array([[0.2], [0.9], [0.6]]), np.array([[0.0], [1.0], [0.0]]), "sigmoid")
    np.testing.assert_array_equal(binary.confusion, [[1, 1], [0, 1]])
    assert binary.accuracy == pytest.approx(2 / 3, rel=0, abs=1e-15)


def test_class_count_tells_classes_from_regression() -> None:
    assert class_count(np.eye(10)[[3, 1]]) == 10
    assert class_count(np.array([[0.0], [1.0]])) == 2
    assert class_count(np.array([[0.8]])) is None
    assert class_count(np.array([[1.0, 1.0]])) is None
    with pytest.raises(GradstepError, match="not classes"):
        evaluate(np.array([[0.5]]), np.array([[0.8]]), "sigmoid")


def _forward(params: Any, x: np.ndarray) -> np.ndarray:
    """relu hidden layer, softmax output: written out here, not the engine's code."""
    hidden = np.maximum(0.0, x @ params[0].weights.T + params[0].bias)
    z = hidden @ params[1].weights.T + params[1].bias
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_run_prints_the_test_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "example:digits", "--iterations", "30"]) == 0
    out = capsys.readouterr().out
    match = re.search(r"test accuracy (\d\.\d{4}) \((\d+) of 359 held-out samples", out)
    assert match is not None, out
    session = Session(resolve("example:digits"))
    session.run_iterations(30)
    config = session.config
    assert config.test_x is not None
    assert config.test_y is not None
    right = int(np.sum(np.argmax(_forward(session.params, config.test_x), 1) == np.argmax(config.test_y, 1)))
    assert int(match.group(2)) == right
    assert match.group(1) == f"{right / 359:.4f}"


def test_run_of_xor_prints_no_test_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "example:xor", "--iterations", "3"]) == 0
    assert "test accuracy" not in capsys.readouterr().out


def test_a_classifier_needs_a_probability_output() -> None:
    y = np.eye(3)[[0, 2]]
    assert classes_of(y, "softmax") == 3
    assert classes_of(np.array([[0.0], [1.0]]), "sigmoid") == 2
    assert classes_of(np.array([[0.0], [1.0]]), "linear") is None


def test_the_readme_digits_sample_is_the_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ gradstep run example:digits --iterations 2000\n(.*?)```", text, re.S)
    assert block is not None
    assert main(["run", "example:digits", "--iterations", "2000"]) == 0
    real = capsys.readouterr().out.splitlines()
    shown = block[1].splitlines()
    assert shown[0] == real[0]
    tail = shown[shown.index("...") + 1 :]
    for printed, ran in zip(tail, real[len(real) - len(tail) :], strict=True):
        assert same_but_last_digits(printed, ran), (printed, ran)
    accuracy = re.search(r"test accuracy (\d\.\d+)", tail[-1])
    assert accuracy is not None
    assert f"{100 * float(accuracy[1]):.2f}%" in text  # the percentage the README states
