"""A PyTorch model (an ``nn.Sequential`` of ``Linear`` and activations, or its state_dict) as a
session: its weights become the session's starting weights.

Only :func:`load_torch` needs torch, imported when called. It reads with
``torch.load(weights_only=True)``, torch's restricted unpickler, allowing torch's own layer
classes and nothing else, so a file cannot run code. What it finds becomes plain arrays
(:class:`Module`), and the rest — which layers are supported, the mapping to Gradstep's layers,
the session — is plain NumPy, tested without torch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.core.config import FORMAT, VERSION, SessionConfig
from engine.errors import GradstepError
from engine.files.examples import XOR_INPUTS, XOR_TARGETS
from engine.files.reading import read_file_bytes
from engine.files.session_file import parse_session, session_json

Array = NDArray[np.float64]

# torch's activation modules and Gradstep's names for them
ACTIVATION_MODULES = {
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "Softmax": "softmax",
    "Identity": "linear",
}
SUPPORTED = "nn.Sequential of Linear and Sigmoid, Tanh, ReLU, LeakyReLU(0.01), Softmax(dim=1), Identity"


@dataclass(frozen=True)
class Module:
    """One module of a Sequential, as plain data: its class name, and for ``Linear`` its
    weight (out, in) and bias (None without), for ``LeakyReLU`` its slope, for ``Softmax`` its dim."""

    kind: str
    weight: Array | None = None
    bias: Array | None = None
    slope: float | None = None
    dim: int | None = None


@dataclass(frozen=True)
class ImportedLayer:
    """A layer of the session: weights (units, fan_in), bias (None: no biases) and activation."""

    weights: Array
    bias: Array | None
    activation: str


def _unsupported(module: Module) -> str | None:
    """How ``module`` is described when Gradstep cannot take it, or None when it can."""
    if module.kind == "Linear":
        return None
    if module.kind not in ACTIVATION_MODULES:
        return module.kind
    if module.kind == "LeakyReLU" and module.slope != 0.01:
        return f"LeakyReLU(negative_slope={module.slope})"
    if module.kind == "Softmax" and module.dim not in (1, -1):
        return f"Softmax(dim={module.dim})"
    return None


def layers_from_modules(modules: Sequence[Module], source: str) -> list[ImportedLayer]:
    """Gradstep's layers of a Sequential: each Linear and the activation after it (none: linear).

    Raises
    ------
    GradstepError
        Naming every unsupported module, an activation with no Linear before it, or none at all.
    """
    bad = [text for text in (_unsupported(m) for m in modules) if text is not None]
    if bad:
        raise GradstepError(
            f"{source}: unsupported layers: {', '.join(bad)} (Gradstep imports an {SUPPORTED})"
        )
    layers: list[ImportedLayer] = []
    pending: Module | None = None
    for module in modules:
        if module.kind == "Linear":
            if pending is not None:
                layers.append(_layer(pending, "linear"))
            pending = module
            continue
        if module.kind == "Identity":
            continue
        if pending is None:
            raise GradstepError(f"{source}: {module.kind} has no Linear layer before it")
        layers.append(_layer(pending, ACTIVATION_MODULES[module.kind]))
        pending = None
    if pending is not None:
        layers.append(_layer(pending, "linear"))
    if not layers:
        raise GradstepError(f"{source}: no Linear layer (Gradstep imports an {SUPPORTED})")
    return layers


def _layer(module: Module, activation: str) -> ImportedLayer:
    assert module.weight is not None
    return ImportedLayer(module.weight, module.bias, activation)


_KEY = re.compile(r"^(.*?)\.?(weight|bias)$")


def layers_from_state_dict(
    state: Mapping[str, Array], activations: Sequence[str] | None, source: str
) -> list[ImportedLayer]:
    """Gradstep's layers of a Sequential's state_dict (``"0.weight"``, ``"0.bias"``, ``"2.weight"``
    ...), in order; a state_dict holds no activations, so they are given.

    Raises
    ------
    GradstepError
        For a key that is not a Linear's weight or bias, a weight that is not 2-D, a bias of the
        wrong length, or activations missing or of the wrong number.
    """
    weights: dict[str, Array] = {}
    biases: dict[str, Array] = {}
    for key, value in state.items():
        match = _KEY.match(key)
        if match is None:
            raise GradstepError(f"{source}: {key!r} is not a Linear layer's weight or bias ({SUPPORTED})")
        (weights if match[2] == "weight" else biases)[match[1]] = np.asarray(value, dtype=np.float64)
    for prefix in biases:
        if prefix not in weights:
            raise GradstepError(f"{source}: {prefix}.bias has no {prefix}.weight")
    order = list(weights)
    if activations is None:
        raise GradstepError(
            f"{source}: a state_dict holds no activations: give them with --activations (one per "
            f"layer, {len(order)} here) or take them from --like SESSION"
        )
    if len(activations) != len(order):
        raise GradstepError(f"{source}: {len(order)} Linear layers, but {len(activations)} activations given")
    layers = []
    for prefix, activation in zip(order, activations, strict=True):
        weight = weights[prefix]
        if weight.ndim != 2:
            raise GradstepError(f"{source}: {prefix}.weight has shape {weight.shape}, expected (out, in)")
        layers.append(ImportedLayer(weight, biases.get(prefix), activation))
    return layers


def session_from_layers(
    layers: Sequence[ImportedLayer], like: SessionConfig | None, source: str
) -> dict[str, Any]:
    """A session file (as a dict) whose starting weights are ``layers``; its loss, optimizer,
    data and the rest are ``like``'s, or XOR's for a 2-input, 1-output network.

    Raises
    ------
    GradstepError
        When the layers do not chain, or the data does not fit the network (the session
        validator's message).
    """
    inputs = layers[0].weights.shape[1]
    fan_in = inputs
    network_layers = []
    for k, layer in enumerate(layers):
        units, width = layer.weights.shape
        if width != fan_in:
            raise GradstepError(
                f"{source}: layer {k} takes {width} inputs, but the layer before has {fan_in} units"
            )
        entry: dict[str, Any] = {
            "units": units,
            "activation": layer.activation,
            "weights": layer.weights.tolist(),
        }
        entry["bias"] = False if layer.bias is None else layer.bias.tolist()
        network_layers.append(entry)
        fan_in = units
    session = _template(like, inputs, fan_in, layers[-1].activation, source)
    session["network"] = {"inputs": inputs, "init": session["network"]["init"], "layers": network_layers}
    parse_session(
        session, like.base_dir if like is not None else None
    )  # refuses what does not fit, naming it
    return session


def _template(
    like: SessionConfig | None, inputs: int, outputs: int, out_activation: str, source: str
) -> dict[str, Any]:
    title = f"Imported from {Path(source).name}"
    if like is not None:
        session = session_json(like)
        session.pop("state", None)  # the optimizer's memory was of other weights
        session.pop("mistake", None)
        session["title"] = title
        if "csv" in session["data"] and like.base_dir is not None:
            session["data"] = {
                **session["data"],
                "csv": str((like.base_dir / session["data"]["csv"]).resolve()),
            }
        return session
    if (inputs, outputs) != (2, 1):
        raise GradstepError(
            f"{source}: a {inputs}-input, {outputs}-output network needs data: give --like SESSION, a "
            "session whose data fits it (its loss and optimizer are taken too)"
        )
    loss = (
        "half_sse"
        if out_activation in ("sigmoid", "linear", "tanh", "relu", "leaky_relu")
        else "cross_entropy"
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": title,
        "seed": 0,
        "network": {"init": "xavier_uniform"},
        "loss": loss,
        "optimizer": {"name": "sgd", "learning_rate": 0.5},
        "data": {"inputs": XOR_INPUTS, "targets": XOR_TARGETS},
        "iterations": 1000,
    }


# ---- reading the file (needs torch) ----


def load_torch(path: Path) -> list[Module] | dict[str, Array]:
    """The modules of the ``nn.Sequential`` saved in ``path``, or its state_dict as arrays.

    Raises
    ------
    GradstepError
        When torch is not installed, the file is not one torch can read, or it holds something
        else than an nn.Sequential of torch's own layers or a state_dict.
    """
    read_file_bytes(path, "model")  # a regular file of sane size, or a message naming it
    try:
        import torch
    except ImportError:
        raise GradstepError(
            f"{path.name}: reading a PyTorch file needs torch, which is not installed "
            "(pip install torch; Gradstep itself does not need it)"
        ) from None
    loaded = _load(torch, path)
    if isinstance(loaded, torch.nn.Sequential):
        return [_module(torch, m) for m in _flattened(torch, loaded)]
    if isinstance(loaded, Mapping) and all(isinstance(v, torch.Tensor) for v in loaded.values()):
        return {str(k): v.detach().cpu().double().numpy() for k, v in loaded.items()}
    raise GradstepError(f"{path.name}: holds a {type(loaded).__name__}, not an {SUPPORTED} or its state_dict")


def _load(torch: Any, path: Path) -> Any:
    import pickle

    # torch's own layer classes, and nothing else, may be rebuilt from the file
    layers = [c for c in vars(torch.nn).values() if isinstance(c, type) and issubclass(c, torch.nn.Module)]
    try:
        with torch.serialization.safe_globals(layers):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
        what = f"it uses {found[1]}" if found else "it is not a model of torch's own layers"
        raise GradstepError(
            f"{path.name}: cannot be read safely: {what} (Gradstep imports an {SUPPORTED})"
        ) from None
    except Exception as exc:  # a damaged or foreign file fails anywhere in torch's reader
        if isinstance(exc, MemoryError):
            raise
        text = str(exc).strip()
        first = f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
        raise GradstepError(f"{path.name}: not a PyTorch file torch.load can read ({first[:160]})") from None


def _flattened(torch: Any, sequential: Any) -> list[Any]:
    out = []
    for module in sequential:
        out += _flattened(torch, module) if isinstance(module, torch.nn.Sequential) else [module]
    return out


def _module(torch: Any, module: Any) -> Module:
    kind = type(module).__name__
    if isinstance(module, torch.nn.Linear):
        bias = None if module.bias is None else module.bias.detach().double().numpy()
        return Module(kind, module.weight.detach().double().numpy(), bias)
    if isinstance(module, torch.nn.LeakyReLU):
        return Module(kind, slope=float(module.negative_slope))
    if isinstance(module, torch.nn.Softmax):
        return Module(kind, dim=module.dim)
    return Module(kind)


def import_session(
    path: Path, like: SessionConfig | None, activations: Sequence[str] | None
) -> dict[str, Any]:
    """The session file (a dict) of the model in ``path``: see :func:`load_torch` and
    :func:`session_from_layers`; ``activations`` override the model's (a state_dict needs them,
    else ``like``'s are used when it has as many layers)."""
    loaded = load_torch(path)
    if isinstance(loaded, dict):
        if (
            activations is None
            and like is not None
            and len(like.layers) == len({k.rsplit(".", 1)[0] for k in loaded if k.endswith("weight")})
        ):
            activations = [layer.activation for layer in like.layers]
        layers = layers_from_state_dict(loaded, activations, path.name)
    else:
        layers = layers_from_modules(loaded, path.name)
        if activations is not None:
            if len(activations) != len(layers):
                raise GradstepError(f"--activations: {len(activations)} given for {len(layers)} layers")
            layers = [ImportedLayer(m.weights, m.bias, a) for m, a in zip(layers, activations, strict=True)]
    return session_from_layers(layers, like, path.name)
