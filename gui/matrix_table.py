"""A heat-coloured matrix table: one QAbstractTableModel over a NumPy array, no per-cell widgets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QFont, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from gui.formatting import PENDING_COLOR, format_cell, format_plain, shape_text

# ColorBrewer RdBu reversed: blue for negative, red for positive, a pale grey at zero. It stays
# distinguishable with every common colour-vision deficiency (ColorBrewer's "colorblind safe").
DIVERGING_STOPS: tuple[str, ...] = (
    "#053061",
    "#2166ac",
    "#4393c3",
    "#92c5de",
    "#d1e5f0",
    "#f7f7f7",
    "#fddbc7",
    "#f4a582",
    "#d6604d",
    "#b2182b",
    "#67001f",
)


def _lookup_table(size: int = 257) -> tuple[list[QColor], list[QColor]]:
    """Background colours over [-1, 1] and a readable text colour for each."""
    stops = np.array([QColor(c).getRgb()[:3] for c in DIVERGING_STOPS], dtype=np.float64)
    where = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, size)
    rgb = np.stack([np.interp(t, where, stops[:, k]) for k in range(3)], axis=1)
    backgrounds = [QColor(int(r), int(g), int(b)) for r, g, b in rgb]
    # Relative luminance decides between dark and light text (WCAG's threshold is about 0.18).
    lum = (0.2126 * rgb[:, 0] + 0.7152 * rgb[:, 1] + 0.0722 * rgb[:, 2]) / 255
    texts = [QColor("#ffffff") if v < 0.45 else QColor("#1f1f1f") for v in lum]
    return backgrounds, texts


_BACKGROUNDS, _TEXTS = _lookup_table()


def diverging_index(value: float, scale: float) -> int:
    """Index into the colour table for ``value`` on a symmetric scale of half-width ``scale``."""
    if scale <= 0 or not np.isfinite(value):
        return len(_BACKGROUNDS) // 2
    t = max(-1.0, min(1.0, value / scale))
    return round((t + 1) / 2 * (len(_BACKGROUNDS) - 1))


COLUMN_WIDTH = 88  # fits "−0.0004435", the widest 4-significant-digit cell, in a monospace font


class MatrixModel(QAbstractTableModel):
    """A 1-D or 2-D array as a table; a vector is shown as one column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._array: NDArray[np.float64] = np.zeros((0, 0))
        self._name = ""
        self._row_labels: Sequence[str] = ()
        self._column_labels: Sequence[str] = ()
        self._scale = 0.0

    @property
    def array(self) -> NDArray[np.float64]:
        """The array as displayed (2-D; a vector becomes a column)."""
        return self._array

    @property
    def scale(self) -> float:
        """Half-width of the colour scale: the largest magnitude shown."""
        return self._scale

    def set_array(
        self,
        name: str,
        array: NDArray[np.float64] | None,
        row_labels: Sequence[str] = (),
        column_labels: Sequence[str] = (),
    ) -> None:
        """Show ``array`` (None empties the table); labels default to 0-based indices."""
        self.beginResetModel()
        self._name = name
        if array is None:
            self._array = np.zeros((0, 0))
        else:
            self._array = array[:, None] if array.ndim == 1 else array
        self._row_labels = row_labels
        self._column_labels = column_labels
        finite = self._array[np.isfinite(self._array)]
        self._scale = float(np.abs(finite).max()) if finite.size else 0.0
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._array.shape[0]

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._array.shape[1]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid():
            return None
        value = float(self._array[index.row(), index.column()])
        if role == Qt.ItemDataRole.DisplayRole:
            return format_cell(value)
        if role == Qt.ItemDataRole.BackgroundRole:
            return _BACKGROUNDS[diverging_index(value, self._scale)]
        if role == Qt.ItemDataRole.ForegroundRole:
            return _TEXTS[diverging_index(value, self._scale)]
        if role == Qt.ItemDataRole.ToolTipRole:
            where = (
                f"[{index.row()}]"
                if self._array.shape[1] == 1 and not self._column_labels
                else (f"[{index.row()}, {index.column()}]")
            )
            return f"{self._name}{where} = {format_plain(value, 17)}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        labels = self._row_labels if orientation == Qt.Orientation.Vertical else self._column_labels
        return labels[section] if section < len(labels) else str(section)


