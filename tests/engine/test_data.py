"""Data presets are seeded and shaped as documented; mini-batch order is a seeded shuffle."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Session, parse_session
from tests.helpers import tiny_session_dict


def data_of(seed: int, **spec: object) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets of a preset through the session parser."""
    config = parse_session(tiny_session_dict(seed=seed, data=spec))
    return config.x, config.y


@pytest.mark.parametrize("name", ["circles", "moons", "spiral", "gaussians"])
def test_point_presets_are_seeded_2d_binary(name: str) -> None:
    """Same seed, same points; another seed, other points; shapes (samples, 2) and (samples, 1)."""
    x, y = data_of(1, preset=name, samples=37, noise=0.1)
    again_x, again_y = data_of(1, preset=name, samples=37, noise=0.1)
    other_x, _ = data_of(2, preset=name, samples=37, noise=0.1)
    assert x.shape == (37, 2)
    assert y.shape == (37, 1)
    assert x.dtype == np.float64
    assert np.array_equal(x, again_x)
    assert np.array_equal(y, again_y)
    assert not np.array_equal(x, other_x)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert abs(int(y.sum()) - 37 // 2) <= 1  # two balanced classes


@pytest.mark.parametrize(
    ("name", "targets"), [("xor", [0, 1, 1, 0]), ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1])]
)
def test_logic_presets_are_their_truth_tables(name: str, targets: list[int]) -> None:
    """xor/and/or: the four corners of the unit square and their truth table."""
    x, y = data_of(0, preset=name)
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y[:, 0], targets)


def test_noise_zero_moons_lie_on_the_moons() -> None:
    """Without noise the upper moon is the unit half circle."""
    x, y = data_of(0, preset="moons", samples=40, noise=0.0)
    upper = x[y[:, 0] == 0]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)


def test_mini_batches_cover_each_epoch_once_in_a_seeded_order() -> None:
    """batch_size 4 of 10 samples: each epoch's batches partition the data; same seed, same order."""
    spec = tiny_session_dict(data={"preset": "moons", "samples": 10, "noise": 0.1}, batch_size=4)
    session = Session(parse_session(spec))
    same = Session(parse_session(spec))
    other = Session(parse_session({**spec, "seed": 8}))
    batches = [session.batch_indices(k) for k in range(6)]
    assert [len(b) for b in batches] == [4, 4, 2, 4, 4, 2]
    for epoch in (batches[:3], batches[3:]):
        assert sorted(np.concatenate(epoch).tolist()) == list(range(10))
    assert all(np.array_equal(a, same.batch_indices(k)) for k, a in enumerate(batches))
    assert any(not np.array_equal(a, other.batch_indices(k)) for k, a in enumerate(batches))
    assert not np.array_equal(np.concatenate(batches[:3]), np.arange(10))  # shuffled
    rec = session.iteration_record(1)
    np.testing.assert_array_equal(rec.inputs, session.config.x[batches[1]])
