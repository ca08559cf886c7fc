"""Write the built-in walkthroughs to resources/walkthroughs/, with their expect values.

    python scripts/make_walkthroughs.py

Each step's ``expect`` is recorded by replaying it with this version of the engine, the way
the window records a walkthrough; replaying the files later (tests/engine/test_walkthrough.py)
then tells when a change computes something different. Every number a tutorial tour's caption
quotes is computed here by the engine (``Probe``); where a caption compares it with what a tutorial
prints, the script checks the comparison still holds and refuses to write otherwise. The tests
check the published numbers independently.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.core.losses import loss_value  # noqa: E402
from engine.core.records import IterationRecord  # noqa: E402
from engine.explain.chain import ChainExplanation, ParameterRef  # noqa: E402
from engine.files.examples import example  # noqa: E402
from engine.files.session_file import parse_session  # noqa: E402
from engine.files.walkthrough import Step, ViewState, Walkthrough, apply_step, record_step  # noqa: E402
from engine.history.session import Session  # noqa: E402

OUT = ROOT / "resources" / "walkthroughs"


def S(action: str, caption: str = "", **fields: Any) -> Step:
    return Step(action=action, caption=caption, **fields)


def backward_starts(loss: str) -> Step:
    """The tutorial tours' step that colours the edges by gradient as the backward pass begins."""
    return S(
        "view",
        "The backward pass starts. The edges are coloured by gradient now: each stays grey "
        f"until its stage computes ∂{loss}/∂w.",
        color_by="gradient",
    )


COLOUR_BY_UPDATE = S("view", "Colour by update: how far each weight moves in this step.", color_by="update")


def W(spec: str) -> ParameterRef:
    layer, j, i = (int(v) for v in spec.split(":"))
    return ParameterRef(layer, j, i)


def B(spec: str) -> ParameterRef:
    layer, j = (int(v) for v in spec.split(":"))
    return ParameterRef(layer, j, None)


MAZUR = {
    "format": "gradstep-session",
    "version": 1,
    "title": "A single iteration, every number (2-2-2 sigmoid)",
    "description": "The classic step-by-step backpropagation example: inputs 0.05 and 0.10, targets "
    "0.01 and 0.99, weights 0.15 to 0.55, biases 0.35 and 0.60, L = 1/2 sum (t - o)^2, learning rate 0.5.",
    "seed": 0,
    "network": {
        "inputs": 2,
        "layers": [
            {
                "units": 2,
                "activation": "sigmoid",
                "weights": [[0.15, 0.20], [0.25, 0.30]],
                "bias": [0.35, 0.35],
            },
            {
                "units": 2,
                "activation": "sigmoid",
                "weights": [[0.40, 0.45], [0.50, 0.55]],
                "bias": [0.60, 0.60],
            },
        ],
    },
    "loss": "half_sse",
    "optimizer": {"name": "sgd", "learning_rate": 0.5},
    "data": {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]},
    "iterations": 1,
}

