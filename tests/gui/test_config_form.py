"""The configuration form as plain data: values in, a session document out, tested without Qt."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import GradstepError, parse_session
from engine.files.examples import resolve
from engine.files.session_file import session_json
from gui.config.form import (
    TYPING_CSV_BYTES,
    TYPING_SAMPLES,
    DataForm,
    FormValues,
    exact_text,
    field_key,
    form_from_config,
    form_message,
    session_document,
    typing_document,
)
from tests.conftest import tiny_session_dict
from tests.helpers import assert_imports_without_qt


def loaded_tiny() -> dict[str, Any]:
    return session_json(parse_session(tiny_session_dict()))


def engine_error(doc: dict[str, Any]) -> GradstepError:
    with pytest.raises(GradstepError) as info:
        parse_session(doc)
    return info.value


def test_a_form_becomes_the_session_it_describes() -> None:
    form = FormValues(
        inputs=2,
        layers=((4, "tanh"), (1, "sigmoid")),
        seed=3,
        loss="mse",
        optimizer="momentum",
        learning_rate="0.25",
        momentum="0.8",
        full_batch=False,
        batch_size=2,
        iterations=50,
        mistake="wrong_sign",
        data=DataForm(source="preset", preset="or"),
    )
    config = parse_session(session_document(form, loaded_tiny()))
    assert config.sizes == (2, 4, 1)
    assert [layer.activation for layer in config.layers] == ["tanh", "sigmoid"]
    assert config.seed == 3
    assert config.loss == "mse"
    assert (config.optimizer.name, config.optimizer.learning_rate, config.optimizer.momentum) == (
        "momentum",
        0.25,
        0.8,
    )
    assert config.batch_size == 2
    assert config.iterations == 50
    assert config.mistake == "wrong_sign"
    np.testing.assert_array_equal(config.y[:, 0], [0.0, 1.0, 1.0, 1.0])  # OR of the unit square's corners


def test_only_the_chosen_optimizers_numbers_go_in() -> None:
    form = FormValues(optimizer="adam", learning_rate="1e-3", beta1="0.8", beta2="0.99", eps="1e-7")
    optimizer = session_document(form, loaded_tiny())["optimizer"]
    assert optimizer == {"name": "adam", "learning_rate": 1e-3, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7}
    optimizer = session_document(replace(form, optimizer="sgd"), loaded_tiny())["optimizer"]
    assert optimizer == {"name": "sgd", "learning_rate": 1e-3}


def test_table_cells_split_into_inputs_and_targets() -> None:
    table = (("0", "0", "1"), ("1", "0.5", "0"))
    doc = session_document(FormValues(data=DataForm(source="table", table=table)), loaded_tiny())
    assert doc["data"] == {"inputs": [[0.0, 0.0], [1.0, 0.5]], "targets": [[1.0], [0.0]]}


def test_text_that_is_no_number_goes_to_the_engine_as_text() -> None:
    doc = session_document(FormValues(learning_rate="fast"), loaded_tiny())
    assert doc["optimizer"]["learning_rate"] == "fast"
    error = engine_error(doc)
    assert error.field == "optimizer.learning_rate"


@pytest.mark.parametrize(
    "spec", ["example:xor", "example:tutorial-004", "example:tutorial-001", "example:moons", "example:digits"]
)
def test_the_form_filled_from_a_session_gives_that_session_back(spec: str) -> None:
    config = resolve(spec)
    form = form_from_config(config)
    again = parse_session(session_document(form, session_json(config)))
    assert session_json(again) == session_json(config)


def test_the_digits_preset_keeps_its_split_and_needs_no_samples_or_noise() -> None:
    doc = {**session_json(resolve("example:digits")), "data": {"preset": "digits", "test_fraction": 0.5}}
    config = parse_session(doc)
    form = form_from_config(config)
    rebuilt = session_document(form, doc)
    assert rebuilt["data"] == {"preset": "digits", "test_fraction": 0.5}
    typed, _ = typing_document(form, doc)
    assert parse_session(typed).image_shape == (8, 8)


def test_numbers_are_filled_in_so_they_read_back_exactly() -> None:
    assert exact_text(0.1 + 0.2) == "0.30000000000000004"
    assert float(exact_text(0.1 + 0.2)) == 0.1 + 0.2
    assert exact_text(0.6) == "0.6"
    assert exact_text(2.0) == "2"


def test_weights_are_kept_only_while_their_shape_is() -> None:
    config = resolve("example:tutorial-001")  # explicit weights, a 2-2-1 network
    loaded = session_json(config)
    form = form_from_config(config)
    assert form.keep_weights
    layers = session_document(form, loaded)["network"]["layers"]
    assert all("weights" in layer and "bias" in layer for layer in layers)
    grown = replace(form, layers=((3, form.layers[0][1]), form.layers[1]))
    layers = session_document(grown, loaded)["network"]["layers"]
    assert not any("weights" in layer for layer in layers)  # both layers touch the grown one
    dropped = session_document(replace(form, keep_weights=False), loaded)["network"]["layers"]
    assert not any("weights" in layer for layer in dropped)


def test_a_saved_state_does_not_pass_through_but_the_title_does() -> None:
    loaded = {**loaded_tiny(), "title": "mine", "state": {"iteration": 3}}
    doc = session_document(FormValues(), loaded)
    assert doc["title"] == "mine"
    assert "state" not in doc


def test_typing_never_builds_big_data(built_presets: list[int]) -> None:
    loaded = loaded_tiny()
    built_presets.clear()  # count only what typing builds
    form = FormValues(data=DataForm(source="preset", preset="moons", samples=1_000_000), full_batch=False)
    doc, exact = typing_document(form, loaded)
    assert not exact
    parse_session(doc)
    assert built_presets == [TYPING_SAMPLES]
    small = replace(form, data=replace(form.data, samples=60))
    doc, exact = typing_document(small, loaded)
    assert exact  # small data is checked for real
    assert doc == session_document(small, loaded)


def test_typing_still_names_every_field_problem() -> None:
    big = DataForm(source="preset", preset="moons", samples=500_000)
    cases = {
        "optimizer.learning_rate": FormValues(learning_rate="0", data=big),
        "network.layers[0].activation": FormValues(layers=((3, "softmax"), (1, "sigmoid")), data=big),
        "loss": FormValues(loss="cross_entropy", data=big),
        "data.noise": FormValues(data=replace(big, noise="-1")),
        "data.samples": FormValues(data=replace(big, samples=2_000_000)),
        "data.inputs": FormValues(inputs=3, data=big),  # the moons have 2 inputs
    }
    for where, form in cases.items():
        doc, _ = typing_document(form, loaded_tiny())
        typed = engine_error(doc)
        assert typed.field == where
        assert str(typed) == str(engine_error(session_document(form, loaded_tiny())))  # as Apply says


def test_typing_reads_a_small_csv_file_but_not_a_big_or_special_one(tmp_path: Path) -> None:
    loaded = loaded_tiny()
    small = tmp_path / "small.csv"
    small.write_text("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    form = FormValues(data=DataForm(source="csv", csv="small.csv", targets="y"))
    doc, exact = typing_document(form, loaded, tmp_path)  # a relative name, in the session's folder
    assert exact
    assert doc["data"] == {"csv": "small.csv", "targets": ["y"]}
    assert parse_session(doc, tmp_path).x.shape == (4, 2)

    missing = replace(form, data=replace(form.data, csv="nowhere.csv"))
    doc, _ = typing_document(missing, loaded, tmp_path)
    assert "nowhere.csv" in str(engine_error(doc))  # said while typing: no file to read

    big = tmp_path / "big.csv"
    big.write_text("a,b,y\n" + "0.25,0.5,1\n" * (TYPING_CSV_BYTES // 10))
    form = replace(form, data=replace(form.data, csv=str(big)), loss="bce")
    doc, exact = typing_document(form, loaded, tmp_path)
    assert not exact
    assert "csv" not in doc["data"]  # a row of the form's shape stands in
    parse_session(doc)
    assert parse_session(session_document(form, loaded)).x.shape[0] == TYPING_CSV_BYTES // 10  # on Apply

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    doc, exact = typing_document(replace(form, data=replace(form.data, csv=str(fifo))), loaded)
    assert not exact
    assert "csv" not in doc["data"]  # reading a pipe could block the window: never while typing

    nul = replace(form, data=replace(form.data, csv="a\x00b.csv"))  # a name no file can have
    doc, exact = typing_document(nul, loaded, tmp_path)
    assert not exact
    assert "csv" not in doc["data"]  # Apply says what is wrong with it


def test_field_key_is_the_longest_registered_field_the_error_is_in() -> None:
    keys = ["network", "network.inputs", "network.layers[0]", "network.layers[1]", "data", "optimizer"]
    assert field_key("network.layers[1].units", keys) == "network.layers[1]"
    assert field_key("network.layers[10].units", keys) == "network"  # not layers[1]
    assert field_key("data.inputs[1][0]", keys) == "data"
    assert field_key("optimizer.learning_rate", keys) == "optimizer"
    assert field_key("network.inputsx", keys) == "network"
    assert field_key("seed", keys) is None
    assert field_key(None, keys) is None


def test_the_form_imports_without_qt() -> None:
    assert_imports_without_qt("gui.config.form")


def mostly(valid: object, *invalid: object) -> st.SearchStrategy[Any]:
    """Usually ``valid``, sometimes one of ``invalid``: many drawn forms are valid throughout."""
    return st.sampled_from([valid] * 8 + list(invalid))


@st.composite
def forms(draw: st.DrawFn) -> FormValues:
    """Forms a user could leave, many valid, with point presets big enough to be cut."""
    hidden = draw(st.lists(st.tuples(mostly(3, 0), mostly("tanh", "relu", "softmax")), max_size=2))
    output_activation = draw(mostly("sigmoid", "softmax", "linear"))
    loss = draw(mostly("half_sse", "mse", "bce", "cross_entropy"))
    if output_activation == "softmax" and draw(st.booleans()):
        loss = "cross_entropy"
    one_hot = draw(st.booleans())
    outputs = 2 if one_hot else 1
    data = DataForm(
        source="preset",
        preset=draw(st.sampled_from(["xor", "moons", "circles", "gaussians"])),
        samples=draw(mostly(3000, 1, 50, TYPING_SAMPLES + 1)),
        noise=draw(mostly("0.1", "-0.5", "noisy")),
        one_hot=one_hot,
    )
    return FormValues(
        inputs=draw(mostly(2, 0, 3)),
        layers=(*hidden, (draw(mostly(outputs, 3)), output_activation)),
        init=draw(st.sampled_from(["xavier_uniform", "he_normal", "zeros"])),
        loss=loss,
        optimizer=draw(st.sampled_from(["sgd", "momentum", "adam"])),
        learning_rate=draw(mostly("0.5", "0", "fast")),
        momentum=draw(mostly("0.9", "1")),
        beta1=draw(mostly("0.9", "-1")),
        beta2=draw(mostly("0.999", "x")),
        eps=draw(mostly("1e-8", "0")),
        full_batch=draw(st.booleans()),
        batch_size=draw(st.sampled_from([0, 1, 16, 40, 400])),
        iterations=draw(mostly(100, 0)),
        mistake=draw(mostly(None, "wrong_sign", "derivative_of_z", "wrong_batch_reduction")),
        data=data,
    )


def outcome(doc: dict[str, Any]) -> str | None:
    try:
        parse_session(doc)
    except GradstepError as exc:
        return str(exc)
    return None


@settings(max_examples=300, deadline=None)
@given(forms())
def test_typing_says_what_apply_says(form: FormValues) -> None:
    """The check while typing agrees with Apply: no alarm Apply would not raise, no problem
    missed, the same message; only a batch larger than data too big to build waits for Apply."""
    loaded = loaded_tiny()
    applied = outcome(session_document(form, loaded))
    typed = outcome(typing_document(form, loaded)[0])
    if applied is not None and applied.startswith("batch_size:") and typed is None:
        assert form.data.samples > TYPING_SAMPLES  # cut while typing: the limit is checked on Apply
        return
    assert typed == applied


def test_a_batch_too_large_for_data_cut_while_typing_does_not_hide_a_later_field() -> None:
    """Found by the property above: 257 moons points, a batch of 400 and 0 iterations. While
    typing the data is cut and the batch set to 1; Apply must not then name another field than
    the check while typing did (the data, and with it the batch, is judged last)."""
    form = FormValues(
        full_batch=False,
        batch_size=400,
        iterations=0,
        data=DataForm(source="preset", preset="moons", samples=257),
    )
    loaded = loaded_tiny()
    applied = outcome(session_document(form, loaded))
    assert applied is not None
    assert applied.startswith("iterations:")
    assert outcome(typing_document(form, loaded)[0]) == applied


def test_a_bias_free_layer_goes_in_as_bias_false_and_comes_back() -> None:
    doc = tiny_session_dict()
    doc["network"]["layers"][0]["bias"] = False
    config = parse_session(doc)
    form = form_from_config(config)
    assert form.biased == (False, True)
    again = session_document(form, session_json(config))
    assert again["network"]["layers"][0]["bias"] is False
    assert parse_session(again).biased == (False, True)
    typed, _ = typing_document(form, session_json(config))
    assert typed["network"]["layers"][0]["bias"] is False  # the layer's shape, kept while typing
    # kept weights: a layer that gives up its biases drops the bias array, never both
    loaded = session_json(resolve("example:tutorial-001"))
    kept = replace(form_from_config(resolve("example:tutorial-001")), biased=(False, True))
    layers = session_document(kept, loaded)["network"]["layers"]
    assert layers[0]["bias"] is False
    assert isinstance(layers[1]["bias"], list)
    assert parse_session(session_document(kept, loaded)).biased == (False, True)


def test_engine_messages_name_the_forms_labels() -> None:
    names = {"optimizer.learning_rate": "Learning rate", "network.layers[0]": "Hidden 0", "data": "Data"}
    assert form_message(
        "optimizer.learning_rate: must be positive, got 0.0", "optimizer.learning_rate", names
    ) == ("Learning rate: must be positive, got 0.0")
    assert form_message("network.layers[0].units: must be at least 1", "network.layers[0].units", names) == (
        "Hidden 0 units: must be at least 1"
    )
    assert form_message("data.targets[2][0]: expected a number", "data.targets[2][0]", names) == (
        "Data (targets[2][0]): expected a number"
    )
    # a message that does not start with its field's path, or names no field of the form, stays
    assert form_message("loss: momentum too big", "optimizer.momentum", names) == "loss: momentum too big"
    assert form_message("seed: bad", "seed", names) == "seed: bad"


def test_an_image_shape_passes_through_apply_until_the_inputs_change() -> None:
    doc = {
        "format": "gradstep-session",
        "version": 1,
        "image_shape": [2, 2],
        "network": {"inputs": 4, "layers": [{"units": 1, "activation": "sigmoid"}]},
        "loss": "half_sse",
        "optimizer": {"name": "sgd", "learning_rate": 0.5},
        "data": {"inputs": [[0, 0, 1, 1], [1, 0, 0, 1]], "targets": [[0], [1]]},
    }
    config = parse_session(doc)
    form = form_from_config(config)
    assert parse_session(session_document(form, session_json(config))).image_shape == (2, 2)
    narrower = replace(form, inputs=3)  # the images' 4 pixels are no longer the inputs
    assert "image_shape" not in session_document(narrower, session_json(config))
