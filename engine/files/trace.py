"""The trace file: every iteration's forward values, loss, gradients and updated parameters,
streamed to a temporary file and renamed into place when the run ends (or stops)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from engine.errors import GradstepError
from engine.history.snapshot import IterationSummary

FORMAT = "gradstep-trace"
VERSION = 1


class TraceWriter:
    """Context manager that writes a trace atomically, whatever way the run ends."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._handle: IO[str] | None = None
        self._tmp = ""
        self._count = 0

    def __enter__(self) -> TraceWriter:
        directory = self.path.parent if str(self.path.parent) else Path(".")
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise GradstepError(f"{self.path}: cannot write the trace: {exc.strerror or exc}") from None
        self._handle = os.fdopen(fd, "w", encoding="utf-8")
        self._handle.write(f'{{"format":"{FORMAT}","version":{VERSION},"iterations":[')
        return self

    def write(self, item: IterationSummary) -> None:
        """Append one iteration."""
        assert self._handle is not None
        layers = [
            {
                "z": z.tolist(),
                "a": a.tolist(),
                "dW": g.weights.tolist(),
                "db": g.bias.tolist(),
                "weights": p.weights.tolist(),
                "bias": p.bias.tolist(),
            }
            for z, a, g, p in zip(item.z, item.a, item.grads, item.params_after, strict=True)
        ]
        entry = {"iteration": item.iteration, "loss": item.loss, "layers": layers}
        self._handle.write(("," if self._count else "") + json.dumps(entry, separators=(",", ":")))
        self._count += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._handle is not None
        try:
            self._handle.write("]}\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self._tmp, self.path)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            raise GradstepError(f"{self.path}: cannot write the trace: {error.strerror or error}") from None