TOURS: dict[str, tuple[str, str, dict[str, Any], list[Step]]] = {
    "tour-every-number": (
        "A single iteration, every number",
        "One forward pass, the loss, the backward pass and the update of a 2-2-2 sigmoid network, "
        "the numbers of the well-known step-by-step example.",
        MAZUR,
        [
            S(
                "note",
                "Two inputs, two hidden sigmoid units, two sigmoid outputs. We follow one "
                "iteration and watch every number appear. Press Right or Space to go on.",
            ),
            S(
                "step",
                "**Forward, layer 0.** Each hidden unit sums its weighted inputs plus its bias: "
                "z = 0.15 x 0.05 + 0.20 x 0.10 + 0.35 = 0.3775 for h1, then a = sigma(z) = 0.593269992.",
            ),
            S(
                "step",
                "**Forward, layer 1.** The outputs do the same with the hidden activations: "
                "o1 = sigma(1.105905967) = 0.75136507, o2 = 0.772928465.",
            ),
            S("step", "**Loss.** L = 1/2 (0.01 - 0.75136507)^2 + 1/2 (0.99 - 0.772928465)^2 = 0.298371109."),
            S(
                "select",
                "Select the weight from h1 to o1 (w5 in the classic example, W[1][0,0] here). "
                "Its chain rule is still pending: the backward pass has not run yet.",
                parameter=W("1:0:0"),
            ),
            S(
                "view",
                "Colour the edges by gradient: they are grey until the backward pass reaches them.",
                color_by="gradient",
            ),
            S(
                "step",
                "**Backward, layer 1.** ∂L/∂o1 = o1 - t1 = 0.74136507, ∂o1/∂z = o1(1 - o1) = 0.186815602, "
                "∂z/∂w5 = h1 = 0.593269992: the product is ∂L/∂w5 = 0.082167041.",
            ),
            S(
                "select",
                "Now a hidden weight, w1 (W[0][0,0]): its ∂L/∂a sums what both outputs send back, "
                "w5 delta1 + w7 delta2.",
                parameter=W("0:0:0"),
            ),
            S(
                "step",
                "**Backward, layer 0.** ∂L/∂h1 = 0.036350306, ∂h1/∂z = 0.241300709, ∂z/∂w1 = x1 = 0.05: "
                "∂L/∂w1 = 0.000438568.",
            ),
            S("view", "Colour by the update to see which weights move, and by how much.", color_by="update"),
            S(
                "step",
                "**Update.** w5 becomes 0.4 - 0.5 x 0.082167041 = 0.35891648 and w1 becomes 0.149780716, "
                "as in the published example (which leaves the biases alone; Gradstep updates them too).",
            ),
            S(
                "iterations",
                "Run 9,999 more iterations: the error falls to about 0.0000024. (The published example "
                "keeps the biases fixed and reaches 0.0000351; Gradstep updates them too.)",
                count=9999,
            ),
            S("note", "That is one iteration, every number. Step back (Left) to see any of it again."),
        ],
    ),
}


# ---- the tutorial tours ----------------------------------------------------------------------
# Each follows its seed tutorial (../shared/seeds/) line by line. Every number a caption quotes is
# read from a probe session of the same example at generation time, never typed in.

Tour = tuple[str, str, dict[str, Any], list[Step]]

# What the tutorials print, quoted from their published output.
PRINTED_001 = "[[0.06029012]\n [0.94447222]\n [0.944367  ]\n [0.05997169]]"
PRINTED_004 = {
    10: "0.024850926922809005",
    20: "0.019815846923920258",
    30: "0.015923917754564688",
    40: "0.012899201199448299",
    50: "0.010531406234111765",
    60: "0.008662813808854386",
    70: "0.007175820212663337",
    80: "0.00598270229969578",
    90: "0.005017757799181896",
    100: "0.0042314681042219015",
}


def n(x: float) -> str:
    """A number as the captions quote it: 10 significant digits."""
    return f"{x:.10g}"


def ns(values: Any, spec: str = ".10g") -> str:
    return ", ".join(format(float(v), spec) for v in values)


def first_differing_digit(a: float, b: float) -> str:
    """The significant digit a and b first differ in, as a word: "fifth"."""
    da, db = f"{a:.16e}".replace(".", ""), f"{b:.16e}".replace(".", "")
    index = next(i for i, (x, y) in enumerate(zip(da, db, strict=True)) if x != y)
    return ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"][index]


class Probe:
    """The example's session, run ahead to read the numbers a caption quotes."""

    def __init__(self, session: dict[str, Any]) -> None:
        self.session = Session(parse_session(session))

    def record(self, k: int) -> IterationRecord:
        return self.session.iteration_record(k)

    def loss(self, k: int) -> float:
        loss = self.record(k).loss
        if loss is None:
            raise RuntimeError(f"iteration {k} has no loss")
        return loss.loss

    def mse(self, k: int) -> float:
        """The mean squared error of iteration k's predictions (what tutorials 000 and 003 print)."""
        rec = self.record(k)
        return loss_value("mse", rec.forward[-1].z, rec.forward[-1].a, rec.targets)

    def outputs(self, k: int) -> Any:
        return self.record(k).forward[-1].a[:, 0]

    def chain(self, ref: ParameterRef, k: int = 0) -> ChainExplanation:
        return self.session.explain(ref, self.record(k))


def _update(chain: ChainExplanation) -> tuple[str, str]:
    if chain.update is None:
        raise RuntimeError(f"{chain.ref.label}: no update")
    return n(chain.update.old), n(chain.update.new)


