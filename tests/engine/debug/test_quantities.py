"""The quantities lines are judged against: the engine's record, and each catalogue mistake."""

from __future__ import annotations

import numpy as np

from engine import parse_session
from engine.core.compute import batch_loss, init_params
from engine.core.mistakes import MISTAKES
from engine.core.records import LayerParams
from engine.learner.debug.quantities import (
    CORRECT,
    correct_quantities,
    iteration_config,
    mistake_variants,
    mistaken_quantities,
)


def _config(tiny_dict: dict[str, object]) -> object:
    config = parse_session(tiny_dict)
    return iteration_config(config, init_params(config), config.x, config.y)


def test_dw_is_the_finite_difference_gradient_of_the_loss(tiny_dict: dict[str, object]) -> None:
    config = _config(tiny_dict)
    params = init_params(config)
    got = {(q.kind, q.layer): q.value for q in correct_quantities(config).quantities}
    h = 1e-6
    for k, p in enumerate(params):
        for j, i in np.ndindex(p.weights.shape):
            plus, minus = p.weights.copy(), p.weights.copy()
            plus[j, i] += h
            minus[j, i] -= h
            up = tuple(LayerParams(plus, p.bias) if n == k else q for n, q in enumerate(params))
            down = tuple(LayerParams(minus, p.bias) if n == k else q for n, q in enumerate(params))
            numeric = (
                batch_loss(config, up, config.x, config.y) - batch_loss(config, down, config.x, config.y)
            ) / (2 * h)
            assert abs(got[("dW", k)][j, i] - numeric) < 1e-7
        lr = config.optimizer.learning_rate
        np.testing.assert_allclose(got[("W", k)], p.weights - lr * got[("dW", k)], rtol=1e-12)


def test_the_catalogue_without_a_mistake_computes_the_engines_quantities(
    tiny_dict: dict[str, object],
) -> None:
    config = _config(tiny_dict)
    correct = {(q.kind, q.layer): q.value for q in correct_quantities(config).quantities}
    plain = mistaken_quantities(config, (CORRECT, CORRECT))
    for q in plain.quantities:
        np.testing.assert_allclose(q.value, correct[(q.kind, q.layer)], rtol=1e-12, atol=1e-15)


def test_every_mistake_changes_some_quantity(tiny_dict: dict[str, object]) -> None:
    config = _config(tiny_dict)
    correct = {(q.kind, q.layer): q.value for q in correct_quantities(config).quantities}
    seen = set()
    for names in mistake_variants(config):
        qset = mistaken_quantities(config, names)
        changed = any(not np.allclose(q.value, correct[(q.kind, q.layer)]) for q in qset.quantities)
        # the bias sum over samples and units is the same as over samples for a one-unit layer
        assert changed or names == (CORRECT, "bias_not_summed"), names
        seen.update(n for n in names if n != CORRECT)
    # on a 2-3-1 sigmoid network every mistake but the square-matrix one can be made
    assert seen == set(MISTAKES) - {"transposed_weights"}
