"""File > New, Open, Open Example, Open Recent, Save, Save As, Save Walkthrough, and the window
title that names the file. A file that cannot be read or written is a dialog, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QCheckBox, QFileDialog, QMainWindow, QMenu, QMessageBox

from engine import GradstepError, SessionConfig
from engine.desktop import recent as desktop_recent
from engine.desktop.mime import SESSION_SUFFIX, WALKTHROUGH_SUFFIX, display_stem, with_suffix
from engine.files.examples import example, example_names, resolve, resolve_any, walkthrough_names
from engine.files.walkthrough import Walkthrough
from gui.control.session_jobs import opens_slowly
from gui.controller import SessionController
from gui.window.actions import make_action
from gui.window.code_commands import CodeCommands, is_model_file

MAX_RECENT = 8
SESSION_FILTER = "Gradstep sessions and walkthroughs (*.json);;PyTorch models (*.pt *.pth);;All files (*)"
# saved with Gradstep's own suffix, so the desktop knows the file type; a typed .json is kept
SESSION_SAVE_FILTER = f"Gradstep sessions (*{SESSION_SUFFIX});;JSON files (*.json);;All files (*)"
WALKTHROUGH_FILTER = f"Gradstep walkthroughs (*{WALKTHROUGH_SUFFIX});;JSON files (*.json);;All files (*)"
DEFAULT_SPEC = "example:xor"


def offer_save(window: QMainWindow, title: str, question: str, save: Callable[[], bool]) -> bool:
    """Save / Discard / Cancel; False if the user cancelled or the save failed."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        window, title, question, buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save
    )
    if answer == buttons.Save:
        return save()
    return answer == buttons.Discard


def ask_about_recording(window: QMainWindow, count: int) -> tuple[bool, bool] | None:
    """Save or discard the steps recorded, and whether to record on in the new session:
    (save, keep recording), or None if the user cancelled."""
    buttons = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, "Recording a walkthrough", "", parent=window)
    box.setText(
        f"A walkthrough is being recorded ({count} step{'s' if count != 1 else ''}). "
        "Save it before the new session replaces the recorded one?"
    )
    box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
    box.setDefaultButton(buttons.Save)
    keep = QCheckBox("Keep recording in the new session")
    box.setCheckBox(keep)
    box.exec()
    answer = box.standardButton(box.clickedButton())
    if answer not in (buttons.Save, buttons.Discard):
        return None
    return answer == buttons.Save, keep.isChecked()


