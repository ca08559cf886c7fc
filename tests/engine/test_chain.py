"""The chain-rule explanation: factors multiply to contributions that reduce to the gradient."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ParameterRef, Session
from tests.engine.test_gradients import away_from_kinks, problems, session_for


def all_refs(session: Session) -> list[ParameterRef]:
    """Every weight and bias."""
    out = []
    for layer, p in enumerate(session.params):
        for j in range(p.weights.shape[0]):
            out.append(ParameterRef(layer, j, None))
            out.extend(ParameterRef(layer, j, i) for i in range(p.weights.shape[1]))
    return out


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 1), st.data())
def test_factors_multiply_and_reduce_to_the_gradient(p: dict[str, Any], iteration: int, data: Any) -> None:
    """For random networks: products, reduction, upstream sums, input factors and the update line."""
    session = session_for(p)
    session.goto(iteration + 1, 0)
    rec = session.snapshot().previous
    assert rec is not None
    refs = all_refs(session)
    chosen = data.draw(st.lists(st.sampled_from(refs), min_size=1, max_size=4, unique=True))
    n = len(rec.params)
    m = rec.inputs.shape[0]
    for ref in chosen:
        ex = session.explain(ref, rec)
        back = rec.backward_of(ref.layer)
        expected = back.db[ref.unit] if ref.input is None else back.dW[ref.unit, ref.input]
        assert ex.gradient == pytest.approx(expected, rel=1e-12, abs=1e-15)
        softmax_out = ref.layer == n - 1 and p["acts"][-1] == "softmax"
        kinds = ["dl_dz", "dz_dw"] if softmax_out else ["dl_da", "da_dz", "dz_dw"]
        a_in = rec.activation_in(ref.layer)
        assert len(ex.samples) == m
        contributions = []
        for pos, sample in enumerate(ex.samples):
            assert sample.sample == rec.batch[pos]
            assert [f.kind for f in sample.factors] == kinds
            values = [f.value for f in sample.factors]
            assert sample.contribution == pytest.approx(np.prod(values), rel=1e-12, abs=1e-300)
            contributions.append(sample.contribution)
            # dz/dw is the input activation (1 for a bias); da/dz and the first factor are the record's.
            dz_dw = 1.0 if ref.input is None else a_in[pos, ref.input]
            assert values[-1] == dz_dw
            if softmax_out:
                assert values[0] == pytest.approx(back.delta[pos, ref.unit], rel=1e-12, abs=1e-300)
            else:
                assert values[1] == pytest.approx(back.da_dz[pos, ref.unit], rel=1e-12, abs=1e-300)
                assert values[0] == pytest.approx(back.dl_da[pos, ref.unit], rel=1e-12, abs=1e-300)
            if ref.layer < n - 1:
                nxt = rec.params[ref.layer + 1].weights
                nxt_delta = rec.backward_of(ref.layer + 1).delta
                assert [t.unit for t in sample.upstream] == list(range(nxt.shape[0]))
                for t in sample.upstream:
                    assert t.weight == nxt[t.unit, ref.unit]
                    assert t.delta == nxt_delta[pos, t.unit]
                    assert t.product == pytest.approx(t.weight * t.delta, rel=1e-12, abs=1e-300)
                total = sum(t.product for t in sample.upstream)
                assert total == pytest.approx(values[0], rel=1e-9, abs=1e-12)
            else:
                assert not sample.upstream
        reduced = sum(contributions) * (1.0 / m if ex.reduction == "mean" else 1.0)
        assert ex.reduction == ("sum" if p["loss"] == "half_sse" else "mean")
        assert reduced == pytest.approx(ex.gradient, rel=1e-9, abs=1e-12)
        if away_from_kinks({**p, "params": [(lp.weights, lp.bias) for lp in rec.params]}, rec.inputs):
            assert abs(ex.finite_difference - ex.gradient) <= 1e-5 * max(1.0, abs(ex.gradient))
        up = ex.update
        assert up is not None
        assert up.old - up.learning_rate * up.step == pytest.approx(up.new, rel=1e-12, abs=1e-15)
        after = rec.update.params_after[ref.layer]
        assert up.new == (after.bias[ref.unit] if ref.input is None else after.weights[ref.unit, ref.input])


def test_factors_are_pending_until_their_backward_stage_runs(tiny_session: Session) -> None:
    """Before Backward L the factors of layer L are None; they fill in as stages run."""
    ref = ParameterRef(0, 1, 0)
    n = len(tiny_session.params)
    for s in range(n + 1 + n):  # forward stages, loss, the backward stages before layer 0's
        ex = tiny_session.explain(ref)
        assert ex.gradient is None
        for sample in ex.samples:
            assert sample.contribution is None
            assert sample.factors[0].value is None
        if s < 1:
            # Before Forward 0 even the input factor's neighbours are unknown.
            assert all(f.value is None for f in ex.samples[0].factors[:2])
        tiny_session.step()
    ex = tiny_session.explain(ref)
    assert ex.gradient is not None
    assert all(f.value is not None for sample in ex.samples for f in sample.factors)
    assert ex.update is None  # the update stage has not run yet
    tiny_session.step()
    assert tiny_session.explain(ref, tiny_session.snapshot().previous).update is not None


def test_text_latex_and_json_renderings_agree(tiny_session: Session) -> None:
    """The three renderings carry the same gradient."""
    tiny_session.finish_iteration()
    ex = tiny_session.explain(ParameterRef(1, 0, 2), tiny_session.snapshot().previous)
    assert ex.to_json()["gradient"] == ex.gradient
    assert repr(ex.gradient)[:8] in ex.to_text() or f"{ex.gradient:.6g}"[:6] in ex.to_text()
    assert ex.to_latex().strip()
