"""Help > Gradstep Help (the shortcuts) and About."""

from __future__ import annotations

import html

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from engine import __version__
from gui.window.actions import make_action

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("F10", "Step one stage"),
    ("Shift+F10", "Step back one stage"),
    ("F11", "Finish the iteration (through its update)"),
    ("F5", "Run N iterations / Pause"),
    ("Shift+F5, Ctrl+R", "Stop and reset to the first iteration"),
    ("Ctrl+N / Ctrl+O", "New session / Open a session file"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / Save As"),
    ("Ctrl+K", "Check my code: compare your train_step with the correct computation"),
    ("Ctrl+0", "Fit the network to the view"),
    ("Ctrl+1, Ctrl+2, Ctrl+3", "Colour edges by weight, gradient, last update"),
    ("Right / Space, Left", "Tutorial: next step, previous step"),
    ("Escape", "Cancel long work under way, else leave the tutorial (the session stays live)"),
    ("Ctrl+Shift+R", "Record a walkthrough / stop recording"),
    ("F1", "This help"),
)


class HelpActions:
    """The Help menu."""

    def __init__(self, window: QMainWindow) -> None:
        self._window = window
        self.help_action = make_action(
            window, "Gradstep &Help", self.show_help, (QKeySequence.StandardKey.HelpContents,)
        )
        self.about_action = make_action(window, "&About Gradstep", self.show_about)
        self.menu = QMenu("&Help", window)
        self.menu.addActions([self.help_action, self.about_action])

    def show_help(self) -> None:
        rows = "".join(
            f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in SHORTCUTS
        )
        QMessageBox.information(
            self._window,
            "Gradstep help",
            "<p>Step through one training iteration stage by stage: the forward pass layer by layer, "
            "the loss, the backward pass from the output back, and the update. Click a weight or a "
            "bias to see its chain rule; double-click to edit it. Indices are 0-based, like NumPy.</p>"
            f"<table cellspacing='6'>{rows}</table>",
        )

    def show_about(self) -> None:
        QMessageBox.about(
            self._window,
            "About Gradstep",
            f"<h3>Gradstep {html.escape(__version__)}</h3>"
            "<p>A step-through debugger for backpropagation.</p>"
            "<p>Every number comes from the engine; the window only draws it.</p>",
        )
