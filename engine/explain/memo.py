"""What explaining a parameter computes that the stages of one iteration share.

Stepping with a weight selected explains it again at every stage, but records are immutable:
the finite-difference check depends on the record's parameters and batch only, and a hidden
unit's w·δ terms on those and the next layer's backward record. The memo keeps the last of
each, keyed by those objects' identities, so a stage that left them alone reuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from engine.core.config import SessionConfig
    from engine.core.records import IterationRecord, ParameterRef, Params
    from engine.explain.samples import UpstreamRows

    Upstream = UpstreamRows | None

T = TypeVar("T")


class _Last(Generic[T]):
    """One remembered value: the parameter it is of (by value) and the objects it came from (by
    identity; held, so their ids cannot be reused while remembered)."""

    def __init__(self) -> None:
        self._last: tuple[ParameterRef, tuple[object, ...], T] | None = None

    def get(self, ref: ParameterRef, sources: tuple[object, ...], compute: Callable[[], T]) -> T:
        last = self._last
        if last is not None and last[0] == ref and all(a is b for a, b in zip(last[1], sources, strict=True)):
            return last[2]
        value = compute()
        self._last = (ref, sources, value)
        return value


class ExplainMemo:
    """The last finite-difference check and the last upstream terms a session explained."""

    def __init__(self) -> None:
        self._fd: _Last[float] = _Last()
        self._upstream: _Last[Upstream] = _Last()

    def finite_difference(
        self,
        record: IterationRecord,
        ref: ParameterRef,
        config: SessionConfig,
        batch_loss: Callable[[SessionConfig, Params, NDArray[np.float64], NDArray[np.float64]], float],
    ) -> float:
        """:func:`engine.explain.chain.finite_difference`, once per parameters and batch."""
        from engine.explain.chain import finite_difference  # the session imports this module at launch

        sources = (config, record.params, record.inputs, record.targets)
        return self._fd.get(ref, sources, lambda: finite_difference(record, ref, config, batch_loss))

    def upstream(self, record: IterationRecord, ref: ParameterRef, config: SessionConfig) -> Upstream:
        """:func:`engine.explain.chain.upstream_terms`, once per parameters, batch and the next
        layer's backward record."""
        from engine.explain.chain import upstream_terms

        sources = (config, record.params, record.inputs, record.backward_of(ref.layer + 1))
        return self._upstream.get(ref, sources, lambda: upstream_terms(record, ref, config))
