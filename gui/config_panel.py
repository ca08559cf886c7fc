"""The session's configuration as a form; Apply rebuilds the session when the engine accepts it.

The form builds a session dict (the session file's format) and lets
:func:`engine.files.session_file.parse_session` judge it: its message is shown under the field it names,
and the old session stays until a valid configuration is applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError, SessionConfig
from engine.core.activations import ACTIVATIONS
from engine.core.config import FORMAT, INITS, OPTIMIZERS, VERSION
from engine.core.losses import LOSSES
from engine.core.mistakes import MISTAKES
from engine.files.data import LOGIC_PRESETS, PRESETS
from engine.files.session_file import parse_session, session_json
from gui.controller import SessionController
from gui.formatting import FAIL_COLOR

MAX_TABLE_ROWS = 64  # inline editing is for small hand-made sets; larger data lives in a CSV
MAX_TABLE_COLUMNS = 24  # inputs plus targets; wider data is no hand-made set either
VALIDATE_DELAY_MS = 150  # re-validate shortly after typing stops, not on every keystroke

SOURCES = ("preset", "csv", "table", "loaded")
SOURCE_LABELS = {"preset": "Preset", "csv": "CSV file", "table": "Table", "loaded": "As loaded"}
LOSS_LABELS = {
    "half_sse": "half_sse: ½ Σ (a − y)²",
    "mse": "mse: mean (a − y)²",
    "bce": "bce: binary cross-entropy",
    "cross_entropy": "cross_entropy (with softmax)",
}
INIT_LABELS = {
    "uniform": "uniform",
    "normal": "normal",
    "xavier_uniform": "Xavier (Glorot) uniform",
    "xavier_normal": "Xavier (Glorot) normal",
    "he_normal": "He normal",
    "zeros": "zeros",
}


def _number_or_text(text: str) -> float | str:
    """A float when the text is one; otherwise the text, so the engine names the problem."""
    try:
        return float(text.strip())
    except ValueError:
        return text


def _fits_table(config: SessionConfig) -> bool:
    """Whether the configuration's data is small enough to edit in the table."""
    return config.x.shape[0] <= MAX_TABLE_ROWS and config.x.shape[1] + config.y.shape[1] <= MAX_TABLE_COLUMNS


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {FAIL_COLOR};")
    label.hide()
    return label


@dataclass
class _LayerRow:
    """The widgets of one layer in the architecture editor."""

    name: QLabel
    units: QSpinBox
    activation: QComboBox
    remove: QToolButton
    error: QLabel


