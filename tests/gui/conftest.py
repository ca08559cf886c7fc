"""Windows and controllers for the GUI tests: a temporary QSettings each, closed without prompts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from engine import SessionConfig, parse_session
from engine.files import data as datasets
from gui.controller import SessionController
from gui.main_window import MainWindow
from tests.helpers import tiny_session_dict


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "gradstep.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def controller() -> Iterator[SessionController]:
    """A controller on the 2-3-1 sigmoid XOR session of ``tiny_session_dict``."""
    ctrl = SessionController(parse_session(tiny_session_dict()))
    yield ctrl
    ctrl.wait_idle()


@pytest.fixture
def built_presets(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sample counts of every preset data set built during the test, in order."""
    built: list[int] = []
    real = datasets.preset

    def counting(name: str, samples: int, noise: float, seed: int, one_hot: bool) -> Any:
        built.append(samples)
        return real(name, samples, noise, seed, one_hot)

    monkeypatch.setattr(datasets, "preset", counting)
    return built


def open_window(qtbot, config: SessionConfig, settings: QSettings) -> Iterator[MainWindow]:
    """A shown window on ``config``; afterwards waits for its work and closes it unasked."""
    win = MainWindow(config, None, settings)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.controller.wait_check()
    win.controller.wait_idle()
    win.controller.stop_recording()  # closing must not offer to save a recording
    win.controller.mark_unmodified()  # ... or the session
    win.close()
    win.deleteLater()


@pytest.fixture
def window(qtbot, settings: QSettings) -> Iterator[MainWindow]:
    """The 2-3-1 sigmoid XOR window of ``tiny_session_dict``."""
    yield from open_window(qtbot, parse_session(tiny_session_dict()), settings)


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box shown ("title: text"), recorded instead of blocking the test."""
    shown: list[str] = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(
            QMessageBox, name, lambda parent, title, text, *a: shown.append(f"{title}: {text}")
        )
    return shown


def activate(qtbot, window: MainWindow) -> None:
    """Make ``window`` the active one, so that its shortcuts take the keys a test sends."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
