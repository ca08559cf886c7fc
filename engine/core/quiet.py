"""Silence NumPy's floating-point warnings around a call, with a fresh context every time.

A diverging run overflows by design and the engine reports the first non-finite value itself
(its iteration, stage and layer), so NumPy's warnings would only be noise there. One shared
``np.errstate`` object used as a decorator is not safe: on NumPy 1.26 it is a
``ContextDecorator`` that keeps the saved state on the object, so a nested call overwrites
it and the outer exit restores "ignore" for good. Here every call enters a new one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np

P = ParamSpec("P")
R = TypeVar("R")


def quiet(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` run with overflow, invalid and divide warnings ignored (a new errstate per call)."""

    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return func(*args, **kwargs)

    return inner
