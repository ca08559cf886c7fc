"""The session file: parsing with messages that name the field, and serialising back.

A session is everything needed to start (or continue) training: the network, the loss,
the optimizer, the data, the seed and, for a saved live session, where it had got to.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.activations import ACTIVATIONS
from engine.core.config import (
    FORMAT,
    INITS,
    MAX_DATA_VALUES,
    MAX_PARAMETERS,
    OPTIMIZERS,
    VERSION,
    LayerConfig,
    OptimizerConfig,
    SavedState,
    SessionConfig,
)
from engine.core.losses import LOSSES
from engine.core.records import LayerParams, OptimizerState, Params
from engine.errors import GradstepError
from engine.files import data as datasets
from engine.files.jsonio import read_json

Array = NDArray[np.float64]

# ---- helpers that turn JSON values into typed values or name the field that is wrong ----


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise GradstepError(f"{where}: expected an object, got {_type_name(value)}", where)
    return value


def _known_keys(obj: dict[str, Any], where: str, allowed: set[str]) -> None:
    for key in obj:
        if key not in allowed:
            raise GradstepError(
                f"{where}: unknown field {key!r} (expected one of: {', '.join(sorted(allowed))})", where
            )


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GradstepError(f"{where}: expected a number, got {_type_name(value)}", where)
    number = float(value)
    if not math.isfinite(number):
        raise GradstepError(f"{where}: {value} is not a finite number", where)
    return number


def _integer(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise GradstepError(f"{where}: expected an integer, got {_type_name(value)} {value!r}", where)
    if value < minimum:
        raise GradstepError(f"{where}: must be at least {minimum}, got {value}", where)
    return int(value)


def _name(value: Any, where: str, choices: tuple[str, ...] | list[str]) -> str:
    if not isinstance(value, str):
        raise GradstepError(f"{where}: expected a name, got {_type_name(value)}", where)
    if value not in choices:
        raise GradstepError(f"{where}: unknown name {value!r} (expected one of: {', '.join(choices)})", where)
    return value


def _array(value: Any, where: str, ndim: int) -> Array:
    """A rectangular list of finite numbers with ``ndim`` dimensions."""
    if not isinstance(value, list):
        raise GradstepError(f"{where}: expected a list, got {_type_name(value)}", where)
    if ndim == 2:
        if not value:
            raise GradstepError(f"{where}: expected a non-empty list of rows", where)
        rows = []
        width = None
        for r, row in enumerate(value):
            if not isinstance(row, list):
                raise GradstepError(
                    f"{where}[{r}]: expected a list (a row), got {_type_name(row)}", f"{where}[{r}]"
                )
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise GradstepError(
                    f"{where}: row {r} has {len(row)} values but row 0 has {width} (rows must be equal)",
                    where,
                )
            rows.append([_number(v, f"{where}[{r}][{c}]") for c, v in enumerate(row)])
        return np.array(rows, dtype=np.float64).reshape(len(rows), width or 0)
    return np.array([_number(v, f"{where}[{i}]") for i, v in enumerate(value)], dtype=np.float64)


def _shape_error(where: str, expected: tuple[int, ...], actual: tuple[int, ...]) -> GradstepError:
    return GradstepError(f"{where}: expected shape {expected}, got {actual}", where)


def _params_list(value: Any, where: str, sizes: tuple[int, ...]) -> Params:
    if not isinstance(value, list) or len(value) != len(sizes) - 1:
        raise GradstepError(f"{where}: expected a list of {len(sizes) - 1} layers", where)
    layers = []
    for k, entry in enumerate(value):
        entry = _object(entry, f"{where}[{k}]")
        _known_keys(entry, f"{where}[{k}]", {"weights", "bias"})
        w = _array(entry.get("weights"), f"{where}[{k}].weights", 2)
        b = _array(entry.get("bias"), f"{where}[{k}].bias", 1)
        if w.shape != (sizes[k + 1], sizes[k]):
            raise _shape_error(f"{where}[{k}].weights", (sizes[k + 1], sizes[k]), w.shape)
        if b.shape != (sizes[k + 1],):
            raise _shape_error(f"{where}[{k}].bias", (sizes[k + 1],), b.shape)
        layers.append(LayerParams(w, b))
    return tuple(layers)


# ---- the session ----

_TOP_KEYS = {
    "format",
    "version",
    "seed",
    "network",
    "loss",
    "optimizer",
    "data",
    "batch_size",
    "description",
    "title",
    "state",
    "iterations",
    "mistake",
}


def parse_session(obj: Any, base_dir: Path | None = None) -> SessionConfig:
    """Validate a decoded session file.

    Parameters
    ----------
    obj
        The decoded JSON value.
    base_dir
        The folder CSV paths are relative to (the session file's folder).

    Raises
    ------
    GradstepError
        With a message naming the field and the problem.
    """
    top = _object(obj, "session")
    if top.get("format") != FORMAT:
        raise GradstepError(
            f"format: expected {FORMAT!r}, got {top.get('format')!r} (is this a Gradstep session file?)",
            "format",
        )
    version = top.get("version")
    if version != VERSION or isinstance(version, bool):
        raise GradstepError(
            f"version: unknown format version {version!r} (this Gradstep reads version {VERSION})", "version"
        )
    _known_keys(top, "session", _TOP_KEYS)
    seed = _integer(top.get("seed", 0), "seed", 0)

    network = _object(top.get("network"), "network")
    _known_keys(network, "network", {"inputs", "init", "layers"})
    inputs = _integer(network.get("inputs"), "network.inputs", 1)
    init = _name(network.get("init", "xavier_uniform"), "network.init", INITS)
    raw_layers = network.get("layers")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise GradstepError("network.layers: expected a non-empty list of layers", "network.layers")
    layers: list[LayerConfig] = []
    fan_in = inputs
    total = 0
    for k, raw in enumerate(raw_layers):
        where = f"network.layers[{k}]"
        raw = _object(raw, where)
        _known_keys(raw, where, {"units", "activation", "weights", "bias"})
        units = _integer(raw.get("units"), f"{where}.units", 1)
        activation = _name(raw.get("activation", "sigmoid"), f"{where}.activation", list(ACTIVATIONS))
        if activation == "softmax" and k != len(raw_layers) - 1:
            raise GradstepError(
                f"{where}.activation: softmax is allowed on the output layer only", f"{where}.activation"
            )
        total += units * (fan_in + 1)
        if total > MAX_PARAMETERS:
            raise GradstepError(
                f"network: too large to allocate: more than {MAX_PARAMETERS:,} parameters "
                f"by layer {k} ({units} units x {fan_in} inputs)",
                "network",
            )
        weights = bias = None
        if "weights" in raw:
            weights = _array(raw["weights"], f"{where}.weights", 2)
            if weights.shape != (units, fan_in):
                raise _shape_error(f"{where}.weights", (units, fan_in), weights.shape)
        if "bias" in raw:
            bias = _array(raw["bias"], f"{where}.bias", 1)
            if bias.shape != (units,):
                raise _shape_error(f"{where}.bias", (units,), bias.shape)
        layers.append(LayerConfig(units, activation, weights, bias))
        fan_in = units

    loss = _name(top.get("loss", "half_sse"), "loss", list(LOSSES))
    out_activation = layers[-1].activation
    if (loss == "cross_entropy") != (out_activation == "softmax"):
        raise GradstepError(
            f"loss: cross_entropy goes with a softmax output layer and softmax with cross_entropy "
            f"(got loss {loss!r} with output activation {out_activation!r})",
            "loss",
        )
    if loss == "bce" and out_activation != "sigmoid":
        raise GradstepError(
            f"loss: bce needs a sigmoid output layer to keep outputs in (0, 1), got {out_activation!r}",
            "loss",
        )

    optimizer = _parse_optimizer(top.get("optimizer", {"name": "sgd"}))
    data_spec = _object(top.get("data"), "data")
    x, y = _parse_data(data_spec, base_dir, seed)
    if x.shape[1] != inputs:
        raise GradstepError(
            f"data.inputs: {x.shape[1]} input columns, but network.inputs is {inputs}", "data.inputs"
        )
    if y.shape[1] != layers[-1].units:
        raise GradstepError(
            f"data.targets: {y.shape[1]} target columns, but the output layer has {layers[-1].units} units",
            "data.targets",
        )
    _check_target_range(loss, y)

    batch_size = top.get("batch_size")
    if batch_size is not None:
        batch_size = _integer(batch_size, "batch_size", 1)
        if batch_size > x.shape[0]:
            raise GradstepError(
                f"batch_size: {batch_size} is larger than the {x.shape[0]} samples of the data", "batch_size"
            )

    iterations = _integer(top.get("iterations", 1000), "iterations", 1)

    mistake = top.get("mistake")
    if mistake is not None:
        from engine.core.mistakes import MISTAKES, applicable

        mistake = _name(mistake, "mistake", list(MISTAKES))
        sizes = (inputs, *(layer.units for layer in layers))
        reason = applicable(mistake, sizes, tuple(layer.activation for layer in layers), loss)
        if reason is not None:
            raise GradstepError(f"mistake: {reason}", "mistake")

    description = top.get("description", "")
    title = top.get("title", "")
    for key, text in (("description", description), ("title", title)):
        if not isinstance(text, str):
            raise GradstepError(f"{key}: expected a string, got {_type_name(text)}", key)

    state = None
    if top.get("state") is not None:
        state = _parse_state(top["state"], layers, inputs, optimizer.name)

    return SessionConfig(
        inputs=inputs,
        layers=tuple(layers),
        loss=loss,
        optimizer=optimizer,
        data=data_spec,
        x=x,
        y=y,
        seed=seed,
        init=init,
        batch_size=batch_size,
        iterations=iterations,
        mistake=mistake,
        description=description,
        title=title,
        state=state,
        base_dir=base_dir,
    )


def _parse_optimizer(raw: Any) -> OptimizerConfig:
    opt = _object(raw, "optimizer")
    _known_keys(opt, "optimizer", {"name", "learning_rate", "momentum", "beta1", "beta2", "eps"})
    name = _name(opt.get("name", "sgd"), "optimizer.name", OPTIMIZERS)
    allowed = {"sgd": set(), "momentum": {"momentum"}, "adam": {"beta1", "beta2", "eps"}}[name]
    for key in ("momentum", "beta1", "beta2", "eps"):
        if key in opt and key not in allowed:
            raise GradstepError(f"optimizer.{key}: not a parameter of {name}", f"optimizer.{key}")
    lr = _number(opt.get("learning_rate", 0.1), "optimizer.learning_rate")
    if lr <= 0:
        raise GradstepError(f"optimizer.learning_rate: must be positive, got {lr}", "optimizer.learning_rate")
    values = {"learning_rate": lr}
    for key, low, high in (("momentum", 0.0, 1.0), ("beta1", 0.0, 1.0), ("beta2", 0.0, 1.0)):
        if key in opt:
            v = _number(opt[key], f"optimizer.{key}")
            if not low <= v < high:
                raise GradstepError(
                    f"optimizer.{key}: must be in [{low}, {high}), got {v}", f"optimizer.{key}"
                )
            values[key] = v
    if "eps" in opt:
        eps = _number(opt["eps"], "optimizer.eps")
        if eps <= 0:
            raise GradstepError(f"optimizer.eps: must be positive, got {eps}", "optimizer.eps")
        values["eps"] = eps
    return OptimizerConfig(name=name, **values)


def _parse_data(spec: dict[str, Any], base_dir: Path | None, seed: int) -> tuple[Array, Array]:
    forms = [key for key in ("inputs", "preset", "csv") if key in spec]
    if len(forms) != 1:
        raise GradstepError(
            "data: give exactly one of inline 'inputs'/'targets', a 'preset', or a 'csv' file", "data"
        )
    if "preset" in spec:
        _known_keys(spec, "data", {"preset", "samples", "noise", "one_hot"})
        name = _name(spec["preset"], "data.preset", list(datasets.PRESETS))
        samples = _integer(spec.get("samples", 200), "data.samples", 2)
        if samples > datasets.MAX_SAMPLES:
            raise GradstepError(
                f"data.samples: at most {datasets.MAX_SAMPLES:,}, got {samples:,}", "data.samples"
            )
        noise = _number(spec.get("noise", 0.1), "data.noise")
        if noise < 0:
            raise GradstepError(f"data.noise: must be non-negative, got {noise}", "data.noise")
        one_hot = spec.get("one_hot", False)
        if not isinstance(one_hot, bool):
            raise GradstepError(
                f"data.one_hot: expected true or false, got {_type_name(one_hot)}", "data.one_hot"
            )
        return datasets.preset(name, samples, noise, seed, one_hot)
    if "csv" in spec:
        _known_keys(spec, "data", {"csv", "targets", "inputs"})
        if not isinstance(spec["csv"], str) or not spec["csv"]:
            raise GradstepError("data.csv: expected a file name", "data.csv")
        targets = spec.get("targets")
        if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
            raise GradstepError("data.targets: expected a list of target column names", "data.targets")
        inputs = spec.get("inputs")
        if inputs is not None and (
            not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs)
        ):
            raise GradstepError("data.inputs: expected a list of input column names", "data.inputs")
        path = Path(spec["csv"])
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        return datasets.read_csv(path, targets, inputs)
    _known_keys(spec, "data", {"inputs", "targets"})
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
    x = _array(raw_x, "data.inputs", 2)
    if isinstance(raw_y, list) and raw_y and not isinstance(raw_y[0], list):
        y = _array(raw_y, "data.targets", 1)[:, None]
    else:
        y = _array(raw_y, "data.targets", 2)
    if x.shape[0] != y.shape[0]:
        raise GradstepError(
            f"data: {x.shape[0]} input rows but {y.shape[0]} target rows (one target row per sample)", "data"
        )
    return x, y


def _check_target_range(loss: str, y: Array) -> None:
    if loss in ("bce", "cross_entropy"):
        bad = np.argwhere((y < 0) | (y > 1))
        if bad.size:
            r, c = bad[0]
            raise GradstepError(
                f"data.targets: {loss} needs targets in [0, 1], row {r} column {c} is {y[r, c]}",
                "data.targets",
            )
    if loss == "cross_entropy":
        sums = y.sum(axis=1)
        bad_rows = np.flatnonzero(np.abs(sums - 1) > 1e-9)
        if bad_rows.size:
            r = bad_rows[0]
            raise GradstepError(
                f"data.targets: cross_entropy needs each target row to sum to 1 (one-hot), "
                f"row {r} sums to {sums[r]}",
                "data.targets",
            )


def _parse_state(raw: Any, layers: list[LayerConfig], inputs: int, optimizer: str) -> SavedState:
    state = _object(raw, "state")
    _known_keys(state, "state", {"iteration", "optimizer"})
    if any(layer.weights is None or layer.bias is None for layer in layers):
        raise GradstepError("state: a saved state needs explicit weights and bias in every layer", "state")
    iteration = _integer(state.get("iteration", 0), "state.iteration", 0)
    opt = _object(state.get("optimizer", {}), "state.optimizer")
    _known_keys(opt, "state.optimizer", {"step", "first", "second"})
    step = _integer(opt.get("step", 0), "state.optimizer.step", 0)
    sizes = (inputs, *(layer.units for layer in layers))
    first = second = None
    needs = {"sgd": (), "momentum": ("first",), "adam": ("first", "second")}[optimizer]
    if step > 0:
        for key in needs:
            if key not in opt:
                raise GradstepError(
                    f"state.optimizer.{key}: missing ({optimizer} keeps it)", f"state.optimizer.{key}"
                )
    if "first" in opt and opt["first"] is not None:
        first = _params_list(opt["first"], "state.optimizer.first", sizes)
    if "second" in opt and opt["second"] is not None:
        second = _params_list(opt["second"], "state.optimizer.second", sizes)
    return SavedState(iteration, OptimizerState(step, first, second))


def load_session_config(path: str | Path) -> SessionConfig:
    """Read and validate a session file; CSV paths are resolved against its folder."""
    path = Path(path)
    return parse_session(read_json(path), base_dir=path.resolve().parent)


def _params_json(params: Params) -> list[dict[str, Any]]:
    return [{"weights": p.weights.tolist(), "bias": p.bias.tolist()} for p in params]


def session_json(
    config: SessionConfig,
    params: Params | None = None,
    state: OptimizerState | None = None,
    iteration: int | None = None,
) -> dict[str, Any]:
    """The session as a JSON-ready dict; with ``params`` it is a live session that continues
    exactly where it was (parameters, optimizer state and iteration)."""
    layers = []
    for k, layer in enumerate(config.layers):
        entry: dict[str, Any] = {"units": layer.units, "activation": layer.activation}
        if params is not None:
            entry["weights"] = params[k].weights.tolist()
            entry["bias"] = params[k].bias.tolist()
        else:
            if layer.weights is not None:
                entry["weights"] = layer.weights.tolist()
            if layer.bias is not None:
                entry["bias"] = layer.bias.tolist()
        layers.append(entry)
    opt = config.optimizer
    optimizer: dict[str, Any] = {"name": opt.name, "learning_rate": opt.learning_rate}
    if opt.name == "momentum":
        optimizer["momentum"] = opt.momentum
    elif opt.name == "adam":
        optimizer.update(beta1=opt.beta1, beta2=opt.beta2, eps=opt.eps)
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if config.title:
        out["title"] = config.title
    if config.description:
        out["description"] = config.description
    out.update(
        seed=config.seed,
        network={"inputs": config.inputs, "init": config.init, "layers": layers},
        loss=config.loss,
        optimizer=optimizer,
        data=config.data,
        batch_size=config.batch_size,
        iterations=config.iterations,
    )
    if config.mistake is not None:
        out["mistake"] = config.mistake
    if params is None and config.state is not None:
        # a loaded live session written back as it was loaded: its state goes with it
        state, iteration = config.state.optimizer, config.state.iteration
    if iteration is not None and state is not None:
        saved: dict[str, Any] = {"step": state.step}
        if state.first is not None:
            saved["first"] = _params_json(state.first)
        if state.second is not None:
            saved["second"] = _params_json(state.second)
        out["state"] = {"iteration": iteration, "optimizer": saved}
    return out
