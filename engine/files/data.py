"""Training data: inline arrays, seeded 2-D presets, and CSV files."""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from engine.errors import GradstepError
from engine.files.fields import array_in_pieces
from engine.files.reading import read_file_bytes

Array = NDArray[np.float64]

LOGIC_PRESETS: dict[str, list[float]] = {
    "xor": [0.0, 1.0, 1.0, 0.0],
    "and": [0.0, 0.0, 0.0, 1.0],
    "or": [0.0, 1.0, 1.0, 1.0],
}
POINT_PRESETS = ("circles", "moons", "spiral", "gaussians")
IMAGE_PRESETS = ("digits",)
PRESETS = (*LOGIC_PRESETS, *POINT_PRESETS, *IMAGE_PRESETS)
DIGITS_FILE = Path(__file__).resolve().parents[2] / "resources" / "data" / "digits" / "digits.csv.gz"
DIGITS_SHAPE = (8, 8)
DIGITS_CLASSES = 10
DIGITS_TEST_FRACTION = 0.2
MAX_SAMPLES = 1_000_000
MAX_NOISE = 1000.0  # standard deviation; the presets lie within [-1.5, 2]


def preset(name: str, samples: int, noise: float, seed: int, one_hot: bool) -> tuple[Array, Array]:
    """Generate a preset data set; the same arguments always give the same arrays."""
    if name in LOGIC_PRESETS:
        x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        labels = np.array(LOGIC_PRESETS[name])
    else:
        # Derived from the session seed but independent of the weight initialisation draws.
        rng = np.random.default_rng([seed, 0x5EED_DA7A])
        x, labels = _POINTS[name](samples, rng)
        x = x + rng.normal(0.0, noise, size=x.shape) if noise > 0 else x
    y = np.stack([1.0 - labels, labels], axis=1) if one_hot else labels[:, None]
    return x.astype(np.float64), y.astype(np.float64)


@dataclass(frozen=True)
class ImageSplit:
    """An image preset's training and held-out test samples (rows are images, row by row)."""

    x: Array
    y: Array
    test_x: Array
    test_y: Array
    image_shape: tuple[int, int]


@functools.cache
def _digits_table() -> NDArray[np.int64]:
    """The bundled digits file as integers, one row per image: 64 pixels (0..16), then the digit."""
    import gzip  # the digits preset only: not imported at launch

    try:
        with gzip.open(DIGITS_FILE, "rt", encoding="ascii") as stream:
            table = np.loadtxt(stream, delimiter=",", dtype=np.int64)
    except (OSError, ValueError) as exc:  # a broken installation, not the user's input
        raise GradstepError(
            f"data.preset: cannot read the bundled digits data {DIGITS_FILE}: {exc}"
        ) from None
    table.flags.writeable = False
    return table


def digits(seed: int, test_fraction: float) -> ImageSplit:
    """The 1,797 handwritten 8 x 8 digits, split into training and test samples.

    Parameters
    ----------
    seed
        The session seed: the split is a permutation drawn from it (independent of the weight
        initialisation's draws), so the same seed always holds out the same images.
    test_fraction
        The share of the images held out for testing (rounded to a whole number of images).

    Returns
    -------
    ImageSplit
        Inputs are the pixel counts divided by 16 (in [0, 1]); targets are one-hot rows of 10.
    """
    table = _digits_table()
    x = table[:, :-1].astype(np.float64) / 16.0
    y = np.eye(DIGITS_CLASSES)[table[:, -1]]
    order = np.random.default_rng([seed, 0xD161_75]).permutation(table.shape[0])
    held = round(table.shape[0] * test_fraction)
    test, train = order[:held], order[held:]
    return ImageSplit(x[train], y[train], x[test], y[test], DIGITS_SHAPE)


def _split(samples: int) -> tuple[int, int]:
    first = samples // 2
    return first, samples - first


def _moons(samples: int, rng: np.random.Generator) -> tuple[Array, Array]:
    n0, n1 = _split(samples)
    t0 = np.linspace(0, math.pi, n0)
    t1 = np.linspace(0, math.pi, n1)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    return np.vstack([outer, inner]), np.r_[np.zeros(n0), np.ones(n1)]


