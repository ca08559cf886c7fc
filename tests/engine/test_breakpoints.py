"""Run-until breakpoints stop exactly where the condition first holds."""

from __future__ import annotations

import numpy as np

from engine import Breakpoints, Session, parse_session
from tests.helpers import tiny_session_dict


def diverging() -> Session:
    """Linear layers with a far too large learning rate."""
    return Session(
        parse_session(
            tiny_session_dict(
                network={
                    "inputs": 2,
                    "layers": [{"units": 3, "activation": "linear"}, {"units": 1, "activation": "linear"}],
                },
                loss="mse",
                optimizer={"name": "sgd", "learning_rate": 50.0},
            )
        )
    )


def first_non_finite(session: Session) -> tuple[int, int]:
    """Step a fresh session stage by stage until some value recorded by the last stage is not finite."""
    while True:
        session.step()
        snap = session.snapshot()
        rec = snap.record if snap.stage > 0 else snap.previous
        stage = snap.stage - 1 if snap.stage > 0 else len(snap.stages) - 1
        kind = snap.stages[stage].kind
        if kind == "forward":
            arrays = [rec.forward[-1].z, rec.forward[-1].a]
        elif kind == "loss":
            arrays = [np.array(rec.loss.loss)]
        elif kind == "backward":
            b = rec.backward[-1]
            arrays = [b.delta, b.dW, b.db]
        else:
            arrays = [a for p in rec.update.params_after for a in (p.weights, p.bias)]
        if not all(np.isfinite(a).all() for a in arrays):
            return rec.iteration, stage


def test_non_finite_stops_at_the_first_stage_that_produced_one() -> None:
    """The run reports the iteration, stage and layer a stage-by-stage search finds first."""
    result = diverging().run_iterations(5000)
    assert result.reason == "non_finite"
    k, s = first_non_finite(diverging())
    assert result.iteration == k
    stage = diverging().stages[s]
    assert result.stage == stage
    assert result.layer == stage.layer
    assert f"iteration {k}" in result.message


def test_loss_below_stops_at_the_loss_stage_of_the_first_iteration_under_it() -> None:
    """Loss threshold: cursor on the Loss stage of the first iteration whose loss is below it."""
    reference = Session(parse_session(tiny_session_dict()))
    reference.run_iterations(400)
    _, losses = reference.losses()
    threshold = float(np.median(losses))
    first = int(np.argmax(losses < threshold))
    session = Session(parse_session(tiny_session_dict()))
    result = session.run_iterations(400, Breakpoints(loss_below=threshold))
    assert result.reason == "loss_below"
    assert result.iteration == first
    assert result.stage.kind == "loss"
    snap = session.snapshot()
    assert snap.iteration == first
    assert snap.stages[snap.stage - 1].kind == "loss"
    assert snap.record.loss.loss == losses[first]


def test_grad_norm_above_stops_at_the_backward_stage() -> None:
    """Gradient-norm threshold: the first (iteration, backward layer) whose ||dW|| exceeds it."""
    reference = Session(parse_session(tiny_session_dict()))
    norms = []
    for k in range(50):
        rec = reference.iteration_record(k)
        norms.extend((k, b.layer, float(np.linalg.norm(b.dW))) for b in rec.backward)
    threshold = float(np.percentile([n for *_, n in norms], 80))
    k, layer, _ = next(item for item in norms if item[2] > threshold)
    session = Session(parse_session(tiny_session_dict()))
    result = session.run_iterations(50, Breakpoints(grad_norm_above=threshold))
    assert result.reason == "grad_norm_above"
    assert (result.iteration, result.layer) == (k, layer)
    assert result.stage.kind == "backward"


def test_dead_relu_layer_stops_at_its_forward_stage() -> None:
    """A ReLU layer whose every unit outputs 0 on the whole batch stops the run at Forward of that layer."""
    session = Session(
        parse_session(
            tiny_session_dict(
                network={
                    "inputs": 2,
                    "layers": [
                        {"units": 2, "activation": "tanh"},
                        {"units": 3, "activation": "relu", "bias": [-10.0, -10.0, -10.0]},
                        {"units": 1, "activation": "sigmoid"},
                    ],
                }
            )
        )
    )
    result = session.run_iterations(10, Breakpoints(dead_relu=True))
    assert result.reason == "dead_relu"
    assert (result.iteration, result.layer) == (0, 1)
    assert result.stage.label == "Forward 1"
    # Without the breakpoint the same run goes on.
    assert Session(session.config).run_iterations(10).reason is None
