"""Exceptions the engine raises for input it cannot use."""

from __future__ import annotations


class GradstepError(Exception):
    """Bad input: a malformed file, an unknown name, a wrong shape.

    The message is meant for the user as it stands: it names the field and the problem.
    ``field`` is the path of the field it is about in the file's terms
    (``optimizer.learning_rate``, ``steps[3].expect.loss``), or None.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NonFiniteError(GradstepError):
    """A run produced a non-finite value; says where it first appeared."""

    def __init__(self, message: str, iteration: int, stage: str, layer: int | None) -> None:
        super().__init__(message, None)
        self.iteration = iteration
        self.stage = stage
        self.layer = layer
