"""gradstep check with hostile learner code: processes it starts, SIGTERM, SIGHUP and Ctrl+C to
the check, the memory limit, a flood of output, and results that are not real numbers. The
learner files record their pids; every test asserts that none of them outlives the check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from engine.cli import main as cli_main
from engine.errors import GradstepError
from engine.files.examples import resolve
from engine.learner.check import CheckCancelled, check_code
from engine.learner.process import OUTPUT_LIMIT
from tests.engine.process_helpers import gone, wait_for_pids

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux process tree")

ROOT = Path(__file__).resolve().parents[2]
# published tutorial 001's step, which agrees with example:tutorial-001
TUTORIAL = (ROOT / "resources" / "check" / "tutorial_001.py").read_text(encoding="utf-8")
SESSION = "example:tutorial-001"

# at import, the learner starts a sleeper inheriting its stdout and stderr and one in a session
# of its own, and writes its own pid and theirs beside itself
SPAWN = """
import os as _os, subprocess as _subprocess, sys as _sys
from pathlib import Path as _Path

_sleep = [_sys.executable, "-c", "import time; time.sleep(600)"]
_inheriting = _subprocess.Popen(_sleep)
_own_session = _subprocess.Popen(_sleep, start_new_session=True)
_Path(__file__).with_name("pids.txt").write_text(
    f"{_os.getpid()} {_inheriting.pid} {_own_session.pid}"
)
"""

LOOP = """
def train_step(weights, biases, X, y, learning_rate):
    while True:
        pass
"""


def _learner(tmp_path: Path, *parts: str) -> Path:
    path = tmp_path / "mine.py"
    path.write_text("\n".join(textwrap.dedent(part) for part in parts), encoding="utf-8")
    return path


def _all_gone(tmp_path: Path) -> None:
    for pid in wait_for_pids(tmp_path / "pids.txt", 3):
        assert gone(pid), f"process {pid} outlived the check"


def test_processes_the_learner_starts_do_not_delay_or_outlive_the_check(tmp_path: Path) -> None:
    """Before: check waited for the inherited pipes until the time-out ("an infinite loop?")."""
    code = _learner(tmp_path, SPAWN, TUTORIAL)
    start = time.monotonic()
    report = check_code(code, resolve(SESSION), iterations=2, timeout=60)
    assert time.monotonic() - start < 20
    assert report.agrees
    _all_gone(tmp_path)


def test_a_time_out_kills_the_learner_and_what_it_started(tmp_path: Path) -> None:
    code = _learner(tmp_path, SPAWN, LOOP)
    start = time.monotonic()
    with pytest.raises(GradstepError, match=r"within 3 s \(an infinite loop\?\); it was stopped"):
        check_code(code, resolve(SESSION), iterations=2, timeout=3)
    assert time.monotonic() - start < 15
    _all_gone(tmp_path)


def test_a_cancel_kills_the_learner_and_what_it_started(tmp_path: Path) -> None:
    code = _learner(tmp_path, SPAWN, LOOP)
    pids = tmp_path / "pids.txt"
    with pytest.raises(CheckCancelled, match="cancelled"):
        check_code(code, resolve(SESSION), iterations=2, timeout=120, cancel=pids.exists)
    _all_gone(tmp_path)


def test_the_check_leaves_no_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR afresh
    code = _learner(tmp_path, SPAWN, LOOP)
    with pytest.raises(GradstepError, match="within 2 s"):
        check_code(code, resolve(SESSION), iterations=1, timeout=2)
    assert list(scratch.iterdir()) == []
    _all_gone(tmp_path)


# ---- signals to a running `gradstep check` ----


@pytest.mark.parametrize(
    ("signum", "code", "words"),
    [
        (signal.SIGTERM, 143, "stopped by SIGTERM"),
        (signal.SIGHUP, 129, "stopped by SIGHUP"),
        (signal.SIGINT, 130, "interrupted"),
    ],
)
def test_a_signal_to_gradstep_check_kills_the_learner_and_removes_its_files(
    tmp_path: Path, signum: int, code: int, words: str
) -> None:
    learner = _learner(tmp_path, SPAWN, LOOP)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    check = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from engine.cli import main; sys.exit(main(sys.argv[1:]))",
            "check",
            str(learner),
            "--session",
            SESSION,
            "--timeout",
            "300",
        ],
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_pids(tmp_path / "pids.txt", 3)
        assert any(scratch.iterdir())  # the check's folder, while it runs
        check.send_signal(signum)
        out, err = check.communicate(timeout=30)
    finally:
        check.kill()
        check.wait()
    assert check.returncode == code
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert words in err
    assert "your code was stopped" in err
    assert list(scratch.iterdir()) == []
    _all_gone(tmp_path)


# ---- the memory limit ----

ALLOCATES_1_GB = """
import numpy as np