class FileCommands:
    """Opening and saving sessions and walkthroughs, the recent files, the window title."""

    def __init__(self, window: QMainWindow, controller: SessionController, settings: QSettings) -> None:
        self._window = window
        self._controller = controller
        self._settings = settings
        self._example_title = ""
        self._recording_saved = 0  # how many recorded steps the last Save Walkthrough wrote
        keys = QKeySequence.StandardKey
        self.new_action = make_action(window, "&New", self.new_session, (keys.New,), "New XOR session")
        self.open_action = make_action(window, "&Open…", self.open_dialog, (keys.Open,), "Open a session")
        self.save_action = make_action(window, "&Save", self.save, (keys.Save,), "Save the session")
        self.save_as_action = make_action(
            window, "Save &As…", self.save_as, ("Ctrl+Shift+S",), "Save the session under a new name"
        )
        self.save_walkthrough_action = make_action(
            window,
            "Save &Walkthrough…",
            self.save_walkthrough,
            tip="Save the steps recorded so far as a walkthrough",
        )
        self.quit_action = make_action(window, "&Quit", window.close, (keys.Quit,))
        self.code = CodeCommands(window, controller, self.last_dir, self.display_name)
        self.export_code_action = self.code.export_code_action
        self.examples_menu = QMenu("Open &Example", window)
        for name in example_names():
            self._add_example(f"{name} — {example(name).summary}", name)
        self.examples_menu.addSection("Walkthroughs (tutorial mode)")
        for name in walkthrough_names():
            self._add_example(name, name)
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
        controller.path_changed.connect(self._on_path_changed)
        controller.modified_changed.connect(self._on_modified_changed)
        controller.session_replaced.connect(self.update_title)
        controller.running_changed.connect(self._on_running_changed)
        controller.job_changed.connect(self._on_running_changed)
        controller.walkthrough_changed.connect(self._on_walkthrough_changed)
        self.update_title()
        self._on_walkthrough_changed()

    def _add_example(self, text: str, name: str) -> None:
        action = self.examples_menu.addAction(text)
        action.setData(f"example:{name}")
        action.triggered.connect(lambda _=False, spec=f"example:{name}": self.open_spec(spec))

    # ---- sessions ----

    def new_session(self) -> None:
        """A fresh XOR session with no file name; while recording, asks about the steps first
        (save, discard, and whether to go on recording in the new session)."""
        if not self.maybe_save():
            return
        keep_recording = False
        if self._controller.mode == "recording":
            answer = ask_about_recording(self._window, len(self._controller.recorded))
            if answer is None or not self._settle_recording(answer[0]):
                return
            keep_recording = answer[1]
        elif not self.maybe_save_recording():
            return
        self._controller.new_session(resolve(DEFAULT_SPEC), None)
        self._example_title = ""
        self.update_title()
        if keep_recording:
            self._recording_saved = 0
            self._controller.start_recording(self.display_name())

    def _settle_recording(self, save: bool) -> bool:
        """Save the recorded steps (False if that was cancelled or failed), or forget them."""
        if save:
            return self.save_walkthrough()
        self._controller.discard_recorded()
        return True

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._window, "Open session", self.last_dir(), SESSION_FILTER)
        if path:
            self.open_spec(path)

    def open_spec(self, spec: str) -> bool:
        """Open a session file, a walkthrough or ``example:NAME``; a bad file is a dialog."""
        if not self.maybe_save() or not self.maybe_save_recording():
            return False
        if is_model_file(spec):
            return self._import_model(Path(spec))
        if opens_slowly(spec):  # a large file: read and built on a worker thread, then shown
            return self._controller.open_in_background(spec, lambda source: self._opened(spec, source))
        example_spec = spec.startswith("example:")
        try:
            source = resolve_any(spec)
            if isinstance(source, Walkthrough):
                self._controller.play_walkthrough(source)
            else:
                self._controller.new_session(source, None if example_spec else Path(spec))
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self._window, "Cannot open the file", f"{spec}\n\n{exc}")
            self._window.statusBar().showMessage(f"could not open {spec}", 8000)
            return False
        self._opened(spec, source)
        return True

    def _opened(self, spec: str, source: SessionConfig | Walkthrough) -> None:
        """``spec`` was opened and is shown: the title, the recent files, the status bar."""
        example_spec = spec.startswith("example:")
        self._example_title = spec.removeprefix("example:") if example_spec else ""
        if isinstance(source, Walkthrough):
            self._example_title = source.title or display_stem(Path(spec).name)
        self.update_title()
        if not example_spec:
            self._add_recent(str(Path(spec).resolve()))
        self._window.statusBar().showMessage(f"opened {spec}", 5000)

    def _import_model(self, path: Path) -> bool:
        """A PyTorch model opens as a new, unsaved session with its weights (a dialog if not)."""
        config = self.code.import_model(path)
        if config is None:
            return False
        self._controller.new_session(config, None)
        self._example_title = config.title
        self.update_title()
        self._window.statusBar().showMessage(f"imported {path}", 5000)
        return True

    def play_walkthrough(self, walkthrough: Walkthrough) -> None:
        """Enter tutorial mode on ``walkthrough``; the window is named after it."""
        self._controller.play_walkthrough(walkthrough)
        self.set_example_title(walkthrough.title)

    def save(self) -> bool:
        if self._controller.path is None:
            return self.save_as()
        return self._save_to(self._controller.path)

    def save_as(self) -> bool:
        start = str(self._controller.path or Path(self.last_dir()) / f"{self.display_name()}{SESSION_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self._window, "Save session as", start, SESSION_SAVE_FILTER)
        if not path:
            return False
        return self._save_to(with_suffix(Path(path), "session"))

    def _save_to(self, path: Path) -> bool:
        try:
            self._controller.save(path)
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self._window, "Cannot save the session", f"{path}\n\n{exc}")
            return False
        self._example_title = ""
        self._add_recent(str(Path(path).resolve()))
        self._window.statusBar().showMessage(f"saved {path}", 5000)
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False if the user cancelled."""
        if not self._controller.modified:
            return True
        question = f"Save the changes to {self.display_name()} before closing it?"
        return offer_save(self._window, "Unsaved changes", question, self.save)

    # ---- walkthroughs ----

    def save_walkthrough(self) -> bool:
        """Save the recorded steps as a walkthrough file (the recording goes on)."""
        c = self._controller
        if not c.recorded:
            QMessageBox.information(
                self._window,
                "Nothing recorded",
                "Start recording (Ctrl+Shift+R) and take some steps first: each action becomes a step.",
            )
            return False
        title = c.recording_title.lower()
        name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in title).strip("-")
        start = str(Path(self.last_dir()) / f"{name or 'walkthrough'}{WALKTHROUGH_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self._window, "Save walkthrough", start, WALKTHROUGH_FILTER)
        if not path:
            return False
        target = with_suffix(Path(path), "walkthrough")
        try:
            c.save_recording(target)
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self._window, "Cannot save the walkthrough", f"{target}\n\n{exc}")
            return False
        self._recording_saved = len(c.recorded)
        self._add_recent(str(target.resolve()))
        self._window.statusBar().showMessage(f"saved {len(c.recorded)} steps to {target}", 8000)
        return True

    def maybe_save_recording(self) -> bool:
        """Offer to save recorded steps that are not saved yet; False if the user cancelled."""
        c = self._controller
        count = len(c.recorded)
        if not count or count == self._recording_saved:
            return True
        question = f"Save the {count} recorded steps as a walkthrough?"
        if not offer_save(self._window, "Unsaved walkthrough", question, self.save_walkthrough):
            return False
        if len(c.recorded) != self._recording_saved:  # the user chose Discard
            c.discard_recorded()
        return True

    def start_recording(self) -> bool:
        """Record from here, after offering to save an earlier recording; False if cancelled."""
        if not self.maybe_save_recording():
            return False
        self._recording_saved = 0
        self._controller.start_recording(self.display_name())
        return True

    # ---- recent files ----

    def recent_files(self) -> list[str]:
        """The desktop's recent Gradstep files (any Gradstep window's), then this one's."""
        value = self._settings.value("recent_files", [])
        own = (
            [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []
        )
        desktop = [str(p) for p in desktop_recent.gradstep_files()]
        return list(dict.fromkeys([*desktop, *own]))[:MAX_RECENT]

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self.recent_files() if p != path]
        self._settings.setValue("recent_files", [path, *recent][:MAX_RECENT])
        desktop_recent.add(Path(path))

    def _clear_recent(self) -> None:
        self._settings.setValue("recent_files", [])
        desktop_recent.forget_gradstep()

    def last_dir(self) -> str:
        if self._controller.path is not None:
            return str(self._controller.path.parent)
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def _on_recent_menu_about_to_show(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = self.recent_files()
        if not recent:
            menu.addAction("No recent files").setEnabled(False)
            return
        for path in recent:
            action = menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_spec(p))
        menu.addSeparator()
        menu.addAction("Clear the list", self._clear_recent)

    # ---- title ----

    def display_name(self) -> str:
        path = self._controller.path
        if path is not None:
            return display_stem(path.name)
        return self._example_title or self._controller.config.title or "untitled"

    def set_example_title(self, name: str) -> None:
        """Name the window after the built-in example or walkthrough it shows."""
        self._example_title = name
        self.update_title()

    def update_title(self) -> None:
        self._window.setWindowTitle(f"{self.display_name()}[*] — Gradstep")
        self._window.setWindowModified(self._controller.modified)

    # ---- handlers ----

    def _on_path_changed(self, path: object) -> None:
        self.update_title()

    def _on_modified_changed(self, modified: bool) -> None:
        self._window.setWindowModified(modified)

    def _on_running_changed(self, *_: object) -> None:
        idle = not self._controller.running and not self._controller.busy
        for action in (self.new_action, self.open_action, self.save_action, self.save_as_action):
            action.setEnabled(idle)
        self.examples_menu.setEnabled(idle)
        self.recent_menu.setEnabled(idle)

    def _on_walkthrough_changed(self) -> None:
        self.save_walkthrough_action.setEnabled(bool(self._controller.recorded))
