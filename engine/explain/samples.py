"""Each sample's chain-rule terms, made when read.

A batch's factors are columns of the record's arrays, taken at once; a sample's
:class:`SampleTerms` are made from them the first time something reads that sample. Making all
of them in Python cost 30 µs a sample on every step with a weight selected: 5 s for a batch of
200,000 rows, of which the window shows a dozen. What needs every sample (whether any factor
is pending, the first sample that contributes, whether all contribute 0) reads the columns.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar, overload

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
T = TypeVar("T")


@dataclass(frozen=True)
class Factor:
    """One factor of a sample's contribution; ``value`` is None while its stage is pending.

    ``mistaken`` marks a factor that teaching mode's injected mistake computes differently
    from the correct chain rule (its ``note`` says how).
    """

    kind: str  # "dl_da", "da_dz", "dz_dw" or (softmax + cross-entropy) "dl_dz"
    symbol: str
    value: float | None
    note: str
    mistaken: bool = False


@dataclass(frozen=True)
class UpstreamTerm:
    """w_kj · δ_k: how unit k of the next layer passes the loss back to unit j."""

    unit: int
    weight: float
    delta: float | None
    product: float | None


@dataclass(frozen=True)
class SampleTerms:
    """One sample's contribution to the gradient and its factors."""

    sample: int  # row of the data set
    factors: tuple[Factor, ...]
    contribution: float | None
    upstream: tuple[UpstreamTerm, ...] | None


@dataclass(frozen=True, eq=False)
class FactorColumn:
    """One factor of every sample: its value in each row (None while its stage is pending)."""

    kind: str
    symbol: str
    values: Array | None
    note: str
    mistaken: bool = False


class _MadeWhenRead(Sequence[T]):
    """A sequence of ``rows`` items, each made by ``_make`` when first read and kept."""

    def __init__(self, rows: int) -> None:
        self._rows = rows
        self._made: dict[int, T] = {}

    def _make(self, row: int) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        return self._rows

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self[row] for row in range(*index.indices(self._rows)))
        row = operator.index(index)
        if row < 0:
            row += self._rows
        if not 0 <= row < self._rows:
            raise IndexError("sample index out of range")
        item = self._made.get(row)
        if item is None:
            item = self._made[row] = self._make(row)
        return item

    def __iter__(self) -> Iterator[T]:
        return (self[row] for row in range(self._rows))

    def __hash__(self) -> int:
        return hash(self._rows)  # equal sequences have equal lengths

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._rows} samples)"


class UpstreamRows(_MadeWhenRead[tuple[UpstreamTerm, ...]]):
    """Each sample's terms w_kj · δ_k of a hidden unit's dℓ/da; ``sums`` holds each sample's
    Σ_k w_kj δ_k (None while δ is pending), the terms added one after another in k's order:
    the same on every Python (3.12's ``sum`` of floats compensates, 3.11's does not)."""

    def __init__(self, weights: Array, deltas: Array | None, rows: int) -> None:
        super().__init__(rows)
        self._weights = weights.tolist()
        self._pending = tuple(UpstreamTerm(k, w, None, None) for k, w in enumerate(self._weights))
        self._deltas = deltas
        # elementwise products of float64 arrays: the same numbers as one float product per term
        self._products = None if deltas is None else weights * deltas
        self.sums: Array | None = None
        if self._products is not None:
            total = np.zeros(rows)
            for k in range(self._products.shape[1]):
                total = total + self._products[:, k]
            self.sums = total

    def _make(self, row: int) -> tuple[UpstreamTerm, ...]:
        if self._deltas is None or self._products is None:
            return self._pending
        deltas, products = self._deltas[row].tolist(), self._products[row].tolist()
        return tuple(
            UpstreamTerm(k, w, d, p)
            for k, (w, d, p) in enumerate(zip(self._weights, deltas, products, strict=True))
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UpstreamRows):
            return NotImplemented
        return other is self or (
            self._weights == other._weights
            and self._rows == other._rows
            and _same_values(self._deltas, other._deltas)
        )

    __hash__ = _MadeWhenRead.__hash__  # (a class that defines __eq__ loses the inherited one)


class SampleList(_MadeWhenRead[SampleTerms]):
    """Every sample's :class:`SampleTerms`, each made when first read from the factor columns."""

    def __init__(
        self,
        batch: NDArray[np.intp],
        factors: Sequence[FactorColumn],
        contribution: Array | None,
        upstream: UpstreamRows | None,
    ) -> None:
        super().__init__(len(batch))
        self._batch = batch
        self._factors = tuple(factors)
        self._contribution = contribution
        self._upstream = upstream

    def _make(self, row: int) -> SampleTerms:
        factors = tuple(
            Factor(c.kind, c.symbol, None if c.values is None else float(c.values[row]), c.note, c.mistaken)
            for c in self._factors
        )
        contribution = None if self._contribution is None else float(self._contribution[row])
        upstream = None if self._upstream is None else self._upstream[row]
        return SampleTerms(int(self._batch[row]), factors, contribution, upstream)

    def __eq__(self, other: object) -> bool:
        """Equal to another SampleList of the same samples, factor by factor (compared as
        columns, so two explanations of a large batch compare without making their samples);
        a tuple of samples compares with ``tuple(samples)``."""
        if not isinstance(other, SampleList):
            return NotImplemented
        if other is self:
            return True
        return (
            np.array_equal(self._batch, other._batch)
            and len(self._factors) == len(other._factors)
            and all(_same_column(a, b) for a, b in zip(self._factors, other._factors, strict=True))
            and _same_values(self._contribution, other._contribution)
            and self._upstream == other._upstream
        )

    __hash__ = _MadeWhenRead.__hash__  # (a class that defines __eq__ loses the inherited one)

    def rows(self, start: int, stop: int) -> list[int]:
        """The data-set rows of samples ``start`` to ``stop``, without making their terms."""
        return [int(row) for row in self._batch[start:stop]]

    # ---- what reads every sample, from the columns ----

    @property
    def pending(self) -> bool:
        """Whether a factor or the contribution waits for a stage (of every sample alike: a
        stage computes a whole column)."""
        return self._contribution is None or any(c.values is None for c in self._factors)

    def first_contributing(self) -> int | None:
        """The first row whose contribution is not 0 (NaN is not 0); while contributions are
        pending, the first whose known factors are none of them 0; None if no row is."""
        if self._contribution is not None:
            hits = np.flatnonzero(self._contribution != 0)
        else:
            known = np.ones(len(self), dtype=bool)
            for column in self._factors:
                if column.values is not None:
                    known &= column.values != 0
            hits = np.flatnonzero(known)
        return int(hits[0]) if hits.size else None

    def all_contribute_zero(self) -> bool:
        """Whether every contribution is known and 0."""
        return self._contribution is not None and not np.any(self._contribution != 0)


def _same_values(a: Array | None, b: Array | None) -> bool:
    """Both pending, or the same numbers (as floats compare: NaN is not NaN)."""
    return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))


def _same_column(a: FactorColumn, b: FactorColumn) -> bool:
    return (a.kind, a.symbol, a.note, a.mistaken) == (b.kind, b.symbol, b.note, b.mistaken) and _same_values(
        a.values, b.values
    )
