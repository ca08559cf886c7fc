"""The chain-rule explanation: factors multiply to contributions that reduce to the gradient."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ParameterRef, Session, parse_session
from engine.explain.chain import latex_parameter
from tests.helpers import tiny_session_dict
from tests.reference import SUMMED, away_from_kinks, problems, reference_params, session_for

WEIGHT = ParameterRef(0, 1, 0)  # tiny 2-3-1 network: a weight into hidden unit 1


def all_refs(session: Session) -> list[ParameterRef]:
    """Every weight and bias (none in a layer without biases)."""
    out = []
    for layer, p in enumerate(session.params):
        for j in range(p.weights.shape[0]):
            if p.bias.size:
                out.append(ParameterRef(layer, j, None))
            out.extend(ParameterRef(layer, j, i) for i in range(p.weights.shape[1]))
    return out


# saturated outputs included: a fused output (sigmoid + bce, softmax + cross-entropy) shows one
# factor dℓ/dz, so the factors shown still multiply to the contribution where a(1 - a) is 0
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
        # a fused output (softmax + cross-entropy, sigmoid + bce) shows the one factor dℓ/dz
        softmax_out = ref.layer == n - 1 and p["loss"].startswith(("cross_entropy", "bce"))
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
            _check_upstream(sample, rec, ref, pos, values[0])
        reduced = sum(contributions) * (1.0 / m if ex.reduction == "mean" else 1.0)
        assert ex.reduction == ("sum" if p["loss"] in SUMMED else "mean")
        assert reduced == pytest.approx(ex.gradient, rel=1e-9, abs=1e-12)
        if away_from_kinks({**p, "params": reference_params(rec.params)}, rec.inputs):
            assert abs(ex.finite_difference - ex.gradient) <= 1e-5 * max(1.0, abs(ex.gradient))
        up = ex.update
        assert up is not None
        assert up.old - up.learning_rate * up.step == pytest.approx(up.new, rel=1e-12, abs=1e-15)
        after = rec.update.params_after[ref.layer]
        assert up.new == (after.bias[ref.unit] if ref.input is None else after.weights[ref.unit, ref.input])


def _check_upstream(sample: Any, rec: Any, ref: ParameterRef, pos: int, dl_da: float) -> None:
    """A hidden unit's dℓ/da is the sum of the next layer's w·δ, each term the record's numbers."""
    if ref.layer == len(rec.params) - 1:
        assert not sample.upstream
        return
    nxt = rec.params[ref.layer + 1].weights
    nxt_delta = rec.backward_of(ref.layer + 1).delta
    assert [t.unit for t in sample.upstream] == list(range(nxt.shape[0]))
    for t in sample.upstream:
        assert t.weight == nxt[t.unit, ref.unit]
        assert t.delta == nxt_delta[pos, t.unit]
        assert t.product == pytest.approx(t.weight * t.delta, rel=1e-12, abs=1e-300)
    total = sum(t.product for t in sample.upstream)
    assert total == pytest.approx(dl_da, rel=1e-9, abs=1e-12)


def test_factors_are_pending_until_their_backward_stage_runs(tiny_session: Session) -> None:
    """Before Backward L the factors of layer L are None; they fill in as stages run."""
    ref = ParameterRef(0, 1, 0)
    n = len(tiny_session.params)
    for s in range(n + 1 + n):  # forward stages, loss, the backward stages before layer 0's
        ex = tiny_session.explain(ref)
        assert ex.gradient is None
        for sample in ex.samples:
            assert sample.contribution is None
            # Σ w·δ is known as soon as the next layer's backward stage has its δ
            assert (sample.factors[0].value is None) == (s < n + 1 + n - 1)
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


# Numbers as each rendering writes them: plain text "-0.5" or "1.2e-09" (in parentheses when
# negative inside an expression); LaTeX "(-0.5)" or "1.2 \times 10^{-9}".
TEXT_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]\d+)?")
LATEX_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?")
FD_ROW = re.compile(
    r"\\text\{finite difference\} &= (.+), \\quad \\text\{relative error\}\\ (.+)\\ \\text\{\[PASS\]\} \\\\"
)


