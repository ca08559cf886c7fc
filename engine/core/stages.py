"""The stages of one iteration and how a partially computed iteration is cut back."""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.core.records import IterationRecord


@dataclass(frozen=True)
class Stage:
    """One stage: ``kind`` is forward, loss, backward or update; ``layer`` for the first and third."""

    kind: str
    layer: int | None = None

    @property
    def label(self) -> str:
        """Short label, 0-based like every index in Gradstep: "Forward 0", "Loss", "Update"."""
        if self.layer is None:
            return self.kind.capitalize()
        return f"{self.kind.capitalize()} {self.layer}"


def iteration_stages(n_layers: int) -> tuple[Stage, ...]:
    """Forward per layer, loss, backward per layer from the last, update: 2L + 2 stages."""
    return (
        *(Stage("forward", layer) for layer in range(n_layers)),
        Stage("loss"),
        *(Stage("backward", layer) for layer in reversed(range(n_layers))),
        Stage("update"),
    )


def stages_done(record: IterationRecord) -> int:
    """How many stages ``record`` holds."""
    return (
        len(record.forward) + (record.loss is not None) + len(record.backward) + (record.update is not None)
    )


def truncate(record: IterationRecord, stages: int) -> IterationRecord:
    """The record as it stood after its first ``stages`` stages."""
    if stages >= stages_done(record):
        return record
    n_layers = len(record.params)
    return replace(
        record,
        forward=record.forward[: min(stages, n_layers)],
        loss=record.loss if stages > n_layers else None,
        backward=record.backward[: max(0, min(stages - n_layers - 1, n_layers))],
        update=record.update if stages > 2 * n_layers + 1 else None,
    )
