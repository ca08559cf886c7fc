"""A saturated sigmoid output under binary cross-entropy: the chain rule shows one fused factor
∂ℓ/∂z whose value is exact, so the factors shown multiply to each contribution, and those
match finite differences of a loss computed stably from z (independent of the engine)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from engine import ParameterRef, Session, parse_session


def softplus(z: float) -> float:
    return float(np.logaddexp(0.0, z))


def sample_loss(z: float, y: float) -> float:
    """-[y log σ(z) + (1 − y) log(1 − σ(z))] = y·softplus(−z) + (1 − y)·softplus(z), stable."""
    return y * softplus(-z) + (1 - y) * softplus(z)


def hidden_net(w_out: float) -> dict[str, Any]:
    """1 → 1 tanh → 1 sigmoid; x = ±1; the output z is about ±w_out·tanh(1)... saturated."""
    return {
        "format": "gradstep-session",
        "version": 1,
        "network": {
            "inputs": 1,
            "layers": [
                {"units": 1, "activation": "tanh", "weights": [[0.5]], "bias": [0.0]},
                {"units": 1, "activation": "sigmoid", "weights": [[w_out]], "bias": [0.0]},
            ],
        },
        "loss": "bce",
        "optimizer": {"name": "sgd", "learning_rate": 0.1},
        "data": {"inputs": [[1.0], [-1.0]], "targets": [[0.0], [0.0]]},
    }


def one_layer(w: float, targets: list[list[float]]) -> dict[str, Any]:
    return {
        "format": "gradstep-session",
        "version": 1,
        "network": {
            "inputs": 1,
            "layers": [{"units": 1, "activation": "sigmoid", "weights": [[w]], "bias": [0.0]}],
        },
        "loss": "bce",
        "optimizer": {"name": "sgd", "learning_rate": 0.1},
        "data": {"inputs": [[1.0], [-1.0]], "targets": targets},
    }


@pytest.mark.parametrize("z", [40.0, -40.0])
@pytest.mark.parametrize("targets", [[[0.0], [1.0]], [[1.0], [0.0]], [[0.3], [0.7]]])
def test_saturated_output_factors_multiply_to_the_contribution(z: float, targets: list[list[float]]) -> None:
    """z = ±40 on both samples (x = ±1): a rounds to 0 or 1, dℓ/da would be inf, da/dz 0."""
    session = Session(parse_session(one_layer(z, targets)))
    session.finish_iteration()
    rec = session.iteration_record(0)
    zs = [z * 1.0, z * -1.0]
    for ref, dz_dw in ((ParameterRef(0, 0, 0), [1.0, -1.0]), (ParameterRef(0, 0, None), [1.0, 1.0])):
        ex = session.explain(ref, rec)
        total = 0.0
        for row, sample in enumerate(ex.samples):
            assert [f.kind for f in sample.factors] == ["dl_dz", "dz_dw"]
            values = [f.value for f in sample.factors]
            assert all(v is not None and math.isfinite(v) for v in values)
            assert sample.contribution == values[0] * values[1]
            # dℓ_s/dw by a central difference of the stable per-sample loss, h on w
            y = targets[row][0]
            h = 1e-6
            fd = (sample_loss(zs[row] + h * dz_dw[row], y) - sample_loss(zs[row] - h * dz_dw[row], y)) / (
                2 * h
            )
            assert sample.contribution == pytest.approx(fd, rel=1e-6, abs=1e-9)
            total += sample.contribution
        assert ex.gradient == pytest.approx(total / 2, rel=1e-12, abs=1e-300)
        assert ex.passed
        # the three renderings show the fused factor and no inf
        text = ex.to_text()
        assert "∂ℓ/∂z[0]_0" in text
        assert "∂ℓ/∂a" not in text
        assert "inf" not in text
        latex = ex.to_latex()
        assert r"\frac{\partial \ell}{\partial z^{(0)}_{0}}" in latex
        assert r"\partial a" not in latex
        doc = json.loads(json.dumps(ex.to_json()))
        assert [f["kind"] for f in doc["samples"][0]["factors"]] == ["dl_dz", "dz_dw"]
        assert doc["samples"][0]["factors"][0]["value"] == ex.samples[0].factors[0].value


def test_hidden_unit_under_a_saturated_output_multiplies_and_matches_finite_differences() -> None:
    session = Session(parse_session(hidden_net(80.0)))  # output z = ±80·tanh(0.5) ≈ ±37
    session.finish_iteration()
    rec = session.iteration_record(0)
    assert rec.forward[-1].a[0, 0] == 1.0  # saturated: σ(37) rounds to 1
    ex = session.explain(ParameterRef(0, 0, 0), rec)
    for sample in ex.samples:
        assert [f.kind for f in sample.factors] == ["dl_da", "da_dz", "dz_dw"]
        dl_da, da_dz, dz_dw = (f.value for f in sample.factors)
        assert sample.contribution == pytest.approx(dl_da * da_dz * dz_dw, rel=1e-15)
        assert sample.upstream is not None
        assert dl_da == pytest.approx(sum(t.product for t in sample.upstream), rel=1e-15)

    def loss(w0: float) -> float:
        z_out = [80.0 * math.tanh(w0 * x) for x in (1.0, -1.0)]
        return sum(sample_loss(z, 0.0) for z in z_out) / 2

    h = 1e-6
    fd = (loss(0.5 + h) - loss(0.5 - h)) / (2 * h)
    assert ex.gradient == pytest.approx(fd, rel=1e-7)


def test_before_the_backward_stage_the_fused_factor_comes_from_the_loss_stage() -> None:
    session = Session(parse_session(one_layer(40.0, [[0.0], [1.0]])))
    session.step()  # forward
    assert session.explain(ParameterRef(0, 0, 0)).samples[0].factors[0].value is None
    session.step()  # loss
    factor = session.explain(ParameterRef(0, 0, 0)).samples[0].factors[0]
    assert factor.kind == "dl_dz"
    assert factor.value == 1.0  # a − y with a = σ(40), which rounds to 1, and y = 0
