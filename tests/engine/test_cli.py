"""The headless commands: exit codes, messages that name the problem, traces and chain JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import ParameterRef, Session, parse_session
from engine.cli import main
from tests.helpers import tiny_session_dict

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, obj: Any, name: str = "s.json") -> str:
    """Write a session dict (or raw text) and return its path."""
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return str(path)


def with_layers(*layers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The tiny session with other layers."""
    return tiny_session_dict(network={"inputs": 2, "layers": list(layers)}, **extra)


def network(**changes: Any) -> dict[str, Any]:
    """The tiny session with network fields changed."""
    base = tiny_session_dict()
    return {**base, "network": {**base["network"], **changes}}


SIG3 = {"units": 3, "activation": "sigmoid"}
SIG1 = {"units": 1, "activation": "sigmoid"}

# (case, file text or dict, words the one-line message must contain)
BAD_FILES: list[tuple[str, Any, list[str]]] = [
    ("invalid json", '{"format": "gradstep-session", "version": 1,', ["JSON"]),
    ("nan", '{"format": "gradstep-session", "version": 1, "seed": NaN}', ["NaN"]),
    (
        "infinity in weights",
        json.dumps(tiny_session_dict()).replace('"seed": 7', '"seed": Infinity'),
        ["Infinity"],
    ),
    ("not an object", "[1, 2]", ["object"]),
    ("wrong type seed", tiny_session_dict(seed="seven"), ["seed"]),
    ("wrong type units", with_layers({"units": "3", "activation": "sigmoid"}, SIG1), ["units"]),
    ("unknown activation", with_layers({"units": 3, "activation": "swish"}, SIG1), ["swish", "activation"]),
    ("unknown loss", tiny_session_dict(loss="hinge"), ["hinge", "loss"]),
    (
        "unknown optimizer",
        tiny_session_dict(optimizer={"name": "rmsprop", "learning_rate": 0.1}),
        ["rmsprop"],
    ),
    ("unknown init", network(init="orthogonal"), ["orthogonal", "init"]),
    ("unknown preset", tiny_session_dict(data={"preset": "iris"}), ["iris", "preset"]),
    ("unknown field", tiny_session_dict(learning_rate=0.1), ["learning_rate"]),
    ("unknown version", tiny_session_dict(version=99), ["version", "99"]),
    ("unknown format", tiny_session_dict(format="other"), ["format"]),
    (
        "weights shape",
        with_layers(SIG3, {"units": 1, "activation": "sigmoid", "weights": [[1.0, 2.0]]}),
        ["layers[1]", "weights", "(1, 3)", "(1, 2)"],
    ),
    (
        "bias shape",
        with_layers({"units": 3, "activation": "sigmoid", "bias": [0.0, 0.0]}, SIG1),
        ["layers[0]", "bias", "(3,)", "(2,)"],
    ),
    ("softmax hidden", with_layers({"units": 3, "activation": "softmax"}, SIG1), ["softmax"]),
    (
        "rows mismatch",
        tiny_session_dict(data={"inputs": [[0, 0], [1, 1]], "targets": [[0]]}),
        ["2", "1", "rows"],
    ),
    (
        "input width",
        tiny_session_dict(data={"inputs": [[0, 0, 0]], "targets": [[0]]}),
        ["3", "inputs"],
    ),
    (
        "target width",
        tiny_session_dict(data={"inputs": [[0, 0]], "targets": [[0, 1]]}),
        ["2", "targets"],
    ),
    (
        "bce target out of range",
        tiny_session_dict(loss="bce", data={"inputs": [[0, 0]], "targets": [[1.5]]}),
        ["bce", "1.5"],
    ),
    (
        "cross entropy not one-hot",
        with_layers(
            SIG3,
            {"units": 2, "activation": "softmax"},
            loss="cross_entropy",
            data={"inputs": [[0, 0]], "targets": [[0.5, 0.2]]},
        ),
        ["cross_entropy", "targets"],
    ),
    (
        "zero learning rate",
        tiny_session_dict(optimizer={"name": "sgd", "learning_rate": 0}),
        ["learning_rate"],
    ),
    (
        "negative learning rate",
        tiny_session_dict(optimizer={"name": "sgd", "learning_rate": -1}),
        ["learning_rate"],
    ),
    ("zero units", with_layers({"units": 0, "activation": "sigmoid"}, SIG1), ["units"]),
    (
        "too large",
        with_layers(
            {"units": 100_000, "activation": "sigmoid"}, {"units": 100_000, "activation": "sigmoid"}, SIG1
        ),
        ["too large"],
    ),
    ("zero batch size", tiny_session_dict(batch_size=0), ["batch_size"]),
    ("missing csv", tiny_session_dict(data={"csv": "nowhere.csv", "targets": ["y"]}), ["nowhere.csv"]),
]


