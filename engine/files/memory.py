"""How much memory a session needs, estimated before anything is allocated.

The parameter cap alone does not bound memory: moons with 10^7 hidden units has 4·10^7
parameters (under the cap) but each mini-batch of 20 needs 20·10^7 activations per array.
A session whose estimate exceeds the memory the machine has free is refused with the figure,
instead of being killed by the system half-way through allocating.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.errors import GradstepError

BYTES = 8  # float64
# Iteration records alive at once: the session's recent records (RECENT_RECORDS, 6), the one
# being computed and the one shown. Each holds z, a and δ for every unit and sample of its batch,
# and parameters, gradients and updated parameters.
RECORDS_KEPT = 8
BATCH_ARRAYS_PER_RECORD = 3
PARAMETER_ARRAYS_PER_RECORD = 3
OPTIMIZER_BUFFERS = {"sgd": 0, "momentum": 1, "adam": 2}
TEMPORARY_BATCH_ARRAYS = 4  # what computing one stage allocates on the way


@dataclass(frozen=True)
class MemoryEstimate:
    """The bytes a session needs, by what they hold."""

    parameters: int
    activations: int
    data: int

    @property
    def total(self) -> int:
        # the checkpoints of time travel are left out: their budget shrinks to what is free
        return self.parameters + self.activations + self.data


def estimate(
    sizes: tuple[int, ...], optimizer: str, batch: int, samples: int, outputs: int
) -> MemoryEstimate:
    """The memory a session with layer widths ``sizes`` needs.

    Parameters
    ----------
    sizes
        Widths from the input layer to the output layer.
    optimizer
        "sgd", "momentum" or "adam" (how many buffers shaped like the parameters it keeps).
    batch
        Samples per iteration.
    samples
        Samples in the data set (the decision boundary and loss evaluate all of them).
    outputs
        Target columns.
    """
    params = sum(fan_out * (fan_in + 1) for fan_in, fan_out in zip(sizes, sizes[1:], strict=False))
    units = sum(sizes[1:])
    batch_values = max(batch, 1) * units
    live = 1 + OPTIMIZER_BUFFERS.get(optimizer, 2)
    return MemoryEstimate(
        parameters=BYTES * params * (live + RECORDS_KEPT * PARAMETER_ARRAYS_PER_RECORD),
        activations=BYTES * batch_values * (RECORDS_KEPT * BATCH_ARRAYS_PER_RECORD + TEMPORARY_BATCH_ARRAYS),
        data=BYTES * samples * (sizes[0] + outputs),
    )


def available_bytes() -> int | None:
    """Memory the system can give this process now (Linux's MemAvailable), else the physical
    memory, else None when neither can be known."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def _gigabytes(n: int) -> str:
    return f"{n / 1024**3:.1f} GB"


def check_fits(needed: MemoryEstimate, available: int | None) -> None:
    """Refuse a session that needs more memory than ``available``, naming both figures."""
    if available is None or needed.total <= available:
        return
    raise GradstepError(
        f"network: needs about {_gigabytes(needed.total)} of memory (parameters and optimizer state "
        f"{_gigabytes(needed.parameters)}, activations of its batches {_gigabytes(needed.activations)}), "
        f"more than the {_gigabytes(available)} available: use fewer units or a smaller batch_size",
        "network",
    )
