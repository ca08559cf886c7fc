"""Where history lives: sparse checkpoints of iteration starts within a byte budget, and the
few most recent whole-iteration records.

Every stage is a deterministic function of the parameters and optimizer state at the start
of its iteration, so the session keeps those starts every few iterations and recomputes the
rest on demand. When the checkpoints outgrow the budget, the interval doubles and every
checkpoint off the new grid goes, except the pinned ones (the session's start and edits).
"""

from __future__ import annotations

import bisect
from collections import OrderedDict

from engine.core.compute import params_nbytes
from engine.core.records import IterationRecord, OptimizerState, Params

BASE_CHECKPOINT_INTERVAL = 16
RECENT_RECORDS = 6

Start = tuple[Params, OptimizerState]


def start_bytes(params: Params, opt: OptimizerState) -> int:
    """Bytes held by one iteration start (an upper bound: arrays may be shared)."""
    return params_nbytes(params) + params_nbytes(opt.first) + params_nbytes(opt.second)


class Checkpoints:
    """Iteration starts (P_k, optimizer state) on a grid of ``interval`` iterations from
    ``start``, plus pinned ones; the grid coarsens to stay within ``budget`` bytes. One more
    start, off the grid and outside the budget, is kept where the cursor last went
    (:meth:`keep_extra`)."""

    def __init__(self, start: int, budget: int) -> None:
        self.start = start
        self.budget = budget
        self.interval = BASE_CHECKPOINT_INTERVAL
        self.nbytes = 0
        self._starts: dict[int, Start] = {}
        self._keys: list[int] = []
        self._pinned: set[int] = {start}
        self._extra: tuple[int, Start] | None = None  # see keep_extra

    def __contains__(self, k: int) -> bool:
        return k in self._starts or (self._extra is not None and self._extra[0] == k)

    def __getitem__(self, k: int) -> Start:
        if k not in self._starts and self._extra is not None and self._extra[0] == k:
            return self._extra[1]
        return self._starts[k]

    @property
    def total_bytes(self) -> int:
        """Bytes held: the budgeted grid and pinned starts, and the extra start."""
        return self.nbytes + (0 if self._extra is None else start_bytes(*self._extra[1]))

    def due(self, k: int) -> bool:
        """Whether iteration k's start belongs on the grid."""
        return (k - self.start) % self.interval == 0

    def add(self, k: int, params: Params, opt: OptimizerState) -> None:
        """Keep iteration k's start (replacing one kept before), thinning if over budget."""
        if k in self._starts:
            self._drop(k)
        if self._extra is not None and self._extra[0] == k:
            self._extra = None  # the grid holds it now
        bisect.insort(self._keys, k)
        self._starts[k] = (params, opt)
        self.nbytes += start_bytes(params, opt)
        if self.nbytes > self.budget:
            self._thin()

    def keep_extra(self, k: int, params: Params, opt: OptimizerState) -> None:
        """Keep iteration k's start off the grid, in place of the one kept so before: the start
        the next snapshot needs (a run's last iteration, or the one before a jump), which had
        been recomputed from the grid, up to an interval of iterations (85 ms for
        784-256-256-10). It is outside the budget, so the grid is never thinned for it (a
        coarser grid makes every later replay longer) and it is kept even when the grid fills
        the budget: history holds at most one start more than the budget."""
        if k not in self._starts:
            self._extra = (k, (params, opt))

    def _droppable(self, k: int) -> bool:
        """Whether iteration k's start may go: neither pinned nor on the grid."""
        return k not in self._pinned and not self.due(k)

    def pin(self, k: int, params: Params, opt: OptimizerState) -> None:
        """Keep iteration k's start for good (an edit: it cannot be recomputed)."""
        self._pinned.add(k)
        self.add(k, params, opt)

    def drop_after(self, k: int) -> None:
        """Forget every start after iteration k (a new branch of history begins at k)."""
        for key in [key for key in self._starts if key > k]:
            self._drop(key)
            self._pinned.discard(key)
        if self._extra is not None and self._extra[0] > k:
            self._extra = None

    def nearest(self, k: int) -> tuple[int, Params, OptimizerState]:
        """The latest kept start at or before iteration k (which is not before the first)."""
        j = self._keys[bisect.bisect_right(self._keys, k) - 1]
        extra = self._extra
        if extra is not None and j < extra[0] <= k:
            return (extra[0], *extra[1])
        return (j, *self._starts[j])

    def _drop(self, k: int) -> None:
        params, opt = self._starts.pop(k)
        self.nbytes -= start_bytes(params, opt)
        self._keys.remove(k)

    def _thin(self) -> None:
        while self.nbytes > self.budget and len(self._starts) > len(self._pinned):
            self.interval *= 2
            for key in list(self._starts):
                if self._droppable(key):
                    params, opt = self._starts.pop(key)
                    self.nbytes -= start_bytes(params, opt)
        self._keys = sorted(self._starts)


class RecentRecords:
    """The last few complete iteration records, least recently used first out."""

    def __init__(self, size: int = RECENT_RECORDS) -> None:
        self._size = size
        self._records: OrderedDict[int, IterationRecord] = OrderedDict()

    def use(self, k: int) -> IterationRecord | None:
        """Iteration k's record if kept, marked as just used."""
        record = self._records.get(k)
        if record is not None:
            self._records.move_to_end(k)
        return record

    def peek(self, k: int) -> IterationRecord | None:
        """Iteration k's record if kept, without changing the order."""
        return self._records.get(k)

    def keep(self, record: IterationRecord) -> None:
        self._records[record.iteration] = record
        self._records.move_to_end(record.iteration)
        while len(self._records) > self._size:
            self._records.popitem(last=False)

    def drop_from(self, k: int) -> None:
        """Forget the records of iteration k and later."""
        for key in [key for key in self._records if key >= k]:
            del self._records[key]
