"""The configuration form's Training group: loss, optimizer and its numbers, batch, iterations, mistake."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from engine.core.config import OPTIMIZERS
from engine.core.losses import LOSSES
from engine.core.mistakes import MISTAKES
from gui.config.fields import FieldErrors, select_data
from gui.config.form import FormValues

LOSS_LABELS = {
    "half_sse": "half_sse: ½ Σ (a − y)²",
    "mse": "mse: mean (a − y)²",
    "sse": "sse: Σ (a − y)²",
    "bce": "bce: binary cross-entropy (mean)",
    "bce_sum": "bce_sum: binary cross-entropy, summed",
    "cross_entropy": "cross_entropy (with softmax; mean)",
    "cross_entropy_sum": "cross_entropy_sum (with softmax; summed)",
}
OPTIMIZER_FIELDS = {"sgd": (), "momentum": ("momentum",), "adam": ("beta1", "beta2", "eps")}


class TrainingEditor(QGroupBox):
    """How the network learns: the loss, the optimizer, the batch, how long, and a mistake."""

    changed = Signal()

    def __init__(self, errors: FieldErrors, parent: QWidget | None = None) -> None:
        super().__init__("Training", parent)
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
        self.mistake_box = self._mistake_box()
        self.iterations_box = QSpinBox()
        self.iterations_box.setRange(0, 100_000_000)
        self.iterations_box.setToolTip("How many iterations Run goes for")
        self.form = self._lay_out(errors)

        self.loss_box.currentIndexChanged.connect(self._on_field_changed)
        self.optimizer_box.currentIndexChanged.connect(self._on_optimizer_changed)
        for edit in (self.lr_edit, self.momentum_edit, self.beta1_edit, self.beta2_edit, self.eps_edit):
            edit.textChanged.connect(self._on_field_changed)
        self.full_batch_box.toggled.connect(self._on_full_batch_toggled)
        self.batch_box.valueChanged.connect(self._on_field_changed)
        self.iterations_box.valueChanged.connect(self._on_field_changed)
        self.mistake_box.currentIndexChanged.connect(self._on_field_changed)

    @staticmethod
    def _mistake_box() -> QComboBox:
        box = QComboBox()
        box.addItem("none (correct backprop)", None)
        for mistake in MISTAKES.values():
            box.addItem(mistake.title, mistake.name)
            box.setItemData(box.count() - 1, mistake.explanation, Qt.ItemDataRole.ToolTipRole)
        # Long catalogue titles must not set the dock's minimum width.
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(16)
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        box.setToolTip(
            "Teaching mode: train with one classic backprop mistake switched on, to show what it does"
        )
        return box

    def _lay_out(self, errors: FieldErrors) -> QFormLayout:
        batch = QHBoxLayout()
        batch.addWidget(self.full_batch_box)
        batch.addWidget(self.batch_box, 1)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("Loss", errors.with_error(self.loss_box, "loss", "Loss"))
        form.addRow("Optimizer", errors.with_error(self.optimizer_box, "optimizer", "Optimizer"))
        form.addRow(
            "Learning rate", errors.with_error(self.lr_edit, "optimizer.learning_rate", "Learning rate")
        )
        self._optimizer_rows: dict[str, tuple[QLabel, QWidget]] = {}
        for key, label, edit in (
            ("momentum", "Momentum", self.momentum_edit),
            ("beta1", "β1", self.beta1_edit),
            ("beta2", "β2", self.beta2_edit),
            ("eps", "ε", self.eps_edit),
        ):
            name = QLabel(label)
            field = errors.with_error(edit, f"optimizer.{key}", label)
            form.addRow(name, field)
            self._optimizer_rows[key] = (name, field)
        form.addRow("Batch", errors.with_error(batch, "batch_size", "Batch"))
        form.addRow("Iterations", errors.with_error(self.iterations_box, "iterations", "Iterations"))
        form.addRow("Mistake", errors.with_error(self.mistake_box, "mistake", "Mistake"))
        return form

    def load(self, form: FormValues) -> None:
        """Show ``form``'s training settings."""
        select_data(self.loss_box, form.loss)
        select_data(self.optimizer_box, form.optimizer)
        self.lr_edit.setText(form.learning_rate)
        self.momentum_edit.setText(form.momentum)
        self.beta1_edit.setText(form.beta1)
        self.beta2_edit.setText(form.beta2)
        self.eps_edit.setText(form.eps)
        self.full_batch_box.setChecked(form.full_batch)
        self.batch_box.setValue(form.batch_size)
        self.iterations_box.setValue(form.iterations)
        select_data(self.mistake_box, form.mistake)
        self.update_visibility()

    def update_visibility(self) -> None:
        """Only the chosen optimizer's numbers; the batch size only without Full batch."""
        shown = OPTIMIZER_FIELDS.get(str(self.optimizer_box.currentData()), ())
        for key, (label, field) in self._optimizer_rows.items():
            label.setVisible(key in shown)
            field.setVisible(key in shown)
        self.batch_box.setEnabled(not self.full_batch_box.isChecked())

    def _on_optimizer_changed(self, index: int) -> None:
        self.update_visibility()
        self.changed.emit()

    def _on_full_batch_toggled(self, on: bool) -> None:
        self.update_visibility()
        self.changed.emit()

    def _on_field_changed(self, *args: object) -> None:
        self.changed.emit()
