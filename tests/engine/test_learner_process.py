"""run_child: a real child process, its descendants killed on every way out, its memory and
output capped. Each script records the pids it starts; each test asserts they are gone."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from engine.errors import GradstepError
from engine.interrupts import Terminated, deferred_signals, signals_raise
from engine.learner.process import (
    MEMORY_EXIT_CODE,
    OUTPUT_LIMIT,
    ChildCancelled,
    ChildTimeout,
    run_child,
)
from engine.learner.tree import subreaper
from tests.engine.process_helpers import gone, wait_for_pids

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux process tree")

SLEEPER = "[sys.executable, '-c', 'import time; time.sleep(600)']"

# one sleeper that inherits stdout and stderr (the pipe the parent reads), one in a session of
# its own, and one double-forked daemon that also drops its environment (so no token marks it)
SPAWN_THREE = f"""
import os, subprocess, sys, time
from pathlib import Path

pids = Path(sys.argv[1])
inheriting = subprocess.Popen({SLEEPER})
own_session = subprocess.Popen({SLEEPER}, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
daemon_file = pids.with_suffix(".daemon")
first = os.fork()
if first == 0:
    os.setsid()
    if os.fork() == 0:
        os.execve(sys.executable, [sys.executable, "-c",
            "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)",
            str(daemon_file)], {{}})
    os._exit(0)
os.waitpid(first, 0)
while not (daemon_file.exists() and daemon_file.read_text()):
    time.sleep(0.01)
pids.write_text(f"{{os.getpid()}} {{inheriting.pid}} {{own_session.pid}} {{daemon_file.read_text()}}")
print("started", flush=True)
"""


def _script(tmp_path: Path, text: str, name: str = "child.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_script_runs_as_main_with_its_arguments_and_output(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import os, sys
        print(__name__, sys.argv[1:], flush=True)
        print("to stderr", file=sys.stderr, flush=True)
        print(os.getcwd())
        sys.exit(3)
        """,
    )
    result = run_child(script, ["a", "b c"], timeout=30, cwd=tmp_path)
    assert result.returncode == 3
    assert result.output.splitlines() == ["__main__ ['a', 'b c']", "to stderr", str(tmp_path)]
    assert not result.truncated


def test_stdin_is_closed(tmp_path: Path) -> None:
    script = _script(tmp_path, "import sys\nprint(repr(sys.stdin.read()) if sys.stdin else 'none')\n")
    result = run_child(script, [], timeout=30)
    assert result.output.strip() in ("''", "none")


def test_a_finished_child_leaves_no_descendant_and_does_not_wait_for_the_pipe(tmp_path: Path) -> None:
    """The inheriting sleeper holds the pipe open for 600 s: the parent must not wait for it."""
    script = _script(tmp_path, SPAWN_THREE)
    pids = tmp_path / "pids.txt"
    start = time.monotonic()
    result = run_child(script, [str(pids)], timeout=120)
    assert time.monotonic() - start < 20
    assert result.returncode == 0
    assert result.output == "started\n"
    for pid in wait_for_pids(pids, 4):
        assert gone(pid), pid


def test_a_time_out_kills_the_tree(tmp_path: Path) -> None:
    script = _script(tmp_path, SPAWN_THREE + "\nwhile True:\n    pass\n")
    pids = tmp_path / "pids.txt"
    start = time.monotonic()
    with pytest.raises(ChildTimeout, match=r"^child.py did not finish within 4 s; it was stopped$"):
        run_child(script, [str(pids)], timeout=4)
    assert time.monotonic() - start < 15
    for pid in wait_for_pids(pids, 4):
        assert gone(pid), pid


def test_a_cancel_kills_the_tree(tmp_path: Path) -> None:
    script = _script(tmp_path, SPAWN_THREE + "\nimport time\ntime.sleep(600)\n")
    pids = tmp_path / "pids.txt"
    cancel = threading.Event()
    timer = threading.Thread(target=lambda: (wait_for_pids(pids, 4), cancel.set()))
    timer.start()
    start = time.monotonic()
    with pytest.raises(ChildCancelled, match="cancelled"):
        run_child(script, [str(pids)], timeout=120, cancel=cancel)
    timer.join()
    assert time.monotonic() - start < 30
    for pid in wait_for_pids(pids, 4):
        assert gone(pid), pid


def test_the_child_dies_with_its_parent(tmp_path: Path) -> None:
    """A parent killed outright (SIGKILL: no cleanup runs) still takes its child along."""
    child = _script(
        tmp_path,
        "import os, sys, time\n"
        "open(sys.argv[1], 'w').write(f'{os.getpid()} {os.getppid()}')\n"  # itself and its supervisor
        "time.sleep(600)\n",
    )
    pids = tmp_path / "pids.txt"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from engine.learner.process import run_child; "
            "run_child(Path(sys.argv[1]), [sys.argv[2]], timeout=600)",
            str(child),
            str(pids),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        worker, supervisor = wait_for_pids(pids, 2)
        with subreaper():  # the orphaned processes come here, so that they can be reaped
            parent.kill()
            parent.wait(timeout=10)
            assert gone(worker, seconds=10)
            assert gone(supervisor, seconds=10)
    finally:
        parent.kill()
        parent.wait()


