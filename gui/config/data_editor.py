"""The configuration form's Data group: a preset, a CSV file, a small table, or data as loaded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import SessionConfig
from engine.files.data import IMAGE_PRESETS, POINT_PRESETS, PRESETS
from gui.config.fields import FieldErrors, error_label, select_data
from gui.config.form import MAX_TABLE_COLUMNS, MAX_TABLE_ROWS, SOURCES, DataForm, exact_text, fits_table

SOURCE_LABELS = {"preset": "Preset", "csv": "CSV file", "table": "Table", "loaded": "As loaded"}


def _config_fits_table(config: SessionConfig) -> bool:
    return fits_table(config.x.shape[0], config.x.shape[1] + config.y.shape[1])


class DataEditor(QGroupBox):
    """Where the samples come from, one page per source, and a summary of their shape."""

    changed = Signal()
    inputs_needed = Signal(int)  # the table took data of this many inputs: the network should too

    def __init__(self, errors: FieldErrors, parent: QWidget | None = None) -> None:
        super().__init__("Data", parent)
        self._config: SessionConfig | None = None
        self._loaded_inline = False  # the session's data is inline (offered "As loaded" if large)
        self._inputs = 0
        self._outputs = 1
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
        preset_page = self._preset_page()
        csv_page = self._csv_page()
        table_page = self._table_page()
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
        data_error = error_label()
        errors.add("data", data_error, "Data")
        layout = QVBoxLayout(self)
        self.source_form = QFormLayout()
        self.source_form.addRow("Source", source_row)
        layout.addLayout(self.source_form)
        layout.addWidget(self.data_pages)
        layout.addWidget(self.data_summary)
        layout.addWidget(data_error)
        self._connect()

    def _preset_page(self) -> QWidget:
        self.preset_box = QComboBox()
        for name in PRESETS:
            self.preset_box.addItem(name, name)
        self.samples_box = QSpinBox()
        self.samples_box.setRange(0, 10_000_000)
        self.noise_edit = QLineEdit()
        self.one_hot_box = QCheckBox("One-hot targets")
        self.one_hot_box.setToolTip("Two target columns (one per class) instead of one 0/1 column")
        page = QWidget()
        self.preset_form = QFormLayout(page)
        self.preset_form.setContentsMargins(0, 0, 0, 0)
        self.preset_form.addRow("Preset", self.preset_box)
        self.preset_form.addRow("Samples", self.samples_box)
        self.preset_form.addRow("Noise", self.noise_edit)
        self.preset_form.addRow("", self.one_hot_box)
        return page

    def _csv_page(self) -> QWidget:
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
        page = QWidget()
        self.csv_form = QFormLayout(page)
        self.csv_form.setContentsMargins(0, 0, 0, 0)
        self.csv_form.addRow("File", csv_row)
        self.csv_form.addRow("Target columns", self.targets_edit)
        self.csv_form.addRow("Input columns", self.csv_inputs_edit)
        return page

    def _table_page(self) -> QWidget:
        self.table = QTableWidget(0, 0)
        self.table.horizontalHeader().setDefaultSectionSize(64)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setMinimumHeight(150)
        self.add_row_button = QPushButton("Add row")
        self.remove_row_button = QPushButton("Remove row")
        self.table_note = QLabel(f"Up to {MAX_TABLE_ROWS} rows; x columns are inputs, y columns targets.")
        self.table_note.setStyleSheet("color: #555;")
        self.table_note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_row_button)
        buttons.addWidget(self.remove_row_button)
        buttons.addStretch(1)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.table_note)
        return page

    def _connect(self) -> None:
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

    def forms(self) -> list[QFormLayout]:
        """The group's form layouts, whose labels line up with the other groups'."""
        return [self.source_form, self.preset_form, self.csv_form]

    # ---- loading and reading ----

    def load(self, data: DataForm, config: SessionConfig, loaded_inline: bool) -> None:
        """Show ``data``, the data part of the form filled from ``config``."""
        self._config = config
        self._loaded_inline = loaded_inline
        select_data(self.preset_box, data.preset)
        self.samples_box.setValue(data.samples)
        self.noise_edit.setText(data.noise)
        self.one_hot_box.setChecked(data.one_hot)
        self.csv_edit.setText(data.csv)
        self.targets_edit.setText(data.targets)
        self.csv_inputs_edit.setText(data.csv_inputs)
        rows, columns = config.x.shape[0], config.x.shape[1] + config.y.shape[1]
        self.loaded_note.setText(
            f"{rows} rows of {columns} columns given inline in the session: too large to edit here "
            f"(the table takes {MAX_TABLE_ROWS} rows of {MAX_TABLE_COLUMNS} columns). "
            "They are kept as they are."
        )
        self._fill_table(data.table)
        self.source_box.setCurrentIndex(SOURCES.index(data.source))
        self._show_page(SOURCES.index(data.source))
        self.update_visibility()
        self.show_summary(config)

    def values(self) -> DataForm:
        """The data part of the form as the user left it."""
        return DataForm(
            source=str(self.source_box.currentData()),
            preset=str(self.preset_box.currentData()),
            samples=self.samples_box.value(),
            noise=self.noise_edit.text(),
            one_hot=self.one_hot_box.isChecked(),
            csv=self.csv_edit.text(),
            targets=self.targets_edit.text(),
            csv_inputs=self.csv_inputs_edit.text(),
            table=tuple(
                tuple(self._cell_text(r, c) for c in range(self.table.columnCount()))
                for r in range(self.table.rowCount())
            ),
        )

    def _cell_text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def show_summary(self, config: SessionConfig | None) -> None:
        """Say how many samples, inputs and targets ``config`` has (None: clear the line)."""
        if config is None:
            self.data_summary.clear()
            return
        samples, inputs, targets = config.x.shape[0], config.x.shape[1], config.y.shape[1]
        self.data_summary.setText(
            f"{samples} samples, {inputs} input{'s' if inputs != 1 else ''}, "
            f"{targets} target column{'s' if targets != 1 else ''}."
        )

    # ---- the table ----

    def _fill_table(self, cells: tuple[tuple[str, ...], ...]) -> None:
        """Put ``cells`` (rows of texts) in the table; none: an empty table of the form's shape."""
        self.table.blockSignals(True)
        if not cells:
            self.table.setRowCount(0)
        else:
            self.table.setColumnCount(len(cells[0]))
            self.table.setRowCount(len(cells))
            for r, row in enumerate(cells):
                for c, text in enumerate(row):
                    self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)
        self._shape_table()

    def _fill_from_config(self, config: SessionConfig) -> None:
        x, y = config.x, config.y
        self._fill_table(tuple(tuple(exact_text(v) for v in [*x[r], *y[r]]) for r in range(x.shape[0])))

    def set_shape(self, inputs: int, outputs: int) -> None:
        """Columns x0..x(inputs-1), y0..y(outputs-1): the network's inputs and output units."""
        self._inputs, self._outputs = inputs, outputs
        self._shape_table()

    def _shape_table(self) -> None:
        n_in, n_out = self._inputs, self._outputs
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

    # ---- pages and what is enabled ----

    def _show_page(self, index: int) -> None:
        # A stacked widget is as tall as its tallest page; ignoring the hidden pages' sizes keeps
        # the preset form from trailing the table's height.
        for k in range(self.data_pages.count()):
            policy = QSizePolicy.Policy.Preferred if k == index else QSizePolicy.Policy.Ignored
            page = self.data_pages.widget(k)
            if page is not None:
                page.setSizePolicy(policy, policy)
        self.data_pages.setCurrentIndex(index)
        self.data_pages.adjustSize()

    def update_visibility(self) -> None:
        """Samples and noise only for point presets; "Edit as table" and "As loaded" when they apply."""
        logic = self.preset_box.currentData() not in POINT_PRESETS
        # The logic presets are the four corners of the unit square, the digits fixed images:
        # samples and noise do not apply.
        self.samples_box.setEnabled(not logic)
        self.noise_edit.setEnabled(not logic)
        images = self.preset_box.currentData() in IMAGE_PRESETS  # ten classes: always one-hot
        if images and not self.one_hot_box.isChecked():
            self.one_hot_box.blockSignals(True)  # shown as it is, not a change the user made
            self.one_hot_box.setChecked(True)
            self.one_hot_box.blockSignals(False)
        self.one_hot_box.setEnabled(not images)
        fits = self._config is not None and _config_fits_table(self._config)
        self.to_table_button.setVisible(self.source_box.currentData() != "table")
        self.to_table_button.setEnabled(fits)
        # "As loaded" is offered only when there is loaded inline data the table cannot hold.
        view = self.source_box.view()
        if isinstance(view, QListView):
            view.setRowHidden(SOURCES.index("loaded"), not self._loaded_inline or fits)

    # ---- handlers ----

    def _on_field_changed(self, *args: object) -> None:
        self.changed.emit()

    def _on_source_changed(self, index: int) -> None:
        config = self._config
        empty = SOURCES[index] == "table" and self.table.rowCount() == 0
        if empty and config is not None and _config_fits_table(config):
            self._fill_from_config(config)  # start from the data in use rather than an empty table
        self._show_page(index)
        self.update_visibility()
        self.changed.emit()

    def _on_preset_changed(self, index: int) -> None:
        self.update_visibility()
        self.changed.emit()

    def _on_to_table_clicked(self) -> None:
        config = self._config
        if config is None or not _config_fits_table(config):
            return  # the button is disabled then: nothing to copy
        self._fill_from_config(config)
        self.inputs_needed.emit(config.x.shape[1])
        self.source_box.setCurrentIndex(SOURCES.index("table"))

    def _on_browse_clicked(self) -> None:
        start = str((self._config.base_dir if self._config is not None else None) or Path.cwd())
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
            self.changed.emit()

    def _on_remove_row_clicked(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows or [self.table.rowCount() - 1]:
            if row >= 0:
                self.table.removeRow(row)
        self._shape_table()
        self.changed.emit()
