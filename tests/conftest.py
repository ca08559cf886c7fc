"""Shared fixtures. Qt runs offscreen: without a display pytest-qt would abort."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from typing import Any  # noqa: E402

import pytest  # noqa: E402

from engine import Session, parse_session  # noqa: E402
from tests.helpers import tiny_session_dict  # noqa: E402


@pytest.fixture
def tiny_dict() -> dict[str, Any]:
    return tiny_session_dict()


@pytest.fixture
def tiny_session() -> Session:
    return Session(parse_session(tiny_session_dict()))


@pytest.fixture(autouse=True)
def _private_desktop(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The desktop's per-user places (recent files, the single-instance socket) in a folder of
    the test's own: no test touches the user's recently-used.xbel or talks to a real Gradstep."""
    base = tmp_path_factory.mktemp("xdg")
    for name, sub in (("XDG_DATA_HOME", "data"), ("XDG_RUNTIME_DIR", "run")):
        (base / sub).mkdir(mode=0o700)
        monkeypatch.setenv(name, str(base / sub))


@pytest.fixture(autouse=True)
def _no_unexpected_dialogs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog nobody answers would hang the run offscreen: fail the test instead.
    Tests that expect a dialog monkeypatch it themselves (after this fixture)."""
    if "qtbot" not in request.fixturenames:
        return
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    def refuse(name: str) -> Any:
        def dialog(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"unexpected modal dialog {name}{args[1:3]!r}")

        return dialog

    for name in ("question", "critical", "information", "warning", "about"):
        monkeypatch.setattr(QMessageBox, name, refuse(f"QMessageBox.{name}"))
    for name in ("getOpenFileName", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, refuse(f"QFileDialog.{name}"))
    for name in ("getDouble", "getInt", "getText"):
        monkeypatch.setattr(QInputDialog, name, refuse(f"QInputDialog.{name}"))
