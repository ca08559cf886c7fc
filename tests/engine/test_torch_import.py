"""Import from PyTorch: the mapping from a Sequential's modules or state_dict to a session is
plain NumPy and tested here without torch; reading real .pt files is marked ``torch``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.cli import main
from engine.core.compute import init_params
from engine.errors import GradstepError
from engine.export.numpy_script import numpy_script
from engine.export.torch_import import (
    ImportedLayer,
    Module,
    layers_from_modules,
    layers_from_state_dict,
    session_from_layers,
)
from engine.files.examples import example_names, resolve
from engine.files.session_file import parse_session


def _modules_of(config: Any) -> list[Module]:
    """The Sequential a session's torch export builds, as the importer sees it."""
    names = {
        "sigmoid": "Sigmoid",
        "tanh": "Tanh",
        "relu": "ReLU",
        "leaky_relu": "LeakyReLU",
        "softmax": "Softmax",
    }
    modules = []
    for layer, p in zip(config.layers, init_params(config), strict=True):
        modules.append(Module("Linear", p.weights, p.bias if layer.has_bias else None))
        if layer.activation in names:
            kind = names[layer.activation]
            modules.append(
                Module(
                    kind, slope=0.01 if kind == "LeakyReLU" else None, dim=1 if kind == "Softmax" else None
                )
            )
    return modules


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


@pytest.mark.parametrize("name", example_names())
def test_import_of_an_examples_own_modules_round_trips_its_weights_bit_for_bit(name: str) -> None:
    config = resolve(f"example:{name}")
    session = session_from_layers(layers_from_modules(_modules_of(config), "model.pt"), config, "model.pt")
    back = parse_session(session)
    assert [layer.activation for layer in back.layers] == [layer.activation for layer in config.layers]
    for p, q in zip(init_params(config), init_params(back), strict=True):
        assert _same_bits(p.weights, q.weights)
        assert _same_bits(p.bias, q.bias)

    # and the exported script carries the same numbers: import → export is exact
    def numbers(text: str) -> str:  # the data, weights and optimizer: what lies before the title
        return text.split("# The data")[1].split("\nstart = ")[0]

    assert numbers(numpy_script(back, "x")) == numbers(numpy_script(config, "x"))


def test_modules_map_to_layers_an_activation_after_each_linear_or_none() -> None:
    w0, w1, w2 = np.ones((3, 2)), np.full((3, 3), 0.5), np.full((1, 3), -0.25)
    modules = [
        Module("Linear", w0, np.zeros(3)),
        Module("Tanh"),
        Module("Linear", w1, None),
        Module("Identity"),
        Module("Linear", w2, np.array([0.1])),
        Module("Sigmoid"),
    ]
    layers = layers_from_modules(modules, "m.pt")
    assert [layer.activation for layer in layers] == ["tanh", "linear", "sigmoid"]
    assert layers[1].bias is None
    assert layers[2].weights is w2


def test_unsupported_layers_are_all_named() -> None:
    modules = [
        Module("Linear", np.ones((3, 2)), None),
        Module("Dropout"),
        Module("LeakyReLU", slope=0.2),
        Module("Linear", np.ones((2, 3)), None),
        Module("Softmax", dim=0),
    ]
    with pytest.raises(
        GradstepError,
        match=r"m\.pt: unsupported layers: Dropout, LeakyReLU\(negative_slope=0\.2\), Softmax\(dim=0\)",
    ):
        layers_from_modules(modules, "m.pt")
    with pytest.raises(GradstepError, match="Sigmoid has no Linear layer before it"):
        layers_from_modules([Module("Sigmoid"), Module("Linear", np.ones((1, 2)), None)], "m.pt")
    with pytest.raises(GradstepError, match="no Linear layer"):
        layers_from_modules([], "m.pt")


def test_a_state_dict_of_arrays_becomes_layers_with_the_given_activations() -> None:
    rng = np.random.default_rng(1)
    state = {
        "0.weight": rng.normal(size=(4, 2)),
        "0.bias": rng.normal(size=4),
        "2.weight": rng.normal(size=(1, 4)),
    }
    layers = layers_from_state_dict(state, ["relu", "sigmoid"], "sd.pt")
    assert [(layer.weights.shape, layer.bias is None, layer.activation) for layer in layers] == [
        ((4, 2), False, "relu"),
        ((1, 4), True, "sigmoid"),
    ]
    session = session_from_layers(layers, None, "sd.pt")
    config = parse_session(session)
    assert config.title == "Imported from sd.pt"
    assert config.biased == (True, False)
    params = init_params(config)
    assert _same_bits(params[0].weights, state["0.weight"])
    assert _same_bits(params[0].bias, state["0.bias"])
    assert _same_bits(params[1].weights, state["2.weight"])


def test_a_state_dict_needs_activations_and_linear_keys_only() -> None:
    state = {"0.weight": np.ones((3, 2)), "2.weight": np.ones((1, 3))}
    with pytest.raises(
        GradstepError, match="a state_dict holds no activations: give them with --activations"
    ):
        layers_from_state_dict(state, None, "sd.pt")
    with pytest.raises(GradstepError, match="2 Linear layers, but 1 activations given"):
        layers_from_state_dict(state, ["sigmoid"], "sd.pt")
    with pytest.raises(GradstepError, match="'1.running_mean' is not a Linear layer's weight or bias"):
        layers_from_state_dict({**state, "1.running_mean": np.ones(3)}, ["sigmoid", "sigmoid"], "sd.pt")
    with pytest.raises(GradstepError, match="expected \\(out, in\\)"):
        layers_from_state_dict({"0.weight": np.ones(3)}, ["sigmoid"], "sd.pt")