def _tutorial_001() -> Tour:
    session = example("tutorial-001").session
    p = Probe(session)
    r0 = p.record(0)
    w_in, w_out = W("0:1:0"), W("1:0:1")
    c_in, c_out = p.chain(w_in), p.chain(w_out)
    hidden = r0.forward[0].a
    last = p.outputs(9999)
    printed = np.array2string(last[:, None])
    if printed != PRINTED_001:
        raise RuntimeError(f"tutorial 001: the engine now prints {printed!r}, not the tutorial's output")
    old, new = _update(c_in)
    return (
        "Tutorial 001: XOR with seed 42",
        "Follows seed tutorial 001 line by line: a 2-2-1 sigmoid network on XOR, weights from "
        "np.random.seed(42), L = 1/2 sum (y - a)^2, learning rate 0.1, 10,000 full-batch updates, "
        "and the final predictions it prints, reproduced exactly.",
        session,
        [
            S(
                "note",
                "Tutorial 001 trains a 2-2-1 sigmoid network on XOR: the four rows of `X`, targets "
                "`y` = 0, 1, 1, 0, learning rate 0.1, 10,000 full-batch epochs. Each step below runs "
                "the next lines of its loop.",
            ),
            S(
                "select",
                "`np.random.seed(42)` then `np.random.rand` draw `weights_input_hidden`, "
                "`weights_hidden_output`, `bias_hidden`, `bias_output`; Gradstep holds the same "
                f"numbers, stored (out, in): `weights_input_hidden[0, 1]` = {n(c_in.value)} is "
                "W[0][1,0] (layer 0, hidden unit 1, input 0), selected.",
                parameter=w_in,
            ),
            S(
                "step",
                "`hidden_layer_input = np.dot(X, weights_input_hidden) + bias_hidden` and "
                "`hidden_layer_output = sigmoid(hidden_layer_input)`: stage Forward 0, one row per "
                f"sample. For sample 0, (0, 0), z is the bias alone and a = ({ns(hidden[0])}).",
            ),
            S(
                "step",
                "`output_layer_input = np.dot(hidden_layer_output, weights_hidden_output) + "
                "bias_output` and `predicted_output = sigmoid(output_layer_input)`: Forward 1 predicts "
                f"{ns(p.outputs(0))}. Nearly equal: XOR is not learnt yet.",
            ),
            S(
                "step",
                "`error = y - predicted_output`. The tutorial prints no loss, but its update is "
                "gradient descent on L = ½ Σ (y − a)², Gradstep's `half_sse`: the Loss stage shows "
                f"L = {n(p.loss(0))}.",
            ),
            backward_starts("L"),
            S(
                "select",
                f"Select W[1][0,1] = `weights_hidden_output[1, 0]` = {n(c_out.value)}, from hidden "
                "unit 1 to the output.",
                parameter=w_out,
            ),
            S(
                "step",
                "`output_gradient = error * sigmoid_derivative(predicted_output)` is −δ, where "
                "δ = ∂ℓ/∂a · ∂a/∂z = (a − y) · a(1 − a), "
                f"{n(r0.backward_of(1).delta[0, 0])} for sample 0. Times ∂z/∂w = hidden unit 1's a, "
                f"summed over the 4 samples: ∂L/∂W[1][0,1] = {n(c_out.gradient)}.",
            ),
            S(
                "select",
                "Back to W[0][1,0]. Its ∂ℓ/∂a is W[1][0,1] · δ: the tutorial's "
                "`hidden_error = output_gradient.dot(weights_hidden_output.T)`, with the sign flipped.",
                parameter=w_in,
            ),
            S(
                "step",
                "`hidden_gradient = hidden_error * sigmoid_derivative(hidden_layer_output)` multiplies "
                "by ∂a/∂z = a(1 − a); then ∂z/∂w = x₀, which is 0 for samples 0 and 1. Summed: "
                f"∂L/∂W[0][1,0] = {n(c_in.gradient)} (`X.T.dot(hidden_gradient)[0, 1]` is its negative).",
            ),
            COLOUR_BY_UPDATE,
            S(
                "step",
                "`weights_input_hidden += X.T.dot(hidden_gradient) * 0.1` is w − 0.1 · ∂L/∂w: "
                f"W[0][1,0] goes from {old} to {new}. The tutorial updates `weights_hidden_output` "
                "first, but `hidden_gradient` already holds the old values: no harm (see tutorial 004).",
            ),
            S(
                "iterations",
                f"1,000 epochs: L has only fallen to {n(p.loss(999))}, and the predictions are "
                f"{ns(p.outputs(1000), '.4f')}: about 0.5 for every input, a long plateau.",
                count=999,
            ),
            S(
                "iterations",
                "On to the start of epoch 9,999 (0-based), the tutorial's last: the network has left "
                f"the plateau, and the previous epoch's L is {n(p.loss(9998))}.",
                count=8999,
            ),
            S(
                "step",
                "Forward 0 and Forward 1 of the last epoch: `print(predicted_output)` after the loop "
                f"shows this pass, {', '.join(re.findall(r'[0-9.]+', printed))}, exactly the tutorial's "
                "output (NumPy drops the trailing zeros of 0.94436700).",
                count=2,
            ),
        ],
    )


