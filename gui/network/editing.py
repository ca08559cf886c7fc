"""Typing a new value for a weight or bias (a double-click on it in the network view)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from engine import GradstepError, ParameterRef
from gui.config.form import exact_text
from gui.formatting import format_number
from gui.network.tooltips import parameter_value

if TYPE_CHECKING:
    from gui.controller import SessionController


def edit_parameter(parent: QWidget, controller: SessionController, ref: ParameterRef, digits: int) -> None:
    """Ask for a new value of ``ref`` and hand it to the engine, asking again while it is
    refused (the message says why); ``digits`` is the window's number format."""
    if controller.running:
        controller.message.emit("pause the run before editing a parameter")
        return
    # a text field, not QInputDialog.getDouble: its locale-bound validator read 1e-3 as 13
    text = exact_text(parameter_value(controller.snapshot(), ref))
    problem = ""
    while True:
        prompt = f"New value of {ref.label}\n(the stages that depend on it are recomputed):"
        text, ok = QInputDialog.getText(
            parent,
            f"Edit {ref.label}",
            f"{prompt}\n\n{problem}" if problem else prompt,
            QLineEdit.EchoMode.Normal,
            text,
        )
        if not ok:
            return
        problem = set_parameter_text(controller, ref, text, digits)
        if not problem:
            return


def set_parameter_text(controller: SessionController, ref: ParameterRef, text: str, digits: int) -> str:
    """Set ``ref`` to the number ``text`` reads as, as the configuration panel reads numbers;
    the problem, or "" when it was set."""
    try:
        value = float(text.strip())
    except ValueError:
        problem = f"{text.strip()!r} is not a number"
    else:
        try:
            controller.set_parameter(ref, value)
        except GradstepError as exc:
            problem = str(exc)
        else:
            controller.select(ref)
            controller.message.emit(f"{ref.label} set to {format_number(value, digits)}")
            return ""
    controller.message.emit(problem)
    return problem
