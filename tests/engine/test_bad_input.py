"""Issue 10's bad input: each ends with exit 2 and one line naming the problem (and the field)."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import Session, parse_session
from engine.cli import main
from engine.errors import GradstepError
from engine.files import memory
from engine.files.reading import MAX_FILE_BYTES
from engine.files.walkthrough import parse_walkthrough
from tests.conftest import tiny_session_dict
from tests.helpers import run_python

HUGE = "1" + "0" * 400  # an integer JSON allows and Python reads, too large for a float
ENDLESS = "7" * 5000  # over Python's 4,300-digit limit for int(str)


def exit_code(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def one_line(capsys: pytest.CaptureFixture[str], args: list[str], *words: str) -> str:
    """Run the command: exit 2 and exactly one line on stderr holding ``words``."""
    assert exit_code(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("gradstep: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    return err


def session_text(placeholder_value: str, **overrides: Any) -> str:
    """The tiny session as JSON with the string "@" replaced by raw JSON text."""
    return json.dumps(tiny_session_dict(**overrides)).replace('"@"', placeholder_value)


def adam_state(second: float = 0.01, step: int | None = 3, with_moments: bool = True) -> dict[str, Any]:
    """The tiny 2-3-1 session with Adam and an explicit saved state."""
    layers = [
        {"units": 3, "activation": "sigmoid", "weights": [[0.1, 0.2]] * 3, "bias": [0.0] * 3},
        {"units": 1, "activation": "sigmoid", "weights": [[0.1, 0.2, 0.3]], "bias": [0.0]},
    ]
    moments = [
        {"weights": [[second] * 2] * 3, "bias": [second] * 3},
        {"weights": [[second] * 3], "bias": [second]},
    ]
    opt: dict[str, Any] = {}
    if step is not None:
        opt["step"] = step
    if with_moments:
        opt.update(first=moments, second=moments)
    return tiny_session_dict(
        network={"inputs": 2, "layers": layers},
        optimizer={"name": "adam", "learning_rate": 0.01},
        state={"iteration": 3, "optimizer": opt},
    )


# ---- 1. numbers too large, endless integers, CSV errors, lone surrogates, negative moments ----

NUMBER_CASES = [
    (
        "learning rate",
        session_text(HUGE, optimizer={"name": "sgd", "learning_rate": "@"}),
        "optimizer.learning_rate",
    ),
    (
        "data value",
        session_text(HUGE, data={"inputs": [["@", 0.0]], "targets": [[1.0]]}),
        "data.inputs[0][0]",
    ),
    ("endless integer", session_text(ENDLESS, seed="@"), "seed"),
    (
        "endless integer in a list",
        session_text(ENDLESS, data={"inputs": [[0.0, "@"]], "targets": [1]}),
        "data.inputs[0][1]",
    ),
    ("lone surrogate in the title", session_text('"\\ud800 title"', title="@"), "title"),
]


@pytest.mark.parametrize(("case", "text", "field"), NUMBER_CASES, ids=[c[0] for c in NUMBER_CASES])
def test_numbers_no_float_holds_are_refused_by_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, text: str, field: str
) -> None:
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    one_line(capsys, ["run", str(path), "--iterations", "1"], field)


def test_optimizer_state_with_a_huge_integer_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(adam_state()).replace('"bias": [0.01]}]}', f'"bias": [{HUGE}]}}]}}', 1)
    assert HUGE in text
    (tmp_path / "s.json").write_text(text)
    one_line(
        capsys,
        ["chain", str(tmp_path / "s.json"), "--bias", "0:0"],
        "state.optimizer.second[1].bias[0]",
        "too large",
    )


def test_walkthrough_value_and_expect_too_large_carry_their_field() -> None:
    base = {"format": "gradstep-walkthrough", "version": 1, "session": tiny_session_dict()}
    for step, field in (
        ({"action": "set", "weight": "0:0:0", "value": int(HUGE)}, "steps[1].value"),
        ({"action": "note", "expect": {"loss": int(HUGE)}}, "steps[1].expect.loss"),
        ({"action": "note", "expect": {"loss": "low"}}, "steps[1].expect.loss"),
        ({"action": "step", "count": 0}, "steps[1].count"),
    ):
        with pytest.raises(GradstepError) as caught:
            parse_walkthrough({**base, "steps": [{"action": "note"}, step]})
        assert caught.value.field == field
        assert str(caught.value).startswith(field)
    with pytest.raises(GradstepError) as caught:
        parse_walkthrough({**base, "session": tiny_session_dict(seed=-1), "steps": []})
    assert caught.value.field == "session.seed"


def test_endless_integer_in_a_parameter_spec(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line(capsys, ["chain", "example:xor", "--weight", f"{ENDLESS}:0:0"], "weight")
    assert len(line) < 200  # the 5,000 digits are not echoed back


@pytest.mark.parametrize(
    ("csv_text", "words"),
    [
        ("x1,x2,y\n0,0," + "9" * 140_000 + "\n", ["line 2", "field larger than field limit"]),
        ('x1,x2,y\n0,0,1\n1,"1,0\n', ["line", "unexpected end of data"]),
    ],
    ids=["field over 131072 characters", "unterminated quote"],
)
def test_csv_the_csv_module_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], csv_text: str, words: list[str]
) -> None:
    (tmp_path / "d.csv").write_text(csv_text)
    (tmp_path / "s.json").write_text(json.dumps(tiny_session_dict(data={"csv": "d.csv", "targets": ["y"]})))
    one_line(capsys, ["run", str(tmp_path / "s.json")], "data.csv", "d.csv", *words)


def test_negative_adam_second_moment_is_refused_at_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s.json").write_text(json.dumps(adam_state(second=-0.5)))
    one_line(
        capsys,
        ["chain", str(tmp_path / "s.json"), "--weight", "0:0:0"],
        "state.optimizer.second[0].weights[0][0]",
    )
    with pytest.raises(GradstepError) as caught:
        parse_session(adam_state(second=-0.5))
    assert caught.value.field == "state.optimizer.second[0].weights"
    Session(parse_session(adam_state(second=0.0)))  # zero is a square's mean: allowed


# ---- 2. not a regular file, endless or too large ----


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_as_sessions_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], device: str
) -> None:
    one_line(capsys, ["run", device], device, "character device")
    (tmp_path / "s.json").write_text(json.dumps(tiny_session_dict(data={"csv": device, "targets": ["y"]})))
    with pytest.raises(GradstepError) as caught:
        parse_session(json.loads((tmp_path / "s.json").read_text()))
    assert caught.value.field == "data.csv"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """In a real process with a time limit: opening a FIFO for reading would wait for a writer."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    (tmp_path / "s.json").write_text(json.dumps(tiny_session_dict(data={"csv": str(fifo), "targets": ["y"]})))
    for target in (fifo, tmp_path / "s.json"):
        proc = run_python("-m", "engine.cli", "run", str(target), timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert "named pipe (FIFO)" in proc.stderr


def test_a_file_over_the_cap_is_refused_with_the_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: no disk is used
        handle.truncate(MAX_FILE_BYTES + 1)
    one_line(capsys, ["run", str(big)], "256 MB")


def test_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one_line(capsys, ["run", str(tmp_path)], "folder")


# ---- 3. memory ----


def moons(hidden: int, batch: int = 20) -> dict[str, Any]:
    return tiny_session_dict(
        network={"inputs": 2, "layers": [{"units": hidden, "activation": "tanh"}, {"units": 1}]},
        loss="bce",
        optimizer={"name": "adam", "learning_rate": 0.01},
        data={"preset": "moons", "samples": 200},
        batch_size=batch,
    )


def test_a_network_too_large_for_memory_is_refused_before_allocating(monkeypatch: pytest.MonkeyPatch) -> None:
    """moons with 10^7 hidden units is under the parameter cap; with 4 GB free it is refused
    with the figure, and nothing of its size is allocated on the way."""
    monkeypatch.setattr(memory, "available_bytes", lambda: 4 * 1024**3)
    tracemalloc.start()
    try:
        with pytest.raises(GradstepError) as caught:
            parse_session(moons(10_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.field == "network"
    assert "GB of memory" in str(caught.value)
    assert "4.0 GB available" in str(caught.value)
    assert peak < 50 * 1024**2
    # parameters alone (4·10^7 of 8 bytes) are 0.3 GB; each tanh array of a batch of 20 is 1.6 GB
    needed = float(str(caught.value).split("needs about ")[1].split(" GB")[0])
    assert needed > 20 * 10_000_000 * 8 * 3 / 1024**3  # at least z, a and δ of one batch
    parse_session(moons(8))  # the real moons fits


def test_the_estimate_covers_what_a_session_really_allocates() -> None:
    """Measured with tracemalloc (NumPy reports its buffers to it): a session's peak while it
    builds, steps and explains lies under the estimate, and not far under it."""
    config = parse_session(moons(20_000))
    tracemalloc.start()
    try:
        session = Session(config)
        session.run_iterations(3)
        for _ in range(len(session.stages)):
            session.step()
        session.iteration_record(session.iteration)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = memory.estimate(config.sizes, "adam", 20, 200, 1).total
    assert peak <= estimate, (peak, estimate)
    assert estimate < 6 * peak, (peak, estimate)


# ---- 5. state a loader would silently restart, noise that makes data non-finite ----


def momentum_state(first: Any, step: int) -> dict[str, Any]:
    base = adam_state()
    base["optimizer"] = {"name": "momentum", "learning_rate": 0.1, "momentum": 0.9}
    base["state"]["optimizer"] = {"step": step, "first": first}
    return base


@pytest.mark.parametrize(
    ("case", "session", "field"),
    [
        ("momentum velocity null", momentum_state(None, 4), "state.optimizer.first"),
        ("adam moments without step", adam_state(step=None), "state.optimizer.step"),
        ("adam moments missing after steps", adam_state(with_moments=False), "state.optimizer.first"),
        ("noise 1e308", tiny_session_dict(data={"preset": "moons", "noise": 1e308}), "data.noise"),
    ],
)
def test_state_and_noise_are_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, session: dict[str, Any], field: str
) -> None:
    with pytest.raises(GradstepError) as caught:
        parse_session(session)
    assert caught.value.field == field, case
    (tmp_path / "s.json").write_text(json.dumps(session))
    one_line(capsys, ["run", str(tmp_path / "s.json"), "--iterations", "1"], field)


def test_a_momentum_velocity_given_is_used() -> None:
    """The state the refusals protect: a saved velocity continues, v = μ·v_prev + g."""
    config = parse_session(momentum_state(adam_state()["state"]["optimizer"]["first"], 4))
    session = Session(config)
    backward = session.iteration_record(session.iteration).backward_of(1)
    assert backward is not None
    session.run_iterations(1)
    w_before = np.array(adam_state()["network"]["layers"][1]["weights"])
    expected = w_before - 0.1 * (0.9 * 0.01 + backward.dW)
    np.testing.assert_allclose(session.params[1].weights, expected, rtol=1e-12)


# ---- 6. options ----


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["check", "x.py", "--session", "example:xor", "--timeout", "nan"], ["--timeout", "nan"]),
        (["check", "x.py", "--session", "example:xor", "--timeout", "inf"], ["--timeout", "inf"]),
        (["run", "example:xor", "--iterations", "1", "--trace", ""], ["--trace"]),
        (["export", "example:tour-tutorial-003", "--out", ""], ["--out"]),
        (["run", "example:xor", "--loss-below", "nan"], ["--loss-below"]),
        (["chain", "example:xor", "--weight", "-1:0:0"], ["weight '-1:0:0'"]),
        (["chain", "example:xor", "--bias", "-1:0"], ["bias '-1:0'"]),
        (["export", "example:tour-tutorial-003", "--out", "x.gif", "--size", "-100x200"], ["--size"]),
    ],
)
def test_options_are_checked(capsys: pytest.CaptureFixture[str], args: list[str], words: list[str]) -> None:
    err = one_line(capsys, args, *words)
    assert "expected one argument" not in err