@pytest.mark.parametrize(("case", "content", "words"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_session_file_exits_2_naming_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, content: Any, words: list[str]
) -> None:
    """Each kind of bad file: exit 2, nothing on stdout, one short line on stderr naming it."""
    path = write(tmp_path, content)
    assert main(["run", path, "--iterations", "1"]) == 2, case
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("gradstep: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (case, err)


CSV_CASES = [
    ("x1,x2,y\n0,0,0\n1,1,1\n", ["z"], ["z"]),
    ("x1,x2,y\n0,zero,0\n1,1,1\n", ["y"], ["d.csv", "line 2", "non-numeric"]),
]


@pytest.mark.parametrize(("text", "targets", "words"), CSV_CASES, ids=["missing column", "non-numeric"])
def test_bad_csv_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, targets: list[str], words: list[str]
) -> None:
    """A CSV target column that is not there, or a cell that is not a number, is named."""
    (tmp_path / "d.csv").write_text(text, encoding="utf-8")
    path = write(tmp_path, tiny_session_dict(data={"csv": "d.csv", "targets": targets}))
    assert main(["run", path, "--iterations", "1"]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["chain", "example:xor", "--weight", "0:1"], ["0:1"]),
        (["chain", "example:xor", "--weight", "a:b:c"], ["a:b:c"]),
        (["chain", "example:xor", "--bias", "0:1:2"], ["0:1:2"]),
        (["chain", "example:xor", "--weight", "5:0:0"], ["layer", "5"]),
        (["chain", "example:xor", "--weight", "0:9:0"], ["unit", "9"]),
        (["chain", "example:xor", "--weight", "0:0:9"], ["input", "9"]),
        (["chain", "example:xor", "--bias", "1:3"], ["unit", "3"]),
        (["run", "example:nonesuch"], ["nonesuch"]),
        (["run", "/no/such/file.json"], ["/no/such/file.json"]),
        (["run", "example:xor", "--iterations", "-1"], ["--iterations"]),
        (["run", "example:xor", "--iterations", "many"], ["many"]),
        (["run", "example:xor", "--bogus"], ["--bogus"]),
    ],
)
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], words: list[str]) -> None:
    """Malformed or out-of-range parameter references, missing files, unknown examples: exit 2."""
    assert exit_code(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


def exit_code(args: list[str]) -> int:
    """main()'s exit code, whether it returns it or argparse exits with it."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def run_module(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``python -m gui.main ARGS`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "gui.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_real_process_reports_bad_json_without_traceback(tmp_path: Path) -> None:
    """The console script itself: exit 2 and one line, no traceback."""
    path = write(tmp_path, '{"format": "gradstep-session", ')
    proc = run_module("run", path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("gradstep: ")
    assert len(proc.stderr.strip().splitlines()) == 1


def diverging(tmp_path: Path) -> str:
    """Linear layers with a huge learning rate: the weights blow up to inf within a few hundred steps."""
    return write(
        tmp_path,
        with_layers(
            {"units": 3, "activation": "linear"},
            {"units": 1, "activation": "linear"},
            loss="mse",
            optimizer={"name": "sgd", "learning_rate": 50.0},
        ),
    )


def test_divergence_exits_3_and_keeps_the_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 3 naming the iteration, stage (and layer); the trace up to there is valid JSON."""
    trace = tmp_path / "t.json"
    assert main(["run", diverging(tmp_path), "--iterations", "1000", "--trace", str(trace)]) == 3
    err = capsys.readouterr().err
    assert "non-finite" in err
    assert re.search(r"iteration \d+", err), err
    stage = re.search(r"stage (Forward \d+|Loss|Backward \d+|Update)", err)
    assert stage, err
    if stage.group(1) != "Loss":  # the loss stage has no layer; every other stage names one
        assert re.search(r"layer \d+|(Forward|Backward) \d+", err), err
    doc = json.loads(trace.read_text(encoding="utf-8"))
    assert doc["format"] == "gradstep-trace"
    assert doc["version"] == 1
    assert 0 < len(doc["iterations"]) < 1000
    assert [it["iteration"] for it in doc["iterations"]] == list(range(len(doc["iterations"])))


def test_same_seed_gives_byte_identical_traces(tmp_path: Path) -> None:
    """Two runs of the same session write the same bytes; the fields are the issue's."""
    session = write(
        tmp_path, tiny_session_dict(data={"preset": "moons", "samples": 12, "noise": 0.2}, batch_size=5)
    )
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in paths:
        proc = run_module("run", session, "--iterations", "7", "--trace", str(path))
        assert proc.returncode == 0, proc.stderr
    assert paths[0].read_bytes() == paths[1].read_bytes()
    doc = json.loads(paths[0].read_text(encoding="utf-8"))
    assert set(doc) == {"format", "version", "iterations"}
    assert len(doc["iterations"]) == 7
    first = doc["iterations"][0]
    assert set(first) == {"iteration", "loss", "layers"}
    assert set(first["layers"][0]) == {"z", "a", "dW", "db", "weights", "bias"}
    # Against the engine: loss before the update, dW of that iteration, weights after it.
    engine = Session(parse_session(json.loads(Path(session).read_text()), Path(session).parent))
    engine.finish_iteration()
    rec = engine.snapshot().previous
    assert first["loss"] == rec.loss.loss
    assert np.array_equal(first["layers"][0]["z"], rec.forward[0].z)
    assert len(first["layers"][0]["z"]) == 5  # rows are the mini-batch's samples
    assert np.array_equal(first["layers"][1]["dW"], rec.backward_of(1).dW)
    assert np.array_equal(first["layers"][0]["weights"], rec.update.params_after[0].weights)


def test_chain_json_has_the_documented_keys_and_the_engine_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`chain --weight 0:1:0 --json`: the engine's dW, per-sample factors and upstream terms."""
    assert main(["chain", "example:xor", "--weight", "0:1:0", "--json", "--iteration", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    session = Session(
        parse_session(__import__("engine.files.examples", fromlist=["example"]).example("xor").session)
    )
    rec = session.iteration_record(3)
    assert doc["gradient"] == pytest.approx(rec.backward_of(0).dW[1, 0], rel=1e-15, abs=0)
    assert len(doc["samples"]) == rec.inputs.shape[0]
    for s, sample in enumerate(doc["samples"]):
        assert sample["sample"] == s
        assert [f["kind"] for f in sample["factors"]] == ["dl_da", "da_dz", "dz_dw"]
        assert all(isinstance(f["symbol"], str) and f["symbol"] for f in sample["factors"])
        product = np.prod([f["value"] for f in sample["factors"]])
        assert sample["contribution"] == pytest.approx(product, rel=1e-12)
        assert {"unit", "weight", "delta", "product"} <= set(sample["upstream"][0])
        assert sum(t["product"] for t in sample["upstream"]) == pytest.approx(
            sample["factors"][0]["value"], rel=1e-12
        )
    assert abs(doc["finite_difference"] - doc["gradient"]) < 1e-6
    assert doc["relative_error"] < 1e-6
    bias = ParameterRef(1, 0, None)
    assert main(["chain", "example:xor", "--bias", "1:0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["gradient"] == pytest.approx(
        session.iteration_record(0).backward_of(bias.layer).db[0], rel=1e-15
    )


def test_examples_lists_every_example(capsys: pytest.CaptureFixture[str]) -> None:
    """`gradstep examples` names each built-in session."""
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    for name in ("xor", "moons", "tutorial-001", "tutorial-004"):
        assert f"example:{name}" in out


def test_run_prints_the_final_loss(capsys: pytest.CaptureFixture[str]) -> None:
    """`run example:tutorial-001` prints the tutorial's final predictions."""
    assert main(["run", "example:tutorial-001"]) == 0
    out = capsys.readouterr().out
    assert "final loss" in out
    assert "0.06029012" in out
    assert "0.94447222" in out


@pytest.mark.parametrize(
    "extra", [[], ["--every", "7"], ["--every", "1"], ["--loss-below", "0.2"], ["--iterations", "0"]]
)
def test_run_prints_the_same_with_and_without_a_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    """Without --trace the run goes in chunks on the fast path; the printout must not change."""
    path = tmp_path / "s.json"
    path.write_text(json.dumps(tiny_session_dict(iterations=60)))
    assert main(["run", str(path), *extra]) == 0
    plain = capsys.readouterr().out
    assert main(["run", str(path), "--trace", str(tmp_path / "t.json"), *extra]) == 0
    traced = capsys.readouterr().out
    assert plain == traced
    assert ("final loss" in plain) == ("0" not in extra)


def test_chain_text_survives_a_legacy_terminal_encoding() -> None:
    """∂ and δ cannot be written in cp1252: they are escaped, not a UnicodeEncodeError."""
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    proc = subprocess.run(
        [sys.executable, "-m", "gui.main", "chain", "example:xor", "--weight", "0:0:0"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"\\u2202" in proc.stdout


def test_run_numbers_its_iterations_as_the_final_line_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "example:tutorial-001"]) == 0
    lines = capsys.readouterr().out.splitlines()
    last_progress = next(line for line in reversed(lines) if line.startswith("iteration "))
    final = next(line for line in lines if line.startswith("final loss "))
    loss = last_progress.split("loss ")[1]
    assert last_progress == f"iteration 9999  loss {loss}"  # 0-based, 10,000 iterations
    assert final == f"final loss {loss} (iteration 9999, before its update)"


def test_a_run_stopped_below_a_loss_reports_that_loss_last(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "example:tutorial-001", "--loss-below", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "stopped: loss 0.00999804 is below 0.01 at iteration 8469, stage Loss" in out
    final = next(line for line in out.splitlines() if line.startswith("final loss "))
    assert float(final.split()[2]) < 0.01
    assert "(iteration 8469, where the run stopped; its update did not run)" in final
