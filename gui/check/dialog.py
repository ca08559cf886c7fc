"""File > Check my code…: which file to check, for how many iterations, within how long."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

DEFAULT_ITERATIONS = 5
DEFAULT_TIMEOUT = 20.0
CODE_FILTER = "Python files (*.py);;All files (*)"
INITIAL_NOTE = (
    "The check starts from the session's initial parameters (where Reset takes the network), "
    "not from the iteration the debugger is at, and compares plain full-batch gradient-descent steps."
)


class CheckDialog(QDialog):
    """Which file to check, for how many iterations, within how long."""

    def __init__(self, parent: QWidget, path: str, start_dir: str, iterations: int, timeout: float) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check my code")
        self._start_dir = start_dir
        self.path_edit = QLineEdit(path)
        self.path_edit.setPlaceholderText(
            "your .py file with train_step(weights, biases, X, Y, learning_rate)"
        )
        self.path_edit.setMinimumWidth(380)
        self.browse_button = QPushButton("Browse…")
        self.iterations_box = QSpinBox()
        self.iterations_box.setRange(1, 1000)
        self.iterations_box.setValue(iterations)
        self.iterations_box.setToolTip(
            "How many training steps to compare, stopping at the first disagreement"
        )
        self.timeout_box = QDoubleSpinBox()
        self.timeout_box.setRange(1.0, 600.0)
        self.timeout_box.setDecimals(0)
        self.timeout_box.setSuffix(" s")
        self.timeout_box.setValue(timeout)
        self.timeout_box.setToolTip("Your code is stopped after this long (an infinite loop, say)")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("Your code", row)
        form.addRow("Iterations", self.iterations_box)
        form.addRow("Time limit", self.timeout_box)
        intro = QLabel(
            "Gradstep runs your <tt>train_step</tt> (and <tt>gradients</tt>, if you define it) in a "
            "separate process on the session's data, step by step beside the correct computation, "
            "and points at the first number that differs."
        )
        intro.setWordWrap(True)
        note = QLabel(INITIAL_NOTE)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Check")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.browse_button.clicked.connect(self.browse)
        self.buttons.accepted.connect(self._on_accepted)
        self.buttons.rejected.connect(self.reject)

    @property
    def path(self) -> str:
        return self.path_edit.text().strip()

    def browse(self) -> None:
        start = self.path or self._start_dir
        path, _ = QFileDialog.getOpenFileName(self, "Your training step", start, CODE_FILTER)
        if path:
            self.path_edit.setText(path)

    def _on_accepted(self) -> None:
        if not self.path:
            self.browse()
        if self.path:
            self.accept()
