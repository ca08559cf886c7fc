"""The session file: parsing with messages that name the field, and serialising back.

A session is everything needed to start (or continue) training: the network, the loss,
the optimizer, the data, the seed and, for a saved live session, where it had got to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.activations import ACTIVATIONS
from engine.core.config import (
    FORMAT,
    INITS,
    MAX_PARAMETERS,
    OPTIMIZERS,
    VERSION,
    LayerConfig,
    OptimizerConfig,
    SessionConfig,
)
from engine.core.losses import LOSSES
from engine.core.records import OptimizerState, Params
from engine.errors import GradstepError
from engine.files import memory
from engine.files.data_spec import parse_data
from engine.files.fields import (
    choice,
    finite_number,
    float_array,
    image_shape,
    int_at_least,
    known_keys,
    object_,
    shape_error,
    type_name,
)
from engine.files.jsonio import read_json_as
from engine.files.saved_state import parse_state

Array = NDArray[np.float64]

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
    "image_shape",
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
        With a message naming the field and the problem (and carrying it as ``field``), also
        for a network that would need more memory than the machine has free.
    """
    top = object_(obj, "session")
    _check_format(top)
    known_keys(top, "session", _TOP_KEYS)
    seed = int_at_least(top.get("seed", 0), "seed", 0)
    network = object_(top.get("network"), "network")
    known_keys(network, "network", {"inputs", "init", "layers"})
    inputs = int_at_least(network.get("inputs"), "network.inputs", 1)
    init = choice(network.get("init", "xavier_uniform"), "network.init", INITS)
    layers = _parse_layers(network.get("layers"), inputs)
    loss = choice(top.get("loss", "half_sse"), "loss", list(LOSSES))
    _check_loss(loss, layers[-1].activation)
    optimizer = _parse_optimizer(top.get("optimizer", {"name": "sgd"}))
    sizes = (inputs, *(layer.units for layer in layers))
    mistake = _parse_mistake(top.get("mistake"), layers, sizes, loss)
    iterations = int_at_least(top.get("iterations", 1000), "iterations", 1)
    texts = {key: _text(top.get(key, ""), key) for key in ("description", "title")}
    shape = None if top.get("image_shape") is None else image_shape(top["image_shape"], "image_shape", inputs)
    state = None
    if top.get("state") is not None:
        state = parse_state(top["state"], layers, sizes, optimizer.name)
    # the data last: every other field is judged without building it, so the configuration
    # panel's check while typing (on a small stand-in of the data) says what Apply says
    data_spec = object_(top.get("data"), "data")
    data = parse_data(data_spec, base_dir, seed)
    x, y = data.x, data.y
    _check_data(x, y, inputs, layers[-1].units, loss)
    if shape is None and data.image_shape is not None:  # the digits preset's images are 8 x 8
        shape = image_shape(list(data.image_shape), "image_shape", inputs)
    batch_size = _parse_batch_size(top.get("batch_size"), x.shape[0])
    needed = memory.estimate(sizes, optimizer.name, batch_size or x.shape[0], x.shape[0], y.shape[1])
    memory.check_fits(needed, memory.available_bytes())
    return SessionConfig(
        inputs=inputs,
        layers=layers,
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
        description=texts["description"],
        title=texts["title"],
        state=state,
        base_dir=base_dir,
        image_shape=shape,
        test_x=data.test_x,
        test_y=data.test_y,
    )


def _check_format(top: dict[str, Any]) -> None:
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


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise GradstepError(f"{where}: expected a string, got {type_name(value)}", where)
    return value


def _parse_layers(raw_layers: Any, inputs: int) -> tuple[LayerConfig, ...]:
    if not isinstance(raw_layers, list) or not raw_layers:
        raise GradstepError("network.layers: expected a non-empty list of layers", "network.layers")
    layers: list[LayerConfig] = []
    fan_in = inputs
    total = 0
    for k, raw in enumerate(raw_layers):
        where = f"network.layers[{k}]"
        units = int_at_least(object_(raw, where).get("units"), f"{where}.units", 1)
        total += units * (fan_in + 1)
        if total > MAX_PARAMETERS:  # before any array of that size is made
            raise GradstepError(
                f"network: too large to allocate: more than {MAX_PARAMETERS:,} parameters "
                f"by layer {k} ({units} units x {fan_in} inputs)",
                "network",
            )
        layers.append(_parse_layer(raw, where, units, fan_in, last=k == len(raw_layers) - 1))
        fan_in = units
    return tuple(layers)


