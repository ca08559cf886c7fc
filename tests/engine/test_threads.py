"""The BLAS thread policy: one thread unless --threads or GRADSTEP_THREADS says otherwise,
applied inside a run, and a bad count refused with exit code 2 and one line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.cli import main
from engine.core import threads
from engine.errors import GradstepError
from engine.history.session import Session


@pytest.fixture(autouse=True)
def policy_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(threads.ENVIRONMENT, raising=False)
    yield
    threads.apply(threads.DEFAULT_THREADS)


@pytest.fixture
def seen_in_run(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """What threadpoolctl reports for BLAS each time a session runs iterations."""
    seen: list[list[int]] = []
    run_iterations = Session.run_iterations

    def recording(self: Session, *args: object, **kwargs: object) -> object:
        seen.append(threads.blas_threads())
        return run_iterations(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Session, "run_iterations", recording)
    return seen


def test_the_policy_is_one_thread_and_the_variable_overrides_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert threads.choose() == 1
    monkeypatch.setenv(threads.ENVIRONMENT, " 2 ")
    assert threads.choose() == 2
    assert threads.choose(3) == 3  # --threads wins over the variable


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5", "100000"])
def test_a_bad_count_is_refused_naming_its_source(text: str) -> None:
    with pytest.raises(GradstepError, match=r"^GRADSTEP_THREADS: expected a whole number"):
        threads.parse_threads(text, threads.ENVIRONMENT)


def test_run_applies_one_thread_inside_the_run(seen_in_run: list[list[int]], capsys) -> None:
    threads.apply(2)  # whatever was set before, the command applies its own count
    assert main(["run", "example:xor", "--iterations", "20"]) == 0
    assert seen_in_run
    assert all(counts and set(counts) == {1} for counts in seen_in_run)
    assert threads.chosen() == 1


def test_run_honours_threads_and_the_variable(
    seen_in_run: list[list[int]], monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    assert main(["run", "example:xor", "--iterations", "5", "--threads", "2"]) == 0
    assert set(seen_in_run[-1]) == {2}
    monkeypatch.setenv(threads.ENVIRONMENT, "2")
    threads.apply(1)
    assert main(["chain", "example:xor", "--bias", "0:0", "--iteration", "1500"]) == 0
    assert set(seen_in_run[-1]) == {2}


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["run", "example:xor", "--threads", "0"], None),
        (["run", "example:xor", "--threads", "many"], None),
        (["chain", "example:xor", "--bias", "0:0", "--threads", "-2"], None),
        (["run", "example:xor"], "lots"),
        (["example:xor"], "0"),  # the window refuses it before opening
    ],
)
def test_a_bad_thread_count_exits_2_with_one_line(
    args: list[str], env: str | None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    if env is not None:
        monkeypatch.setenv(threads.ENVIRONMENT, env)
    opened: list[str | None] = []

    def launcher(spec: str | None) -> int:
        opened.append(spec)
        return 0

    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(args, launcher=launcher))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "threads" in err.lower()
    assert opened == []


def test_a_count_applied_on_another_thread_first_does_not_lock_the_main_thread_out() -> None:
    """threadpoolctl lets only the first thread to set OpenBLAS's process-wide pool set it
    again while that thread lives (a window's QThread worker lives for ever, as Python sees it):
    here a thread that applied a count stays alive while the main thread applies another."""
    import threading

    from threadpoolctl import OpenBLASController

    OpenBLASController.clear_controlling_thread(force=True)  # as in a fresh process: no thread has set it
    applied, release = threading.Event(), threading.Event()

    def worker() -> None:
        threads.apply(1)
        applied.set()
        release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert applied.wait(10)
        threads.apply(2)
        assert set(threads.blas_threads()) == {2}
        assert threads.chosen() == 2
    finally:
        release.set()
        thread.join()
