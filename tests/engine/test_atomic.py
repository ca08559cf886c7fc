"""Saves: one atomic-write helper, used by everything that writes a file."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import GradstepError
from engine.files import atomic
from engine.files.atomic import atomic_path, atomic_text, write_atomic

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def test_only_the_helper_renames_files_into_place() -> None:
    """The three copies of atomic writing are one: no other module makes temporary files
    beside a target or renames them over it."""
    pattern = re.compile(r"mkstemp|os\.replace|NamedTemporaryFile")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("engine", "gui")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "atomic.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_new_file_gets_the_umask_default_not_0600(tmp_path: Path, umask: None) -> None:
    write_atomic(tmp_path / "new.json", "{}\n")
    assert _mode(tmp_path / "new.json") == 0o644
    os.umask(0o027)
    write_atomic(tmp_path / "other.json", b"{}\n")
    assert _mode(tmp_path / "other.json") == 0o640


def test_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "shared.json"
    target.write_text("old")
    target.chmod(0o664)
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert _mode(target) == 0o664
    target.chmod(0o600)
    with atomic_path(target) as tmp:
        assert _mode(tmp) == 0o600  # private while it is written
        tmp.write_bytes(b"png")
    assert _mode(target) == 0o600
    assert target.read_bytes() == b"png"
    target.chmod(0o444)  # read-only: the save replaces it and it stays read-only
    write_atomic(target, "again")
    assert (target.read_text(), _mode(target)) == ("again", 0o444)


def test_saving_to_a_symlink_writes_through_to_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real" / "session.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert _leftovers(tmp_path) == []
    assert _leftovers(real.parent) == []


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_an_exception_while_writing_keeps_the_old_file_and_no_temp(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "trace.json"
    target.write_text("old and whole")

    def write_half() -> None:
        with atomic_text(target) as handle:
            handle.write("half of a new fi")
            raise error

    with pytest.raises(type(error)):
        write_half()
    assert target.read_text() == "old and whole"
    assert _leftovers(tmp_path) == []


def test_a_full_disk_is_a_gradstep_error_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "session.json"
    target.write_text("old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(GradstepError, match="No space left on device") as caught:
        write_atomic(target, "new" * 1000)
    assert str(target) in str(caught.value)
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_an_unwritable_folder_is_a_gradstep_error(tmp_path: Path) -> None:
    with pytest.raises(GradstepError, match="cannot write"):
        write_atomic(tmp_path / "no-such-folder" / "x.json", "{}")


def test_interrupted_trace_keeps_the_previous_trace(tmp_path: Path) -> None:
    from engine import Session, parse_session
    from engine.files.trace import TraceWriter
    from tests.conftest import tiny_session_dict

    old = tmp_path / "OLD.json"
    old.write_text('{"format":"gradstep-trace","previous":true}')
    session = Session(parse_session(tiny_session_dict()))
    seen = 0

    def on_iteration(item: object) -> None:
        nonlocal seen
        writer.write(item)  # type: ignore[arg-type]
        seen += 1
        if seen == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), TraceWriter(old) as writer:
        session.run_iterations(10, on_iteration=on_iteration)
    assert old.read_text() == '{"format":"gradstep-trace","previous":true}'
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_save_never_replaces_a_pipe_or_a_folder(tmp_path: Path, kind: str) -> None:
    """Renaming over a FIFO (or, as root, a device such as /dev/null) would replace it with a
    regular file: refused with one message, and the pipe or folder is left as it was."""
    target = tmp_path / "out.json"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    with pytest.raises(GradstepError, match="out.json: is"):
        write_atomic(target, b"{}")
    assert target.is_fifo() if kind == "fifo" else target.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary file left


def test_the_cli_refuses_a_trace_to_a_device(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main

    assert main(["run", "example:xor", "--iterations", "2", "--trace", "/dev/null"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "/dev/null: is not a regular file" in err
    assert Path("/dev/null").is_char_device()