def _parse_layer(raw: dict[str, Any], where: str, units: int, fan_in: int, last: bool) -> LayerConfig:
    known_keys(raw, where, {"units", "activation", "weights", "bias"})
    activation = choice(raw.get("activation", "sigmoid"), f"{where}.activation", list(ACTIVATIONS))
    if activation == "softmax" and not last:
        raise GradstepError(
            f"{where}.activation: softmax is allowed on the output layer only", f"{where}.activation"
        )
    weights = bias = None
    if "weights" in raw:
        weights = float_array(raw["weights"], f"{where}.weights", 2)
        if weights.shape != (units, fan_in):
            raise shape_error(f"{where}.weights", (units, fan_in), weights.shape)
    has_bias = True
    if isinstance(raw.get("bias"), bool):  # false: a layer without biases; true: the default
        has_bias = raw["bias"]
    elif "bias" in raw:
        bias = float_array(raw["bias"], f"{where}.bias", 1)
        if bias.shape != (units,):
            raise shape_error(f"{where}.bias", (units,), bias.shape)
    return LayerConfig(units, activation, weights, bias, has_bias)


def _check_loss(loss: str, out_activation: str) -> None:
    family = LOSSES[loss].family
    if (family == "cross_entropy") != (out_activation == "softmax"):
        what = (
            f"{loss} goes with a softmax output layer"
            if family == "cross_entropy"
            else "a softmax output layer goes with cross_entropy or cross_entropy_sum"
        )
        raise GradstepError(
            f"loss: {what} (got loss {loss!r} with output activation {out_activation!r})", "loss"
        )
    if family == "bce" and out_activation != "sigmoid":
        raise GradstepError(
            f"loss: {loss} needs a sigmoid output layer to keep outputs in (0, 1), got {out_activation!r}",
            "loss",
        )


def _check_data(x: Array, y: Array, inputs: int, outputs: int, loss: str) -> None:
    if x.shape[1] != inputs:
        raise GradstepError(
            f"data.inputs: {x.shape[1]} input columns, but network.inputs is {inputs}", "data.inputs"
        )
    if y.shape[1] != outputs:
        raise GradstepError(
            f"data.targets: {y.shape[1]} target columns, but the output layer has {outputs} units",
            "data.targets",
        )
    _check_target_range(loss, y)


def _parse_batch_size(raw: Any, samples: int) -> int | None:
    if raw is None:
        return None
    batch_size = int_at_least(raw, "batch_size", 1)
    if batch_size > samples:
        raise GradstepError(
            f"batch_size: {batch_size} is larger than the {samples} samples of the data", "batch_size"
        )
    return batch_size


def _parse_mistake(
    raw: Any, layers: tuple[LayerConfig, ...], sizes: tuple[int, ...], loss: str
) -> str | None:
    if raw is None:
        return None
    from engine.core.mistakes import MISTAKES, applicable

    mistake = choice(raw, "mistake", list(MISTAKES))
    reason = applicable(
        mistake,
        sizes,
        tuple(layer.activation for layer in layers),
        loss,
        tuple(layer.has_bias for layer in layers),
    )
    if reason is not None:
        raise GradstepError(f"mistake: {reason}", "mistake")
    return mistake


def _parse_optimizer(raw: Any) -> OptimizerConfig:
    opt = object_(raw, "optimizer")
    known_keys(opt, "optimizer", {"name", "learning_rate", "momentum", "beta1", "beta2", "eps"})
    name = choice(opt.get("name", "sgd"), "optimizer.name", OPTIMIZERS)
    allowed = {"sgd": set(), "momentum": {"momentum"}, "adam": {"beta1", "beta2", "eps"}}[name]
    for key in ("momentum", "beta1", "beta2", "eps"):
        if key in opt and key not in allowed:
            raise GradstepError(f"optimizer.{key}: not a parameter of {name}", f"optimizer.{key}")
    lr = finite_number(opt.get("learning_rate", 0.1), "optimizer.learning_rate")
    if lr <= 0:
        raise GradstepError(f"optimizer.learning_rate: must be positive, got {lr}", "optimizer.learning_rate")
    values = {"learning_rate": lr}
    for key, low, high in (("momentum", 0.0, 1.0), ("beta1", 0.0, 1.0), ("beta2", 0.0, 1.0)):
        if key in opt:
            v = finite_number(opt[key], f"optimizer.{key}")
            if not low <= v < high:
                raise GradstepError(
                    f"optimizer.{key}: must be in [{low}, {high}), got {v}", f"optimizer.{key}"
                )
            values[key] = v
    if "eps" in opt:
        eps = finite_number(opt["eps"], "optimizer.eps")
        if eps <= 0:
            raise GradstepError(f"optimizer.eps: must be positive, got {eps}", "optimizer.eps")
        values["eps"] = eps
    return OptimizerConfig(name=name, **values)


