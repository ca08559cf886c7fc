"""File > Export: the network drawing as PNG or SVG, and a trace of the completed iterations.

The trace recomputes every completed iteration's record, seconds for a long history: it is
written by a job on a worker thread, with Cancel. The drawing is one frame the GUI thread must
render itself (Qt widgets paint only there), a few tens of milliseconds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from engine import GradstepError
from gui.controller import SessionController
from gui.network_view import NetworkView
from gui.window.actions import make_action

IMAGE_FILTERS = {"png": "PNG images (*.png)", "svg": "SVG drawings (*.svg)"}
TRACE_FILTER = "Gradstep traces (*.json)"


class ExportCommands:
    """The Export menu; ``place`` names the default file (the folder and the session's name)."""

    def __init__(
        self,
        window: QMainWindow,
        controller: SessionController,
        network_view: NetworkView,
        place: Callable[[str], Path],
    ) -> None:
        self._window = window
        self._controller = controller
        self._network_view = network_view
        self._place = place
        self.export_png_action = make_action(window, "Network as &PNG…", lambda: self.export_view("png"))
        self.export_svg_action = make_action(window, "Network as &SVG…", lambda: self.export_view("svg"))
        self.export_trace_action = make_action(
            window,
            "&Trace of completed iterations…",
            self.export_trace,
            tip="Write every completed iteration to a trace",
        )
        self.menu = QMenu("E&xport", window)
        self.menu.addActions([self.export_png_action, self.export_svg_action, self.export_trace_action])
        controller.running_changed.connect(self._on_running_changed)
        controller.job_changed.connect(self._on_running_changed)

    def export_view(self, kind: str) -> None:
        """Save the network drawing as PNG or SVG."""
        start = str(self._place(f"-network.{kind}"))
        title = f"Export the network as {kind.upper()}"
        path, _ = QFileDialog.getSaveFileName(self._window, title, start, IMAGE_FILTERS[kind])
        if not path:
            return
        target = Path(path) if Path(path).suffix else Path(path).with_suffix(f".{kind}")
        try:
            if kind == "png":
                self._network_view.export_png(target)
            else:
                self._network_view.export_svg(target)
        except (GradstepError, OSError) as exc:
            QMessageBox.critical(self._window, "Cannot export", f"{target}\n\n{exc}")
            return
        self._window.statusBar().showMessage(f"wrote {target}", 5000)

    def export_trace(self) -> None:
        """Write the iterations completed so far (forward values, gradients, parameters) as a trace."""
        c = self._controller
        if c.running:
            self._window.statusBar().showMessage("pause the run before exporting a trace", 5000)
            return
        if not c.completed_iterations():
            QMessageBox.information(
                self._window, "Nothing to export", "No iteration is complete yet: finish one first (F11)."
            )
            return
        start = str(self._place("-trace.json"))
        path, _ = QFileDialog.getSaveFileName(self._window, "Export a trace", start, TRACE_FILTER)
        if not path:
            return
        # recomputing the records of a long history takes seconds: a job, with Cancel
        c.export_trace_in_background(Path(path), lambda written: self._on_trace_written(written, path))

    def _on_trace_written(self, written: int, path: str) -> None:
        self._window.statusBar().showMessage(f"wrote {written} iterations to {path}", 8000)

    def _on_running_changed(self, *_: object) -> None:
        self.export_trace_action.setEnabled(not self._controller.running and not self._controller.busy)
