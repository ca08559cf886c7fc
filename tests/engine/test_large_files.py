"""Reading large files: one parse, whole arrays converted at once, the collector paused; the
same numbers and the same messages as checking value by value."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import GradstepError
from engine.files import jsonio
from engine.files.examples import resolve_any
from engine.files.fields import _plain_float_array, finite_number, float_array
from engine.files.session_file import session_json
from engine.files.walkthrough import Walkthrough
from tests.helpers import tiny_session_dict

numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**70), max_value=2**70),  # beyond 2**53: rounded to a float
    st.sampled_from([-0.0, 0.0, 2**53 + 1, -(2**63), 5e-324]),
)


def one_by_one(value: list[Any], ndim: int) -> np.ndarray:
    """The reference: each value through finite_number, as the reader did before."""
    if ndim == 1:
        return np.array([finite_number(v, "x") for v in value], dtype=np.float64)
    return np.array([[finite_number(v, "x") for v in row] for row in value], dtype=np.float64)


@given(st.integers(1, 5).flatmap(lambda w: st.lists(st.lists(numbers, min_size=w, max_size=w), min_size=1)))
def test_rows_of_numbers_convert_bit_for_bit_as_one_by_one(rows: list[list[Any]]) -> None:
    array = float_array(rows, "data.inputs", 2)
    expected = one_by_one(rows, 2)
    assert array.shape == expected.shape
    assert array.dtype == np.float64
    assert array.tobytes() == expected.tobytes()  # -0.0 and the rounding of large integers too


@given(
    st.integers(1, 5).flatmap(lambda w: st.lists(st.lists(numbers, min_size=w, max_size=w), min_size=1)),
    st.integers(1, 4),
)
def test_rows_converted_a_few_at_a_time_are_the_same(rows: list[list[Any]], piece: int) -> None:
    """The reader converts a long list some thousand rows at a time (the window's thread gets a
    turn between them): cut anywhere, the array is the one converted whole."""
    array = _plain_float_array(rows, 2, piece)
    assert array is not None
    assert array.tobytes() == one_by_one(rows, 2).tobytes()


@given(st.lists(numbers, min_size=1))
def test_a_list_of_numbers_converts_bit_for_bit(values: list[Any]) -> None:
    assert float_array(values, "x", 1).tobytes() == one_by_one(values, 1).tobytes()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[1.0, 2.0], [3.0, True]], "data.inputs[1][1]: expected a number, got a boolean"),
        ([[1.0, 2.0], [3.0, "4"]], "data.inputs[1][1]: expected a number"),
        ([[1.0, 2.0], [3.0]], "data.inputs: row 1 has 1 values but row 0 has 2"),
        ([[1.0, [2.0]]], "data.inputs[0][1]: expected a number"),
        ([[1.0], 2.0], "data.inputs[1]: expected a list (a row)"),
        ([[1.0, 10**400]], "data.inputs[0][1]: an integer of 401 digits is too large for a float"),
        ([[1.0, None]], "data.inputs[0][1]: expected a number"),
    ],
)
def test_anything_else_is_checked_value_by_value_and_named(rows: list[Any], message: str) -> None:
    with pytest.raises(GradstepError) as caught:
        float_array(rows, "data.inputs", 2)
    assert message in str(caught.value)


def test_opening_a_file_reads_and_parses_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session or a walkthrough file is parsed once, not once to see which it is and again to
    read it (a 6 MB file's parse is a quarter of a second)."""
    from engine.files.session_file import parse_session

    session = tmp_path / "big.json"
    session.write_text(json.dumps(tiny_session_dict()))
    walkthrough = tmp_path / "tour.json"
    doc = {
        "format": "gradstep-walkthrough",
        "version": 1,
        "title": "t",
        "session": session_json(parse_session(tiny_session_dict())),
        "steps": [{"action": "step", "caption": "one stage"}],
    }
    walkthrough.write_text(json.dumps(doc))
    parsed: list[str] = []
    real = jsonio.loads

    def counted(text: str, what: str) -> Any:
        parsed.append(what)
        return real(text, what)

    monkeypatch.setattr(jsonio, "loads", counted)
    assert resolve_any(str(session)).sizes == (2, 3, 1)  # type: ignore[union-attr]
    assert parsed == [str(session)]
    assert isinstance(resolve_any(str(walkthrough)), Walkthrough)
    assert parsed == [str(session), str(walkthrough)]


def test_the_collector_is_paused_and_restored() -> None:
    assert gc.isenabled()
    with jsonio.collector_paused():
        assert not gc.isenabled()
        with jsonio.collector_paused():  # nested: the inner pause leaves it off
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError, match="fails"), jsonio.collector_paused():
        raise ValueError("a parse that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with jsonio.collector_paused():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