def _text_numbers(segment: str) -> list[float]:
    return [float(n) for n in TEXT_NUMBER.findall(segment)]


def _latex_numbers(segment: str) -> list[float]:
    out = []
    for n in LATEX_NUMBER.findall(segment):
        mantissa, _, exponent = n.partition(r" \times 10^{")
        out.append(float(f"{mantissa}e{exponent.rstrip('}')}" if exponent else mantissa))
    return out


def _equation_numbers(line: str, latex: bool) -> list[float]:
    """The numbers of an equation line, in order, from its numeric sides only: the sides of
    ``=`` or ``&=`` (and of ", ") that hold no symbol, so indices and exponents never count."""
    numbers = []
    for side in re.split(r" &?= |, ", line.removesuffix(r" \\")):
        if latex:
            side = re.sub(r"\\(cdot|frac|sqrt)\b|\^2", " ", side)  # g^2: the square, no number
            if not re.search(r"[A-Za-z]", LATEX_NUMBER.sub(" ", side)):
                numbers += _latex_numbers(side)
        elif not any(c.isalpha() for c in TEXT_NUMBER.sub(" ", side)):
            numbers += _text_numbers(side)
    return numbers


def _expected(doc: dict[str, Any]) -> dict[str, Any]:
    """What every rendering must show, from the JSON document."""
    update = doc["update"]
    numbers = [update["old"], update["learning_rate"], update["step"], update["new"]]
    if update["momentum"] is not None:
        m = update["momentum"]
        numbers = [m["momentum"], m["velocity_before"], update["gradient"], m["velocity"], *numbers]
    if update["adam"] is not None:
        a, g = update["adam"], update["gradient"]
        numbers = [
            *(a["beta1"], a["m_before"], 1 - a["beta1"], g, a["m"]),
            *(a["beta2"], a["v_before"], 1 - a["beta2"], g, a["v"]),
            *(a["m_hat"], a["v_hat"]),
            *(a["m_hat"], a["v_hat"], a["eps"], update["step"]),
            *numbers,
        ]
    return {
        "samples": [
            {
                "factors": [f["value"] for f in s["factors"]],
                "contribution": s["contribution"],
                "upstream": None
                if s["upstream"] is None
                else [(u["weight"], u["delta"]) for u in s["upstream"]],
            }
            for s in doc["samples"]
        ],
        "gradient": doc["gradient"],
        "finite_difference": doc["finite_difference"],
        "relative_error": doc["relative_error"],
        "update": numbers,
    }


def _parse_text(text: str) -> dict[str, Any]:
    """The numbers of ``ChainExplanation.to_text``, read back line by line."""
    out: dict[str, Any] = {"samples": [], "update": []}
    in_update = False
    for line in text.splitlines():
        if in_update:
            out["update"] += _equation_numbers(line.strip(), latex=False)
        elif line.startswith("sample "):
            out["samples"].append({"factors": [], "contribution": None, "upstream": None})
        elif m := re.fullmatch(r" {4}(\S+) += +(\S+)   .*", line):
            out["samples"][-1]["factors"].append(float(m[2]))
        elif m := re.fullmatch(r" {6}from unit \d+: w = (\S+) · δ = (\S+) → (\S+)", line):
            w, delta, product = map(float, m.groups())
            assert product == pytest.approx(w * delta, rel=1e-8)
            out["samples"][-1]["upstream"] = [*(out["samples"][-1]["upstream"] or []), (w, delta)]
        elif m := re.fullmatch(r" {4}contribution = (\S+)", line):
            out["samples"][-1]["contribution"] = float(m[1])
        elif m := re.fullmatch(r"gradient = (?:sum|mean) over \d+ samples? = (\S+)", line):
            out["gradient"] = float(m[1])
        elif m := re.fullmatch(r"finite difference = (\S+), relative error (\S+) \[PASS\]", line):
            out["finite_difference"], out["relative_error"] = float(m[1]), float(m[2])
        elif line.startswith("update ("):
            in_update = True
    return out


