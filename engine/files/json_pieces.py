"""JSON parsed in pieces, so a thread that parses a large file lets the others run.

``json`` parses a whole text in one C call that holds the interpreter's lock: a 6 MB session
file opened on a worker thread stopped the window's thread for 0.2-0.5 s. Here the objects
are walked in Python and an array in them is cut into pieces of about :data:`PIECE`
characters, each given to the same decoder (an array's items, a data set's rows, go whole);
between two pieces the interpreter can switch threads. Every value comes from the decoder
itself (its hooks, its numbers, its strings), so the result is the whole text's, and any text
the decoder would refuse raises ``ValueError`` here too (the caller parses it whole again for
the message).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import json

__all__ = ["PIECE", "parse_in_pieces"]

PIECE = 1 << 16  # characters: a few milliseconds of parsing
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json itself skips it


def parse_in_pieces(text: str, decoder: json.JSONDecoder, piece: int = PIECE) -> Any:
    """``decoder.decode(text)``, parsed in pieces of about ``piece`` characters."""
    value, end = _value(text, _space(text, 0), decoder, piece)
    if _space(text, end) != len(text):
        raise ValueError("extra data after the value")
    return value


def _space(text: str, i: int) -> int:
    return _SPACE.match(text, i).end()  # type: ignore[union-attr]  # it matches the empty string


def _value(text: str, i: int, decoder: json.JSONDecoder, piece: int) -> tuple[Any, int]:
    """An object is walked (a walkthrough's data is three objects deep), an array cut into
    pieces; anything else, and every item of an array, is one call of the decoder."""
    opening = text[i : i + 1]
    if opening == "{":
        return _object(text, i, decoder, piece)
    if opening == "[":
        return _array(text, i, decoder, piece)
    return decoder.raw_decode(text, i)


def _array(text: str, i: int, decoder: json.JSONDecoder, piece: int) -> tuple[list[Any], int]:
    start = i
    items: list[Any] = []
    i = _space(text, i + 1)
    if text[i : i + 1] == "]":
        return items, i + 1
    in_pieces = True
    while True:
        # Once the array has proved long (a short one's piece would run past its end, and
        # copying the piece costs), runs of items are cut at the separator after one of them:
        # "]," after a row, "}," after an object, "," after a number. A run decodes as an array
        # of its own only if the cut fell between two items of this array, not inside one or
        # past its end; after a cut that did not, the rest goes item by item.
        if in_pieces and i - start >= piece:
            opening = text[i : i + 1]
            separator = "]," if opening == "[" else "}," if opening == "{" else ","
            cut = text.find(separator, i + piece)
            if cut == -1:  # none further on now, none later either ("] ," between rows)
                in_pieces = False
            else:
                cut += len(separator) - 1
                try:
                    items.extend(decoder.decode("[" + text[i:cut] + "]"))
                except ValueError:
                    in_pieces = False
                else:
                    i = _space(text, cut + 1)
                    continue
        item, i = decoder.raw_decode(text, i)
        items.append(item)
        i = _space(text, i)
        following = text[i : i + 1]
        if following == "]":
            return items, i + 1
        if following != ",":
            raise ValueError("expected , or ] after an array item")
        i = _space(text, i + 1)


def _object(text: str, i: int, decoder: json.JSONDecoder, piece: int) -> tuple[Any, int]:
    pairs: list[tuple[str, Any]] = []
    i = _space(text, i + 1)
    while text[i : i + 1] != "}" or pairs:
        if text[i : i + 1] != '"':
            raise ValueError("expected a key")
        key, i = decoder.raw_decode(text, i)
        i = _space(text, i)
        if text[i : i + 1] != ":":
            raise ValueError("expected : after a key")
        value, i = _value(text, _space(text, i + 1), decoder, piece)
        pairs.append((key, value))
        i = _space(text, i)
        following = text[i : i + 1]
        if following == "}":
            break
        if following != ",":
            raise ValueError("expected , or } after a value")
        i = _space(text, i + 1)
    if decoder.object_pairs_hook is not None:
        return decoder.object_pairs_hook(pairs), i + 1
    obj = dict(pairs)
    return (obj if decoder.object_hook is None else decoder.object_hook(obj)), i + 1