def _check_target_range(loss: str, y: Array) -> None:
    family = LOSSES[loss].family
    if family != "squared":
        bad = np.argwhere((y < 0) | (y > 1))
        if bad.size:
            r, c = bad[0]
            raise GradstepError(
                f"data.targets: {loss} needs targets in [0, 1], row {r} column {c} is {y[r, c]}",
                "data.targets",
            )
    if family == "cross_entropy":
        sums = y.sum(axis=1)
        bad_rows = np.flatnonzero(np.abs(sums - 1) > 1e-9)
        if bad_rows.size:
            r = bad_rows[0]
            raise GradstepError(
                f"data.targets: {loss} needs each target row to sum to 1 (one-hot), "
                f"row {r} sums to {sums[r]}",
                "data.targets",
            )


def load_session_config(path: str | Path) -> SessionConfig:
    """Read and validate a session file; CSV paths are resolved against its folder."""
    return read_json_as(Path(path), lambda data, folder: parse_session(data, base_dir=folder))


def _params_json(params: Params, biased: tuple[bool, ...]) -> list[dict[str, Any]]:
    """Per layer ``{"weights", "bias"}``; a layer without biases has no ``bias`` entry."""
    return [
        {"weights": p.weights.tolist(), "bias": p.bias.tolist()}
        if has_bias
        else {"weights": p.weights.tolist()}
        for p, has_bias in zip(params, biased, strict=True)
    ]


def _layers_json(config: SessionConfig, params: Params | None) -> list[dict[str, Any]]:
    layers = []
    for k, layer in enumerate(config.layers):
        entry: dict[str, Any] = {"units": layer.units, "activation": layer.activation}
        weights = params[k].weights if params is not None else layer.weights
        bias = params[k].bias if params is not None else layer.bias
        if weights is not None:
            entry["weights"] = weights.tolist()
        if not layer.has_bias:
            entry["bias"] = False
        elif bias is not None:
            entry["bias"] = bias.tolist()
        layers.append(entry)
    return layers


def _optimizer_json(opt: OptimizerConfig) -> dict[str, Any]:
    optimizer: dict[str, Any] = {"name": opt.name, "learning_rate": opt.learning_rate}
    if opt.name == "momentum":
        optimizer["momentum"] = opt.momentum
    elif opt.name == "adam":
        optimizer.update(beta1=opt.beta1, beta2=opt.beta2, eps=opt.eps)
    return optimizer


def _state_json(state: OptimizerState, iteration: int, biased: tuple[bool, ...]) -> dict[str, Any]:
    saved: dict[str, Any] = {"step": state.step}
    if state.first is not None:
        saved["first"] = _params_json(state.first, biased)
    if state.second is not None:
        saved["second"] = _params_json(state.second, biased)
    return {"iteration": iteration, "optimizer": saved}


def session_json(
    config: SessionConfig,
    params: Params | None = None,
    state: OptimizerState | None = None,
    iteration: int | None = None,
) -> dict[str, Any]:
    """The session as a JSON-ready dict; with ``params`` it is a live session that continues
    exactly where it was (parameters, optimizer state and iteration)."""
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if config.title:
        out["title"] = config.title
    if config.description:
        out["description"] = config.description
    out.update(
        seed=config.seed,
        network={"inputs": config.inputs, "init": config.init, "layers": _layers_json(config, params)},
        loss=config.loss,
        optimizer=_optimizer_json(config.optimizer),
        data=config.data,
        batch_size=config.batch_size,
        iterations=config.iterations,
    )
    if config.mistake is not None:
        out["mistake"] = config.mistake
    if config.image_shape is not None:
        out["image_shape"] = list(config.image_shape)
    if params is None and config.state is not None:
        # a loaded live session written back as it was loaded: its state goes with it
        state, iteration = config.state.optimizer, config.state.iteration
    if iteration is not None and state is not None:
        out["state"] = _state_json(state, iteration, config.biased)
    return out
