"""The configuration form's Network group: inputs, the layers table, initialisation and seed."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from engine.core.activations import ACTIVATIONS
from engine.core.config import INITS
from gui.config.fields import FieldErrors, error_label, select_data
from gui.config.form import FormValues, layer_biased

INIT_LABELS = {
    "uniform": "uniform",
    "normal": "normal",
    "xavier_uniform": "Xavier (Glorot) uniform",
    "xavier_normal": "Xavier (Glorot) normal",
    "he_normal": "He normal",
    "zeros": "zeros",
}


@dataclass
class LayerRow:
    """The widgets of one layer in the architecture editor."""

    name: QLabel
    units: QSpinBox
    activation: QComboBox
    bias: QCheckBox
    remove: QToolButton
    error: QLabel


class NetworkEditor(QGroupBox):
    """Inputs, one row per layer (units, activation, biases or not), initialisation, seed,
    kept weights."""

    changed = Signal()  # any field
    shape_changed = Signal()  # the inputs or a layer's units: the data table's columns follow

    def __init__(self, errors: FieldErrors, parent: QWidget | None = None) -> None:
        super().__init__("Network", parent)
        self._errors = errors
        self.rows: list[LayerRow] = []
        self.inputs_box = QSpinBox()
        self.inputs_box.setRange(0, 1_000_000)
        self.inputs_box.setToolTip("Input features: the data's input columns")
        self.layers_widget = QWidget()
        self.layers_grid = QGridLayout(self.layers_widget)
        self.layers_grid.setContentsMargins(0, 0, 0, 0)
        self.layers_grid.setHorizontalSpacing(8)
        self.layers_grid.setVerticalSpacing(4)
        for column, title in ((0, "Layers"), (1, "units"), (2, "activation"), (3, "bias")):
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
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.addRow("Inputs", errors.with_error(self.inputs_box, "network.inputs", "Inputs"))
        self.form.addRow(self.layers_widget)  # spans both columns: the grid has its own label column
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_layer_button)
        add_row.addStretch(1)
        self.form.addRow(add_row)
        self.form.addRow("Initialisation", errors.with_error(self.init_box, "network.init", "Initialisation"))
        self.form.addRow("Seed", errors.with_error(self.seed_box, "seed", "Seed"))
        self.form.addRow("", self.keep_weights_box)
        network_error = error_label()
        errors.add("network", network_error, "Network")
        self.form.addRow("", network_error)

        self.inputs_box.valueChanged.connect(self._on_shape_changed)
        self.add_layer_button.clicked.connect(self._on_add_layer_clicked)
        self.init_box.currentIndexChanged.connect(self._on_field_changed)
        self.seed_box.valueChanged.connect(self._on_field_changed)
        self.keep_weights_box.toggled.connect(self._on_field_changed)

    def load(self, form: FormValues, explicit_weights: bool) -> None:
        """Show ``form``'s network; offer to keep weights when the session gives them explicitly."""
        self.inputs_box.setValue(form.inputs)
        self.set_layers(list(form.layers), [layer_biased(form, k) for k in range(len(form.layers))])
        select_data(self.init_box, form.init)
        self.seed_box.setValue(form.seed)
        self.keep_weights_box.setVisible(explicit_weights)
        self.keep_weights_box.setChecked(form.keep_weights)

    def layer_specs(self) -> list[tuple[int, str]]:
        """(units, activation) of every layer as the form has them, output last."""
        return [(row.units.value(), str(row.activation.currentData())) for row in self.rows]

    def layer_biases(self) -> list[bool]:
        """Whether each layer has biases, as the form has them, output last."""
        return [row.bias.isChecked() for row in self.rows]

    def output_units(self) -> int:
        return self.rows[-1].units.value() if self.rows else 1

    # ---- the layers table ----

    def set_layers(self, layers: list[tuple[int, str]], biased: list[bool] | None = None) -> None:
        """One row per (units, activation), the output layer last; ``biased`` says per layer
        whether it has biases (None: every layer)."""
        for row in self.rows:
            for widget in (row.name, row.units, row.activation, row.bias, row.remove, row.error):
                # Out of the grid and hidden now: deleteLater alone would paint them until the
                # event loop comes round.
                self.layers_grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        self._errors.remove("network.layers[")
        self.rows = [
            self._add_row(k, units, activation, k == len(layers) - 1, biased is None or biased[k])
            for k, (units, activation) in enumerate(layers)
        ]
        self.layers_grid.setColumnStretch(1, 1)
        self.layers_grid.setColumnStretch(2, 1)

    def _add_row(self, k: int, units: int, activation: str, output: bool, has_bias: bool) -> LayerRow:
        name = QLabel("Output" if output else f"Hidden {k}")
        name.setToolTip(f"Layer {k} (0-based, as in the stage strip)")
        units_box = QSpinBox()
        units_box.setRange(0, 100_000)
        units_box.setValue(units)
        units_box.setToolTip(f"Units of layer {k}")
        act_box = QComboBox()
        for act in ACTIVATIONS:
            act_box.addItem(act, act)
        select_data(act_box, activation)
        bias_box = QCheckBox()
        bias_box.setChecked(has_bias)
        bias_box.setToolTip(f'Layer {k} has biases b (unticked: z = a·Wᵀ, no biases; "bias": false)')
        remove = QToolButton()
        remove.setText("✕")
        remove.setToolTip(f"Remove hidden layer {k}")
        remove.setAutoRaise(True)
        remove.setEnabled(not output)
        remove.setVisible(not output)
        error = error_label()
        grid = self.layers_grid
        grid.addWidget(name, 2 * k + 1, 0)
        grid.addWidget(units_box, 2 * k + 1, 1)
        grid.addWidget(act_box, 2 * k + 1, 2)
        grid.addWidget(bias_box, 2 * k + 1, 3)
        grid.addWidget(remove, 2 * k + 1, 4)
        grid.addWidget(error, 2 * k + 2, 0, 1, 5)
        self._errors.add(f"network.layers[{k}]", error, name.text())
        units_box.valueChanged.connect(self._on_shape_changed)
        act_box.currentIndexChanged.connect(self._on_field_changed)
        bias_box.toggled.connect(self._on_field_changed)
        remove.clicked.connect(lambda _=False, index=k: self._on_remove_layer_clicked(index))
        return LayerRow(name, units_box, act_box, bias_box, remove, error)

    def _on_add_layer_clicked(self) -> None:
        layers, biased = self.layer_specs(), self.layer_biases()
        # A new hidden layer copies the one before the output, or starts as 4 sigmoid units.
        units, activation = layers[-2] if len(layers) > 1 else (4, "sigmoid")
        layers.insert(len(layers) - 1, (units, activation))
        biased.insert(len(biased) - 1, biased[-2] if len(biased) > 1 else True)
        self.set_layers(layers, biased)
        self._on_shape_changed()

    def _on_remove_layer_clicked(self, index: int) -> None:
        layers, biased = self.layer_specs(), self.layer_biases()
        if len(layers) > 1 and index < len(layers) - 1:
            del layers[index]
            del biased[index]
            self.set_layers(layers, biased)
            self._on_shape_changed()

    def _on_shape_changed(self, *args: object) -> None:
        self.shape_changed.emit()
        self.changed.emit()

    def _on_field_changed(self, *args: object) -> None:
        self.changed.emit()
