"""Save dialogs offer Gradstep's own suffix; File › Open Recent follows the desktop's list."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from engine import Session, parse_session
from engine.desktop import recent
from gui.main_window import MainWindow
from tests.helpers import tiny_session_dict


def test_save_as_offers_and_adds_the_session_suffix(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    offered: list[tuple[str, str]] = []

    def dialog(parent, caption, start, filters):
        offered.append((start, filters))
        return str(tmp_path / "mine"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    assert window.files.save_as()
    ((start, filters),) = offered
    assert start.endswith(".gradstep.json")
    assert filters.startswith("Gradstep sessions (*.gradstep.json)")
    saved = tmp_path / "mine.gradstep.json"
    assert saved.is_file()
    assert window.windowTitle() == "mine[*] — Gradstep"  # not "mine.gradstep"
    # the desktop's recent list has it, as a Gradstep session
    assert recent.gradstep_files() == [saved.resolve()]
    assert recent.mime_type_of(saved) == "application/x-gradstep-session"


def test_a_typed_json_suffix_is_kept(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "plain.json"), ""))
    assert window.files.save_as()
    assert (tmp_path / "plain.json").is_file()
    assert not list(tmp_path.glob("*.gradstep.json"))


def test_open_recent_lists_what_other_gradstep_windows_recorded(window: MainWindow, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.gradstep.json"
    Session(parse_session(tiny_session_dict(title="elsewhere"))).save(elsewhere)
    assert recent.xbel_path() == Path(os.environ["XDG_DATA_HOME"]) / "recently-used.xbel"
    assert recent.add(elsewhere)  # as another Gradstep, or the file manager, would
    window.files.recent_menu.aboutToShow.emit()
    texts = [a.text() for a in window.files.recent_menu.actions()]
    assert texts[0] == str(elsewhere.resolve())
    window.files.recent_menu.actions()[0].trigger()
    assert window.controller.path == elsewhere.resolve()
    clear = next(a for a in window.files.recent_menu.actions() if a.text() == "Clear the list")
    clear.trigger()
    assert recent.gradstep_files() == []
    window.files.recent_menu.aboutToShow.emit()
    assert [a.text() for a in window.files.recent_menu.actions()] == ["No recent files"]
