"""Launching: names and icon, the default example, bad arguments, --version and --help."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from engine import __version__
from gui.app import create_window, load_spec, run_app
from gui.main import main


def test_bad_session_argument_exits_2_with_one_line(capsys, tmp_path) -> None:
    assert run_app(str(tmp_path / "missing.json")) == 2
    err = capsys.readouterr().err
    assert err.startswith("gradstep: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert run_app("example:nope") == 2
    assert "no such example" in capsys.readouterr().err


def test_version_and_help(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"gradstep {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "example:xor" in capsys.readouterr().out


def test_no_argument_opens_xor_ready_to_step(qtbot, tmp_path) -> None:
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    config, path = load_spec(None)
    assert path is None
    window = create_window(None)
    try:
        app = QApplication.instance()
        assert app.applicationName() == "Gradstep"
        assert app.organizationName() == "Gradstep"
        assert not app.windowIcon().isNull()
        assert 16 in [size.width() for size in app.windowIcon().availableSizes()]
        assert window.windowTitle() == "xor[*] — Gradstep"
        assert window.controller.config.sizes == config.sizes
        snap = window.controller.snapshot()
        assert (snap.iteration, snap.stage) == (0, 0)
        window.run_controls.step_action.trigger()
        assert window.controller.snapshot().stage == 1
    finally:
        window.close()
        window.deleteLater()


def test_a_walkthrough_opens_its_session() -> None:
    config, path = load_spec("example:tour-every-number")
    assert path is None
    assert config.sizes == (2, 2, 2)


def test_no_display_is_one_clear_line_not_a_qt_abort(capsys, monkeypatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main(["example:xor"]) == 2
    err = capsys.readouterr().err
    assert "no display" in err
    assert err.count("\n") == 1
