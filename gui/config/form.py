"""The configuration form's values as plain data, and the session document they make (no Qt).

:func:`session_document` is what Apply hands to :func:`engine.files.session_file.parse_session`;
:func:`typing_document` is the same document with its costly parts (generated or read data,
explicit weights) swapped for small stand-ins, so the engine can judge every field while the
user types without building a million points each keystroke. :func:`field_key` finds the form
field an engine error is about from its ``GradstepError.field``.
"""

from __future__ import annotations

import math
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import SessionConfig
from engine.core.config import FORMAT, VERSION
from engine.files.data import IMAGE_PRESETS, LOGIC_PRESETS, MAX_SAMPLES, csv_path
from engine.files.session_file import session_json

MAX_TABLE_ROWS = 64  # inline editing is for small hand-made sets; larger data lives in a CSV
MAX_TABLE_COLUMNS = 24  # inputs plus targets; wider data is no hand-made set either
TYPING_SAMPLES = 256  # data up to this many rows is checked for real while typing; more on Apply
TYPING_CSV_BYTES = 64 * 1024  # ... and a CSV file up to this size (a hand-made one) is read
BACKGROUND_ROWS = 20_000  # Apply builds data of more rows (or a larger CSV) on a worker thread
SOURCES = ("preset", "csv", "table", "loaded")
OPTIMIZER_DEFAULTS = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def exact_text(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (0.6, not 0.59999999999999998):
    a form must not round a number the user did not touch."""
    return repr(float(value)).removesuffix(".0")


def number_or_text(text: str) -> float | str:
    """A float when the text is one; otherwise the text, so the engine names the problem."""
    try:
        return float(text.strip())
    except ValueError:
        return text


def names(text: str) -> list[str]:
    """The comma-separated names in ``text``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def fits_table(rows: int, columns: int) -> bool:
    """Whether data of ``rows`` samples and ``columns`` inputs plus targets fits the table."""
    return rows <= MAX_TABLE_ROWS and columns <= MAX_TABLE_COLUMNS


@dataclass(frozen=True)
class DataForm:
    """The data part of the form: where the samples come from."""

    source: str = "preset"  # one of SOURCES; "loaded": inline data too large to edit, kept as is
    preset: str = "xor"
    samples: int = 200
    noise: str = "0.1"
    one_hot: bool = False
    csv: str = ""
    targets: str = ""  # comma-separated target column names
    csv_inputs: str = ""  # comma-separated input column names; empty: every other column
    table: tuple[tuple[str, ...], ...] = ()  # the table's cell texts, inputs then targets per row


@dataclass(frozen=True)
class FormValues:
    """Everything the configuration form holds, as the user left it (numbers still as typed)."""

    inputs: int = 2
    layers: tuple[tuple[int, str], ...] = ((3, "sigmoid"), (1, "sigmoid"))  # (units, activation)
    biased: tuple[bool, ...] = ()  # per layer whether it has biases; a layer past the end has them
    init: str = "xavier_uniform"
    seed: int = 0
    keep_weights: bool = False  # keep the loaded explicit weights of layers whose shape is unchanged
    loss: str = "half_sse"
    optimizer: str = "sgd"
    learning_rate: str = "0.1"
    momentum: str = exact_text(OPTIMIZER_DEFAULTS["momentum"])
    beta1: str = exact_text(OPTIMIZER_DEFAULTS["beta1"])
    beta2: str = exact_text(OPTIMIZER_DEFAULTS["beta2"])
    eps: str = exact_text(OPTIMIZER_DEFAULTS["eps"])
    full_batch: bool = True
    batch_size: int = 32
    iterations: int = 1000
    mistake: str | None = None
    data: DataForm = field(default_factory=DataForm)


def _data_form(config: SessionConfig, data: Mapping[str, Any]) -> DataForm:
    rows, columns = config.x.shape[0], config.x.shape[1] + config.y.shape[1]
    if "preset" in data:
        source = "preset"
    elif "csv" in data:
        source = "csv"
    else:
        source = "table" if fits_table(rows, columns) else "loaded"
    table: tuple[tuple[str, ...], ...] = ()
    if source == "table":
        table = tuple(
            tuple(exact_text(v) for v in [*config.x[r], *config.y[r]]) for r in range(config.x.shape[0])
        )
    csv = "csv" in data
    return DataForm(
        source=source,
        preset=str(data.get("preset", "xor")),
        samples=int(data.get("samples", 200)),
        noise=exact_text(data.get("noise", 0.1)),
        one_hot=bool(data.get("one_hot", False)),
        csv=str(data.get("csv", "")),
        targets=", ".join(data.get("targets", [])) if csv else "",
        csv_inputs=", ".join(data.get("inputs") or []) if csv else "",
        table=table,
    )


def form_from_config(config: SessionConfig) -> FormValues:
    """The form filled from ``config``: every number written so that it reads back exactly."""
    doc = session_json(config)
    network = doc["network"]
    opt = doc["optimizer"]
    samples = int(config.x.shape[0])
    return FormValues(
        inputs=network["inputs"],
        layers=tuple((layer["units"], layer["activation"]) for layer in network["layers"]),
        biased=config.biased,
        init=network.get("init", "xavier_uniform"),
        seed=doc.get("seed", 0),
        keep_weights=has_explicit_weights(doc),
        loss=doc["loss"],
        optimizer=opt["name"],
        learning_rate=exact_text(opt["learning_rate"]),
        momentum=exact_text(opt.get("momentum", OPTIMIZER_DEFAULTS["momentum"])),
        beta1=exact_text(opt.get("beta1", OPTIMIZER_DEFAULTS["beta1"])),
        beta2=exact_text(opt.get("beta2", OPTIMIZER_DEFAULTS["beta2"])),
        eps=exact_text(opt.get("eps", OPTIMIZER_DEFAULTS["eps"])),
        full_batch=doc.get("batch_size") is None,
        batch_size=doc.get("batch_size") or min(32, samples),
        iterations=doc.get("iterations", 1000),
        mistake=doc.get("mistake"),
        data=_data_form(config, doc["data"]),
    )


def has_explicit_weights(doc: Mapping[str, Any]) -> bool:
    """Whether the session document gives any layer's weights or bias explicitly (``"bias":
    false`` is no value)."""
    return any(
        "weights" in layer or isinstance(layer.get("bias"), list) for layer in doc["network"]["layers"]
    )


def layer_biased(form: FormValues, k: int) -> bool:
    """Whether layer ``k`` of the form has biases (a layer the form does not say: yes)."""
    return form.biased[k] if k < len(form.biased) else True


def _layers(form: FormValues, loaded: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The form's layers; a layer whose shape is unchanged keeps its loaded weights if asked."""
    original = loaded.get("network", {}).get("layers", [])
    layers: list[dict[str, Any]] = []
    fan_in = form.inputs
    original_fan_in = loaded.get("network", {}).get("inputs")
    for k, (units, activation) in enumerate(form.layers):
        entry: dict[str, Any] = {"units": units, "activation": activation}
        old = original[k] if k < len(original) else None
        same_shape = old is not None and old["units"] == units and original_fan_in == fan_in
        if form.keep_weights and same_shape and old is not None:
            # a bias array only where the layer still has biases; never "bias": false from the file
            entry.update({key: old[key] for key in ("weights", "bias") if isinstance(old.get(key), list)})
        if not layer_biased(form, k):
            entry["bias"] = False
        layers.append(entry)
        fan_in = units
        original_fan_in = old["units"] if old is not None else None
    return layers


def _optimizer(form: FormValues) -> dict[str, Any]:
    optimizer: dict[str, Any] = {"name": form.optimizer, "learning_rate": number_or_text(form.learning_rate)}
    if form.optimizer == "momentum":
        optimizer["momentum"] = number_or_text(form.momentum)
    elif form.optimizer == "adam":
        optimizer["beta1"] = number_or_text(form.beta1)
        optimizer["beta2"] = number_or_text(form.beta2)
        optimizer["eps"] = number_or_text(form.eps)
    return optimizer


def _data(form: FormValues, loaded: Mapping[str, Any]) -> dict[str, Any]:
    data = form.data
    if data.source == "preset":
        spec: dict[str, Any] = {"preset": data.preset}
        if data.preset in IMAGE_PRESETS:  # fixed images: only the held-out share, kept as loaded
            kept = loaded.get("data", {})
            return spec | ({"test_fraction": kept["test_fraction"]} if "test_fraction" in kept else {})
        if data.preset not in LOGIC_PRESETS:  # the logic presets are the unit square's corners
            spec["samples"] = data.samples
            spec["noise"] = number_or_text(data.noise)
        if data.one_hot:
            spec["one_hot"] = True
        return spec
    if data.source == "csv":
        spec = {"csv": data.csv.strip(), "targets": names(data.targets)}
        if names(data.csv_inputs):
            spec["inputs"] = names(data.csv_inputs)
        return spec
    if data.source == "loaded":
        return dict(loaded.get("data", {}))
    cells = [[number_or_text(text) for text in row] for row in data.table]
    return {"inputs": [row[: form.inputs] for row in cells], "targets": [row[form.inputs :] for row in cells]}


def session_document(form: FormValues, loaded: Mapping[str, Any]) -> dict[str, Any]:
    """The form as a session document, for :func:`engine.files.session_file.parse_session`.

    ``loaded`` is the document of the session the form was filled from: fields the form does
    not edit (title, description, ...) pass through (the title only while the network, loss
    and data are the loaded ones), and its explicit weights and inline data
    are kept where the form asks. A saved state does not pass: Apply starts at iteration 0.
    """
    doc: dict[str, Any] = {key: value for key, value in loaded.items() if key != "state"}
    doc.update(format=FORMAT, version=VERSION)
    doc.pop("mistake", None)
    if form.mistake is not None:
        doc["mistake"] = form.mistake
    doc.update(
        seed=form.seed,
        network={"inputs": form.inputs, "init": form.init, "layers": _layers(form, loaded)},
        loss=form.loss,
        optimizer=_optimizer(form),
        data=_data(form, loaded),
        batch_size=None if form.full_batch else form.batch_size,
        iterations=form.iterations,
    )
    if any(doc.get(key) != loaded.get(key) for key in ("network", "loss", "data")):
        doc["title"] = described_title(form)  # the loaded title described another session
    shape = doc.get("image_shape")
    if isinstance(shape, list) and math.prod(int(n) for n in shape) != form.inputs:
        del doc["image_shape"]  # the inputs are no longer those images (the form cannot edit it)
    return doc


def described_title(form: FormValues) -> str:
    """A title saying what the form's session is: "moons, 2-8-1 tanh, sigmoid"."""
    data = form.data.preset if form.data.source == "preset" else f"{form.data.source} data"
    sizes = "-".join(str(n) for n in (form.inputs, *(units for units, _ in form.layers)))
    activations = ", ".join(dict.fromkeys(activation for _, activation in form.layers))
    return f"{data}, {sizes} {activations}"


def _small_or_missing(csv: str, base_dir: Path | None) -> bool:
    """Whether reading the CSV file named ``csv`` costs nothing worth avoiding while typing: it
    is missing (the engine says so), or a regular file of at most ``TYPING_CSV_BYTES``."""
    path = csv_path(csv.strip(), base_dir)
    try:
        status = path.stat()
    except FileNotFoundError:
        return True
    except (OSError, ValueError):  # unreadable, too long, a NUL in it: Apply lets the engine say
        return False
    # a FIFO or a device could block or never end: only Apply may try those
    return stat.S_ISREG(status.st_mode) and status.st_size <= TYPING_CSV_BYTES


def _rows(form: FormValues, loaded: Mapping[str, Any]) -> int:
    """How many rows the form's preset, table or loaded data has, without building it."""
    data = form.data
    if data.source == "preset":
        if data.preset in IMAGE_PRESETS:
            return 0  # read once from the bundled file and kept: no stand-in needed
        return 4 if data.preset in LOGIC_PRESETS else data.samples
    if data.source == "loaded":
        return len(loaded.get("data", {}).get("inputs", []))
    return len(data.table)


def _cheap_to_check(form: FormValues, loaded: Mapping[str, Any], base_dir: Path | None) -> bool:
    """Whether the engine can judge the form's real data in a moment."""
    data = form.data
    if data.source == "csv":
        return not data.csv.strip() or _small_or_missing(data.csv, base_dir)
    rows = _rows(form, loaded)
    # a preset of too many samples is refused before anything is generated
    return rows <= TYPING_SAMPLES or (data.source == "preset" and rows > MAX_SAMPLES)


def builds_slowly(form: FormValues, loaded: Mapping[str, Any], base_dir: Path | None) -> bool:
    """Whether Apply's data takes long enough to build (tens of milliseconds and more) to go to
    a worker thread: many rows to generate or copy, or a CSV file to read."""
    data = form.data
    if data.source == "csv":
        return bool(data.csv.strip()) and not _small_or_missing(data.csv, base_dir)
    return BACKGROUND_ROWS < _rows(form, loaded) <= MAX_SAMPLES


def typing_document(
    form: FormValues, loaded: Mapping[str, Any], base_dir: Path | None = None
) -> tuple[dict[str, Any], bool]:
    """The session document with its costly parts replaced by small stand-ins of the same shape,
    for checking every field while the user types; and whether it is the real document.

    Explicit weights go (the form keeps them only where the shapes fit); data of more than
    ``TYPING_SAMPLES`` rows is cut to that many (and so the batch size, whose limit the full
    document checks on Apply); a CSV file larger than ``TYPING_CSV_BYTES`` (or not a regular
    file) is not read: a row of the form's shape stands in for it. ``base_dir`` is the folder
    a relative CSV name is in.
    """
    doc = session_document(form, loaded)
    exact = not (form.keep_weights and has_explicit_weights(doc))
    for layer in doc["network"]["layers"]:
        layer.pop("weights", None)
        if layer.get("bias") is not False:  # "bias": false is the layer's shape, not its values
            layer.pop("bias", None)
    if _cheap_to_check(form, loaded, base_dir):
        return doc, exact
    data = doc["data"]
    if form.data.source == "preset":
        doc["data"] = {**data, "samples": TYPING_SAMPLES}
    elif form.data.source == "loaded":
        doc["data"] = {key: value[:TYPING_SAMPLES] for key, value in data.items()}
    else:  # a CSV file: one row of the form's shape, targets a valid one-hot row for every loss
        outputs = form.layers[-1][0] if form.layers else 1
        doc["data"] = {"inputs": [[0.0] * form.inputs], "targets": [[1.0] + [0.0] * (outputs - 1)]}
    if isinstance(doc.get("batch_size"), int) and doc["batch_size"] >= 1:
        doc["batch_size"] = 1
    return doc, False


def field_key(error_field: str | None, keys: Iterable[str]) -> str | None:
    """The form field an error is about: the longest of ``keys`` that ``error_field`` (a
    session-file path such as "network.layers[1].units") is, or lies inside."""
    if error_field is None:
        return None
    best = None
    for key in keys:
        inside = error_field == key or re.match(re.escape(key) + r"[.\[]", error_field) is not None
        if inside and (best is None or len(key) > len(best)):
            best = key
    return best


def form_message(message: str, error_field: str | None, names: Mapping[str, str]) -> str:
    """The engine's message in the form's words: its leading session-file path
    ("optimizer.learning_rate: must be positive") becomes the label of the field it is about
    ("Learning rate: must be positive"), with what lies inside it ("Hidden 0 units: ...",
    "Data (inputs[1][0]): ...")."""
    key = field_key(error_field, names)
    prefix = f"{error_field}: "
    if key is None or error_field is None or not message.startswith(prefix):
        return message
    inside = error_field[len(key) :].lstrip(".")
    if inside and not inside.isidentifier():
        inside = f"({inside})"  # a cell, "Data (inputs[1][0])"
    return f"{names[key]} {inside}".rstrip() + f": {message[len(prefix) :]}"
