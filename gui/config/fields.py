"""The configuration form's fields: the error line under each, found by its session-file key, and
choosing a combo box's item by its data."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.config.form import field_key, form_message
from gui.formatting import FAIL_COLOR


def select_data(box: QComboBox, value: object) -> None:
    """Select the item of ``box`` whose data is ``value`` (the first item when none is)."""
    box.setCurrentIndex(max(0, box.findData(value)))


def error_label() -> QLabel:
    """A hidden, wrapping, red line for a field's problem."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {FAIL_COLOR};")
    label.hide()
    return label


class FieldErrors:
    """The form's error lines, each registered under the session-file key of its field
    ("optimizer.learning_rate", "network.layers[1]", "data", ...)."""

    def __init__(self) -> None:
        self._labels: dict[str, QLabel] = {}
        self._names: dict[str, str] = {}  # the form's label of each field, for the messages

    def add(self, key: str, label: QLabel, name: str) -> None:
        self._labels[key] = label
        self._names[key] = name

    def message(self, field: str | None, message: str) -> str:
        """The engine's ``message`` about ``field`` naming the form's label, not the file's path."""
        return form_message(message, field, self._names)

    def remove(self, prefix: str) -> None:
        """Forget the lines whose key starts with ``prefix`` (their widgets are gone)."""
        for key in [k for k in self._labels if k.startswith(prefix)]:
            del self._labels[key]
            self._names.pop(key, None)

    def with_error(self, field: QWidget | QHBoxLayout, key: str, name: str) -> QWidget:
        """The field with an error line under it, registered under ``key``."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if isinstance(field, QHBoxLayout):
            layout.addLayout(field)
        else:
            layout.addWidget(field)
        error = error_label()
        layout.addWidget(error)
        self.add(key, error, name)
        return box

    def clear(self) -> None:
        for label in self._labels.values():
            label.clear()  # a wrapped label keeps its height-for-width in the form until cleared
            label.hide()

    def show(self, field: str | None, message: str) -> str | None:
        """Show ``message`` under the field ``field`` is about (a session-file path); returns
        the key of the line it went to, None when no field of the form matches."""
        self.clear()
        key = field_key(field, self._labels)
        if key is not None:
            label = self._labels[key]
            label.setText(f"⚠ {message}")
            label.show()
        return key

    def text(self, key: str) -> str | None:
        """The message shown under ``key``'s field, None when there is none."""
        label = self._labels.get(key)
        return label.text() if label is not None and not label.isHidden() else None
