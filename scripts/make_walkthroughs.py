"""Write the built-in walkthroughs to resources/walkthroughs/, with their expect values.

    python scripts/make_walkthroughs.py

Each step's ``expect`` is recorded by replaying it with this version of the engine, the way
the window records a walkthrough; replaying the files later (tests/engine/test_walkthrough.py)
then tells when a change computes something different. The published numbers quoted in the
captions are checked independently by the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.chain import ParameterRef  # noqa: E402
from engine.config import parse_session  # noqa: E402
from engine.examples import example  # noqa: E402
from engine.session import Session  # noqa: E402
from engine.walkthrough import Step, ViewState, Walkthrough, apply_step, record_step  # noqa: E402

OUT = ROOT / "resources" / "walkthroughs"


def S(action: str, caption: str = "", **fields: Any) -> Step:
    return Step(action=action, caption=caption, **fields)


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
    "0.01 and 0.99, weights 0.15 to 0.55, biases 0.35 and 0.60, E = 1/2 sum (t - o)^2, learning rate 0.5.",
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
            S("step", "**Loss.** E = 1/2 (0.01 - 0.75136507)^2 + 1/2 (0.99 - 0.772928465)^2 = 0.298371109."),
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
                "**Backward, layer 1.** dE/do1 = o1 - t1 = 0.74136507, do1/dz = o1(1 - o1) = 0.186815602, "
                "dz/dw5 = h1 = 0.593269992: the product is dE/dw5 = 0.082167041.",
            ),
            S(
                "select",
                "Now a hidden weight, w1 (W[0][0,0]): its dE/da sums what both outputs send back, "
                "w5 delta1 + w7 delta2.",
                parameter=W("0:0:0"),
            ),
            S(
                "step",
                "**Backward, layer 0.** dE/dh1 = 0.036350306, dh1/dz = 0.241300709, dz/dw1 = x1 = 0.05: "
                "dE/dw1 = 0.000438568.",
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
    "tour-tutorial-001": (
        "Tutorial 001: XOR with seed 42",
        "Follows seed tutorial 001: a 2-2-1 sigmoid network on XOR, weights from np.random.seed(42), "
        "E = 1/2 sum (y - a)^2, learning rate 0.1, 10,000 full-batch updates.",
        example("tutorial-001").session,
        [
            S(
                "note",
                "The tutorial draws its weights with np.random.seed(42) then np.random.rand, in the "
                "order W_ih, W_ho, b_h, b_o. Gradstep stores the same numbers, transposed to "
                "(units, inputs).",
            ),
            S("step", "Forward through the hidden layer: hidden_layer_output in the tutorial.", count=1),
            S(
                "step",
                "Forward through the output layer: predicted_output. XOR is not learnt yet: all four "
                "predictions are close to each other.",
                count=1,
            ),
            S(
                "step",
                "The loss. The tutorial never prints it, but its update is the gradient of "
                "E = 1/2 sum (y - a)^2: error * sigmoid_derivative(predicted_output).",
                count=1,
            ),
            S("select", "Select the weight from input 0 to hidden unit 1.", parameter=W("0:1:0")),
            S(
                "step",
                "Backward through the output layer: output_gradient in the tutorial (with the opposite "
                "sign, since it adds the update).",
                count=2,
            ),
            S("step", "The update: weights += X.T . gradient * 0.1 is gradient descent on E.", count=1),
            S("iterations", "Run to iteration 9,999, the tutorial's last.", count=9998),
            S(
                "step",
                "Forward through both layers of the last iteration: the predictions are 0.06029012, "
                "0.94447222, 0.944367 and 0.05997169, exactly as the tutorial prints.",
                count=2,
            ),
        ],
    ),
    "tour-tutorial-004": (
        "Tutorial 004: the stale weight",
        "Follows seed tutorial 004 (one sample, seed 42) and shows where its printed losses go wrong.",
        example("tutorial-004").session,
        [
            S(
                "note",
                "The tutorial trains a 2-2-1 sigmoid network on one sample, (0.5, 0.6) -> 0.8, with "
                "E = 1/2 sum (a - y)^2 and learning rate 0.1.",
            ),
            S(
                "step",
                "The forward pass and the loss, 0.030647948, the same as the tutorial's first loss.",
                count=3,
            ),
            S(
                "select",
                "Select a hidden weight: its gradient flows back through weights_hidden_output.",
                parameter=W("0:0:0"),
            ),
            S(
                "step",
                "Backward through both layers. dL/da of the hidden unit is w_KJ * delta_K with the "
                "output weight the forward pass used.",
                count=2,
            ),
            S(
                "step",
                "The update. The tutorial's code updates weights_hidden_output first, then computes the "
                "hidden layer's gradient through the updated weight: a different (wrong) number. "
                "Gradstep uses "
                "the weight the forward pass used.",
                count=1,
            ),
            S(
                "iterations",
                "Nine more iterations: the correct loss of the tenth forward pass is "
                "0.0248512666, while the tutorial prints 0.024850926922809005.",
                count=9,
            ),
            S("step", "Forward and loss of iteration 10.", count=3),
        ],
    ),
    "tour-tutorial-000": (
        "Tutorial 000: the loss it prints and the loss it trains",
        "Seed tutorial 000 prints the mean squared error, but its gradient is binary cross-entropy's.",
        example("tutorial-000").session,
        [
            S(
                "note",
                "A 2-4-1 sigmoid network on XOR, learning rate 0.5. The tutorial's backward pass starts "
                "from dZ2 = a2 - y with a 1/m factor. That is the gradient of mean binary cross-entropy "
                "with a "
                "sigmoid output, not of the MSE it prints: this example trains on bce.",
            ),
            S("step", "Forward through both layers, then the loss (binary cross-entropy).", count=3),
            S("select", "Select the output bias.", parameter=B("1:0")),
            S(
                "step",
                "Backward through the output layer: with a sigmoid output and bce, dL/dz = a - y, "
                "the tutorial's dZ2.",
                count=1,
            ),
            S("iterations", "Train for 2,000 iterations.", count=2000),
        ],
    ),
    "tour-tutorial-002": (
        "Tutorial 002: one update with a ReLU layer",
        "Seed tutorial 002: one sample through a ReLU hidden layer and a sigmoid output, one update.",
        example("tutorial-002").session,
        [
            S(
                "note",
                "Input (0.5, 0.1), target 0.7. The tutorial's dZ2 = A2 - Y is binary cross-entropy's "
                "gradient with a sigmoid output; its weights are unseeded, so Gradstep draws its own.",
            ),
            S("step", "Forward through the ReLU layer: units with z <= 0 output 0.", count=1),
            S("step", "Forward through the output, then the loss.", count=2),
            S(
                "select",
                "Select a weight into the hidden layer: the ReLU derivative is 1 or 0.",
                parameter=W("0:0:0"),
            ),
            S("step", "Backward through both layers, then the update.", count=3),
        ],
    ),
    "tour-tutorial-003": (
        "Tutorial 003: the plateau of tiny weights",
        "Seed tutorial 003 starts from randn * 0.01 weights: the first hundreds of iterations barely move.",
        example("tutorial-003").session,
        [
            S(
                "note",
                "A 2-4-1 sigmoid network on XOR with weights of about 0.01. It prints MSE but, like "
                "tutorial 000, trains binary cross-entropy.",
            ),
            S("step", "One whole iteration: with tiny weights every hidden unit outputs about 0.5.", count=6),
            S(
                "view",
                "Colour by gradient: the hidden weights' gradients are tiny, since they are multiplied "
                "by output weights of 0.01.",
                color_by="gradient",
            ),
            S("iterations", "Run 1,000 iterations with learning rate 0.1.", count=999),
        ],
    ),
}


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