def test_data_must_fit_the_network() -> None:
    layers = [ImportedLayer(np.ones((3, 4)), None, "tanh"), ImportedLayer(np.ones((2, 3)), None, "softmax")]
    with pytest.raises(GradstepError, match="a 4-input, 2-output network needs data: give --like SESSION"):
        session_from_layers(layers, None, "m.pt")
    four_inputs = [layers[0], ImportedLayer(np.ones((1, 3)), None, "sigmoid")]
    with pytest.raises(GradstepError, match="data") as refused:
        session_from_layers(four_inputs, resolve("example:xor"), "m.pt")  # XOR has 2 inputs
    assert "4" in str(refused.value)
    with pytest.raises(GradstepError, match="softmax output layer goes with cross_entropy"):
        session_from_layers(
            [layers[0], ImportedLayer(np.ones((1, 3)), None, "softmax")], resolve("example:xor"), "m"
        )
    chained = [ImportedLayer(np.ones((3, 2)), None, "tanh"), ImportedLayer(np.ones((1, 4)), None, "sigmoid")]
    with pytest.raises(GradstepError, match="layer 1 takes 4 inputs, but the layer before has 3 units"):
        session_from_layers(chained, None, "m.pt")


def test_import_without_torch_says_torch_is_needed(tmp_path: Path, capsys, monkeypatch) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(b"PK\x03\x04 not really")
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    assert main(["import", str(model), "--out", str(tmp_path / "s.json")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "gradstep: model.pt: reading a PyTorch file needs torch, which is not installed "
        "(pip install torch; Gradstep itself does not need it)\n"
    )
    assert not (tmp_path / "s.json").exists()


def test_import_refuses_other_outputs_and_missing_files(tmp_path: Path, capsys) -> None:
    assert main(["import", str(tmp_path / "none.pt"), "--out", str(tmp_path / "s.json")]) == 2
    assert "none.pt" in capsys.readouterr().err
    (tmp_path / "m.pt").write_bytes(b"x")
    assert main(["import", str(tmp_path / "m.pt"), "--out", str(tmp_path / "s.txt")]) == 2
    assert "a session is written to a .json file" in capsys.readouterr().err


# ---- with torch (.ci/run-torch) ----


@pytest.mark.torch
@pytest.mark.parametrize("name", ["xor", "moons", "tutorial-002"])
def test_torch_export_then_import_round_trips_the_weights_exactly(name: str, tmp_path: Path, capsys) -> None:
    torch = pytest.importorskip("torch")
    script = tmp_path / "train_torch.py"
    assert main(["export", f"example:{name}", "--out", str(script), "--torch"]) == 0
    model = tmp_path / "model.pt"
    done = subprocess.run(
        [sys.executable, str(script), "--iterations", "0", "--save-model", str(model)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    state_dict = tmp_path / "state_dict.pt"
    torch.save(torch.load(model, weights_only=False).state_dict(), state_dict)
    config = resolve(f"example:{name}")
    for source in (model, state_dict):
        out = tmp_path / f"{source.stem}.json"
        assert main(["import", str(source), "--out", str(out), "--like", f"example:{name}"]) == 0
        back = resolve(str(out))
        assert [layer.activation for layer in back.layers] == [layer.activation for layer in config.layers]
        for p, q in zip(init_params(config), init_params(back), strict=True):
            assert _same_bits(p.weights, q.weights)
            assert _same_bits(p.bias, q.bias)
    capsys.readouterr()


@pytest.mark.torch
def test_a_model_trained_in_torch_imports_with_the_engines_weights(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from engine.history.session import Session

    script = tmp_path / "train_torch.py"
    assert main(["export", "example:moons", "--out", str(script), "--torch"]) == 0
    model = tmp_path / "trained.pt"
    subprocess.run(
        [sys.executable, str(script), "--iterations", "15", "--save-model", str(model)],
        check=True,
        capture_output=True,
    )
    assert main(["import", str(model), "--out", str(tmp_path / "s.json"), "--like", "example:moons"]) == 0
    session = Session(resolve("example:moons"))
    session.run_iterations(15)
    for p, q in zip(session.params, init_params(resolve(str(tmp_path / "s.json"))), strict=True):
        np.testing.assert_allclose(q.weights, p.weights, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(q.bias, p.bias, rtol=1e-10, atol=1e-13)


@pytest.mark.torch
def test_a_model_with_unsupported_layers_is_refused_naming_them(tmp_path: Path, capsys) -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 3), nn.Dropout(), nn.ReLU(), nn.Linear(3, 1), nn.BatchNorm1d(1))
    torch.save(model, tmp_path / "m.pt")
    assert main(["import", str(tmp_path / "m.pt"), "--out", str(tmp_path / "s.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gradstep: m.pt: unsupported layers: Dropout, BatchNorm1d (")
    assert not (tmp_path / "s.json").exists()
