"""The session file's ``data`` field: inline arrays, a seeded preset or a CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.config import MAX_DATA_VALUES
from engine.errors import GradstepError
from engine.files import data as datasets
from engine.files.fields import choice, finite_number, float_array, int_at_least, known_keys, type_name

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ParsedData:
    """The training samples a ``data`` field describes and, for a preset that holds some out,
    the test samples and the shape of the images its inputs are."""

    x: Array
    y: Array
    test_x: Array | None = None
    test_y: Array | None = None
    image_shape: tuple[int, ...] | None = None


def parse_data(spec: dict[str, Any], base_dir: Path | None, seed: int) -> ParsedData:
    """The samples ``spec`` describes; CSV paths are relative to ``base_dir``.

    Raises
    ------
    GradstepError
        Naming the field (``data.noise``, ``data.csv``, ``data.inputs[3][1]``).
    """
    forms = [key for key in ("inputs", "preset", "csv") if key in spec]
    if len(forms) != 1:
        raise GradstepError(
            "data: give exactly one of inline 'inputs'/'targets', a 'preset', or a 'csv' file", "data"
        )
    if "preset" in spec:
        name = choice(spec["preset"], "data.preset", list(datasets.PRESETS))
        if name in datasets.IMAGE_PRESETS:
            return _parse_digits(spec, seed)
        return ParsedData(*_parse_preset(spec, seed))
    if "csv" in spec:
        return ParsedData(*_parse_csv(spec, base_dir))
    return ParsedData(*_parse_inline(spec))


def _parse_digits(spec: dict[str, Any], seed: int) -> ParsedData:
    # the images are what they are: no sample count or noise; targets are one-hot, ten columns
    known_keys(spec, "data", {"preset", "test_fraction", "one_hot"})
    if spec.get("one_hot", True) is not True:
        raise GradstepError(
            "data.one_hot: the digits preset has one-hot targets (ten columns); leave it out or set it true",
            "data.one_hot",
        )
    fraction = finite_number(spec.get("test_fraction", datasets.DIGITS_TEST_FRACTION), "data.test_fraction")
    if not 0 <= fraction <= 0.9:
        raise GradstepError(
            f"data.test_fraction: must be from 0 to 0.9, got {fraction:g}", "data.test_fraction"
        )
    split = datasets.digits(seed, fraction)
    if split.test_x.shape[0] == 0:
        return ParsedData(split.x, split.y, image_shape=split.image_shape)
    return ParsedData(split.x, split.y, split.test_x, split.test_y, split.image_shape)


def _parse_preset(spec: dict[str, Any], seed: int) -> tuple[Array, Array]:
    known_keys(spec, "data", {"preset", "samples", "noise", "one_hot"})
    name = str(spec["preset"])
    samples = int_at_least(spec.get("samples", 200), "data.samples", 2)
    if samples > datasets.MAX_SAMPLES:
        raise GradstepError(
            f"data.samples: at most {datasets.MAX_SAMPLES:,}, got {samples:,}", "data.samples"
        )
    noise = finite_number(spec.get("noise", 0.1), "data.noise")
    if not 0 <= noise <= datasets.MAX_NOISE:
        # the presets' points lie within [-1.5, 2]: far more noise than that only drowns them,
        # and near 1e308 it makes the inputs themselves non-finite
        raise GradstepError(
            f"data.noise: must be from 0 to {datasets.MAX_NOISE:g}, got {noise:g}", "data.noise"
        )
    one_hot = spec.get("one_hot", False)
    if not isinstance(one_hot, bool):
        raise GradstepError(f"data.one_hot: expected true or false, got {type_name(one_hot)}", "data.one_hot")
    return datasets.preset(name, samples, noise, seed, one_hot)


def _names(value: Any, where: str, required: bool) -> list[str] | None:
    if value is None and not required:
        return None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value) or (required and not value):
        what = "target" if where == "data.targets" else "input"
        raise GradstepError(f"{where}: expected a list of {what} column names", where)
    return value


def _parse_csv(spec: dict[str, Any], base_dir: Path | None) -> tuple[Array, Array]:
    known_keys(spec, "data", {"csv", "targets", "inputs"})
    if not isinstance(spec["csv"], str) or not spec["csv"]:
        raise GradstepError("data.csv: expected a file name", "data.csv")
    targets = _names(spec.get("targets"), "data.targets", required=True) or []
    inputs = _names(spec.get("inputs"), "data.inputs", required=False)
    return datasets.read_csv(datasets.csv_path(spec["csv"], base_dir), targets, inputs)


def _parse_inline(spec: dict[str, Any]) -> tuple[Array, Array]:
    known_keys(spec, "data", {"inputs", "targets"})
    if "targets" not in spec:
        raise GradstepError(
            "data.targets: missing (inline data needs 'inputs' and 'targets')", "data.targets"
        )
    raw_x, raw_y = spec["inputs"], spec["targets"]
    if (
        isinstance(raw_x, list)
        and len(raw_x) * max(1, len(raw_x[0]) if raw_x and isinstance(raw_x[0], list) else 1)
        > MAX_DATA_VALUES
    ):
        raise GradstepError("data.inputs: too large", "data.inputs")
    x = float_array(raw_x, "data.inputs", 2)
    if isinstance(raw_y, list) and raw_y and not isinstance(raw_y[0], list):
        y = float_array(raw_y, "data.targets", 1)[:, None]
    else:
        y = float_array(raw_y, "data.targets", 2)
    if x.shape[0] != y.shape[0]:
        raise GradstepError(
            f"data: {x.shape[0]} input rows but {y.shape[0]} target rows (one target row per sample)", "data"
        )
    return x, y