def _parse_latex(latex: str, target: str) -> dict[str, Any]:
    """The numbers of ``ChainExplanation.to_latex``, read back row by row."""
    rows = latex.splitlines()
    assert (rows[0], rows[-1]) == (r"\begin{aligned}", r"\end{aligned}")
    out: dict[str, Any] = {"samples": [], "update": []}
    upstream = None
    for row in rows[1:-1]:
        values = _equation_numbers(row, latex=True)
        if re.match(r"\\frac\{\\partial \\ell_\{\d+\}\}\{\\partial a\^", row):
            upstream = list(zip(values[:-1:2], values[1:-1:2], strict=True))
            upstream_total = values[-1]
        elif row.startswith(r"\frac{\partial \ell_{") and f"{{\\partial {target}}}" in row:
            factors, contribution = values[:-1], values[-1]
            if upstream is not None:
                assert upstream_total == pytest.approx(factors[0], rel=1e-9)
            out["samples"].append({"factors": factors, "contribution": contribution, "upstream": upstream})
            upstream = None
        elif row.startswith(r"\frac{\partial L}"):
            (out["gradient"],) = values
        elif m := re.fullmatch(FD_ROW, row):
            (out["finite_difference"],), (out["relative_error"],) = map(_latex_numbers, m.groups())
        else:
            out["update"] += values
    return out


