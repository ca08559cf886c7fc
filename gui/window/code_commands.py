"""File > Export as Code… (the session as a NumPy or PyTorch script) and File > Open of a
PyTorch model (.pt). Both are plain engine calls: writing a script is fast, and reading a model
needs torch, which the window checks for before it tries."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from engine import GradstepError
from engine.core.config import SessionConfig
from engine.files.atomic import write_atomic
from engine.files.session_file import parse_session
from gui.controller import SessionController
from gui.window.actions import make_action

NUMPY_FILTER = "NumPy script (*.py)"
TORCH_FILTER = "PyTorch script (*.py)"
MODEL_SUFFIXES = (".pt", ".pth")


def is_model_file(spec: str) -> bool:
    """True for a PyTorch model file, which File > Open imports rather than opens."""
    return Path(spec).suffix.lower() in MODEL_SUFFIXES


class CodeCommands:
    """Export as Code… and the import of PyTorch models; ``folder`` gives the dialogs' folder and
    ``name`` the session's name (the window title's)."""

    def __init__(
        self,
        window: QMainWindow,
        controller: SessionController,
        folder: Callable[[], str],
        name: Callable[[], str],
    ) -> None:
        self._window = window
        self._controller = controller
        self._folder = folder
        self._name = name
        self.export_code_action = make_action(
            window,
            "Export as &Code…",
            self.export_code,
            tip="Write the session as a standalone NumPy or PyTorch training script",
        )

    def export_code(self) -> None:
        """Ask for a file and a flavour (the dialog's filter) and write the script."""
        start = str(Path(self._folder()) / "train.py")
        path, chosen = QFileDialog.getSaveFileName(
            self._window, "Export as code", start, f"{NUMPY_FILTER};;{TORCH_FILTER}"
        )
        if not path:
            return
        target = Path(path) if Path(path).suffix else Path(path).with_suffix(".py")
        try:
            self.write_script(target, torch=chosen == TORCH_FILTER)
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self._window, "Cannot export as code", f"{target}\n\n{exc}")
            return
        flavour = "PyTorch" if chosen == TORCH_FILTER else "NumPy"
        self._window.statusBar().showMessage(
            f"wrote {target} ({flavour}; python {target.name} trains it)", 8000
        )

    def write_script(self, target: Path, torch: bool) -> None:
        """The session as configured (its starting weights, or a loaded session's saved state)."""
        from engine.export.command import script_text  # the exporters load with the first export

        write_atomic(target, script_text(self._controller.config, self._name(), target, torch))

    def import_model(self, path: Path) -> SessionConfig | None:
        """The session of the PyTorch model in ``path``, with the current session's loss,
        optimizer and data where they fit it (else XOR's); None after a dialog says why not."""
        if importlib.util.find_spec("torch") is None:
            QMessageBox.critical(
                self._window,
                "PyTorch is needed",
                f"{path}\n\nOpening a PyTorch model needs torch, which is not installed "
                "(pip install torch). Gradstep itself does not need it.",
            )
            return None
        from engine.export.torch_import import import_session

        try:
            try:
                session = import_session(path, self._controller.config, None)
            except GradstepError:  # the current session's data does not fit: XOR's may
                session = import_session(path, None, None)
            return parse_session(session)
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self._window, "Cannot open the model", f"{path}\n\n{exc}")
            return None