def test_memory_above_the_limit_ends_the_child_with_the_memory_code(tmp_path: Path) -> None:
    script = _script(tmp_path, "block = bytearray(600 * 2**20)\nprint('allocated')\n")
    limited = run_child(script, [], timeout=60, memory_limit=512 * 2**20)
    assert limited.returncode == MEMORY_EXIT_CODE
    assert "MemoryError" in limited.output
    assert "allocated" not in limited.output
    # the same script under a higher limit: it was the limit that stopped it
    roomy = run_child(script, [], timeout=60, memory_limit=1024 * 2**20)
    assert roomy.returncode == 0
    assert roomy.output == "allocated\n"


def test_output_is_capped_keeping_its_start_and_end(tmp_path: Path) -> None:
    script = _script(tmp_path, "for i in range(20000):\n    print(f'line {i:05d}')\n")
    printed = "".join(f"line {i:05d}\n" for i in range(20000))  # what the script prints
    result = run_child(script, [], timeout=60)
    assert result.returncode == 0
    assert result.truncated
    head, marker, tail = result.output.partition("\n[... ")
    assert marker
    cut = int(tail.split(" bytes of output cut ...]\n", 1)[0])
    tail = tail.split(" bytes of output cut ...]\n", 1)[1]
    assert printed.startswith(head)
    assert printed.endswith(tail)
    assert len(head) + len(tail) == OUTPUT_LIMIT
    assert cut == len(printed) - OUTPUT_LIMIT
    assert len(result.output) < OUTPUT_LIMIT + 100


def test_small_output_is_kept_whole(tmp_path: Path) -> None:
    script = _script(tmp_path, "print('x' * 1000)\n")
    result = run_child(script, [], timeout=30)
    assert result.output == "x" * 1000 + "\n"
    assert not result.truncated


def test_a_missing_working_folder_is_reported(tmp_path: Path) -> None:
    script = _script(tmp_path, "print('never')\n")
    with pytest.raises(GradstepError, match="could not start a Python process for child.py"):
        run_child(script, [], timeout=10, cwd=tmp_path / "missing")


@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf])
def test_a_time_limit_must_be_positive_and_finite(tmp_path: Path, timeout: float) -> None:
    script = _script(tmp_path, "print('never')\n")
    with pytest.raises(GradstepError, match="time limit must be a positive number"):
        run_child(script, [], timeout=timeout)


@pytest.mark.parametrize("limit", [0, 100 * 2**20, 2**60])
def test_a_memory_limit_out_of_range_is_refused(tmp_path: Path, limit: int) -> None:
    script = _script(tmp_path, "print('never')\n")
    with pytest.raises(GradstepError, match="memory limit must be 256 MB to"):
        run_child(script, [], timeout=10, memory_limit=limit)


def test_a_process_that_keeps_forking_is_killed_with_all_it_forked(tmp_path: Path) -> None:
    """A chain that forks while the tree is swept: each process is stopped as it is found."""
    script = _script(
        tmp_path,
        """
        import os, sys, time
        log = sys.argv[1]

        def record():
            with open(log, "a") as f:
                f.write(f"{os.getpid()} ")

        record()
        for _ in range(40):  # each generation forks the next and stays; bounded for the machine's sake
            if os.fork() != 0:
                break
            os.setsid()
            record()
            time.sleep(0.02)
        time.sleep(600)
        """,
    )
    log = tmp_path / "pids.txt"
    with pytest.raises(ChildTimeout):
        run_child(script, [str(log)], timeout=1.5)
    pids = [int(word) for word in log.read_text().split()]
    assert len(pids) > 5
    for pid in pids:
        assert gone(pid), pid


def _cleanup_hit_by_sigterm(done: list[str]) -> None:
    with signals_raise():
        with deferred_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # the handler runs here, and holds the exception back
            done.append("cleanup")
        done.append("after")  # never reached: raised as the deferred block ends


def test_a_signal_during_the_cleanup_waits_for_its_end() -> None:
    """SIGTERM must not cut a kill or a folder removal in half: it is raised after it."""
    done: list[str] = []
    with pytest.raises(Terminated) as raised:
        _cleanup_hit_by_sigterm(done)
    assert done == ["cleanup"]
    assert raised.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # restored


def test_an_ignored_signal_stays_ignored() -> None:
    """Under nohup SIGHUP is ignored: a check must not turn it into a stop."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with signals_raise():
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.05)
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