def _tutorial_004() -> Tour:
    session = example("tutorial-004").session
    p = Probe(session)
    r0 = p.record(0)
    w1, w5 = W("0:0:0"), W("1:0:0")
    c1, c5 = p.chain(w1), p.chain(w5)
    f0, f1 = r0.forward
    out5 = c5.samples[0].factors
    h1 = c1.samples[0].factors
    up = c1.samples[0].upstream
    if up is None or r0.update is None:
        raise RuntimeError("tutorial 004: the hidden weight has no upstream terms or no update")
    w5_new = float(r0.update.params_after[1].weights[0, 0])
    old, new = _update(c1)
    l10, l100 = p.loss(9), p.loss(99)
    if any(abs(p.loss(epoch - 1) - float(text)) <= 1e-9 for epoch, text in PRINTED_004.items()):
        raise RuntimeError("tutorial 004: a correct loss now equals a printed (wrong) one")
    digit = first_differing_digit(l10, float(PRINTED_004[10]))
    return (
        "Tutorial 004: the stale weight",
        "Follows seed tutorial 004 (one sample, seed 42) line by line and shows where and why its "
        "printed losses differ from the correct ones.",
        session,
        [
            S(
                "note",
                "Tutorial 004 trains a 2-2-1 sigmoid network on one sample, `X` = (0.5, 0.6) → `y` = 0.8: "
                "`np.random.seed(42)` and `np.random.rand` weights, zero biases, learning rate 0.1, "
                "100 epochs. Its printed losses hide a bug; this tour finds it.",
            ),
            S(
                "select",
                "Its docstring's x1, x2, h1, h2 are x₀, x₁, h₀, h₁ in the window, and w1 … w6 are "
                "W[0][0,0], W[0][0,1], W[0][1,0], W[0][1,1], W[1][0,0], W[1][0,1]: 0-based, (out, in), "
                f"so `weights_input_hidden[1, 0]`, w2, is W[0][0,1]. Selected: w1 = {n(c1.value)}.",
                parameter=w1,
            ),
            S(
                "step",
                "`hidden_input = np.dot(X, weights_input_hidden) + bias_hidden` and "
                "`hidden_output = sigmoid(hidden_input)`: Forward 0 gives "
                f"h1 = σ({n(f0.z[0, 0])}) = {n(f0.a[0, 0])} and h2 = σ({n(f0.z[0, 1])}) = {n(f0.a[0, 1])}.",
            ),
            S(
                "step",
                "`output_input = np.dot(hidden_output, weights_hidden_output) + bias_output` and "
                "`predicted_output = sigmoid(output_input)`: Forward 1 gives "
                f"output = σ({n(f1.z[0, 0])}) = {n(f1.a[0, 0])}, against the target 0.8.",
            ),
            S(
                "step",
                f"`loss = 0.5 * np.sum((predicted_output - y) ** 2)` = {n(p.loss(0))}, Gradstep's "
                "`half_sse`. The tutorial computes it every epoch but prints only every tenth, from "
                "epoch 10.",
            ),
            backward_starts("L"),
            S("select", f"Select w5 = W[1][0,0] = {n(c5.value)}, from h1 to the output.", parameter=w5),
            S(
                "step",
                f"`d_loss_d_output = predicted_output - y` = {n(out5[0].value)} and "
                f"`d_output_d_hidden = sigmoid_derivative(predicted_output)` = {n(out5[1].value)} "
                "(despite its name, ∂output/∂`output_input`). Times ∂z/∂w5 = h1: "
                f"∂L/∂w5 = {n(c5.gradient)}.",
            ),
            S(
                "select",
                "Back to w1. Its chain passes through w5: ∂L/∂h1 = w5 · δ, with "
                f"δ = ∂L/∂`output_input` = {n(up[0].delta)}.",
                parameter=w1,
            ),
            S(
                "step",
                f"`d_hidden_d_input = sigmoid_derivative(hidden_output)` = {n(h1[1].value)} for h1. "
                f"With the w5 = {n(up[0].weight)} the forward pass used, ∂L/∂h1 = {n(h1[0].value)}; "
                f"times x1 = 0.5: ∂L/∂w1 = {n(c1.gradient)}.",
            ),
            COLOUR_BY_UPDATE,
            S(
                "step",
                "Here is the bug: `weights_hidden_output -= ...` runs first, so the next line's "
                f"`weights_hidden_output.T` is the updated w5 = {n(w5_new)}, not {n(up[0].weight)}. "
                f"Gradstep moves w1 from {old} to {new} with the gradient above; the tutorial's w1 "
                "comes out slightly different.",
            ),
            S(
                "iterations",
                "Eight more epochs: the cursor is at the start of epoch 10 (iteration 9, 0-based), the "
                "first one the tutorial prints.",
                count=8,
            ),
            S(
                "step",
                f"Epoch 10's forward pass and loss: Gradstep's correct loss is {l10!r}; the tutorial "
                f"prints `{PRINTED_004[10]}`. They differ from the {digit} significant digit: the "
                "tutorial's hidden weights have taken nine steps with the wrong w5.",
                count=3,
            ),
            S("iterations", "Run on to the start of epoch 100, the tutorial's last.", count=90),
            S(
                "step",
                f"Epoch 100: Gradstep's loss is {l100!r}, the tutorial prints `{PRINTED_004[100]}`. "
                "All ten printed losses differ this way; the Loss tab plots Gradstep's curve.",
                count=3,
            ),
            S(
                "note",
                "The fix: compute `np.dot(d_loss_d_output * d_output_d_hidden, "
                "weights_hidden_output.T) * d_hidden_d_input` once, before updating "
                "`weights_hidden_output` (tutorial 001's order). The tutorial then prints Gradstep's "
                "losses, to rounding.",
            ),
        ],
    )


