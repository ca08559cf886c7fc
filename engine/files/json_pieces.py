"""JSON parsed in pieces, so a thread that parses a large file lets the others run.

``json`` parses a whole text in one C call that holds the interpreter's lock: a 6 MB session
file opened on a worker thread stopped the window's thread for 0.2-0.5 s. Here the outer
objects and arrays are walked in Python and the long arrays in them are cut into pieces of
about :data:`PIECE` characters, each given to the same decoder; between two pieces the
interpreter can switch threads. Every value comes from the decoder itself (its hooks, its
numbers, its strings), so the result is the whole text's, and any text the decoder would refuse
raises ``ValueError`` here too (the caller parses it whole again for the message).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import json

__all__ = ["PIECE", "parse_in_pieces"]

PIECE = 1 << 16  # characters: a few milliseconds of parsing
WALKED = 3  # depth of the containers walked in Python; deeper ones (a data row) go whole
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json itself skips it


def parse_in_pieces(text: str, decoder: json.JSONDecoder, piece: int = PIECE) -> Any:
    """``decoder.decode(text)``, parsed in pieces of about ``piece`` characters."""
    value, end = _value(text, _space(text, 0), decoder, piece, 0)
    if _space(text, end) != len(text):
        raise ValueError("extra data after the value")
    return value


def _space(text: str, i: int) -> int:
    return _SPACE.match(text, i).end()  # type: ignore[union-attr]  # it matches the empty string


def _value(text: str, i: int, decoder: json.JSONDecoder, piece: int, depth: int) -> tuple[Any, int]:
    opening = text[i : i + 1]
    if depth < WALKED and opening == "[":
        return _array(text, i, decoder, piece, depth)
    if depth < WALKED and opening == "{":
        return _object(text, i, decoder, piece, depth)
    return decoder.raw_decode(text, i)


def _array(text: str, i: int, decoder: json.JSONDecoder, piece: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    i = _space(text, i + 1)
    if text[i : i + 1] == "]":
        return items, i + 1
    whole_until = -1  # a piece that failed ended here: item by item up to there
    while True:
        if i > whole_until:
            # A run of items ends where the separator after one of them is: "]," after a row,
            # "}," after an object, "," after a number. The run decodes as an array of its own
            # only if the cut fell between two items of this array, not inside one or after it.
            opening = text[i : i + 1]
            separator = "]," if opening == "[" else "}," if opening == "{" else ","
            cut = text.find(separator, i + piece)
            if cut != -1:
                cut += len(separator) - 1
                try:
                    items.extend(decoder.decode("[" + text[i:cut] + "]"))
                except ValueError:
                    whole_until = cut
                else:
                    i = _space(text, cut + 1)
                    continue
        item, i = _value(text, i, decoder, piece, depth + 1)
        items.append(item)
        i = _space(text, i)
        following = text[i : i + 1]
        if following == "]":
            return items, i + 1
        if following != ",":
            raise ValueError("expected , or ] after an array item")
        i = _space(text, i + 1)


def _object(text: str, i: int, decoder: json.JSONDecoder, piece: int, depth: int) -> tuple[Any, int]:
    pairs: list[tuple[str, Any]] = []
    i = _space(text, i + 1)
    while text[i : i + 1] != "}" or pairs:
        if text[i : i + 1] != '"':
            raise ValueError("expected a key")
        key, i = decoder.raw_decode(text, i)
        i = _space(text, i)
        if text[i : i + 1] != ":":
            raise ValueError("expected : after a key")
        value, i = _value(text, _space(text, i + 1), decoder, piece, depth + 1)
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
