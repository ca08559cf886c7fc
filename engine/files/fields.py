"""Turning decoded JSON values into typed values, or naming the field that is wrong.

Every helper takes ``where``, the field's path in the file's terms (``network.layers[1].units``),
and raises a GradstepError that carries it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.records import LayerParams, Params
from engine.errors import GradstepError

Array = NDArray[np.float64]


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def object_(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise GradstepError(f"{where}: expected an object, got {type_name(value)}", where)
    return value


def known_keys(obj: dict[str, Any], where: str, allowed: set[str]) -> None:
    for key in obj:
        if key not in allowed:
            raise GradstepError(
                f"{where}: unknown field {key!r} (expected one of: {', '.join(sorted(allowed))})", where
            )


def finite_number(value: Any, where: str) -> float:
    """``value`` as a finite float, or a GradstepError naming ``where`` (also for an integer
    too large for a float, which ``float()`` would meet with OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GradstepError(f"{where}: expected a number, got {type_name(value)}", where)
    try:
        result = float(value)
    except OverflowError:
        raise GradstepError(
            f"{where}: an integer of {len(str(abs(value))):,} digits is too large for a float",
            where,
        ) from None
    if not math.isfinite(result):
        raise GradstepError(f"{where}: {value} is not a finite number", where)
    return result


def int_at_least(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise GradstepError(f"{where}: expected an integer, got {type_name(value)} {value!r}", where)
    if value < minimum:
        raise GradstepError(f"{where}: must be at least {minimum}, got {value}", where)
    return int(value)


def choice(value: Any, where: str, choices: tuple[str, ...] | list[str]) -> str:
    if not isinstance(value, str):
        raise GradstepError(f"{where}: expected a name, got {type_name(value)}", where)
    if value not in choices:
        raise GradstepError(f"{where}: unknown name {value!r} (expected one of: {', '.join(choices)})", where)
    return value


_NUMBERS = frozenset({float, int})


ROWS_PER_PIECE = 8192  # rows converted in one call: a few milliseconds


def _plain_float_array(value: list[Any], ndim: int, piece: int = ROWS_PER_PIECE) -> Array | None:
    """``value`` as an array when it is what a saved file holds, a list (of equal lists) of
    JSON numbers, all finite; None for anything else, which :func:`float_array` then checks
    value by value to name the first that is wrong. Checking 600,000 values one by one, with
    the name of each, took 0.6 s of a 200,000-row file's opening; this takes a tenth of that,
    and NumPy converts each number as ``float()`` does, ``piece`` rows at a time."""
    if ndim == 2:
        if {type(row) for row in value} != {list}:
            return None
        if len({len(row) for row in value}) != 1:
            return None  # rows of unequal length (NumPy would broadcast a row of one)
        kinds = {type(v) for row in value for v in row}
        shape: tuple[int, ...] = (len(value), len(value[0]))
    else:
        kinds = {type(v) for v in value}
        shape = (len(value),)
    if not kinds <= _NUMBERS:  # bool is not int here: type(True) is bool
        return None
    try:
        array = array_in_pieces(value, shape, piece)
    except (ValueError, OverflowError):  # an integer beyond a float
        return None
    if not np.isfinite(array).all():
        return None
    return array


def array_in_pieces(rows: list[Any], shape: tuple[int, ...], piece: int = ROWS_PER_PIECE) -> Array:
    """``rows`` (numbers, or equal lists of numbers) as a float64 array of ``shape``, converted
    ``piece`` rows at a time, as ``np.array(rows, dtype=np.float64)`` converts them: one call
    over 200,000 rows held the interpreter's lock for 40 ms, and a file is read on a worker
    thread while the window's thread waits for that lock to paint."""
    array = np.empty(shape, dtype=np.float64)
    for start in range(0, len(rows), piece):
        array[start : start + piece] = rows[start : start + piece]
    return array


def float_array(value: Any, where: str, ndim: int) -> Array:
    """A rectangular list of finite numbers with ``ndim`` dimensions."""
    if not isinstance(value, list):
        raise GradstepError(f"{where}: expected a list, got {type_name(value)}", where)
    if value:
        array = _plain_float_array(value, ndim)
        if array is not None:
            return array
    if ndim == 2:
        if not value:
            raise GradstepError(f"{where}: expected a non-empty list of rows", where)
        rows = []
        width = None
        for r, row in enumerate(value):
            if not isinstance(row, list):
                raise GradstepError(
                    f"{where}[{r}]: expected a list (a row), got {type_name(row)}", f"{where}[{r}]"
                )
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise GradstepError(
                    f"{where}: row {r} has {len(row)} values but row 0 has {width} (rows must be equal)",
                    where,
                )
            rows.append([finite_number(v, f"{where}[{r}][{c}]") for c, v in enumerate(row)])
        return np.array(rows, dtype=np.float64).reshape(len(rows), width or 0)
    return np.array([finite_number(v, f"{where}[{i}]") for i, v in enumerate(value)], dtype=np.float64)


def shape_error(where: str, expected: tuple[int, ...], actual: tuple[int, ...]) -> GradstepError:
    return GradstepError(f"{where}: expected shape {expected}, got {actual}", where)


def params_list(
    value: Any, where: str, sizes: tuple[int, ...], biased: tuple[bool, ...] | None = None
) -> Params:
    """Per layer ``{"weights", "bias"}`` shaped for ``sizes``; a layer without biases
    (``biased[k]`` False) must have no ``bias`` entry and gets an empty bias array."""
    if not isinstance(value, list) or len(value) != len(sizes) - 1:
        raise GradstepError(f"{where}: expected a list of {len(sizes) - 1} layers", where)
    layers = []
    for k, entry in enumerate(value):
        entry = object_(entry, f"{where}[{k}]")
        known_keys(entry, f"{where}[{k}]", {"weights", "bias"})
        w = float_array(entry.get("weights"), f"{where}[{k}].weights", 2)
        if w.shape != (sizes[k + 1], sizes[k]):
            raise shape_error(f"{where}[{k}].weights", (sizes[k + 1], sizes[k]), w.shape)
        layers.append(LayerParams(w, _layer_bias(entry, f"{where}[{k}].bias", sizes[k + 1], biased, k)))
    return tuple(layers)


def _layer_bias(
    entry: dict[str, Any], where: str, units: int, biased: tuple[bool, ...] | None, k: int
) -> Array:
    if biased is not None and not biased[k]:
        if "bias" in entry:
            raise GradstepError(
                f'{where}: layer {k} has no biases ("bias": false in network.layers[{k}]), so no bias values',
                where,
            )
        return np.zeros(0)
    b = float_array(entry.get("bias"), where, 1)
    if b.shape != (units,):
        raise shape_error(where, (units,), b.shape)
    return b


def image_shape(value: Any, where: str, inputs: int) -> tuple[int, ...]:
    """A list of positive integers whose product is ``inputs`` (the image each input row is)."""
    if not isinstance(value, list) or not value:
        raise GradstepError(
            f"{where}: expected a list of positive integers such as [8, 8], got {type_name(value)}", where
        )
    dims = tuple(int_at_least(v, f"{where}[{k}]", 1) for k, v in enumerate(value))
    if math.prod(dims) != inputs:
        shown = " x ".join(str(d) for d in dims)
        raise GradstepError(
            f"{where}: {shown} is {math.prod(dims)} pixels, but network.inputs is {inputs}", where
        )
    return dims