def _tutorial_000() -> Tour:
    session = example("tutorial-000").session
    p = Probe(session)
    r0 = p.record(0)
    w_in, w_out = W("0:1:0"), W("1:0:1")
    c_in, c_out = p.chain(w_in), p.chain(w_out)
    old, new = _update(c_in)
    return (
        "Tutorial 000: the loss it prints and the loss it trains",
        "Follows seed tutorial 000 line by line: it prints the mean squared error, but its gradient "
        "is binary cross-entropy's, so that is the loss Gradstep trains and shows.",
        session,
        [
            S(
                "note",
                "Tutorial 000's `NeuralNetwork(2, 4, 1)` learns XOR at learning rate 0.5 for 10,000 "
                "epochs. Its `np.random.randn` weights are unseeded, so Gradstep draws its own "
                "standard-normal ones (seed 42): your run prints other numbers from the same formulas.",
            ),
            S(
                "select",
                f"`self.W1` is (out, in) like Gradstep's W, so `self.W1[1, 0]` = W[0][1,0] = "
                f"{n(c_in.value)}, input 0 to hidden unit 1, selected. Its samples are the columns of "
                "`X`; Gradstep's are rows, so its z and a are the tutorial's transposed.",
                parameter=w_in,
            ),
            S(
                "step",
                "`self.z1 = np.dot(self.W1, X) + self.b1` and `self.a1 = self.sigmoid(self.z1)`: "
                "Forward 0. For sample 0, (0, 0), z1 is `b1` = 0, so all four hidden units output "
                f"{n(r0.forward[0].a[0, 0])}; the Matrices tab lists the other samples.",
            ),
            S(
                "step",
                "`self.z2 = np.dot(self.W2, self.a1) + self.b2` and `self.a2 = self.sigmoid(self.z2)`: "
                f"Forward 1 predicts {ns(p.outputs(0))} for the targets 0, 1, 1, 0.",
            ),
            S(
                "step",
                f"`train` computes `loss = np.mean((predictions - y) ** 2)` = {n(p.mse(0))}, to print as "
                f"`Epoch 0, Loss: {p.mse(0):.4f}`. But its gradient is binary cross-entropy's, so "
                f"Gradstep trains and shows the mean BCE: L = {n(p.loss(0))}.",
            ),
            backward_starts("L"),
            S(
                "select",
                f"Select W[1][0,1] = `self.W2[0, 1]` = {n(c_out.value)}, from hidden unit 1 to the output.",
                parameter=w_out,
            ),
            S(
                "step",
                "`dZ2 = self.a2 - y` is δ: for BCE, ∂ℓ/∂a = (a − y)/(a(1 − a)) times ∂a/∂z = a(1 − a) is "
                "exactly a − y (the MSE would give 2(a − y)·a(1 − a)). `dW2 = (1 / m) * np.dot(dZ2, "
                f"self.a1.T)`, a mean over 4: ∂L/∂W[1][0,1] = {n(c_out.gradient)}.",
            ),
            S(
                "select",
                "Back to W[0][1,0]: its ∂ℓ/∂a is W[1][0,1] · δ, the row of `np.dot(self.W2.T, dZ2)` "
                "for hidden unit 1.",
                parameter=w_in,
            ),
            S(
                "step",
                "`dZ1 = np.dot(self.W2.T, dZ2) * self.sigmoid_derivative(self.a1)` multiplies by "
                "a(1 − a) (`sigmoid_derivative` takes the activation, correctly); "
                "`dW1 = (1 / m) * np.dot(dZ1, X.T)` by x₀ and 1/m: "
                f"∂L/∂W[0][1,0] = {n(c_in.gradient)}.",
            ),
            COLOUR_BY_UPDATE,
            S(
                "step",
                f"`self.W1 -= learning_rate * dW1`: W[0][1,0] goes from {old} to {new}. As published, "
                "`self.b2 -= learning rate * db2` is a syntax error (a space for the underscore); "
                "Gradstep updates `b2` with `learning_rate` = 0.5 like the rest.",
            ),
            S(
                "iterations",
                f"1,000 epochs: the BCE has fallen from {n(p.loss(0))} to {n(p.loss(999))}. The MSE "
                f"falls too (its `Epoch 900` line would read `Loss: {p.mse(900):.4f}`): both losses "
                "are smallest at the targets.",
                count=999,
            ),
            S(
                "iterations",
                f"All 10,000 epochs of `nn.train`: the last BCE is {n(p.loss(9999))}, and the "
                f"tutorial's last line would be `Epoch 9900, Loss: {p.mse(9900):.4f}` "
                f"(MSE {n(p.mse(9900))}).",
                count=9000,
            ),
            S(
                "step",
                "`predictions = nn.predict(X)` is one more forward pass with the trained weights, "
                f"Forward 0 and 1 here: {ns(p.outputs(10000))}. XOR is learnt.",
                count=2,
            ),
            S(
                "note",
                "To make the tutorial consistent, print the BCE, "
                "`-np.mean(y * np.log(predictions) + (1 - y) * np.log(1 - predictions))`, or keep the "
                "MSE and use `dZ2 = 2 * (self.a2 - y) * self.a2 * (1 - self.a2)`.",
            ),
        ],
    )


