"""One Gradstep per user: a second launch with a file hands it to the first, which opens it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Session, parse_session
from gui.app import open_in_front
from gui.main_window import MainWindow
from gui.single_instance import InstanceServer, hand_over, server_name
from tests.helpers import ROOT, tiny_session_dict

# bringing the window to the front means nothing offscreen, and Qt says so
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def server(qtbot, window: MainWindow) -> Iterator[InstanceServer]:
    """The first Gradstep's server, opening what it receives in ``window``."""
    first = InstanceServer(server_name())
    assert first.listen()
    first.file_received.connect(lambda path: open_in_front(window, path))
    yield first
    first.close()


def _session_file(folder: Path, name: str = "handed.gradstep.json") -> Path:
    path = folder / name
    Session(parse_session(tiny_session_dict(title="handed over", seed=3))).save(path)
    return path


def _second_gradstep(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "gui.main", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(qtbot, proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=90_000)  # the first one answers meanwhile
    finally:
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate()
    return out, err


def test_the_socket_is_per_user_in_the_runtime_folder(tmp_path: Path) -> None:
    assert server_name({"XDG_RUNTIME_DIR": str(tmp_path)}) == str(tmp_path / "gradstep-instance")
    assert server_name({}) == f"gradstep-{os.getuid()}"
    assert server_name({"XDG_RUNTIME_DIR": "relative"}) == f"gradstep-{os.getuid()}"


def test_a_second_gradstep_hands_its_file_to_the_first(qtbot, window, server, tmp_path) -> None:
    path = _session_file(tmp_path)
    with qtbot.waitSignal(server.file_received, timeout=90_000) as received:
        proc = _second_gradstep(str(path))
        out, err = _finish(qtbot, proc)
    assert proc.returncode == 0, err
    assert "in the Gradstep already running" in out
    assert received.args == [str(path.resolve())]
    assert window.controller.path == path.resolve()
    assert window.controller.config.title == "handed over"
    assert window.windowTitle().startswith("handed[*]")


def test_a_plain_second_launch_raises_the_first_and_an_example_opens_there(qtbot, window, server) -> None:
    with qtbot.waitSignal(server.raise_requested, timeout=90_000):
        proc = _second_gradstep()
        out, err = _finish(qtbot, proc)
    assert proc.returncode == 0, err
    assert "brought the Gradstep already running to the front" in out
    with qtbot.waitSignal(server.file_received, timeout=90_000) as received:
        proc = _second_gradstep("example:tutorial-004")
        out, err = _finish(qtbot, proc)
    assert proc.returncode == 0, err
    assert received.args == ["example:tutorial-004"]
    qtbot.waitUntil(lambda: window.controller.config.sizes == (2, 2, 1))


def test_new_instance_opens_its_own_window_instead(qtbot, window, server, tmp_path, monkeypatch) -> None:
    import gui.app
    from engine.cli import main

    calls: list[tuple[str | None, bool]] = []
    monkeypatch.setattr(
        gui.app,
        "run_app",
        lambda spec, new_instance=False, resume_collector=False: calls.append((spec, new_instance)) or 0,
    )
    path = _session_file(tmp_path)
    assert main(["--new-instance", str(path)]) == 0
    assert main([str(path), "--new-instance"]) == 0
    assert main([str(path)]) == 0
    assert calls == [(str(path), True), (str(path), True), (str(path), False)]
    with pytest.raises(SystemExit) as exit_info:
        main(["--new-instance", "run", "example:xor"])
    assert exit_info.value.code == 2


def test_nobody_listening_means_no_hand_over(qtbot, tmp_path: Path) -> None:
    assert not hand_over(str(tmp_path / "x.gradstep.json"), str(tmp_path / "nobody"))


def test_a_socket_left_by_a_crashed_gradstep_is_taken_over(qtbot, tmp_path: Path) -> None:
    name = str(tmp_path / "stale")
    Path(name).write_text("")  # what a crash leaves: a socket path nobody listens on
    server = InstanceServer(name)
    try:
        assert server.listen()
    finally:
        server.close()


def test_a_second_server_defers_to_the_first(qtbot, server) -> None:
    second = InstanceServer(server_name())
    assert not second.listen()


def test_garbage_on_the_socket_is_dropped_and_the_server_goes_on(qtbot, window, server, tmp_path) -> None:
    from PySide6.QtNetwork import QLocalSocket

    received: list[str] = []
    server.file_received.connect(received.append)
    for junk in (b"not json\n", json.dumps({"open": "relative.json"}).encode() + b"\n", b"[1]\n"):
        sock = QLocalSocket()
        sock.connectToServer(server_name())
        assert sock.waitForConnected(5000)
        sock.write(junk)
        sock.flush()
        qtbot.waitUntil(
            lambda s=sock: s.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=10_000
        )
    assert received == []
    path = _session_file(tmp_path, "after.gradstep.json")
    proc = _second_gradstep(str(path))
    _out, err = _finish(qtbot, proc)
    assert proc.returncode == 0, err
    qtbot.waitUntil(lambda: received == [str(path.resolve())], timeout=10_000)


def test_a_bad_file_handed_over_is_a_dialog_in_the_first(
    qtbot, window, server, tmp_path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[2]))
    bad = tmp_path / "bad.gradstep.json"
    bad.write_text('{"format": "gradstep-session", "version": 99}')
    proc = _second_gradstep(str(bad))
    _out, err = _finish(qtbot, proc)
    assert proc.returncode == 0, err
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "version" in shown[0]
    assert window.controller.path is None


def test_engine_show_from_a_notebook_opens_the_session_in_the_running_window(qtbot, window, server) -> None:
    import engine

    session = Session(parse_session(tiny_session_dict(title="from the notebook", seed=5)))
    session.run_iterations(2)
    proc = engine.show(session)  # a process of its own, which finds the window running
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=90_000)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == 0
    qtbot.waitUntil(lambda: window.controller.config.title == "from the notebook", timeout=10_000)
    path = window.controller.path
    assert path.name == "from-the-notebook.gradstep.json"
    assert window.controller.snapshot().iteration == 2
    shutil.rmtree(path.parent)  # show's temporary folder
