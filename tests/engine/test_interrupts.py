"""Ctrl+C and SIGTERM in the headless commands: one line, exit 130 (143), files put back.

Each test runs the real command line in a fresh process and sends it the signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OLD_TRACE = '{"format":"gradstep-trace","version":1,"iterations":[]}\n'


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts, each in its own process group; whatever is left of a group
    (a learner check started, say) is ended afterwards."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def gradstep(procs: list[subprocess.Popen[str]], *args: str, cwd: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    procs.append(proc)
    return proc


def wait_for_line(proc: subprocess.Popen[str], start: str) -> None:
    """Read stdout until a line starting with ``start`` shows the command is at work."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(start):
            return
    pytest.fail(f"the command ended before printing {start!r}: {proc.stderr.read() if proc.stderr else ''}")


def finish(proc: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGINT, 130, "gradstep: interrupted\n"),
        (signal.SIGTERM, 143, "gradstep: stopped by SIGTERM\n"),
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_interrupted_run_keeps_the_previous_trace_and_leaves_no_temp_file(
    tmp_path: Path, started: list[subprocess.Popen[str]], signum: int, code: int, line: str
) -> None:
    old = tmp_path / "OLD.json"
    old.write_text(OLD_TRACE)
    old.chmod(0o644)
    proc = gradstep(
        started,
        "run",
        "example:xor",
        "--iterations",
        "100000000",
        "--every",
        "200",
        "--trace",
        "OLD.json",
        cwd=tmp_path,
    )
    wait_for_line(proc, "iteration 399 ")  # the trace is being written
    assert any(".tmp" in p.name for p in tmp_path.iterdir())
    returncode, err = finish(proc, signum)
    assert returncode == code
    assert err == line
    assert old.read_text() == OLD_TRACE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["OLD.json"]


def test_a_finished_run_replaces_the_trace_keeping_its_mode(
    tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    old = tmp_path / "OLD.json"
    old.write_text(OLD_TRACE)
    old.chmod(0o640)
    proc = gradstep(started, "run", "example:xor", "--iterations", "3", "--trace", "OLD.json", cwd=tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert '"iteration":2' in old.read_text()
    assert old.stat().st_mode & 0o777 == 0o640


def test_ctrl_c_in_chain_far_ahead(tmp_path: Path, started: list[subprocess.Popen[str]]) -> None:
    proc = gradstep(
        started, "chain", "example:xor", "--weight", "0:0:0", "--iteration", "9000000", cwd=tmp_path
    )
    time.sleep(2.0)  # training towards iteration 9,000,000 takes minutes
    assert proc.poll() is None
    returncode, err = finish(proc, signal.SIGINT)
    assert (returncode, err) == (130, "gradstep: interrupted\n")


def test_ctrl_c_in_check(tmp_path: Path, started: list[subprocess.Popen[str]]) -> None:
    code = tmp_path / "slow.py"
    code.write_text(
        "import time\n\ndef train_step(weights, biases, X, Y, learning_rate):\n    time.sleep(60)\n"
    )
    proc = gradstep(started, "check", str(code), "--session", "example:tutorial-001", cwd=tmp_path)
    time.sleep(3.0)  # the learner's process is started and sleeping
    assert proc.poll() is None
    returncode, err = finish(proc, signal.SIGINT)
    assert returncode == 130
    assert err.splitlines()[-1:] == ["gradstep: interrupted; your code was stopped"]
    assert "Traceback" not in err