class _FittedTableView(QTableView):
    """A table whose preferred width is its content, so small matrices do not trail white space."""

    def sizeHint(self) -> QSize:  # noqa: N802
        model = self.model()
        width = 2 * self.frameWidth() + self.verticalHeader().sizeHint().width()
        width += model.columnCount() * self.horizontalHeader().defaultSectionSize()
        if self.verticalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff and self.height() < (
            model.rowCount() * self.verticalHeader().defaultSectionSize()
        ):
            width += self.verticalScrollBar().sizeHint().width()
        return QSize(width, super().sizeHint().height())


class MatrixView(QWidget):
    """A caption with the name and shape over a heat-coloured table, or a pending note."""

    MAX_VISIBLE_ROWS = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = MatrixModel(self)
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.table = _FittedTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.table.setShowGrid(True)
        self.table.setWordWrap(False)
        font = QFont(self.table.font())
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamily("monospace")
        self.table.setFont(font)
        # Fixed section sizes: resizing to contents would walk every cell of a 128 x 784 matrix.
        self.table.horizontalHeader().setDefaultSectionSize(COLUMN_WIDTH)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setMinimumSectionSize(40)
        self.pending = QLabel()
        self.pending.setStyleSheet(f"color: {PENDING_COLOR}; font-style: italic; padding: 4px 0;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.pending)
        layout.addStretch(1)

    @property
    def is_pending(self) -> bool:
        """True while the stage that computes this matrix has not run."""
        return self.table.isHidden()

    def set_matrix(
        self,
        name: str,
        html_name: str,
        array: NDArray[np.float64] | None,
        pending_text: str = "pending",
        row_labels: Sequence[str] = (),
        column_labels: Sequence[str] = (),
    ) -> None:
        """Show ``array`` under a caption "name (rows × columns)", or ``pending_text``."""
        self.model.set_array(name, array, row_labels, column_labels)
        if array is None:
            self.caption.setText(f"<b>{html_name}</b>")
            self.pending.setText(pending_text)
            self.table.hide()
            self.pending.show()
            return
        scale = format_cell(self.model.scale, 3)
        self.caption.setText(f"<b>{html_name}</b>&nbsp;&nbsp;({shape_text(array.shape)})")
        self.caption.setToolTip(
            f"{name}: shape {array.shape}; colours run from −{scale} (blue) to +{scale} (red)"
        )
        self.pending.hide()
        self.table.show()
        self.table.setFixedHeight(self._table_height())
        self.table.updateGeometry()

    def _table_height(self) -> int:
        """Tall enough for every row up to MAX_VISIBLE_ROWS; more rows scroll."""
        rows = min(self.model.rowCount(), self.MAX_VISIBLE_ROWS)
        header = self.table.horizontalHeader().sizeHint().height()
        extra = 2 * self.table.frameWidth()
        needed = self.model.columnCount() * self.table.horizontalHeader().defaultSectionSize()
        needed += self.table.verticalHeader().width() + extra
        if rows < self.model.rowCount():
            needed += self.table.verticalScrollBar().sizeHint().width()
        if needed > self.width():
            extra += self.table.horizontalScrollBar().sizeHint().height()
        return header + rows * self.table.verticalHeader().defaultSectionSize() + extra

    def sizeHint(self) -> QSize:  # noqa: N802
        visible = self.pending if self.table.isHidden() else self.table
        width = max(self.caption.sizeHint().width(), visible.sizeHint().width())
        return QSize(width, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self.table.isHidden():
            self.table.setFixedHeight(self._table_height())  # a horizontal scroll bar may come or go