def _tutorial_002() -> Tour:
    session = example("tutorial-002").session
    p = Probe(session)
    r0 = p.record(0)
    w_in, w_out, w_off = W("0:1:0"), W("1:0:1"), W("0:2:0")
    c_in, c_out, c_off = p.chain(w_in), p.chain(w_out), p.chain(w_off)
    f0, f1 = r0.forward
    if not (f0.z[0, 2] < 0 < f0.z[0, 1]) or c_off.gradient != 0.0:
        raise RuntimeError("tutorial 002: hidden unit 2 is expected off and unit 1 on")
    delta = r0.backward_of(1).delta[0, 0]
    old, new = _update(c_in)
    return (
        "Tutorial 002: one update with a ReLU layer",
        "Follows seed tutorial 002 line by line: one sample through a ReLU hidden layer and a "
        "sigmoid output, one update; its dZ2 = A2 - Y is binary cross-entropy's gradient.",
        session,
        [
            S(
                "note",
                "Tutorial 002 sends one sample, `X` = (0.5, 0.1) with target `Y` = 0.7, through 3 ReLU "
                "units and a sigmoid output, then makes one update at learning rate 0.1. Its "
                "`np.random.randn` weights are unseeded; Gradstep draws standard-normal ones (seed 42).",
            ),
            S(
                "select",
                f"`W1` and `W2` are (out, in) as in Gradstep: `W1[1, 0]` is W[0][1,0] = {n(c_in.value)}, "
                "from input 0 to hidden unit 1, selected. `X` is a column there, a row here.",
                parameter=w_in,
            ),
            S(
                "step",
                f"`Z1 = np.dot(W1, X) + b1` = ({ns(f0.z[0])}) and `A1 = relu(Z1)` = ({ns(f0.a[0])}): "
                "hidden unit 2's z is negative, so ReLU outputs 0.",
            ),
            S(
                "step",
                f"`Z2 = np.dot(W2, A1) + b2` = {n(f1.z[0, 0])} and `A2 = sigmoid(Z2)` = "
                f"{n(f1.a[0, 0])}, against the target 0.7.",
            ),
            S(
                "step",
                "The tutorial computes no loss, but its `dZ2 = A2 - Y` is the gradient of binary "
                f"cross-entropy through a sigmoid, so Gradstep shows BCE: L = {n(p.loss(0))}. For the "
                "MSE, `dZ2` would be 2(A2 − Y)·A2(1 − A2).",
            ),
            backward_starts("L"),
            S(
                "select",
                f"Select W[1][0,1] = `W2[0, 1]` = {n(c_out.value)}, from hidden unit 1 to the output.",
                parameter=w_out,
            ),
            S(
                "step",
                f"`dZ2 = A2 - Y` = {n(delta)}: the chain panel's ∂ℓ/∂a = (a − y)/(a(1 − a)) times "
                "∂a/∂z = a(1 − a). `dW2 = np.dot(dZ2, A1.T)`: ∂L/∂W[1][0,1] = `dZ2` · `A1[1]` = "
                f"{n(c_out.gradient)}; W[1][0,2] gets 0, as A1[2] = 0.",
            ),
            S(
                "select",
                "Back to W[0][1,0]: ∂ℓ/∂a of hidden unit 1 is W[1][0,1] · δ, its row of `np.dot(W2.T, dZ2)`.",
                parameter=w_in,
            ),
            S(
                "step",
                f"`dZ1 = np.dot(W2.T, dZ2) * relu_derivative(Z1)`: {n(c_in.samples[0].factors[0].value)} "
                f"· 1 (Z1 > 0) = {n(r0.backward_of(0).delta[0, 1])}; `dW1 = np.dot(dZ1, X.T)` "
                f"multiplies by x₀ = 0.5: ∂L/∂W[0][1,0] = {n(c_in.gradient)}.",
            ),
            S(
                "select",
                f"Select W[0][2,0], into hidden unit 2: `relu_derivative(Z1)` is 0 there "
                f"(Z1 = {n(f0.z[0, 2])}), so its gradient is exactly {n(c_off.gradient)}: a ReLU unit "
                "that is off learns nothing from this sample.",
                parameter=w_off,
            ),
            COLOUR_BY_UPDATE,
            S(
                "step",
                "`W1 -= learning_rate * dW1`, and the same for `b1`, `W2`, `b2`: the selected "
                f"W[0][2,0] keeps {n(c_off.value)}, while W[0][1,0] moves from {old} to {new}.",
            ),
            S(
                "step",
                "The tutorial stops here. One more forward pass and loss show what the update did: "
                f"`A2` = {n(p.outputs(1)[0])} (was {n(f1.a[0, 0])}), and the BCE fell from "
                f"{n(p.loss(0))} to {n(p.loss(1))}.",
                count=3,
            ),
        ],
    )


