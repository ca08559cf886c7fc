"""The trace file: every iteration's forward values, loss, gradients and updated parameters,
streamed to a temporary file and renamed into place when the run ends (or stops at a
breakpoint). An interrupted run (an exception, Ctrl+C, SIGTERM) leaves the previous trace
file as it was and no temporary file."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from types import TracebackType
from typing import IO

from engine.errors import GradstepError
from engine.files.atomic import atomic_text
from engine.history.snapshot import IterationSummary

FORMAT = "gradstep-trace"
VERSION = 1


class TraceWriter:
    """Context manager that writes a trace atomically; see the module's docstring."""

    def __init__(self, path: str | Path) -> None:
        if not str(path):
            raise GradstepError("--trace: expected a file name, got ''")
        self.path = Path(path)
        self._stack = contextlib.ExitStack()
        self._handle: IO[str] | None = None
        self._count = 0

    def __enter__(self) -> TraceWriter:
        self._handle = self._stack.enter_context(atomic_text(self.path))
        self._handle.write(f'{{"format":"{FORMAT}","version":{VERSION},"iterations":[')
        return self

    def write(self, item: IterationSummary) -> None:
        """Append one iteration."""
        if self._handle is None:
            raise RuntimeError("TraceWriter.write outside its with block")
        layers = []
        for z, a, g, p in zip(item.z, item.a, item.grads, item.params_after, strict=True):
            layer = {"z": z.tolist(), "a": a.tolist(), "dW": g.weights.tolist()}
            if p.has_bias:  # a layer without biases has neither db nor bias
                layer["db"] = g.bias.tolist()
            layer["weights"] = p.weights.tolist()
            if p.has_bias:
                layer["bias"] = p.bias.tolist()
            layers.append(layer)
        entry = {"iteration": item.iteration, "loss": item.loss, "layers": layers}
        self._handle.write(("," if self._count else "") + json.dumps(entry, separators=(",", ":")))
        self._count += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self._handle is not None:
            self._handle.write("]}\n")
        # on an exception the helper removes the temporary file and keeps the old trace
        self._stack.__exit__(exc_type, exc, tb)
