"""The per-iteration loss and norm record: read as arrays that convert only what is new, and that
agree with the recorded lists after any mix of appends, recomputed iterations and forgetting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.history.metrics import Metrics

START, LAYERS = 3, 2

ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("record"),
            st.integers(START - 1, START + 12),
            st.floats(-1e3, 1e3),
            st.booleans(),  # with norms
        ),
        st.tuples(st.just("forget"), st.integers(START - 1, START + 12), st.just(0.0), st.just(False)),
        st.tuples(st.just("read"), st.just(0), st.just(0.0), st.just(False)),
    ),
    max_size=60,
)


@given(ops)
def test_reads_agree_with_a_plain_list_model_and_what_was_read_never_changes(
    steps: list[tuple[str, int, float, bool]],
) -> None:
    metrics = Metrics(START, LAYERS)
    losses: list[float] = []
    norms: list[tuple[float, ...]] = []
    handed_out: list[tuple[np.ndarray, np.ndarray]] = []  # (array, its contents when read)
    for op, k, value, with_norms in steps:
        i = k - START
        if op == "record":
            row = (value, -value) if with_norms else None
            metrics.record(k, value, row)
            if 0 <= i < len(losses):
                losses[i] = value
            elif i == len(losses):
                losses.append(value)
            if row is not None:
                if 0 <= i < len(norms):
                    norms[i] = row
                elif i == len(norms):
                    norms.append(row)
        elif op == "forget":
            metrics.forget_from(k)
            del losses[max(0, i) :]
            del norms[max(0, i) :]
        else:
            its, got = metrics.losses()
            assert got.tobytes() == np.array(losses, dtype=np.float64).tobytes()
            assert its.tolist() == list(range(START, START + len(losses)))
            n_its, got_norms = metrics.gradient_norms()
            assert got_norms.shape == (len(norms), LAYERS)
            assert got_norms.tobytes() == np.array(norms, dtype=np.float64).reshape(-1, LAYERS).tobytes()
            assert n_its.tolist() == list(range(START, START + len(norms)))
            handed_out += [(got, got.copy()), (got_norms, got_norms.copy())]
    for array, contents in handed_out:
        assert array.tobytes() == contents.tobytes()


def test_a_read_converts_only_the_iterations_recorded_since_the_last(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window reads the losses at every progress frame of a run: converting them all each
    time made a 50,000-iteration run's frames cost more the longer it ran."""
    metrics = Metrics(0, 1)
    for k in range(1000):
        metrics.record(k, float(k), (float(k),))
    metrics.losses()
    metrics.gradient_norms()
    converted: list[int] = []
    real_array = np.array

    def counting(value: object, *args: object, **kwargs: object) -> np.ndarray:
        if isinstance(value, list):
            converted.append(len(value))
        result: np.ndarray = real_array(value, *args, **kwargs)  # type: ignore[call-overload]
        return result

    monkeypatch.setattr(np, "array", counting)
    for k in range(1000, 1010):
        metrics.record(k, float(k), (float(k),))
    _, losses = metrics.losses()
    _, norms = metrics.gradient_norms()
    assert converted == [10, 10]
    assert losses[-1] == 1009.0
    assert norms[-1, 0] == 1009.0
    assert not losses.flags.writeable
    assert not norms.flags.writeable
