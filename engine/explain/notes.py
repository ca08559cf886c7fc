"""What each factor of a chain rule means, in words: the notes beside the numbers, and
which factors teaching mode's mistake changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.core.activations import LEAKY_SLOPE
from engine.core.losses import LOSSES

if TYPE_CHECKING:
    from engine.core.config import SessionConfig
    from engine.core.records import ParameterRef


def _fused_note(activation: str, outputs: int, loss: str) -> str:
    summed = " summed" if LOSSES[loss].reduction == "sum" else ""
    if activation == "softmax":
        return f"a − y, softmax with{summed} cross-entropy"
    k = "a − y" if outputs == 1 or summed else f"(a − y)/K with K = {_plural(outputs, 'output')}"
    return f"{k}, sigmoid with{summed} binary cross-entropy (exact where a saturates)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _loss_note(loss: str, outputs: int) -> str:
    k = _plural(outputs, "output")
    return {
        "half_sse": "a − y, the derivative of ½(a − y)²",
        "sse": "2(a − y), the derivative of (a − y)²",
        "mse": f"2(a − y)/K with K = {k}, the derivative of the mean of (a − y)²",
    }[loss]


# da/dz of each element-wise activation, written as the notes show it
_DERIVATIVE_NOTES = {
    "linear": "1, the derivative of the identity",
    "sigmoid": "a(1 − a), the sigmoid's derivative",
    "tanh": "1 − a², the derivative of tanh",
    "relu": "1 if z > 0, else 0: the ReLU's derivative",
    "leaky_relu": f"1 if z > 0, else {LEAKY_SLOPE:g}: the leaky ReLU's derivative",
}


def _mistaken_da_dz(mistake: str | None, activation: str, fused_output: bool) -> str | None:
    """What teaching mode's mistake puts in place of da/dz, or None when it leaves it alone."""
    if mistake is None or fused_output:
        return None  # a fused output delta (bce) has no activation factor to get wrong
    if mistake == "missing_activation_derivative" and activation != "linear":
        return "1 (teaching mode: activation derivative missing)"
    if activation in ("sigmoid", "tanh"):
        formula = "a(1 − a)" if activation == "sigmoid" else "1 − a²"
        if mistake == "derivative_of_z":
            return f"{formula.replace('a', 'z')} (teaching mode: {formula} evaluated on z instead of a)"
        if mistake == "derivative_of_a":
            f = "σ" if activation == "sigmoid" else "tanh"
            return f"{f}′(a) (teaching mode: {f}′(z) evaluated on a instead of z)"
    return None


def gradient_note(mistake: str | None, ref: ParameterRef, reduction: str) -> str:
    """How teaching mode's mistake makes the gradient differ from the reduced contributions."""
    if mistake == "wrong_batch_reduction":
        wrong = "sum instead of mean" if reduction == "mean" else "mean instead of sum"
        return f"teaching mode: the contributions are reduced with a {wrong}"
    if mistake == "half_gradient":
        return "teaching mode: gradient halved, ½ × the reduction"
    if mistake == "double_gradient":
        return "teaching mode: gradient doubled, 2 × the reduction"
    if mistake == "wrong_sign":
        return "teaching mode: wrong sign, −1 × the reduction (the update climbs the loss)"
    if mistake == "bias_not_summed" and ref.is_bias:
        return "teaching mode: δ summed over every unit of the layer too, not over the batch alone"
    return ""


@dataclass(frozen=True)
class Notes:
    """How each factor of one parameter is explained, and which teaching mode changes."""

    fused: bool  # one factor dℓ/dz (sigmoid + bce, softmax + cross-entropy) instead of two
    fused_note: str
    dl_note: str
    dl_mistaken: bool
    da_note: str
    da_mistaken: bool
    dz_note: str


def _dz_note(ref: ParameterRef) -> str:
    if ref.input is None:
        return "1, the bias enters z directly"
    if ref.layer == 0:
        return f"x_{ref.input}, input feature {ref.input} of the sample"
    return f"a[{ref.layer - 1}]_{ref.input}, the activation of unit {ref.input} in layer {ref.layer - 1}"


def _output_dl_note(config: SessionConfig, outputs: int) -> tuple[str, bool, str | None]:
    """(dℓ/da's note, whether the mistake changes it, da/dz's note when the mistake replaces it)."""
    mistake = config.mistake
    summed = LOSSES[config.loss].reduction == "sum"
    if mistake == "other_loss_gradient" and LOSSES[config.loss].family == "bce":
        return f"a − y (teaching mode: half squared error's derivative, not {config.loss}'s)", True, None
    if mistake == "other_loss_gradient":
        note = "a − y" if outputs == 1 or summed else f"(a − y)/K with K = {outputs} outputs"
        note += " (teaching mode: binary cross-entropy's δ, which has no activation factor)"
        return note, True, "1 (teaching mode: the other loss's δ has no activation factor)"
    return _loss_note(config.loss, outputs), False, None


def _hidden_dl_note(config: SessionConfig, layer: int) -> tuple[str, bool]:
    """dℓ/da's note for a hidden unit: the sum over the next layer, as the backward pass made it."""
    units = f"the {_plural(config.layers[layer + 1].units, 'unit')} k of layer {layer + 1}"
    if config.mistake == "transposed_weights":
        return f"sum over {units} of w_jk · δ_k (teaching mode: through W instead of its transpose)", True
    if config.mistake == "updated_weights_backprop":
        return (
            f"sum over {units} of w_kj · δ_k with w_kj already updated, w − η·dW (teaching mode: "
            "back-propagating through updated weights)",
            True,
        )
    return f"sum over {units} of w_kj · δ_k", False


def factor_notes(config: SessionConfig, ref: ParameterRef) -> Notes:
    """The notes of the output's dℓ/da and da/dz (or fused dℓ/dz) or of a hidden unit's sum
    over the next layer, as the backward pass computed them (teaching mode may change them)."""
    activation = config.layers[ref.layer].activation
    outputs = config.layers[-1].units
    is_output = ref.layer == len(config.layers) - 1
    fused = is_output and (
        activation == "softmax"
        or (LOSSES[config.loss].family == "bce" and config.mistake != "other_loss_gradient")
    )
    da_note = _mistaken_da_dz(config.mistake, activation, fused)
    da_mistaken = da_note is not None
    if fused:
        dl_note, dl_mistaken = "", False
    elif is_output:
        dl_note, dl_mistaken, replaced = _output_dl_note(config, outputs)
        if replaced is not None:
            da_note, da_mistaken = replaced, True
    else:
        dl_note, dl_mistaken = _hidden_dl_note(config, ref.layer)
    return Notes(
        fused,
        _fused_note(activation, outputs, config.loss),
        dl_note,
        dl_mistaken,
        _DERIVATIVE_NOTES.get(activation, "") if da_note is None else da_note,
        da_mistaken,
        _dz_note(ref),
    )
