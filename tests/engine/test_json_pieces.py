"""JSON parsed in pieces gives what ``json`` gives the whole text, and refuses what it refuses."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import GradstepError
from engine.files import jsonio
from engine.files.json_pieces import parse_in_pieces

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)  # -0.0 and 1e-300 among them
    | st.text(max_size=6)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=4), inner, max_size=5),
    max_leaves=60,
)
LAYOUTS = st.sampled_from(
    [{}, {"indent": 1}, {"indent": "\t"}, {"separators": (",", ":")}, {"separators": (" ,\n", " : ")}]
)


class CountingDecoder(json.JSONDecoder):
    """Counts the calls that parse a run of items in one go."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pieces = 0

    def decode(self, s: str, *args: Any, **kwargs: Any) -> Any:
        self.pieces += 1
        return super().decode(s, *args, **kwargs)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types and key order throughout (1 is not 1.0, -0.0 is not 0.0)."""
    return repr(a) == repr(b)


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", parse(text)
    except (ValueError, RecursionError):
        return "refused", None


@settings(max_examples=300, deadline=None)
@given(value=VALUES, layout=LAYOUTS, piece=st.integers(1, 40))
def test_a_valid_text_parses_to_what_json_gives(value: Any, layout: dict[str, Any], piece: int) -> None:
    text = json.dumps(value, **layout)
    assert same(parse_in_pieces(text, json.JSONDecoder(), piece), json.loads(text))


@settings(max_examples=400, deadline=None)
@given(
    value=VALUES,
    layout=LAYOUTS,
    piece=st.integers(1, 40),
    where=st.floats(0, 1),
    edit=st.sampled_from(["cut", "drop", "insert"]),
    char=st.sampled_from(list(',:[]{}"\\ 0-.eE\ufeff') + ["NaN", "1,", "],", "},"]),
)
def test_a_broken_text_is_refused_as_json_refuses_it(
    value: Any, layout: dict[str, Any], piece: int, where: float, edit: str, char: str
) -> None:
    text = json.dumps(value, **layout)
    at = int(where * len(text))
    edits = {"cut": text[:at], "drop": text[:at] + text[at + 1 :], "insert": text[:at] + char + text[at:]}
    broken = edits[edit]
    hooks = {
        "parse_constant": jsonio._refuse_constant,
        "parse_int": jsonio._refuse_integer,
        "object_pairs_hook": jsonio._refuse_duplicates,
    }
    ours = outcome(lambda t: parse_in_pieces(t, json.JSONDecoder(**hooks), piece), broken)
    theirs = outcome(lambda t: json.loads(t, **hooks), broken)
    assert ours[0] == theirs[0]
    assert same(ours[1], theirs[1])


def session_text(rows: int, **layout: Any) -> str:
    x = np.random.default_rng(3).random((rows, 2)).round(6)
    targets = [[int(v > 0.5)] for v in x[:, 0]]
    doc = {"network": {"sizes": [2, 3, 1]}, "data": {"inputs": x.tolist(), "targets": targets}}
    return json.dumps(doc, **layout)


@pytest.mark.parametrize("layout", [{}, {"indent": 2}, {"separators": (",", ":")}])
def test_a_large_file_is_parsed_in_many_pieces(layout: dict[str, Any]) -> None:
    text = session_text(20_000, **layout)
    decoder = CountingDecoder()
    assert same(parse_in_pieces(text, decoder, piece=4096), json.loads(text))
    # every piece is about 4 kB: far more than one call, yet not one call per row
    assert len(text) / 4096 / 2 < decoder.pieces < len(text) / 4096 * 2


def test_loads_parses_a_large_text_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    text = session_text(30_000)
    assert len(text) > jsonio.PIECEWISE_FROM
    calls = []
    real = jsonio.parse_in_pieces
    monkeypatch.setattr(jsonio, "parse_in_pieces", lambda *a: calls.append(1) or real(*a))
    assert same(jsonio.loads(text, "big.json"), json.loads(text))
    assert calls == [1]


@pytest.mark.parametrize(
    ("swap", "message"),
    [
        ('"targets"', r"big\.json: data\.inputs: given twice"),
        ("NaN", r"big\.json: data\.inputs\[\d+\]\[\d\]: NaN is not a number JSON allows"),
    ],
)
def test_a_large_text_is_refused_with_the_place_named(swap: str, message: str) -> None:
    text = session_text(30_000)
    if swap == '"targets"':
        broken = text.replace('"targets"', '"inputs"')
    else:
        number = re.compile(r"-?\d+\.\d+").search(text, len(text) // 2)  # a row's number, midway
        assert number is not None
        broken = text[: number.start()] + "NaN" + text[number.end() :]
    assert len(broken) > jsonio.PIECEWISE_FROM
    with pytest.raises(GradstepError, match=message):
        jsonio.loads(broken, "big.json")


def test_a_large_text_cut_short_is_invalid_json_at_its_end() -> None:
    text = session_text(30_000)[:-40]
    with pytest.raises(GradstepError, match=r"big\.json: invalid JSON at line 1 column \d+"):
        jsonio.loads(text, "big.json")


def test_a_walkthroughs_session_data_three_objects_deep_is_parsed_in_pieces() -> None:
    data = json.loads(session_text(20_000))
    text = json.dumps({"format": "gradstep-walkthrough", "session": {"title": "t", **data}, "steps": []})
    decoder = CountingDecoder()
    assert same(parse_in_pieces(text, decoder, piece=4096), json.loads(text))
    assert decoder.pieces > len(text) / 4096 / 2


def test_an_array_of_small_arrays_goes_item_by_item_after_one_failed_cut() -> None:
    """Matrices in a list: a cut after a row falls inside a matrix, so one piece fails and the
    rest is decoded a matrix at a time (each further cut had cost a copy and a parse)."""
    rng = np.random.default_rng(2)
    text = json.dumps([rng.random((5, 3)).round(6).tolist() for _ in range(4000)])
    decoder = CountingDecoder()
    assert same(parse_in_pieces(text, decoder, piece=4096), json.loads(text))
    assert decoder.pieces == 1


def test_rows_with_a_space_before_their_commas_are_not_searched_again_for_every_row() -> None:
    """No "]," anywhere (a writer that puts "] ," between rows): the first search finds none and
    the rest goes row by row (searching again for every row took 100 s for 2 MB)."""
    rows = np.random.default_rng(5).random((20_000, 2)).round(6).tolist()
    text = json.dumps({"data": {"inputs": rows}}, separators=(" ,", ":"))
    assert "]," not in text
    decoder = CountingDecoder()
    assert same(parse_in_pieces(text, decoder, piece=4096), json.loads(text))
    assert decoder.pieces == 0
