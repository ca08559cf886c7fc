"""A thread the learner's code leaves running does not make check or debug wait for it (they
used to wait for it until their time limit and report a time-out, which raises)."""

from __future__ import annotations

from pathlib import Path

from engine.files.examples import resolve
from engine.learner.check import check_code
from engine.learner.debug.debugger import debug_code

ROOT = Path(__file__).resolve().parents[2]
# a non-daemon thread that would keep a normal interpreter exit waiting for 1,000 s
SLEEPER = "import threading as _t, time as _time\n_t.Thread(target=lambda: _time.sleep(1000)).start()\n"


def test_check_answers_although_the_learner_left_a_thread_running(tmp_path: Path) -> None:
    code = tmp_path / "mine.py"
    code.write_text(SLEEPER + (ROOT / "resources" / "check" / "tutorial_001.py").read_text())
    report = check_code(code, resolve("example:tutorial-001"), iterations=2, timeout=30)
    assert report.agrees


def test_debug_answers_although_the_program_left_a_thread_running(tmp_path: Path) -> None:
    code = tmp_path / "mine.py"
    code.write_text(SLEEPER + (ROOT / "tests" / "engine" / "debug_corpus" / "tutorial_001.py").read_text())
    report = debug_code(code, None, iterations=3, timeout=30)
    assert report.exit_code == 0
