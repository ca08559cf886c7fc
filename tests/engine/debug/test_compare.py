"""How a traced value is matched with a quantity: orientation and legitimate factors."""

from __future__ import annotations

import numpy as np
import pytest

from engine.learner.debug.compare import arrangements, first_difference, fit, legitimate_factors

RNG = np.random.default_rng(0)
Q = RNG.normal(size=(4, 3))


def test_a_value_in_the_quantitys_shape_or_transposed_matches_with_factor_one() -> None:
    factors = legitimate_factors(4, 1, 0.1)
    for value in (Q.copy(), Q.T.copy()):
        result = fit(value, Q, factors)
        assert result is not None
        assert result.factor is not None
        assert result.factor.value == 1.0


@pytest.mark.parametrize(
    ("scale", "words"),
    [
        (0.25, "1/m (m=4)"),
        (-1.0, "-1"),
        (0.1, "the learning rate"),
        (-0.025, "1/m (m=4) x the learning rate x -1"),
    ],
)
def test_legitimate_factors_are_recognised(scale: float, words: str) -> None:
    result = fit(scale * Q, Q, legitimate_factors(4, 1, 0.1))
    assert result is not None
    assert result.factor is not None
    assert result.factor.words == words


def test_a_factor_no_correct_program_carries_is_refused() -> None:
    result = fit(3.0 * Q, Q, legitimate_factors(4, 1, 0.1))
    assert result is not None
    assert result.factor is None
    assert result.relative == pytest.approx(0.25)  # nearest allowed factor: m = 4, a quarter off


@pytest.mark.parametrize("scale", [np.nextafter(3.0, 0.0), 3.0, np.nextafter(3.0, 9.0)])
def test_the_nearest_factor_does_not_hang_on_the_last_bit(scale: float) -> None:
    """3 is as far from 2 as from 4, but a quarter off 4 and a third off 2: the value's last bit
    (a dot product's rounding, which BLAS builds differ in) must not pick between them."""
    result = fit(scale * Q, Q, legitimate_factors(4, 1, 0.1))
    assert result is not None
    assert result.factor is None
    assert result.relative == pytest.approx(0.25)


def test_a_value_off_in_one_element_is_not_a_match_and_says_where() -> None:
    value = Q.copy()
    value[2, 1] *= 1.001
    result = fit(value, Q, legitimate_factors(4, 1, 0.1))
    assert result is not None
    assert result.factor is None
    diff = first_difference(value, Q)
    assert diff is not None
    assert diff[0] == (2, 1)
    assert diff[1] == value[2, 1]
    assert diff[2] == Q[2, 1]


def test_biases_match_as_vectors_rows_and_columns() -> None:
    b = RNG.normal(size=3)
    for shape in ((3,), (1, 3), (3, 1)):
        assert [a.shape for a in arrangements(b.reshape(shape), b)] == [shape]


def test_square_quantities_are_tried_both_ways() -> None:
    square = RNG.normal(size=(3, 3))
    got = arrangements(square.T.copy(), square)
    assert len(got) == 2
    result = fit(square.T.copy(), square, legitimate_factors(3, 1, 0.1))
    assert result is not None
    assert result.factor is not None


def test_shapes_that_cannot_be_arranged_do_not_match() -> None:
    assert fit(RNG.normal(size=(4, 2)), Q, legitimate_factors(4, 1, 0.1)) is None
