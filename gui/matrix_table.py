"""A heat-coloured matrix table: one QAbstractTableModel over a NumPy array, no per-cell widgets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.colormap import TABLE_LEVELS, diverging_table, level_indices, qcolors, text_color_on
from gui.formatting import PENDING_COLOR, format_cell, format_plain, shape_text

_BACKGROUNDS = qcolors(diverging_table(TABLE_LEVELS))
_TEXTS = [text_color_on(color) for color in _BACKGROUNDS]


def same_bits(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    """True when ``a`` and ``b`` hold the same numbers bit for bit (NaN equals NaN, -0 is not 0)."""
    return a is b or (a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes())


class NumberLabels(Sequence[str]):
    """Header labels that are the integers of an array (a batch's data-set rows), each written
    out when the header asks for it: a full batch of 200,000 rows wrote 200,000 strings (0.1 s)
    on every step, of which a header shows a few dozen."""

    def __init__(self, numbers: NDArray[np.integer]) -> None:
        self._numbers = np.array(numbers, dtype=np.int64)  # a copy: the caller's may change
        self._numbers.flags.writeable = False

    @property
    def numbers(self) -> NDArray[np.int64]:
        return self._numbers

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [str(n) for n in self._numbers[index].tolist()]
        return str(int(self._numbers[index]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NumberLabels):
            return np.array_equal(self._numbers, other.numbers)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._numbers.tobytes())  # equal by value; the copy never changes


def _kept(labels: Sequence[str]) -> Sequence[str]:
    """``labels`` as the model keeps them: unchanged by what the caller does with its own."""
    return labels if isinstance(labels, NumberLabels) else tuple(labels)


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
        self._levels: NDArray[np.intp] = np.zeros((0, 0), dtype=np.intp)  # each cell's colour step

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
    ) -> bool:
        """Show ``array`` (None empties the table); labels default to 0-based indices.

        Returns True when the table's shape or labels changed (the model was reset).
        """
        shown = np.zeros((0, 0)) if array is None else (array[:, None] if array.ndim == 1 else array)
        labels = (_kept(row_labels), _kept(column_labels))
        same_layout = shown.shape == self._array.shape and labels == (self._row_labels, self._column_labels)
        if same_layout and name == self._name and same_bits(shown, self._array):
            return False  # a stage that did not touch this matrix: nothing to redraw
        if not same_layout:
            self.beginResetModel()
        self._name = name
        self._array = shown
        self._row_labels, self._column_labels = labels
        finite = self._array[np.isfinite(self._array)]
        self._scale = float(np.abs(finite).max()) if finite.size else 0.0
        self._levels = level_indices(self._array, self._scale, TABLE_LEVELS)  # once, not per paint
        if not same_layout:
            self.endResetModel()
        elif shown.size:
            # Same shape: repaint the cells in place. A reset would re-measure the headers and
            # re-lay out the dock around the table on every step.
            last = self.index(shown.shape[0] - 1, shown.shape[1] - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        return not same_layout

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
            return _BACKGROUNDS[self._levels[index.row(), index.column()]]
        if role == Qt.ItemDataRole.ForegroundRole:
            return _TEXTS[self._levels[index.row(), index.column()]]
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


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


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
        self.pending.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.pending.setContentsMargins(0, 4, 0, 4)
        palette = self.pending.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(PENDING_COLOR))
        self.pending.setPalette(palette)
        italic = self.pending.font()
        italic.setItalic(True)
        self.pending.setFont(italic)
        table_page = QWidget()
        row = QHBoxLayout(table_page)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.table)
        row.addStretch(1)
        # The pending note and the table lie one over the other in a stack as large as either,
        # so stepping between pending and computed neither moves the panel's layout nor re-lays
        # out the dock. Both stay shown and the current one is raised: swapping pages hid and
        # showed the table with its headers and scroll bars, and their layout requests cost a
        # fifth of a small network's step. Each page fills its background (a style sheet would
        # turn that off), so the one on top hides the other and Qt does not paint the covered one.
        for page in (table_page, self.pending):
            page.setAutoFillBackground(True)
        self.stack = QWidget()
        self._stacking = QStackedLayout(self.stack)
        self._stacking.setStackingMode(QStackedLayout.StackingMode.StackAll)
        self._stacking.addWidget(table_page)
        self._stacking.addWidget(self.pending)
        self._stacking.setCurrentIndex(0)
        self._table_focus = self.table.focusPolicy()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.caption)
        layout.addWidget(self.stack, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    @property
    def is_pending(self) -> bool:
        """True while the stage that computes this matrix has not run."""
        return self._stacking.currentWidget() is self.pending

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
        # Every setter below is guarded: an unchanged text or size would still ask the layouts
        # up to the window to recompute, which costs more than the table's repaint.
        if array is None:
            # The covered table keeps its last array, so the same shape coming back is a repaint.
            _set_text(self.caption, f"<b>{html_name}</b>")
            _set_text(self.pending, pending_text)
            if not self.is_pending:
                self._stacking.setCurrentWidget(self.pending)
                # covered, not hidden: keep the keyboard out of its stale cells (Tab, Ctrl+C)
                self.table.clearFocus()
                self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            return
        reset = self.model.set_array(name, array, row_labels, column_labels)
        scale = format_cell(self.model.scale, 3)
        _set_text(self.caption, f"<b>{html_name}</b>&nbsp;&nbsp;({shape_text(array.shape)})")
        tip = f"{name}: shape {array.shape}; colours run from −{scale} (blue) to +{scale} (red)"
        if self.caption.toolTip() != tip:
            self.caption.setToolTip(tip)
        uncovered = self.is_pending
        if uncovered:
            self._stacking.setCurrentIndex(0)
            self.table.setFocusPolicy(self._table_focus)
        if reset or uncovered:  # (the view may have narrowed while the table was covered)
            self._fit_table_height()
        if not reset:
            return  # same shape and labels as before: the size hint stands
        self.table.updateGeometry()
        # A page's new size does not reach this view's layout through the stack (both pages
        # shown): a 1 x 2 table after a network change kept the 27 pixels the note had been
        # laid out in, its row cut in half. The stack says so itself.
        self.stack.updateGeometry()

    def _fit_table_height(self) -> None:
        height = self._table_height()
        if self.table.height() != height or self.table.minimumHeight() != height:
            self.table.setFixedHeight(height)
            self.stack.updateGeometry()

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
        width = max(self.caption.sizeHint().width(), self.stack.sizeHint().width())
        return QSize(width, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self.is_pending:
            self._fit_table_height()  # a horizontal scroll bar may come or go