def _circles(samples: int, rng: np.random.Generator) -> tuple[Array, Array]:
    n0, n1 = _split(samples)
    t0 = np.linspace(0, 2 * math.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * math.pi, n1, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = 0.5 * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    return np.vstack([outer, inner]), np.r_[np.zeros(n0), np.ones(n1)]


def _spiral(samples: int, rng: np.random.Generator) -> tuple[Array, Array]:
    n0, n1 = _split(samples)
    arms = []
    for n, phase in ((n0, 0.0), (n1, math.pi)):
        r = np.linspace(0.05, 1.0, n)
        t = 3 * math.pi * r + phase
        arms.append(np.stack([r * np.cos(t), r * np.sin(t)], axis=1))
    return np.vstack(arms), np.r_[np.zeros(n0), np.ones(n1)]


def _gaussians(samples: int, rng: np.random.Generator) -> tuple[Array, Array]:
    n0, n1 = _split(samples)
    a = rng.normal(0.0, 0.5, size=(n0, 2)) + [-1.0, -1.0]
    b = rng.normal(0.0, 0.5, size=(n1, 2)) + [1.0, 1.0]
    return np.vstack([a, b]), np.r_[np.zeros(n0), np.ones(n1)]


_POINTS = {"moons": _moons, "circles": _circles, "spiral": _spiral, "gaussians": _gaussians}


def _csv_rows(path: Path) -> list[list[str]]:
    import csv  # a CSV data file only: not imported at launch

    data = read_file_bytes(path, "data.csv")
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is not a column name
    except UnicodeDecodeError:
        raise GradstepError(f"data.csv: {path} is not a UTF-8 text file", "data.csv") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        # row by row in Python, not list(reader): one C call that held the interpreter's lock
        # for the whole file (0.3 s for 200,000 rows) while the window's thread waited to paint
        return [row for row in reader]  # noqa: C416
    except csv.Error as exc:  # a field over csv's size limit, an unterminated quote
        raise GradstepError(
            f"data.csv: {path.name} line {reader.line_num}: not a readable CSV row ({exc})", "data.csv"
        ) from None


def _columns(header: list[str], path: Path, targets: list[str], inputs: list[str] | None) -> list[str]:
    """The input column names, after checking every named column is in ``header``."""
    if len(set(header)) != len(header):
        raise GradstepError(f"data.csv: {path} has duplicate column names", "data.csv")
    for name in targets:
        if name not in header:
            raise GradstepError(
                f"data.targets: column {name!r} is not in {path.name} (columns: {', '.join(header)})",
                "data.targets",
            )
    input_names = inputs if inputs is not None else [h for h in header if h not in targets]
    for name in input_names:
        if name not in header:
            raise GradstepError(f"data.inputs: column {name!r} is not in {path.name}", "data.inputs")
    if not input_names:
        raise GradstepError(f"data.csv: {path.name} has no input columns besides the targets", "data.csv")
    return input_names


def _row_values(row: list[str], number: int, width: int, name: str) -> list[float]:
    if len(row) != width:
        raise GradstepError(
            f"data.csv: {name} line {number} has {len(row)} fields, expected {width}", "data.csv"
        )
    try:
        parsed = [float(cell) for cell in row]
    except ValueError:
        raise GradstepError(f"data.csv: {name} line {number} has a non-numeric value", "data.csv") from None
    if not all(math.isfinite(v) for v in parsed):
        raise GradstepError(f"data.csv: {name} line {number} has a non-finite value", "data.csv")
    return parsed


def csv_path(name: str, base_dir: Path | None) -> Path:
    """The file a session's ``data.csv`` names: a relative name is in ``base_dir`` (the session
    file's folder; None: the current one)."""
    path = Path(name)
    return path if path.is_absolute() else (base_dir or Path.cwd()) / path


def read_csv(path: Path, targets: list[str], inputs: list[str] | None) -> tuple[Array, Array]:
    """Read a CSV file with a header row; ``targets`` name the target columns.

    Raises
    ------
    GradstepError
        Naming the file, the line and the problem, with ``field`` "data.csv" (or
        "data.targets"/"data.inputs" for a column that is not there).
    """
    rows = _csv_rows(path)
    if not rows:
        raise GradstepError(f"data.csv: {path} is empty", "data.csv")
    header = [name.strip() for name in rows[0]]
    input_names = _columns(header, path, targets, inputs)
    values = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        values.append(_row_values(row, number, len(header), path.name))
        if len(values) > MAX_SAMPLES:
            raise GradstepError(f"data.csv: {path.name} has more than {MAX_SAMPLES} rows", "data.csv")
    if not values:
        raise GradstepError(f"data.csv: {path.name} has a header but no data rows", "data.csv")
    table = array_in_pieces(values, (len(values), len(header)))
    x = table[:, [header.index(n) for n in input_names]]
    y = table[:, [header.index(n) for n in targets]]
    return x, y