def _tutorial_003() -> Tour:
    session = example("tutorial-003").session
    p = Probe(session)
    r0 = p.record(0)
    w_in, w_out = W("0:1:0"), W("1:0:1")
    c_in, c_out = p.chain(w_in), p.chain(w_out)
    hidden, out = r0.forward[0].a, p.outputs(0)
    old, new = _update(c_in)
    printed = {f"{p.mse(epoch):.4f}" for epoch in range(0, 1000, 100)}
    if len(printed) != 1:
        raise RuntimeError(f"tutorial 003: the printed losses now vary: {sorted(printed)}")
    (flat,) = printed
    return (
        "Tutorial 003: the plateau of tiny weights",
        "Follows seed tutorial 003 line by line: randn * 0.01 weights put XOR on a plateau that "
        "these weights do not leave in 1,000 epochs; it prints MSE but trains binary cross-entropy.",
        session,
        [
            S(
                "note",
                "Tutorial 003 trains a 2-4-1 sigmoid network on XOR, learning rate 0.1, 1,000 epochs, "
                "from `np.random.randn(...) * 0.01` weights with no seed. Gradstep stores one such "
                "draw (seeded), so your run prints other numbers from the same formulas.",
            ),
            S(
                "select",
                f"`self.W1` is (in, out), so `self.W1[0, 1]` = {n(c_in.value)} is W[0][1,0] here "
                "(0-based, stored (out, in)): input 0 to hidden unit 1, selected.",
                parameter=w_in,
            ),
            S(
                "step",
                "`self.z1 = np.dot(X, self.W1) + self.b1` and `self.a1 = self.sigmoid(self.z1)`: with "
                "weights of order 0.01 every z is near 0, so every hidden activation lies between "
                f"{n(hidden.min())} and {n(hidden.max())}.",
            ),
            S(
                "step",
                "`self.z2 = np.dot(self.a1, self.W2) + self.b2` and `self.a2 = self.sigmoid(self.z2)`: "
                f"all four predictions lie between {n(out.min())} and {n(out.max())}, about 0.5 "
                "whatever the input.",
            ),
            S(
                "step",
                f"`train` prints `np.mean(np.square(output - y))`, here `Epoch 0, Loss: {p.mse(0):.4f}` "
                "(the published run: 0.2508). Its gradient `output - y` with 1/m is mean binary "
                f"cross-entropy's, so Gradstep trains BCE: L = {n(p.loss(0))}, about ln 2.",
            ),
            backward_starts("L"),
            S(
                "select",
                f"Select W[1][0,1] = `self.W2[1, 0]` = {n(c_out.value)}, from hidden unit 1 to the output.",
                parameter=w_out,
            ),
            S(
                "step",
                "`dz2 = output - y` is δ: about +0.5 for the targets 0 and −0.5 for the 1s. "
                "`dW2 = (1/m) * np.dot(self.a1.T, dz2)`: the activations are all about 0.5, so the "
                f"four terms nearly cancel: ∂L/∂W[1][0,1] = {n(c_out.gradient)}.",
            ),
            S(
                "select",
                f"Back to W[0][1,0]: its ∂ℓ/∂a is W[1][0,1] · δ, and W[1][0,1] is only {n(c_out.value)}.",
                parameter=w_in,
            ),
            S(
                "step",
                "`dz1 = np.dot(dz2, self.W2.T) * self.sigmoid_derivative(self.a1)` and "
                f"`dW1 = (1/m) * np.dot(X.T, dz1)`: ∂L/∂W[0][1,0] = {n(c_in.gradient)}, against "
                f"{n(c_out.gradient)} for W[1][0,1]. The tiny output weights shrink every hidden "
                "gradient: this is the plateau.",
            ),
            COLOUR_BY_UPDATE,
            S(
                "step",
                f"`self.W1 -= learning_rate * dW1`: W[0][1,0] goes from {old} to {new}. The hidden "
                "weights barely move.",
            ),
            S(
                "iterations",
                f"`nn.train(X, y, epochs=1000)`: after 1,000 epochs the BCE is {n(p.loss(999))} (it "
                f"started at {n(p.loss(0))}), and every line the tutorial prints, `Epoch 0` to "
                f"`Epoch 900`, would read `Loss: {flat}`.",
                count=999,
            ),
            S(
                "step",
                "The test, `predictions = nn.forward(X)`: Forward 0 and 1 predict "
                f"{ns(p.outputs(1000))}. XOR is not learnt: these weights never leave the "
                "plateau in 1,000 epochs, and the tutorial's own loop would not either from them.",
                count=2,
            ),
            S(
                "note",
                "The published output (loss 0.2508 down to 0.0061 by epoch 900, predictions 0.0324, "
                "0.9629, 0.9631, 0.0391) cannot be reproduced: its weights were never seeded, and "
                "from these weights its code stays at `Loss: 0.2500`.",
            ),
        ],
    )


TOURS.update(
    {
        "tour-tutorial-001": _tutorial_001(),
        "tour-tutorial-004": _tutorial_004(),
        "tour-tutorial-000": _tutorial_000(),
        "tour-tutorial-002": _tutorial_002(),
        "tour-tutorial-003": _tutorial_003(),
    }
)


def build(name: str) -> Walkthrough:
    title, description, session_dict, steps = TOURS[name]
    config = parse_session(session_dict)
    session = Session(config)
    view = ViewState()
    recorded = []
    for step in steps:
        view = apply_step(session, view, step)
        recorded.append(record_step(session, view, step))
    return Walkthrough(title, config, tuple(recorded), description)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in TOURS:
        build(name).save(OUT / f"{name}.json")
        print(f"wrote {OUT / name}.json")


if __name__ == "__main__":
    main()
