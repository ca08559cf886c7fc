"""The session's configuration as a form; Apply rebuilds the session when the engine accepts it.

The editors in ``gui/config/`` hold the fields; :mod:`gui.config.form` turns their values into
a session document without Qt. While the user types, the engine judges a cheap stand-in of
that document (no data generated or read, no weights parsed); Apply has it parse the real one.
An engine message is shown under the field its ``GradstepError.field`` names, and the old
session stays until a valid configuration is applied.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError, SessionConfig
from engine.files.session_file import parse_session, session_json
from gui.config.data_editor import DataEditor
from gui.config.fields import FieldErrors
from gui.config.form import (
    MAX_TABLE_ROWS,
    FormValues,
    builds_slowly,
    form_from_config,
    has_explicit_weights,
    session_document,
    typing_document,
)
from gui.config.network_editor import NetworkEditor
from gui.config.training_editor import TrainingEditor
from gui.controller import SessionController
from gui.formatting import FAIL_COLOR

__all__ = ["MAX_TABLE_ROWS", "ConfigPanel"]

VALIDATE_DELAY_MS = 150  # check shortly after typing stops, not on every keystroke
APPLY_TIP = "Rebuild the session with this configuration (starts at iteration 0)"


NOT_APPLIED = "configuration not applied: "


class ConfigPanel(QWidget):
    """Edits a session's network, training and data; Apply replaces the controller's session."""

    validity_changed = Signal(bool)
    applied = Signal()  # Apply rebuilt the session from the form

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._loading = False
        self._loaded: dict[str, Any] = {}
        self._error_text: str | None = None
        self._errors = FieldErrors()
        self.network_editor = NetworkEditor(self._errors)
        self.training_editor = TrainingEditor(self._errors)
        self.data_editor = DataEditor(self._errors)
        self._build_footer()
        self._lay_out()

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.check_fields)
        self.apply_button.clicked.connect(self.apply)
        self.revert_button.clicked.connect(self.load_from_controller)
        for editor in (self.network_editor, self.training_editor, self.data_editor):
            editor.changed.connect(self._on_form_changed)
        self.network_editor.shape_changed.connect(self._on_network_shape_changed)
        self.data_editor.inputs_needed.connect(self.network_editor.inputs_box.setValue)
        controller.session_replaced.connect(self._on_session_replaced)
        controller.running_changed.connect(self._on_running_changed)
        controller.job_changed.connect(self._on_running_changed)
        controller.config_applied.connect(self._on_config_applied)
        controller.config_rejected.connect(self._on_config_rejected)
        for box in (
            self.network_editor.init_box,
            self.training_editor.loss_box,
            self.training_editor.mistake_box,
        ):
            # long item texts must not set the dock's width: the box elides them
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
            box.setMinimumWidth(box.sizeHint().width())  # else its minimum is the current text's
        self.load_from_controller()

    def _build_footer(self) -> None:
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setStyleSheet(
            f"color: {FAIL_COLOR}; background: #fff1f0; border: 1px solid #f3b7b3; border-radius: 3px;"
            " padding: 5px;"
        )
        self.error_label.hide()
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color: #555;")
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Back to the configuration of the current session")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.setToolTip(APPLY_TIP)

    def _lay_out(self) -> None:
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(6, 6, 6, 6)
        body_layout.setSpacing(10)
        body_layout.addWidget(self.network_editor)
        body_layout.addWidget(self.training_editor)
        body_layout.addWidget(self.data_editor)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self._align_form_labels()
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.setSpacing(6)
        layout.addWidget(scroll, 1)
        footer = QVBoxLayout()
        footer.setContentsMargins(8, 0, 8, 0)
        footer.addWidget(self.error_label)
        footer.addLayout(buttons)
        layout.addLayout(footer)

    def _align_form_labels(self) -> None:
        """One label column width for every group, so the fields line up down the panel."""
        forms = [self.network_editor.form, self.training_editor.form, *self.data_editor.forms()]
        labels = []
        for form in forms:
            for row in range(form.rowCount()):
                item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                widget = None if item is None else item.widget()
                if isinstance(widget, QLabel):
                    labels.append(widget)
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)
        # The layers grid spans the form: its first column takes the label column's place.
        grid = self.network_editor.layers_grid
        spacing = forms[0].horizontalSpacing()
        grid.setColumnMinimumWidth(0, width + max(0, spacing - grid.horizontalSpacing()))

    # ---- the form ----

    def form_values(self) -> FormValues:
        """The form as the user left it."""
        network, training = self.network_editor, self.training_editor
        return FormValues(
            inputs=network.inputs_box.value(),
            layers=tuple(network.layer_specs()),
            biased=tuple(network.layer_biases()),
            init=str(network.init_box.currentData()),
            seed=network.seed_box.value(),
            keep_weights=network.keep_weights_box.isChecked(),
            loss=str(training.loss_box.currentData()),
            optimizer=str(training.optimizer_box.currentData()),
            learning_rate=training.lr_edit.text(),
            momentum=training.momentum_edit.text(),
            beta1=training.beta1_edit.text(),
            beta2=training.beta2_edit.text(),
            eps=training.eps_edit.text(),
            full_batch=training.full_batch_box.isChecked(),
            batch_size=training.batch_box.value(),
            iterations=training.iterations_box.value(),
            mistake=training.mistake_box.currentData(),
            data=self.data_editor.values(),
        )

    def session_dict(self) -> dict[str, Any]:
        """The form as a session document, for :func:`engine.files.session_file.parse_session`."""
        return session_document(self.form_values(), self._loaded)

    def layer_specs(self) -> list[tuple[int, str]]:
        """(units, activation) of every layer as the form has them, output last."""
        return self.network_editor.layer_specs()

    def load_from_controller(self) -> None:
        """Fill the form from the controller's current configuration."""
        config = self._controller.config
        self._loaded = session_json(config)
        form = form_from_config(config)
        self._loading = True
        try:
            self.network_editor.load(form, has_explicit_weights(self._loaded))
            self.training_editor.load(form)
            self.data_editor.set_shape(form.inputs, form.layers[-1][0])
            self.data_editor.load(form.data, config, "inputs" in self._loaded.get("data", {}))
        finally:
            self._loading = False
        self._show_problem(None)
        self.status_label.setText("Matches the current session.")

    # ---- reacting to edits ----

    def _on_form_changed(self) -> None:
        if not self._loading:
            self.status_label.setText("Edited: Apply rebuilds the session.")
            self._validate_timer.start()

    def _on_network_shape_changed(self) -> None:
        self.data_editor.set_shape(self.network_editor.inputs_box.value(), self.network_editor.output_units())

    def _on_session_replaced(self) -> None:
        self.load_from_controller()

    def _on_running_changed(self, *_: object) -> None:
        running, busy = self._controller.running, self._controller.busy
        self.apply_button.setEnabled(not running and not busy)
        tip = "Pause the run to apply a new configuration" if running else APPLY_TIP
        self.apply_button.setToolTip("Wait for the work under way, or cancel it (Esc)" if busy else tip)

    def _on_config_applied(self) -> None:
        self._controller.message.emit("configuration applied: a new session starts at iteration 0")
        self.applied.emit()

    def _on_config_rejected(self, error: Exception) -> None:
        field = error.field if isinstance(error, GradstepError) else "data"
        self._show_problem(str(error) if isinstance(error, GradstepError) else f"data: {error}", field)
        self._controller.message.emit(f"{NOT_APPLIED}{self._error_text}")

    # ---- checking and applying ----

    def check_fields(self) -> bool:
        """Have the engine judge every field while the user types, on a stand-in of the data
        (no data is generated or read, no weights parsed): cheap enough for each pause in typing."""
        self._validate_timer.stop()
        doc, exact = typing_document(self.form_values(), self._loaded, self._controller.config.base_dir)
        config = self._parse(doc)
        if config is not None:
            self.data_editor.show_summary(config if exact else None)
        return config is not None

    def validate(self) -> SessionConfig | None:
        """Ask the engine about the whole form (its data built); show its message under the field it names."""
        self._validate_timer.stop()
        config = self._parse(self.session_dict())
        if config is not None:
            self.data_editor.show_summary(config)
        return config

    def _parse(self, doc: dict[str, Any]) -> SessionConfig | None:
        try:
            config = parse_session(doc, base_dir=self._controller.config.base_dir)
        except GradstepError as exc:
            self._show_problem(str(exc), exc.field)
            return None
        except (OSError, ValueError) as exc:  # a file the engine could not read: still a message
            self._show_problem(f"data: {exc}", "data")
            return None
        self._show_problem(None)
        return config

    @property
    def error_text(self) -> str | None:
        """The engine's message about the form, or None when it is valid."""
        return self._error_text

    def field_error(self, key: str) -> str | None:
        """The message shown under the field registered as ``key`` (e.g. "optimizer.learning_rate")."""
        return self._errors.text(key)

    def _show_problem(self, message: str | None, field: str | None = None) -> None:
        """Show ``message`` under the field ``field`` names and in the footer (None: all is well)."""
        if message is not None:
            message = self._errors.message(field, message)
        self._error_text = message
        if message is None:
            self._errors.clear()
            self.error_label.hide()
            self.validity_changed.emit(True)
            return
        self._errors.show(field, message)
        self.data_editor.show_summary(None)
        self.error_label.setText(f"⚠ {message}")
        self.error_label.show()
        self.validity_changed.emit(False)

    def apply(self) -> bool:
        """Rebuild the session from the form if the engine accepts it; keep the old one otherwise.
        Large data is built on a worker thread (True: started; ``applied`` follows)."""
        if self._controller.running:
            self._controller.message.emit("pause the run before applying a new configuration")
            return False
        if builds_slowly(self.form_values(), self._loaded, self._controller.config.base_dir):
            if not self.check_fields():  # the cheap check first: a typo needs no worker
                self._controller.message.emit(f"{NOT_APPLIED}{self._error_text}")
                return False
            return self._controller.apply_in_background(self.session_dict())
        config = self.validate()
        if config is None:
            self._controller.message.emit(f"{NOT_APPLIED}{self._error_text}")
            return False
        self._controller.apply_config(config)
        self._controller.message.emit("configuration applied: a new session starts at iteration 0")
        self.applied.emit()
        return True