def _assert_same_numbers(got: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    """Each number as rendered (10 significant digits; the relative error 3) is the JSON's."""

    def same(a: Any, b: Any, rel: float = 1e-9) -> Any:
        return a == pytest.approx(b, rel=rel, abs=1e-300)

    assert len(got["samples"]) == len(expected["samples"]), where
    for k, (g, e) in enumerate(zip(got["samples"], expected["samples"], strict=True)):
        assert same(g["factors"], e["factors"]), (where, k, "factors")
        assert same(g["contribution"], e["contribution"]), (where, k, "contribution")
        if e["upstream"] is None:
            assert g["upstream"] is None, (where, k)
        else:
            flat = [x for term in g["upstream"] for x in term]
            assert same(flat, [x for term in e["upstream"] for x in term]), (where, k)
    assert same(got["gradient"], expected["gradient"]), where
    assert same(got["finite_difference"], expected["finite_difference"]), where
    assert same(got["relative_error"], expected["relative_error"], rel=5e-3), where
    assert same(got["update"], expected["update"]), where


@pytest.mark.parametrize(
    "optimizer",
    [
        {"name": "sgd", "learning_rate": 0.5},
        {"name": "momentum", "learning_rate": 0.5, "momentum": 0.8},
        {"name": "adam", "learning_rate": 0.05},
    ],
    ids=["sgd", "momentum", "adam"],
)
@pytest.mark.parametrize(
    "ref",
    [ParameterRef(1, 0, 2), ParameterRef(0, 1, 0), ParameterRef(0, 2, None)],
    ids=["output-weight", "hidden-weight", "hidden-bias"],
)
def test_text_latex_and_json_renderings_agree(optimizer: dict[str, Any], ref: ParameterRef) -> None:
    """Every factor, upstream term, contribution, the gradient, the finite difference and every
    number of the update, parsed back out of the text and the LaTeX, are the JSON's."""
    session = _iterations(optimizer)
    ex = session.explain(ref, session.iteration_record(1))
    doc = json.loads(json.dumps(ex.to_json()))
    assert len(doc["samples"]) == 4
    expected = _expected(doc)
    assert expected["samples"][0]["factors"][0] == ex.samples[0].factors[0].value
    assert expected["gradient"] == ex.gradient
    _assert_same_numbers(_parse_text(ex.to_text()), expected, "text")
    _assert_same_numbers(_parse_latex(ex.to_latex(), latex_parameter(ref)), expected, "latex")


@pytest.mark.parametrize(
    "ref",
    [ParameterRef(1, 1, 0), ParameterRef(0, 2, 1), ParameterRef(0, 0, None)],
    ids=["out", "hidden", "bias"],
)
def test_renderings_agree_for_softmax_and_two_upstream_terms(ref: ParameterRef) -> None:
    """Softmax + cross-entropy shows two factors; a hidden unit sums what two outputs send back."""
    network = {
        "inputs": 2,
        "init": "xavier_uniform",
        "layers": [{"units": 3, "activation": "tanh"}, {"units": 2, "activation": "softmax"}],
    }
    data = {"inputs": [[0.1, -0.4], [0.7, 0.2], [-0.3, 0.9]], "targets": [[1, 0], [0, 1], [0, 1]]}
    session = _iterations(
        {"name": "sgd", "learning_rate": 0.5}, loss="cross_entropy", network=network, data=data
    )
    ex = session.explain(ref, session.iteration_record(1))
    expected = _expected(json.loads(json.dumps(ex.to_json())))
    assert [len(s["factors"]) for s in expected["samples"]] == [2 if ref.layer == 1 else 3] * 3
    if ref.layer == 0:
        assert all(len(s["upstream"]) == 2 for s in expected["samples"])
    _assert_same_numbers(_parse_text(ex.to_text()), expected, "text")
    _assert_same_numbers(_parse_latex(ex.to_latex(), latex_parameter(ref)), expected, "latex")


def _iterations(optimizer: dict[str, Any], n: int = 2, **overrides: Any) -> Session:
    session = Session(parse_session(tiny_session_dict(optimizer=optimizer, **overrides)))
    session.goto(n, 0)
    return session


def test_sgd_update_is_w_minus_lr_times_the_gradient() -> None:
    session = _iterations({"name": "sgd", "learning_rate": 0.5}, 1)
    rec = session.iteration_record(0)
    up = session.explain(WEIGHT, rec).update
    assert up is not None
    assert (up.momentum, up.adam) == (None, None)
    assert up.step == up.gradient == rec.backward_of(0).dW[1, 0]
    assert up.new == up.old - 0.5 * up.gradient


def test_momentum_update_shows_the_velocity_from_the_recorded_state() -> None:
    """Independently: v0 = g0, v1 = μ v0 + g1 (PyTorch), w -= η v."""
    session = _iterations({"name": "momentum", "learning_rate": 0.5, "momentum": 0.8})
    g0 = session.iteration_record(0).backward_of(0).dW[1, 0]
    rec = session.iteration_record(1)
    g1 = rec.backward_of(0).dW[1, 0]
    up = session.explain(WEIGHT, rec).update
    assert up is not None
    assert up.momentum is not None
    assert up.adam is None
    assert up.gradient == g1
    assert up.momentum.momentum == 0.8
    assert up.momentum.velocity_before == g0
    assert up.momentum.velocity == pytest.approx(0.8 * g0 + g1, rel=1e-15)
    assert up.step == up.momentum.velocity
    assert up.new == session.params[0].weights[1, 0]
    assert up.new == pytest.approx(up.old - 0.5 * up.step, rel=1e-15)
    first = session.explain(WEIGHT, session.iteration_record(0)).update
    assert first is not None
    assert first.momentum is not None
    assert first.momentum.velocity_before == 0.0  # the buffer starts at g = μ·0 + g


def test_adam_update_shows_moments_bias_correction_and_step() -> None:
    """Independently of the engine's optimizer: Kingma & Ba with bias correction at t = 2."""
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.05
    session = _iterations({"name": "adam", "learning_rate": lr})
    g0 = session.iteration_record(0).backward_of(0).dW[1, 0]
    rec = session.iteration_record(1)
    g1 = rec.backward_of(0).dW[1, 0]
    m = b1 * (1 - b1) * g0 + (1 - b1) * g1
    v = b2 * (1 - b2) * g0**2 + (1 - b2) * g1**2
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    ex = session.explain(WEIGHT, rec)
    up = ex.update
    assert up is not None
    assert up.adam is not None
    a = up.adam
    assert (a.beta1, a.beta2, a.eps, a.t) == (b1, b2, eps, 2)
    assert a.m_before == pytest.approx((1 - b1) * g0, rel=1e-14)
    assert a.v_before == pytest.approx((1 - b2) * g0**2, rel=1e-14)
    assert (a.m, a.v) == (pytest.approx(m, rel=1e-14), pytest.approx(v, rel=1e-14))
    assert (a.m_hat, a.v_hat) == (pytest.approx(m_hat, rel=1e-14), pytest.approx(v_hat, rel=1e-14))
    assert up.step == pytest.approx(m_hat / (np.sqrt(v_hat) + eps), rel=1e-14)
    assert up.new == session.params[0].weights[1, 0]
    assert up.new == pytest.approx(up.old - lr * up.step, rel=1e-14)
    # what the reviewer saw: the step is not the gradient, and every rendering says so
    assert abs(up.step) > 10 * abs(up.gradient)
    text = ex.to_text()
    assert "m̂ = m / (1 − β1^2)" in text
    assert f"− 0.05 · {up.step:.10g}" in text or f"− 0.05 · ({up.step:.10g})" in text
    assert f"{up.gradient:.10g}" in text.split("update (adam)")[1]
    latex = ex.to_latex()
    assert r"\frac{\hat m}{\sqrt{\hat v} + \epsilon}" in latex
    assert r"\hat m &= \frac{m}{1 - \beta_1^{2}}" in latex


def test_chain_json_adds_the_optimizer_state_and_keeps_the_old_fields() -> None:
    session = _iterations({"name": "adam", "learning_rate": 0.05}, 1)
    doc = session.explain(WEIGHT, session.iteration_record(0)).to_json()
    update = doc["update"]
    assert {"optimizer", "old", "learning_rate", "step", "new"} <= set(update)
    assert update["momentum"] is None
    assert set(update["adam"]) == {
        "beta1",
        "beta2",
        "eps",
        "t",
        "m_before",
        "v_before",
        "m",
        "v",
        "m_hat",
        "v_hat",
    }
    assert update["gradient"] == doc["gradient"]
    factor = doc["samples"][0]["factors"][0]
    assert {"symbol", "value", "kind", "note", "mistaken"} == set(factor)
    assert (doc["mistake"], doc["gradient_note"]) == (None, "")
    session = _iterations({"name": "momentum", "learning_rate": 0.5}, 1)
    update = session.explain(WEIGHT, session.iteration_record(0)).to_json()["update"]
    assert set(update["momentum"]) == {"momentum", "velocity_before", "velocity"}
    assert update["adam"] is None


def test_notes_read_well_with_singular_and_plural() -> None:
    session = _iterations({"name": "sgd", "learning_rate": 0.5}, 1)
    rec = session.iteration_record(0)
    hidden = session.explain(WEIGHT, rec).samples[0].factors
    assert hidden[0].note == "sum over the 1 unit k of layer 1 of w_kj · δ_k"
    assert hidden[1].note == "a(1 − a), the sigmoid's derivative"
    wide = Session(
        parse_session(
            tiny_session_dict(
                network={
                    "inputs": 2,
                    "layers": [{"units": 2, "activation": "tanh"}, {"units": 3, "activation": "sigmoid"}],
                },
                loss="mse",
                data={"inputs": [[0.0, 1.0]], "targets": [[1.0, 0.0, 1.0]]},
            )
        )
    )
    wide.finish_iteration()
    rec = wide.iteration_record(0)
    assert (
        wide.explain(ParameterRef(0, 0, 1), rec)
        .samples[0]
        .factors[0]
        .note.startswith("sum over the 3 units k of layer 1")
    )
    out = wide.explain(ParameterRef(1, 2, 0), rec).samples[0].factors[0].note
    assert out == "2(a − y)/K with K = 3 outputs, the derivative of the mean of (a − y)²"
    text = wide.explain(ParameterRef(0, 0, 1), rec).to_text()
    for ascii_form in ("units K", "w_KJ", "delta_K", "dl/d", " * "):
        assert ascii_form not in text


def test_latex_uses_the_windows_0_based_indices(tiny_session: Session) -> None:
    tiny_session.finish_iteration()
    rec = tiny_session.iteration_record(0)
    latex = tiny_session.explain(ParameterRef(1, 0, 2), rec).to_latex()
    assert r"\partial w^{(1)}_{0,2}" in latex
    assert r"\partial a^{(1)}_{0}" in latex
    assert "w^{(2)}" not in latex
    hidden = tiny_session.explain(ParameterRef(0, 1, 0), rec).to_latex()
    assert r"w^{(1)}_{0,1} \delta^{(1)}_{0}" in hidden
    assert r"\partial b^{(0)}_{1}" in tiny_session.explain(ParameterRef(0, 1), rec).to_latex()


def test_teaching_mode_marks_the_factors_its_mistake_changes() -> None:
    session = _iterations({"name": "sgd", "learning_rate": 0.5}, 1, mistake="missing_activation_derivative")
    rec = session.iteration_record(0)
    for ref in (WEIGHT, ParameterRef(1, 0, 1)):
        ex = session.explain(ref, rec)
        assert ex.mistake == "missing_activation_derivative"
        for sample in ex.samples:
            dl_da, da_dz, dz_dw = sample.factors
            assert da_dz.value == 1.0
            assert da_dz.mistaken
            assert da_dz.note == "1 (teaching mode: activation derivative missing)"
            assert "sigmoid" not in da_dz.note
            assert not dl_da.mistaken
            assert not dz_dw.mistaken
        assert "teaching mode: activation derivative missing" in ex.to_text()
    # bce's fused output δ has no activation factor to leave out: one unmarked factor dℓ/dz
    bce = _iterations(
        {"name": "sgd", "learning_rate": 0.5}, 1, mistake="missing_activation_derivative", loss="bce"
    )
    out = bce.explain(ParameterRef(1, 0, 1), bce.iteration_record(0)).samples[0].factors[0]
    assert out.kind == "dl_dz"
    assert not out.mistaken
    assert out.note.startswith("a − y, sigmoid with binary cross-entropy")
    halved = _iterations({"name": "sgd", "learning_rate": 0.5}, 1, mistake="half_gradient")
    ex = halved.explain(WEIGHT, halved.iteration_record(0))
    assert ex.gradient_note == "teaching mode: gradient halved, ½ × the reduction"
    assert not any(f.mistaken for s in ex.samples for f in s.factors)
    assert sum(s.contribution for s in ex.samples) == pytest.approx(2 * ex.gradient, rel=1e-12)
    assert ex.gradient_note in ex.to_text()


@pytest.mark.parametrize("mistake", ["transposed_weights", "updated_weights_backprop"])
def test_teaching_mode_upstream_terms_are_the_ones_the_mistaken_code_sums(mistake: str) -> None:
    """The listed w · δ terms add up to the dℓ/da the mistaken backward pass computed."""
    doc = tiny_session_dict(
        network={
            "inputs": 2,
            "init": "xavier_uniform",
            "layers": [
                {"units": 3, "activation": "sigmoid"},
                {"units": 3, "activation": "tanh"},
                {"units": 3, "activation": "sigmoid"},
            ],
        },
        data={"inputs": [[0.0, 1.0], [1.0, 0.5]], "targets": [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]},
        mistake=mistake,
    )
    session = Session(parse_session(doc))
    session.finish_iteration()
    rec = session.iteration_record(0)
    ex = session.explain(ParameterRef(0, 2, 1), rec)
    for sample in ex.samples:
        dl_da = sample.factors[0]
        assert dl_da.mistaken
        assert "teaching mode" in dl_da.note
        assert sum(t.product for t in sample.upstream) == pytest.approx(dl_da.value, rel=1e-12, abs=1e-15)


def test_the_cursor_shows_the_edited_state_not_the_stale_update(tiny_session: Session) -> None:
    """At the start of an iteration the finished one shows (its update stays visible), unless
    a parameter was edited since."""
    tiny_session.finish_iteration()
    assert tiny_session.snapshot().shown_record().iteration == 0
    tiny_session.goto(0, 0)
    tiny_session.goto(1, 0)  # recomputed, same state
    assert tiny_session.snapshot().shown_record().iteration == 0
    tiny_session.step()
    assert tiny_session.snapshot().shown_record().iteration == 1
    tiny_session.back()
    tiny_session.set_parameter(WEIGHT, 2.5)
    record = tiny_session.snapshot().shown_record()
    assert record.iteration == 1
    ex = tiny_session.explain(WEIGHT, record)
    assert ex.value == 2.5
    assert ex.update is None
    assert ex.pending_factors


def test_upstream_terms_are_exactly_the_scalar_products(tiny_session: Session) -> None:
    """The vectorised upstream terms are bit for bit the numbers one scalar product per term gives."""
    tiny_session.goto(1, len(tiny_session.stages) - 1)  # every backward stage of iteration 1 done
    rec = tiny_session.record()
    ex = tiny_session.explain(WEIGHT, rec)
    nxt = rec.params[WEIGHT.layer + 1].weights
    delta = rec.backward_of(WEIGHT.layer + 1).delta
    for pos, sample in enumerate(ex.samples):
        assert sample.upstream is not None
        for t in sample.upstream:
            scalar = nxt[t.unit, WEIGHT.unit] * delta[pos, t.unit]
            assert (t.weight, t.delta, t.product) == (
                float(nxt[t.unit, WEIGHT.unit]),
                float(delta[pos, t.unit]),
                float(scalar),
            )
        assert sample.factors[0].value == float(sum(t.product for t in sample.upstream))


def test_finite_difference_is_computed_once_per_iteration_and_equals_a_fresh_one(
    tiny_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stepping through an iteration checks a parameter's gradient once: the check depends on the
    parameters and the batch only, which every stage of the iteration shares."""
    import importlib

    from engine.core import compute
    from engine.explain.chain import finite_difference

    # the memo imports it from here when first asked (engine.explain is also a function's name)
    chain_module = importlib.import_module("engine.explain.chain")
    calls = []
    real = chain_module.finite_difference

    def counted(*args: Any) -> float:
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(chain_module, "finite_difference", counted)
    seen = []
    for _ in range(2 * len(tiny_session.stages)):
        tiny_session.step()
        rec = tiny_session.record()
        fd = tiny_session.explain(WEIGHT, rec).finite_difference
        assert fd == finite_difference(rec, WEIGHT, tiny_session.config, compute.batch_loss)
        seen.append(fd)
    other = ParameterRef(1, 0, 0)
    tiny_session.explain(other)
    # one check per iteration the cursor shows (0, 1 and 2), then one for the other parameter
    assert calls == [WEIGHT, WEIGHT, WEIGHT, other]
    assert len(set(seen)) >= 2


def test_upstream_terms_are_shared_by_the_stages_that_share_them(tiny_session: Session) -> None:
    """From the next layer's backward stage to the update, the w·δ terms are the same objects;
    at every stage they equal freshly computed ones."""
    from engine.explain.chain import upstream_terms

    shown = []
    for _ in range(len(tiny_session.stages)):
        tiny_session.step()
        rec = tiny_session.record()
        ex = tiny_session.explain(WEIGHT, rec)
        fresh = upstream_terms(rec, WEIGHT, tiny_session.config)
        assert fresh is not None
        assert tuple(s.upstream for s in ex.samples) == tuple(fresh)
        shown.append((rec.backward_of(WEIGHT.layer + 1) is not None, ex.samples[0].upstream))
    known = [terms for filled, terms in shown if filled]
    assert len(known) >= 2
    assert all(terms is known[0] for terms in known)
    assert all(t.delta is not None for t in known[0])
