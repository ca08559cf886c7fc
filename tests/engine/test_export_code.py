"""Export as code: the NumPy script prints the losses ``gradstep run`` prints, for every
built-in example and for random sessions; the PyTorch script agrees to 1e-10 where torch is
installed (marked ``torch``: ``.ci/run-torch`` runs those)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli import main
from engine.core.mistakes import MISTAKES, applicable
from engine.export.numpy_script import numpy_script
from engine.files.examples import example_names, resolve
from engine.files.session_file import parse_session
from engine.history.session import Session

ITERATIONS = 20


def _run_script(script: Path, iterations: int | None = ITERATIONS) -> list[str]:
    args = [] if iterations is None else ["--iterations", str(iterations)]
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _losses(lines: list[str]) -> tuple[dict[int, float], float | None]:
    """(iteration → loss) of the ``iteration K  loss X`` lines, and the final loss."""
    printed = {}
    final = None
    for line in lines:
        words = line.split()
        if words[:1] == ["iteration"] and words[2:3] == ["loss"]:
            printed[int(words[1])] = float(words[3])
        elif line.startswith("final loss "):
            final = float(words[2])
    return printed, final


def _engine_losses(config: Any, iterations: int) -> dict[int, float]:
    session = Session(config)
    session.run_iterations(iterations)
    ks, losses = session.losses()
    return {int(k): float(v) for k, v in zip(ks, losses, strict=True)}


def _assert_matches(lines: list[str], config: Any, iterations: int) -> None:
    printed, final = _losses(lines)
    engine = _engine_losses(config, iterations)
    start = config.state.iteration if config.state is not None else 0
    every = max(1, iterations // 10)
    expected = [k for k in range(start, start + iterations) if (k - start + 1) % every == 0]
    expected += [start + iterations - 1] if iterations and start + iterations - 1 not in expected else []
    assert sorted(printed) == expected
    for k, loss in printed.items():
        assert loss == pytest.approx(engine[k], rel=1e-12, abs=0.0), k
    assert final == printed[start + iterations - 1]


def _export(config: Any, folder: Path, name: str = "session", in_out: bool = False) -> Path:
    script = folder / "train.py"
    script.write_text(numpy_script(config, name, script, in_out), encoding="utf-8")
    return script


@pytest.mark.parametrize("name", example_names())
def test_every_example_prints_the_lines_gradstep_run_prints(name: str, tmp_path: Path, capsys) -> None:
    script = tmp_path / "train.py"
    assert main(["export", f"example:{name}", "--out", str(script)]) == 0
    assert capsys.readouterr().out == f"wrote {script}\n"
    lines = _run_script(script)
    assert main(["run", f"example:{name}", "--iterations", str(ITERATIONS)]) == 0
    ran = capsys.readouterr().out.splitlines()
    # the same lines, header included, up to the predictions gradstep run adds at the end
    assert lines == ran[: len(lines)]
    assert ran[len(lines) - 1].startswith("final loss ")
    _assert_matches(lines, resolve(f"example:{name}"), ITERATIONS)


def test_the_tutorials_orientation_writes_w_as_inputs_by_units(tmp_path: Path, capsys) -> None:
    script = tmp_path / "train.py"
    assert main(["export", "example:tutorial-004", "--out", str(script), "--orientation", "in-out"]) == 0
    text = script.read_text(encoding="utf-8")
    # np.random.seed(42); np.random.rand(2, 2): the tutorial's weights_input_hidden as it prints it
    assert (
        "[0.3745401188473625, 0.9507143064099162],\n        [0.7319939418114051, 0.5986584841970366]" in text
    )
    assert "z0 = x @ W0 + b0" in text
    assert "dW0 = x.T @ delta0" in text
    _assert_matches(_run_script(script), resolve("example:tutorial-004"), ITERATIONS)
    assert main(["export", "example:xor", "--out", str(script), "--torch", "--orientation", "in-out"]) == 2
    assert "nn.Linear's (units, inputs) weights" in capsys.readouterr().err


def test_the_default_iteration_count_is_the_sessions(tmp_path: Path) -> None:
    config = parse_session({**_xor(), "iterations": 7})
    lines = _run_script(_export(config, tmp_path), iterations=None)
    assert lines[0].endswith(": 7 iterations, half_sse loss, sgd lr 0.5, 4 samples")
    assert lines[-1].startswith("final loss ")
    assert lines[-1].endswith("(iteration 6, before its update)")
    _assert_matches(lines, config, 7)


def test_no_iterations_prints_no_final_loss_like_gradstep_run(tmp_path: Path) -> None:
    lines = _run_script(_export(parse_session(_xor()), tmp_path), iterations=0)
    assert len(lines) == 1
    assert lines[0].endswith(": 0 iterations, half_sse loss, sgd lr 0.5, 4 samples")


def test_negative_iterations_are_refused_with_exit_code_2(tmp_path: Path) -> None:
    script = _export(parse_session(_xor()), tmp_path)
    done = subprocess.run(
        [sys.executable, str(script), "--iterations", "-3"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "--iterations must be non-negative, got -3" in done.stderr


def _xor(**changes: Any) -> dict[str, Any]:
    session: dict[str, Any] = {
        "format": "gradstep-session",
        "version": 1,
        "seed": 3,
        "network": {"inputs": 2, "layers": [{"units": 3, "activation": "sigmoid"}, {"units": 1}]},
        "loss": "half_sse",
        "optimizer": {"name": "sgd", "learning_rate": 0.5},
        "data": {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0], [1], [1], [0]]},
    }
    return session | changes


# ---- random sessions ----

_HIDDEN = ("linear", "sigmoid", "tanh", "relu", "leaky_relu")
_LOSSES = ("mse", "half_sse", "sse", "bce", "bce_sum", "cross_entropy", "cross_entropy_sum")


@st.composite
def sessions(draw: st.DrawFn) -> dict[str, Any]:
    """A small random session: any activations, loss, optimizer, batch size, biases, mistake."""
    inputs = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.tuples(st.integers(1, 4), st.sampled_from(_HIDDEN), st.booleans()), max_size=2))
    loss = draw(st.sampled_from(_LOSSES))
    outputs = draw(st.integers(1 if loss in ("bce", "bce_sum") else 2, 3))
    if loss.startswith("cross_entropy"):
        out_activation = "softmax"
    elif loss.startswith("bce"):
        out_activation = "sigmoid"
    else:
        out_activation = draw(st.sampled_from(_HIDDEN))
    layers: list[dict[str, Any]] = [{"units": u, "activation": a, "bias": b} for u, a, b in hidden]
    layers.append({"units": outputs, "activation": out_activation, "bias": draw(st.booleans())})
    samples = draw(st.integers(1, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.normal(size=(samples, inputs))
    if out_activation == "softmax":
        y = rng.dirichlet(np.ones(outputs), size=samples)
    else:
        y = rng.uniform(0.0, 1.0, size=(samples, outputs))
    optimizer: dict[str, Any] = {
        "name": draw(st.sampled_from(("sgd", "momentum", "adam"))),
        "learning_rate": draw(st.sampled_from((0.01, 0.1, 0.3))),
    }
    if optimizer["name"] == "momentum":
        optimizer["momentum"] = draw(st.sampled_from((0.5, 0.9)))
    session = {
        "format": "gradstep-session",
        "version": 1,
        "seed": draw(st.integers(0, 1000)),
        "network": {
            "inputs": inputs,
            "init": draw(st.sampled_from(("uniform", "normal", "xavier_uniform", "he_normal"))),
            "layers": layers,
        },
        "loss": loss,
        "optimizer": optimizer,
        "data": {"inputs": x.tolist(), "targets": y.tolist()},
        "batch_size": draw(st.one_of(st.none(), st.integers(1, samples))),
    }
    sizes = (inputs, *(layer["units"] for layer in layers))
    activations = tuple(layer["activation"] for layer in layers)
    biased = tuple(layer["bias"] for layer in layers)
    possible = [m for m in MISTAKES if applicable(m, sizes, activations, loss, biased) is None]
    mistake = draw(st.one_of(st.none(), st.sampled_from(possible))) if possible else None
    return session | ({"mistake": mistake} if mistake is not None else {})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions(), st.booleans())
def test_random_sessions_print_the_engines_losses(session: dict[str, Any], in_out: bool) -> None:
    """In both orientations: Gradstep's W (units, inputs), or the tutorials' (inputs, units)."""
    config = parse_session(session)
    engine = Session(config)
    diverged = engine.run_iterations(10).reason == "non_finite"
    with tempfile.TemporaryDirectory() as folder:
        script = _export(config, Path(folder), in_out=in_out)
        done = subprocess.run(
            [sys.executable, str(script), "--iterations", "10"], capture_output=True, text=True, check=False
        )
    if not diverged:
        assert done.returncode == 0, done.stderr
        _assert_matches(done.stdout.splitlines(), config, 10)
        return
    # a run that overflows stops as gradstep run does: exit code 3, the losses before it printed
    assert done.returncode == 3, done.stderr
    printed, final = _losses(done.stdout.splitlines())
    assert final is None
    ks, losses = engine.losses()
    known = dict(zip(ks.tolist(), losses.tolist(), strict=True))
    for k, loss in printed.items():
        assert loss == pytest.approx(known[k], rel=1e-12, abs=0.0)


@pytest.mark.parametrize("in_out", [False, True])
@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_every_teaching_mistake_is_written_into_the_code_and_marked(
    mistake: str, in_out: bool, tmp_path: Path
) -> None:
    layers = [
        {"units": 2, "activation": "tanh"},
        {"units": 2, "activation": "sigmoid"},
        {"units": 2, "activation": "sigmoid"},
    ]
    session = _xor(
        network={"inputs": 2, "layers": layers},
        data={"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0, 1], [1, 0], [1, 0], [0, 1]]},
        loss="mse" if mistake != "wrong_batch_reduction" else "half_sse",
        mistake=mistake,
    )
    config = parse_session(session)
    script = _export(config, tmp_path, in_out=in_out)
    text = script.read_text(encoding="utf-8")
    assert f"# MISTAKE (teaching mode, {mistake}): " in text
    words = " ".join(re.sub(r"\n *#", " ", text).split())  # a long comment goes on over several lines
    assert f"MISTAKE (teaching mode, {mistake}): {MISTAKES[mistake].explanation}" in words
    _assert_matches(_run_script(script, iterations=10), config, 10)
    # the mistake changes the numbers: the same session without it trains differently
    correct = _engine_losses(parse_session({k: v for k, v in session.items() if k != "mistake"}), 10)
    assert _engine_losses(config, 10)[9] != correct[9]


def test_a_saved_live_session_continues_where_it_was(tmp_path: Path) -> None:
    for optimizer in ({"name": "momentum", "learning_rate": 0.3}, {"name": "adam", "learning_rate": 0.05}):
        session = Session(parse_session(_xor(optimizer=optimizer, batch_size=3)))
        session.run_iterations(5)
        saved = tmp_path / "saved.json"
        session.save(saved)
        config = resolve(str(saved))
        assert config.state is not None
        assert config.state.iteration == 5
        for in_out in (False, True):
            lines = _run_script(_export(config, tmp_path, in_out=in_out), iterations=10)
            _assert_matches(lines, config, 10)
            assert min(_losses(lines)[0]) == 5


def test_large_arrays_are_exact_as_base64_and_big_csv_data_is_read_from_its_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(700, 3))
    y = (x.sum(axis=1, keepdims=True) > 0).astype(float)
    rows = ["a,b,label,c"] + [
        ",".join(repr(float(v)) for v in (r[0], r[1], t[0], r[2])) for r, t in zip(x, y, strict=True)
    ]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    session = _xor(
        network={
            "inputs": 3,
            "layers": [{"units": 700, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}],
        },
        loss="bce",
        data={"csv": "data.csv", "targets": ["label"]},
        batch_size=64,
    )
    (tmp_path / "session.json").write_text(json.dumps(session), encoding="utf-8")
    config = resolve(str(tmp_path / "session.json"))
    out = tmp_path / "out"
    out.mkdir()
    script = _export(config, out)
    text = script.read_text(encoding="utf-8")
    assert "base64.b64decode(" in text  # W⁽¹⁾ has 700 weights, W⁽⁰⁾ 2100
    assert "read_csv(Path(__file__).resolve().parent / '../data.csv', ['a', 'b', 'c'], ['label'])" in text
    _assert_matches(_run_script(script, iterations=12), config, 12)


def test_the_script_reads_like_the_chain_rule_panel(tmp_path: Path) -> None:
    text = numpy_script(resolve("example:tutorial-004"), "example:tutorial-004")
    for quantity in ("z⁽⁰⁾", "a⁽⁰⁾", "δ⁽¹⁾", "∂ℓ/∂a⁽¹⁾", "∂a⁽¹⁾/∂z⁽¹⁾", "∂L/∂W⁽⁰⁾"):
        assert quantity in text
    assert "0.3745401188473625" in text  # np.random.seed(42)'s first rand, to the last digit
    compile(text, "train.py", "exec")


def test_export_refuses_a_script_that_is_not_a_py_file(tmp_path: Path, capsys) -> None:
    assert main(["export", "example:xor", "--out", str(tmp_path / "x.txt"), "--torch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "a script is written to a .py file" in err
    assert not (tmp_path / "x.txt").exists()


def test_exported_numbers_round_trip_exactly() -> None:
    from engine.export.literals import array

    rng = np.random.default_rng(0)
    for values in (
        rng.normal(size=(3, 4)) * 1e-300,
        np.array([-0.0, 5e-324, 1.7976931348623157e308]),
        rng.normal(size=(50, 50)),
    ):
        back = eval(array(values), {"np": np, "base64": __import__("base64")})
        assert back.shape == values.shape
        assert np.array_equal(back.view(np.int64), values.view(np.int64))


def test_losses_stop_with_exit_code_3_when_they_are_not_finite(tmp_path: Path) -> None:
    network = {"inputs": 2, "layers": [{"units": 1, "activation": "linear"}]}
    config = parse_session(_xor(network=network, optimizer={"name": "sgd", "learning_rate": 1e6}, loss="sse"))
    done = subprocess.run(
        [sys.executable, str(_export(config, tmp_path)), "--iterations", "200"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.startswith("stopped: non-finite loss in iteration ")
    printed, final = _losses(done.stdout.splitlines())
    assert final is None
    assert all(math.isfinite(loss) for loss in printed.values())


# ---- PyTorch (.ci/run-torch; skipped where torch is not installed) ----


def _torch_export(config: Any, folder: Path) -> Path:
    from engine.export.torch_script import torch_script

    script = folder / "train_torch.py"
    script.write_text(torch_script(config, "session", script), encoding="utf-8")
    return script


def _assert_close(lines: list[str], config: Any, iterations: int, rtol: float) -> None:
    printed, final = _losses(lines)
    engine = _engine_losses(config, iterations)
    assert printed
    for k, loss in printed.items():
        assert loss == pytest.approx(engine[k], rel=rtol, abs=0.0), k
    assert final == printed[max(printed)]


@pytest.mark.torch
@pytest.mark.parametrize("name", example_names())
def test_every_example_as_pytorch_prints_the_losses_to_1e_10(name: str, tmp_path: Path, capsys) -> None:
    pytest.importorskip("torch")
    script = tmp_path / "train_torch.py"
    assert main(["export", f"example:{name}", "--out", str(script), "--torch"]) == 0
    capsys.readouterr()
    lines = _run_script(script)
    assert main(["run", f"example:{name}", "--iterations", str(ITERATIONS)]) == 0
    ran = capsys.readouterr().out.splitlines()
    assert lines[0] == ran[0]  # the same header
    assert [line.split()[:2] for line in lines] == [line.split()[:2] for line in ran[: len(lines)]]
    _assert_close(lines, resolve(f"example:{name}"), ITERATIONS, 1e-10)


@pytest.mark.torch
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_random_sessions_as_pytorch_print_the_engines_losses(session: dict[str, Any]) -> None:
    pytest.importorskip("torch")
    session.pop("mistake", None)  # autograd makes none
    config = parse_session(session)
    if Session(config).run_iterations(10).reason is not None:
        return  # a diverging run: the NumPy test covers how it stops
    with tempfile.TemporaryDirectory() as folder:
        lines = _run_script(_torch_export(config, Path(folder)), iterations=10)
    _assert_close(lines, config, 10, 1e-10)


@pytest.mark.torch
def test_a_saved_live_session_continues_in_pytorch(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    for optimizer in ({"name": "momentum", "learning_rate": 0.3}, {"name": "adam", "learning_rate": 0.05}):
        session = Session(parse_session(_xor(optimizer=optimizer, batch_size=3)))
        session.run_iterations(5)
        session.save(tmp_path / "saved.json")
        config = resolve(str(tmp_path / "saved.json"))
        _assert_close(_run_script(_torch_export(config, tmp_path), iterations=10), config, 10, 1e-10)


def test_a_teaching_mistake_cannot_be_exported_to_pytorch(tmp_path: Path, capsys) -> None:
    (tmp_path / "s.json").write_text(json.dumps(_xor(mistake="wrong_sign")), encoding="utf-8")
    assert main(["export", str(tmp_path / "s.json"), "--out", str(tmp_path / "t.py"), "--torch"]) == 2
    assert "a teaching-mode mistake cannot be written as a PyTorch script" in capsys.readouterr().err
    assert not (tmp_path / "t.py").exists()


def test_the_pytorch_script_builds_the_sessions_network_without_importing_torch_here() -> None:
    from engine.export.torch_script import torch_script

    layers = [
        {"units": 3, "activation": "leaky_relu", "bias": False},
        {"units": 2, "activation": "linear"},
        {"units": 2, "activation": "softmax"},
    ]
    data = {"inputs": [[0, 0], [0, 1]], "targets": [[1, 0], [0, 1]]}
    text = torch_script(
        parse_session(_xor(network={"inputs": 2, "layers": layers}, loss="cross_entropy", data=data)), "s"
    )
    assert "nn.Linear(2, 3, bias=False, dtype=torch.float64),  # layer 0\n    nn.LeakyReLU(0.01)," in text
    assert "nn.Linear(3, 2, dtype=torch.float64),  # layer 1\n    nn.Linear(2, 2" in text
    assert "loss_function = nn.CrossEntropyLoss()" in text
    assert "loss = loss_function(model[:-1](x), y)" in text  # the logits, before the softmax
    compile(text, "train_torch.py", "exec")