def exact_text(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (0.6, not 0.59999999999999998):
    a form must not round a number the user did not touch."""
    return repr(float(value)).removesuffix(".0")


class ConfigPanel(QWidget):
    """Edits a session's network, training and data; Apply replaces the controller's session."""

    validity_changed = Signal(bool)

    def __init__(self, controller: SessionController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._loading = False
        self._loaded: dict[str, Any] = {}
        self._rows: list[_LayerRow] = []
        self._errors: dict[str, QLabel] = {}
        self._error_text: str | None = None

        self._build_network_group()
        self._build_training_group()
        self._build_data_group()

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
        self.apply_button.setToolTip("Rebuild the session with this configuration (starts at iteration 0)")

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(6, 6, 6, 6)
        body_layout.setSpacing(10)
        body_layout.addWidget(self.network_group)
        body_layout.addWidget(self.training_group)
        body_layout.addWidget(self.data_group)
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

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate)
        self.apply_button.clicked.connect(self.apply)
        self.revert_button.clicked.connect(self.load_from_controller)
        controller.session_replaced.connect(self._on_session_replaced)
        controller.running_changed.connect(self._on_running_changed)
        for box in (self.init_box, self.loss_box, self.mistake_box):
            # long item texts must not set the dock's width: the box elides them
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
            box.setMinimumWidth(box.sizeHint().width())  # else its minimum is the current text's
        self.load_from_controller()

    # ---- building the form ----

    def _build_network_group(self) -> None:
        self.network_group = QGroupBox("Network")
        self.inputs_box = QSpinBox()
        self.inputs_box.setRange(0, 1_000_000)
        self.inputs_box.setToolTip("Input features: the data's input columns")
        self.layers_widget = QWidget()
        self.layers_grid = QGridLayout(self.layers_widget)
        self.layers_grid.setContentsMargins(0, 0, 0, 0)
        self.layers_grid.setHorizontalSpacing(8)
        self.layers_grid.setVerticalSpacing(4)
        for column, title in ((0, "Layers"), (1, "units"), (2, "activation")):
            header = QLabel(title)
            if column:
                header.setStyleSheet("color: #555;")
            self.layers_grid.addWidget(header, 0, column)
        self.add_layer_button = QPushButton("Add hidden layer")
        self.add_layer_button.setToolTip("Insert a hidden layer before the output layer")
        self.init_box = QComboBox()
        for name in INITS:
            self.init_box.addItem(INIT_LABELS.get(name, name), name)
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 2_147_483_647)
        self.seed_box.setToolTip("Seeds the weight initialisation and the generated data")
        self.keep_weights_box = QCheckBox("Keep the session's weights")
        self.keep_weights_box.setToolTip(
            "Layers whose shape is unchanged start from the weights in the session file"
        )
        form = QFormLayout(self.network_group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._forms = [*getattr(self, "_forms", []), form]
        form.addRow("Inputs", self._with_error(self.inputs_box, "network.inputs"))
        form.addRow(self.layers_widget)  # spans both columns: the grid has its own label column
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_layer_button)
        add_row.addStretch(1)
        form.addRow(add_row)
        form.addRow("Initialisation", self._with_error(self.init_box, "network.init"))
        form.addRow("Seed", self._with_error(self.seed_box, "seed"))
        form.addRow("", self.keep_weights_box)
        self._network_error = _error_label()
        self._errors["network"] = self._network_error
        form.addRow("", self._network_error)

        self.inputs_box.valueChanged.connect(self._on_shape_changed)
        self.add_layer_button.clicked.connect(self._on_add_layer_clicked)
        self.init_box.currentIndexChanged.connect(self._on_field_changed)
        self.seed_box.valueChanged.connect(self._on_field_changed)
        self.keep_weights_box.toggled.connect(self._on_field_changed)

    def _build_training_group(self) -> None:
        self.training_group = QGroupBox("Training")
        self.loss_box = QComboBox()
        for name in LOSSES:
            self.loss_box.addItem(LOSS_LABELS.get(name, name), name)
        self.optimizer_box = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer_box.addItem(name, name)
        self.lr_edit = QLineEdit()
        self.momentum_edit = QLineEdit()
        self.beta1_edit = QLineEdit()
        self.beta2_edit = QLineEdit()
        self.eps_edit = QLineEdit()
        for edit, tip in (
            (self.lr_edit, "Learning rate η, a positive number (e.g. 0.5 or 1e-3)"),
            (self.momentum_edit, "Momentum μ in [0, 1): v = μ v + g, w -= η v (PyTorch's convention)"),
            (self.beta1_edit, "Adam's β1 in [0, 1)"),
            (self.beta2_edit, "Adam's β2 in [0, 1)"),
            (self.eps_edit, "Adam's ε, a small positive number"),
        ):
            edit.setToolTip(tip)
        self.full_batch_box = QCheckBox("Full batch")
        self.batch_box = QSpinBox()
        self.batch_box.setRange(0, 1_000_000)
        self.batch_box.setSuffix(" per batch")
        self.batch_box.setToolTip("Samples per mini-batch (when Full batch is off)")
        self.mistake_box = QComboBox()
        self.mistake_box.addItem("none (correct backprop)", None)
        for mistake in MISTAKES.values():
            self.mistake_box.addItem(mistake.title, mistake.name)
            self.mistake_box.setItemData(
                self.mistake_box.count() - 1, mistake.explanation, Qt.ItemDataRole.ToolTipRole
            )
        # Long catalogue titles must not set the dock's minimum width.
        self.mistake_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mistake_box.setMinimumContentsLength(16)
        self.mistake_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.mistake_box.setToolTip(
            "Teaching mode: train with one classic backprop mistake switched on, to show what it does"
        )
        self.iterations_box = QSpinBox()
        self.iterations_box.setRange(0, 100_000_000)
        self.iterations_box.setToolTip("How many iterations Run goes for")
        batch = QHBoxLayout()
        batch.addWidget(self.full_batch_box)
        batch.addWidget(self.batch_box, 1)

        form = QFormLayout(self.training_group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._forms = [*getattr(self, "_forms", []), form]
        form.addRow("Loss", self._with_error(self.loss_box, "loss"))
        form.addRow("Optimizer", self._with_error(self.optimizer_box, "optimizer"))
        form.addRow("Learning rate", self._with_error(self.lr_edit, "optimizer.learning_rate"))
        self._optimizer_rows: dict[str, tuple[QLabel, QWidget]] = {}
        for key, label, edit in (
            ("momentum", "Momentum", self.momentum_edit),
            ("beta1", "β1", self.beta1_edit),
            ("beta2", "β2", self.beta2_edit),
            ("eps", "ε", self.eps_edit),
        ):
            name = QLabel(label)
            field = self._with_error(edit, f"optimizer.{key}")
            form.addRow(name, field)
            self._optimizer_rows[key] = (name, field)
        form.addRow("Batch", self._with_error(batch, "batch_size"))
        form.addRow("Iterations", self._with_error(self.iterations_box, "iterations"))
        form.addRow("Mistake", self._with_error(self.mistake_box, "mistake"))

        self.loss_box.currentIndexChanged.connect(self._on_field_changed)
        self.optimizer_box.currentIndexChanged.connect(self._on_optimizer_changed)
        for edit in (self.lr_edit, self.momentum_edit, self.beta1_edit, self.beta2_edit, self.eps_edit):
            edit.textChanged.connect(self._on_field_changed)
        self.full_batch_box.toggled.connect(self._on_full_batch_toggled)
        self.batch_box.valueChanged.connect(self._on_field_changed)
        self.iterations_box.valueChanged.connect(self._on_field_changed)
        self.mistake_box.currentIndexChanged.connect(self._on_field_changed)

    def _build_data_group(self) -> None:
        self.data_group = QGroupBox("Data")
        self.source_box = QComboBox()
        for key in SOURCES:
            self.source_box.addItem(SOURCE_LABELS[key], key)
        self.to_table_button = QPushButton("Edit as table")
        self.to_table_button.setToolTip(
            f"Copy the current data into the table to edit it (up to {MAX_TABLE_ROWS} rows)"
        )
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_box, 1)
        source_row.addWidget(self.to_table_button)

        # Preset page.
        self.preset_box = QComboBox()
        for name in PRESETS:
            self.preset_box.addItem(name, name)
        self.samples_box = QSpinBox()
        self.samples_box.setRange(0, 10_000_000)
        self.noise_edit = QLineEdit()
        self.one_hot_box = QCheckBox("One-hot targets")
        self.one_hot_box.setToolTip("Two target columns (one per class) instead of one 0/1 column")
        preset_page = QWidget()
        preset_form = QFormLayout(preset_page)
        preset_form.setContentsMargins(0, 0, 0, 0)
        preset_form.addRow("Preset", self.preset_box)
        preset_form.addRow("Samples", self.samples_box)
        preset_form.addRow("Noise", self.noise_edit)
        preset_form.addRow("", self.one_hot_box)

        # CSV page.
        self.csv_edit = QLineEdit()
        self.csv_edit.setPlaceholderText("file.csv")
        self.browse_button = QPushButton("Browse…")
        self.targets_edit = QLineEdit()
        self.targets_edit.setPlaceholderText("e.g. y  or  y0, y1")
        self.csv_inputs_edit = QLineEdit()
        self.csv_inputs_edit.setPlaceholderText("all other columns")
        csv_row = QHBoxLayout()
        csv_row.addWidget(self.csv_edit, 1)
        csv_row.addWidget(self.browse_button)
        csv_page = QWidget()
        csv_form = QFormLayout(csv_page)
        csv_form.setContentsMargins(0, 0, 0, 0)
        csv_form.addRow("File", csv_row)
        csv_form.addRow("Target columns", self.targets_edit)
        csv_form.addRow("Input columns", self.csv_inputs_edit)

        # Table page.
        self.table = QTableWidget(0, 0)
        self.table.horizontalHeader().setDefaultSectionSize(64)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setMinimumHeight(150)
        self.add_row_button = QPushButton("Add row")
        self.remove_row_button = QPushButton("Remove row")
        self.table_note = QLabel(f"Up to {MAX_TABLE_ROWS} rows; x columns are inputs, y columns targets.")
        self.table_note.setStyleSheet("color: #555;")
        self.table_note.setWordWrap(True)
        table_buttons = QHBoxLayout()
        table_buttons.addWidget(self.add_row_button)
        table_buttons.addWidget(self.remove_row_button)
        table_buttons.addStretch(1)
        table_page = QWidget()
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table)
        table_layout.addLayout(table_buttons)
        table_layout.addWidget(self.table_note)

        # Data too large for the table, kept as the session file gave it.
        self.loaded_note = QLabel()
        self.loaded_note.setWordWrap(True)
        self.loaded_note.setStyleSheet("color: #555;")

        self.data_pages = QStackedWidget()
        for page in (preset_page, csv_page, table_page, self.loaded_note):
            self.data_pages.addWidget(page)
        self.data_summary = QLabel()
        self.data_summary.setStyleSheet("color: #555;")
        self.data_summary.setWordWrap(True)
        self._data_error = _error_label()
        self._errors["data"] = self._data_error
        layout = QVBoxLayout(self.data_group)
        form = QFormLayout()
        form.addRow("Source", source_row)
        layout.addLayout(form)
        layout.addWidget(self.data_pages)
        layout.addWidget(self.data_summary)
        layout.addWidget(self._data_error)

        self._forms = [*getattr(self, "_forms", []), form, preset_form, csv_form]
        self.source_box.currentIndexChanged.connect(self._on_source_changed)
        self.to_table_button.clicked.connect(self._on_to_table_clicked)
        self.preset_box.currentIndexChanged.connect(self._on_preset_changed)
        self.samples_box.valueChanged.connect(self._on_field_changed)
        self.noise_edit.textChanged.connect(self._on_field_changed)
        self.one_hot_box.toggled.connect(self._on_field_changed)
        self.csv_edit.textChanged.connect(self._on_field_changed)
        self.targets_edit.textChanged.connect(self._on_field_changed)
        self.csv_inputs_edit.textChanged.connect(self._on_field_changed)
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.table.itemChanged.connect(self._on_field_changed)
        self.add_row_button.clicked.connect(self._on_add_row_clicked)
        self.remove_row_button.clicked.connect(self._on_remove_row_clicked)

    def _align_form_labels(self) -> None:
        """One label column width for every group, so the fields line up down the panel."""
        labels = []
        for form in self._forms:
            for row in range(form.rowCount()):
                item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                if item is not None and isinstance(item.widget(), QLabel):
                    labels.append(item.widget())
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)
        # The layers grid spans the form: its first column takes the label column's place.
        spacing = self._forms[0].horizontalSpacing()
        self.layers_grid.setColumnMinimumWidth(
            0, width + max(0, spacing - self.layers_grid.horizontalSpacing())
        )

    def _with_error(self, field: QWidget | QHBoxLayout, key: str) -> QWidget:
        """The field with an error line under it, registered under the session-file key."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if isinstance(field, QHBoxLayout):
            layout.addLayout(field)
        else:
            layout.addWidget(field)
        error = _error_label()
        layout.addWidget(error)
        self._errors[key] = error
        return box

    # ---- the layers editor ----

    def _set_layer_rows(self, layers: list[tuple[int, str]]) -> None:
        for row in self._rows:
            for widget in (row.name, row.units, row.activation, row.remove, row.error):
                # Out of the grid and hidden now: deleteLater alone would paint them until the
                # event loop comes round.
                self.layers_grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        for key in [k for k in self._errors if k.startswith("network.layers[")]:
            del self._errors[key]
        self._rows = []
        grid = self.layers_grid
        for k, (units, activation) in enumerate(layers):
            output = k == len(layers) - 1
            name = QLabel("Output" if output else f"Hidden {k}")
            name.setToolTip(f"Layer {k} (0-based, as in the stage strip)")
            units_box = QSpinBox()
            units_box.setRange(0, 100_000)
            units_box.setValue(units)
            units_box.setToolTip(f"Units of layer {k}")
            act_box = QComboBox()
            for act in ACTIVATIONS:
                act_box.addItem(act, act)
            act_box.setCurrentIndex(max(0, act_box.findData(activation)))
            remove = QToolButton()
            remove.setText("✕")
            remove.setToolTip(f"Remove hidden layer {k}")
            remove.setAutoRaise(True)
            remove.setEnabled(not output)
            remove.setVisible(not output)
            error = _error_label()
            grid.addWidget(name, 2 * k + 1, 0)
            grid.addWidget(units_box, 2 * k + 1, 1)
            grid.addWidget(act_box, 2 * k + 1, 2)
            grid.addWidget(remove, 2 * k + 1, 3)
            grid.addWidget(error, 2 * k + 2, 0, 1, 4)
            self._errors[f"network.layers[{k}]"] = error
            row = _LayerRow(name, units_box, act_box, remove, error)
            self._rows.append(row)
            units_box.valueChanged.connect(self._on_shape_changed)
            act_box.currentIndexChanged.connect(self._on_field_changed)
            remove.clicked.connect(lambda _=False, index=k: self._on_remove_layer_clicked(index))
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

    def layer_specs(self) -> list[tuple[int, str]]:
        """(units, activation) of every layer as the form has them, output last."""
        return [(row.units.value(), str(row.activation.currentData())) for row in self._rows]

    def _on_add_layer_clicked(self) -> None:
        layers = self.layer_specs()
        # A new hidden layer copies the one before the output, or starts as 4 sigmoid units.
        units, activation = layers[-2] if len(layers) > 1 else (4, "sigmoid")
        layers.insert(len(layers) - 1, (units, activation))
        self._set_layer_rows(layers)
        self._on_shape_changed()

    def _on_remove_layer_clicked(self, index: int) -> None:
        layers = self.layer_specs()
        if len(layers) > 1 and index < len(layers) - 1:
            del layers[index]
            self._set_layer_rows(layers)
            self._on_shape_changed()

    # ---- loading the current configuration ----

    def _on_session_replaced(self) -> None:
        self.load_from_controller()

    def _on_running_changed(self, running: bool) -> None:
        self.apply_button.setEnabled(not running)
        self.apply_button.setToolTip(
            "Pause the run to apply a new configuration"
            if running
            else "Rebuild the session with this configuration (starts at iteration 0)"
        )

    def load_from_controller(self) -> None:
        """Fill the form from the controller's current configuration."""
        config = self._controller.config
        doc = session_json(config)
        self._loaded = doc
        self._loading = True
        try:
            network = doc["network"]
            self.inputs_box.setValue(network["inputs"])
            self._set_layer_rows([(layer["units"], layer["activation"]) for layer in network["layers"]])
            self.init_box.setCurrentIndex(
                max(0, self.init_box.findData(network.get("init", "xavier_uniform")))
            )
            self.seed_box.setValue(doc.get("seed", 0))
            explicit = any("weights" in layer or "bias" in layer for layer in network["layers"])
            self.keep_weights_box.setVisible(explicit)
            self.keep_weights_box.setChecked(explicit)
            self.loss_box.setCurrentIndex(max(0, self.loss_box.findData(doc["loss"])))
            opt = doc["optimizer"]
            self.optimizer_box.setCurrentIndex(max(0, self.optimizer_box.findData(opt["name"])))
            defaults = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
            self.lr_edit.setText(exact_text(opt["learning_rate"]))
            self.momentum_edit.setText(exact_text(opt.get("momentum", defaults["momentum"])))
            self.beta1_edit.setText(exact_text(opt.get("beta1", defaults["beta1"])))
            self.beta2_edit.setText(exact_text(opt.get("beta2", defaults["beta2"])))
            self.eps_edit.setText(exact_text(opt.get("eps", defaults["eps"])))
            samples = int(config.x.shape[0])
            self.full_batch_box.setChecked(doc.get("batch_size") is None)
            self.batch_box.setValue(doc.get("batch_size") or min(32, samples))
            self.iterations_box.setValue(doc.get("iterations", 1000))
            self.mistake_box.setCurrentIndex(max(0, self.mistake_box.findData(doc.get("mistake"))))
            self._load_data(doc["data"], config)
        finally:
            self._loading = False
        self._update_visibility()
        self._set_error(None)
        self._show_summary(config)
        self.status_label.setText("Matches the current session.")

    def _load_data(self, data: dict[str, Any], config: SessionConfig) -> None:
        self.preset_box.setCurrentIndex(max(0, self.preset_box.findData(data.get("preset", "xor"))))
        self.samples_box.setValue(int(data.get("samples", 200)))
        self.noise_edit.setText(exact_text(data.get("noise", 0.1)))
        self.one_hot_box.setChecked(bool(data.get("one_hot", False)))
        self.csv_edit.setText(str(data.get("csv", "")))
        self.targets_edit.setText(", ".join(data.get("targets", [])) if "csv" in data else "")
        self.csv_inputs_edit.setText(", ".join(data.get("inputs") or []) if "csv" in data else "")
        samples = int(config.x.shape[0])
        if "preset" in data:
            source = "preset"
        elif "csv" in data:
            source = "csv"
        elif _fits_table(config):
            source = "table"
        else:
            source = "loaded"
        columns = config.x.shape[1] + config.y.shape[1]
        self.loaded_note.setText(
            f"{samples} rows of {columns} columns given inline in the session: too large to edit here "
            f"(the table takes {MAX_TABLE_ROWS} rows of {MAX_TABLE_COLUMNS} columns). "
            "They are kept as they are."
        )
        self._fill_table(config if source == "table" else None)
        self.source_box.setCurrentIndex(SOURCES.index(source))
        self._show_data_page(SOURCES.index(source))

    def _show_data_page(self, index: int) -> None:
        # A stacked widget is as tall as its tallest page; ignoring the hidden pages' sizes keeps
        # the preset form from trailing the table's height.
        for k in range(self.data_pages.count()):
            policy = QSizePolicy.Policy.Preferred if k == index else QSizePolicy.Policy.Ignored
            self.data_pages.widget(k).setSizePolicy(policy, policy)
        self.data_pages.setCurrentIndex(index)
        self.data_pages.adjustSize()

    def _fill_table(self, config: SessionConfig | None) -> None:
        """Put the configuration's data in the table (None: an empty table of the form's shape)."""
        self.table.blockSignals(True)
        if config is None:
            self.table.setRowCount(0)
        else:
            x, y = config.x, config.y
            self.table.setColumnCount(x.shape[1] + y.shape[1])
            self.table.setRowCount(x.shape[0])
            for r in range(x.shape[0]):
                for c, v in enumerate([*x[r], *y[r]]):
                    self.table.setItem(r, c, QTableWidgetItem(exact_text(v)))
        self.table.blockSignals(False)
        self._shape_table()

    def _shape_table(self) -> None:
        """Columns x0..x(n-1), y0..y(k-1) for the form's inputs and output units."""
        n_in = self.inputs_box.value()
        n_out = self._rows[-1].units.value() if self._rows else 1
        self.table.blockSignals(True)
        self.table.setColumnCount(n_in + n_out)
        self.table.setHorizontalHeaderLabels([f"x{i}" for i in range(n_in)] + [f"y{k}" for k in range(n_out)])
        # Few columns share the width; many keep a readable width and scroll.
        mode = QHeaderView.ResizeMode.Stretch if n_in + n_out <= 6 else QHeaderView.ResizeMode.Interactive
        self.table.horizontalHeader().setSectionResizeMode(mode)
        self.table.setVerticalHeaderLabels([str(r) for r in range(self.table.rowCount())])
        self.table.blockSignals(False)
        self.add_row_button.setEnabled(self.table.rowCount() < MAX_TABLE_ROWS)
        self.remove_row_button.setEnabled(self.table.rowCount() > 0)

    # ---- reacting to edits ----

    def _on_field_changed(self, *args: object) -> None:
        if not self._loading:
            self.status_label.setText("Edited: Apply rebuilds the session.")
            self._validate_timer.start()

    def _on_shape_changed(self, *args: object) -> None:
        self._shape_table()
        self._on_field_changed()

    def _on_optimizer_changed(self, index: int) -> None:
        self._update_visibility()
        self._on_field_changed()

    def _on_full_batch_toggled(self, on: bool) -> None:
        self._update_visibility()
        self._on_field_changed()

    def _on_source_changed(self, index: int) -> None:
        config = self._controller.config
        if SOURCES[index] == "table" and self.table.rowCount() == 0 and _fits_table(config):
            self._fill_table(config)  # start from the data in use rather than an empty table
        self._show_data_page(index)
        self._update_visibility()
        self._on_field_changed()

    def _on_preset_changed(self, index: int) -> None:
        self._update_visibility()
        self._on_field_changed()

    def _on_to_table_clicked(self) -> None:
        config = self._controller.config
        if not _fits_table(config):
            self._set_error(
                f"data: {config.x.shape[0]} rows are too many for the table ({MAX_TABLE_ROWS} at most)"
            )
            return
        self._fill_table(config)
        self.inputs_box.setValue(config.x.shape[1])
        self.source_box.setCurrentIndex(SOURCES.index("table"))

    def _on_browse_clicked(self) -> None:
        start = str(self._controller.config.base_dir or Path.cwd())
        path, _ = QFileDialog.getOpenFileName(
            self, "Import CSV data", start, "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.csv_edit.setText(path)

    def _on_add_row_clicked(self) -> None:
        if self.table.rowCount() < MAX_TABLE_ROWS:
            self.table.blockSignals(True)
            row = self.table.rowCount()
            self.table.insertRow(row)
            for c in range(self.table.columnCount()):
                self.table.setItem(row, c, QTableWidgetItem("0"))
            self.table.blockSignals(False)
            self._shape_table()
            self._on_field_changed()

    def _on_remove_row_clicked(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows or [self.table.rowCount() - 1]:
            if row >= 0:
                self.table.removeRow(row)
        self._shape_table()
        self._on_field_changed()

    def _update_visibility(self) -> None:
        opt = self.optimizer_box.currentData()
        shown = {"sgd": (), "momentum": ("momentum",), "adam": ("beta1", "beta2", "eps")}.get(opt, ())
        for key, (label, field) in self._optimizer_rows.items():
            label.setVisible(key in shown)
            field.setVisible(key in shown)
        self.batch_box.setEnabled(not self.full_batch_box.isChecked())
        logic = self.preset_box.currentData() in LOGIC_PRESETS
        # The logic presets are the four corners of the unit square: samples and noise do not apply.
        self.samples_box.setEnabled(not logic)
        self.noise_edit.setEnabled(not logic)
        source = self.source_box.currentData()
        self.to_table_button.setVisible(source != "table")
        self.to_table_button.setEnabled(_fits_table(self._controller.config))
        loaded_index = SOURCES.index("loaded")
        # "As loaded" is offered only when there is loaded inline data the table cannot hold.
        view = self.source_box.view()
        if view is not None:
            view.setRowHidden(
                loaded_index,
                "inputs" not in self._loaded.get("data", {}) or _fits_table(self._controller.config),
            )

    # ---- the session dict ----

    def session_dict(self) -> dict[str, Any]:
        """The form as a session document, for :func:`engine.files.session_file.parse_session`."""
        loaded = self._loaded
        original = loaded.get("network", {}).get("layers", [])
        inputs = self.inputs_box.value()
        layers: list[dict[str, Any]] = []
        fan_in = inputs
        original_fan_in = loaded.get("network", {}).get("inputs")
        for k, (units, activation) in enumerate(self.layer_specs()):
            entry: dict[str, Any] = {"units": units, "activation": activation}
            old = original[k] if k < len(original) else None
            same_shape = old is not None and old["units"] == units and original_fan_in == fan_in
            if self.keep_weights_box.isChecked() and same_shape:
                for key in ("weights", "bias"):
                    if key in old:
                        entry[key] = old[key]
            layers.append(entry)
            fan_in = units
            original_fan_in = old["units"] if old is not None else None
        opt_name = str(self.optimizer_box.currentData())
        optimizer: dict[str, Any] = {"name": opt_name, "learning_rate": _number_or_text(self.lr_edit.text())}
        if opt_name == "momentum":
            optimizer["momentum"] = _number_or_text(self.momentum_edit.text())
        elif opt_name == "adam":
            optimizer["beta1"] = _number_or_text(self.beta1_edit.text())
            optimizer["beta2"] = _number_or_text(self.beta2_edit.text())
            optimizer["eps"] = _number_or_text(self.eps_edit.text())
        # Fields the form does not edit (title, description, ...) pass through; a saved state
        # does not: Apply starts the new session at iteration 0.
        doc: dict[str, Any] = {key: value for key, value in loaded.items() if key != "state"}
        doc.update(format=FORMAT, version=VERSION)
        mistake = self.mistake_box.currentData()
        if mistake is None:
            doc.pop("mistake", None)
        else:
            doc["mistake"] = mistake
        doc.update(
            seed=self.seed_box.value(),
            network={"inputs": inputs, "init": str(self.init_box.currentData()), "layers": layers},
            loss=str(self.loss_box.currentData()),
            optimizer=optimizer,
            data=self._data_dict(),
            batch_size=None if self.full_batch_box.isChecked() else self.batch_box.value(),
            iterations=self.iterations_box.value(),
        )
        return doc

    def _data_dict(self) -> dict[str, Any]:
        source = self.source_box.currentData()
        if source == "preset":
            name = str(self.preset_box.currentData())
            data: dict[str, Any] = {"preset": name}
            if name not in LOGIC_PRESETS:
                data["samples"] = self.samples_box.value()
                data["noise"] = _number_or_text(self.noise_edit.text())
            if self.one_hot_box.isChecked():
                data["one_hot"] = True
            return data
        if source == "csv":
            data = {"csv": self.csv_edit.text().strip(), "targets": _names(self.targets_edit.text())}
            if _names(self.csv_inputs_edit.text()):
                data["inputs"] = _names(self.csv_inputs_edit.text())
            return data
        if source == "loaded":
            return dict(self._loaded.get("data", {}))
        n_in = self.inputs_box.value()
        rows_x, rows_y = [], []
        for r in range(self.table.rowCount()):
            cells = []
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                cells.append(_number_or_text(item.text() if item is not None else ""))
            rows_x.append(cells[:n_in])
            rows_y.append(cells[n_in:])
        return {"inputs": rows_x, "targets": rows_y}

    # ---- validation and apply ----

    def validate(self) -> SessionConfig | None:
        """Ask the engine about the form; show its message under the field it names."""
        self._validate_timer.stop()
        try:
            config = parse_session(self.session_dict(), base_dir=self._controller.config.base_dir)
        except GradstepError as exc:
            self._set_error(str(exc))
            self.data_summary.clear()
            return None
        except (OSError, ValueError) as exc:  # a file the engine could not read: still a message
            self._set_error(f"data: {exc}")
            self.data_summary.clear()
            return None
        self._set_error(None)
        self._show_summary(config)
        return config

    def _show_summary(self, config: SessionConfig) -> None:
        samples, inputs, targets = config.x.shape[0], config.x.shape[1], config.y.shape[1]
        self.data_summary.setText(
            f"{samples} samples, {inputs} input{'s' if inputs != 1 else ''}, "
            f"{targets} target column{'s' if targets != 1 else ''}."
        )

    @property
    def error_text(self) -> str | None:
        """The engine's message about the form, or None when it is valid."""
        return self._error_text

    def field_error(self, key: str) -> str | None:
        """The message shown under the field registered as ``key`` (e.g. "optimizer.learning_rate")."""
        label = self._errors.get(key)
        return label.text() if label is not None and not label.isHidden() else None

    def _set_error(self, message: str | None) -> None:
        self._error_text = message
        for label in self._errors.values():
            label.clear()  # a wrapped label keeps its height-for-width in the form until cleared
            label.hide()
        if message is None:
            self.error_label.hide()
            self.validity_changed.emit(True)
            return
        field = message.split(":", 1)[0].strip()
        key = self._error_key(field)
        if key is not None:
            label = self._errors[key]
            label.setText(f"⚠ {message}")
            label.show()
        self.error_label.setText(f"⚠ {message}")
        self.error_label.show()
        self.validity_changed.emit(False)

    def _error_key(self, field: str) -> str | None:
        """The registered field a message is about: the longest key the field path starts with."""
        best = None
        for key in self._errors:
            matches = field == key or re.match(re.escape(key) + r"[.\[]", field) is not None
            if matches and (best is None or len(key) > len(best)):
                best = key
        return best

    def apply(self) -> bool:
        """Rebuild the session from the form if the engine accepts it; keep the old one otherwise."""
        if self._controller.running:
            self._controller.message.emit("pause the run before applying a new configuration")
            return False
        config = self.validate()
        if config is None:
            self._controller.message.emit(f"configuration not applied: {self._error_text}")
            return False
        self._controller.apply_config(config)
        self._controller.message.emit("configuration applied: a new session starts at iteration 0")
        return True