def test_a_negative_loss_below_reaches_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "example:xor", "--iterations", "3", "--loss-below", "-1e-3"]) == 0
    assert "iteration 2  loss" in capsys.readouterr().out


def test_export_with_an_empty_out_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert exit_code(["export", "example:tour-tutorial-003", "--out", ""]) == 2
    assert list(tmp_path.iterdir()) == []


def test_argument_errors_are_one_short_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["chain", "example:xor", "--weight", "0:0:0", "--iteration", ENDLESS]
    err = one_line(capsys, args, "--iteration")
    assert len(err) < 300
    one_line(capsys, ["run", "example:xor", "--bogus"], "--bogus", "gradstep --help")


def test_check_refuses_code_that_is_not_a_regular_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "code.py"
    os.mkfifo(fifo)
    one_line(capsys, ["check", str(fifo), "--session", "example:xor"], "named pipe (FIFO)")
    one_line(capsys, ["check", "/dev/zero", "--session", "example:xor"], "character device")


def test_a_learner_traceback_in_a_check_error_stays_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check's message quotes where the learner's train_step raised: still one line (exit 2)."""
    code = tmp_path / "raises.py"
    code.write_text('def train_step(w, b, X, Y, lr):\n    raise ValueError("boom")\n')
    line = one_line(capsys, ["check", str(code), "--session", "example:xor"], "ValueError: boom")
    assert "line 2, in train_step" in line


def test_opening_a_missing_file_says_so_before_the_display(capsys: pytest.CaptureFixture[str]) -> None:
    launched: list[str | None] = []
    assert main(["missing.json"], launcher=lambda spec: launched.append(spec) or 0) == 2
    assert launched == []
    assert capsys.readouterr().err == "gradstep: missing.json: no such file\n"


def test_a_csv_name_with_a_nul_character_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No file can have that name: Python's stat raises ValueError, not OSError."""
    path = tmp_path / "s.json"
    path.write_text(json.dumps(tiny_session_dict(data={"csv": "a\u0000b.csv", "targets": ["label"]})))
    one_line(capsys, ["run", str(path)], "not a usable file name", "NUL", "a\\x00b.csv")