def train_step(weights, biases, X, y, learning_rate):
    block = np.ones(2**27)  # 1 GiB of float64
    return weights, biases
"""


def test_memory_above_the_limit_is_reported_as_such(tmp_path: Path) -> None:
    code = _learner(tmp_path, ALLOCATES_1_GB)
    with pytest.raises(GradstepError, match="your code exceeded the memory limit of 512 MB"):
        check_code(code, resolve(SESSION), iterations=1, memory_limit=512 * 2**20)


def test_memory_above_the_limit_at_import_is_reported_as_such(tmp_path: Path) -> None:
    code = _learner(tmp_path, "import numpy as np\nblock = np.ones(2**27)\n", TUTORIAL)
    with pytest.raises(GradstepError, match="your code exceeded the memory limit of 300 MB"):
        check_code(code, resolve(SESSION), iterations=1, memory_limit=300 * 2**20)


def test_the_memory_limit_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _learner(tmp_path, ALLOCATES_1_GB)
    assert cli_main(["check", str(code), "--session", SESSION, "--memory-limit", "512"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "exceeded the memory limit of 512 MB" in err
    assert cli_main(["check", str(code), "--session", SESSION, "--memory-limit", "10"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "memory limit must be 256 MB to" in err


def test_the_default_limit_lets_ordinary_code_run(tmp_path: Path) -> None:
    """A correct learner under the default 2 GB: the limit does not get in the way."""
    code = _learner(tmp_path, TUTORIAL)
    assert check_code(code, resolve(SESSION), iterations=3).agrees


# ---- a flood of output ----


def test_a_flood_of_output_is_kept_to_the_cap_and_said_to_be_cut(tmp_path: Path) -> None:
    printing = "for _i in range(30000):\n    print(f'loss {_i:05d}')\n"  # 330,000 bytes
    code = _learner(tmp_path, printing, TUTORIAL)
    report = check_code(code, resolve(SESSION), iterations=1)
    assert report.agrees
    assert report.output_truncated
    assert len(report.learner_output) < OUTPUT_LIMIT + 100
    assert report.learner_output.startswith("loss 00000\nloss 00001\n")
    assert report.learner_output.endswith("loss 29999\n")
    assert "bytes of output cut" in report.learner_output
    text = report.to_text()
    assert "  | loss 00000" in text
    assert f"more than {OUTPUT_LIMIT // 1024} KB" in text
    assert report.to_json()["output_truncated"] is True


# ---- results that are not real numbers ----

RETURNS = """
import numpy as np

def train_step(weights, biases, X, y, learning_rate):
    weights = [w + 0.0 for w in weights]
    biases = [b + 0.0 for b in biases]
    {change}
    return weights, biases
"""


@pytest.mark.parametrize(
    ("change", "words"),
    [
        # a zero imaginary part still hides a bug the real comparison would not see
        (
            "weights[0] = weights[0].astype(complex)",
            "W[0] (layer 0's weights) that your train_step returned holds complex numbers (complex128)",
        ),
        (
            "biases[1] = biases[1] + 1j",
            "b[1] (layer 1's biases) that your train_step returned holds complex numbers",
        ),
        (
            "weights[1] = np.array(weights[1], dtype=object)",
            "W[1] (layer 1's weights) that your train_step returned holds Python objects",
        ),
        (
            "weights[0] = weights[0].astype(str)",
            "W[0] (layer 0's weights) that your train_step returned holds strings",
        ),
    ],
)
def test_results_that_are_not_real_numbers_are_refused(tmp_path: Path, change: str, words: str) -> None:
    code = _learner(tmp_path, RETURNS.format(change=change))
    with pytest.raises(GradstepError) as raised:
        check_code(code, resolve(SESSION), iterations=1)
    message = str(raised.value)
    assert words in message
    assert "not real numbers" in message


def test_gradients_that_are_not_real_numbers_are_refused(tmp_path: Path) -> None:
    gradients = """
    def gradients(weights, biases, X, y):
        return [np.zeros_like(w, dtype=complex) for w in weights], [np.zeros_like(b) for b in biases]
    """
    code = _learner(tmp_path, RETURNS.format(change="pass"), gradients)
    with pytest.raises(GradstepError, match=r"dW\[0\] \(layer 0's weight gradient\) that your gradients\(\)"):
        check_code(code, resolve(SESSION), iterations=1)


def test_real_results_of_other_dtypes_are_compared(tmp_path: Path) -> None:
    """float32 and integer arrays are real: compared (and found to differ), not refused."""
    code = _learner(tmp_path, RETURNS.format(change="weights[0] = weights[0].astype(np.float32)"))
    report = check_code(code, resolve(SESSION), iterations=1)
    assert not report.agrees
    yours = report.iterations[0].parameters[0].yours
    assert yours.dtype == np.float64
