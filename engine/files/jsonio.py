"""Strict JSON reading: every failure is a GradstepError naming the file and the field."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from engine.errors import GradstepError
from engine.files.atomic import write_atomic
from engine.files.json_pieces import PIECE, parse_in_pieces
from engine.files.reading import MAX_FILE_BYTES, read_file_bytes

if TYPE_CHECKING:  # json itself is imported by the first read or write: a launch on an example has none
    import json

__all__ = ["MAX_FILE_BYTES", "dumps", "find", "loads", "read_json", "read_json_as", "write_atomic"]

T = TypeVar("T")

PIECEWISE_FROM = 4 * PIECE  # characters: a shorter text is parsed in one call (a few milliseconds)

# Python refuses to convert integers longer than this to or from text (CVE-2020-10735)
_MAX_DIGITS = sys.get_int_max_str_digits() or 4300


class _Refused:
    """Stands in for a value JSON parsing refused (NaN, Infinity, an endless integer) while
    looking for the field that holds it."""

    def __init__(self, message: str) -> None:
        self.message = message


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _mark_constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a number JSON allows (non-finite values are refused)")


def _refuse_integer(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise ValueError(text[:20])
    return int(text)


def _mark_integer(text: str) -> int | _Refused:
    if len(text) > _MAX_DIGITS:
        return _Refused(f"an integer of {len(text.lstrip('-')):,} digits is not a usable number")
    return int(text)


class _Duplicate(ValueError):
    """A key given twice in one object: JSON would silently keep the last."""


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Duplicate
    return out


def _mark_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        out[key] = (
            _Refused("given twice (a field takes one value; JSON would keep the last)")
            if key in out
            else value
        )
    return out


def find(value: Any, test: Callable[[Any], bool], where: str = "") -> tuple[str, Any] | None:
    """(path like "steps[2].expect.loss", the value) of the first leaf for which ``test`` holds.

    Iterative, so a deeply nested file cannot exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            stack.extend((f"{path}.{_key(k)}" if path else _key(k), v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(item))))
        elif test(item):
            return path, item
    return None


def _key(key: Any) -> str:
    """A key as a message names it: as it is, or (empty, blank-edged or with a line break or
    other unprintable character in it) as its JSON string, so the message stays one line."""
    import json

    text = str(key)
    return text if text and text.isprintable() and text.strip() == text else json.dumps(text)


def _is_bad_text(value: Any) -> bool:
    """A string with a lone surrogate (JSON's "\\ud800"): it cannot be printed or saved as UTF-8."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _located(what: str, where: str, message: str) -> GradstepError:
    return GradstepError(f"{what}: {where}: {message}" if where else f"{what}: {message}", where or None)


def _invalid(what: str, exc: json.JSONDecodeError) -> GradstepError:
    return GradstepError(f"{what}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while building a large tree of new objects.

    Parsing makes a list per JSON array and none of them is in a cycle, yet every few hundred
    new containers start a collection, and the full ones walk every object in the process while
    holding the interpreter's lock: parsing a 6 MB session file on a worker thread stopped the
    window's thread for 0.3 s at a time. Pauses on two threads may overlap: the collector is on
    again once the first pause that found it on has ended.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _strict_parse(text: str) -> Any:
    """``text`` parsed, refusing what :func:`loads` refuses; a large text in pieces, so that a
    worker thread parsing it lets the window's thread run."""
    import json

    hooks: dict[str, Any] = {
        "parse_constant": _refuse_constant,
        "parse_int": _refuse_integer,
        "object_pairs_hook": _refuse_duplicates,
    }
    if len(text) > PIECEWISE_FROM:
        try:
            return parse_in_pieces(text, json.JSONDecoder(**hooks))
        except (ValueError, RecursionError):
            pass  # invalid or refused: parsed whole below, for the message that says where
    return json.loads(text, **hooks)


def loads(text: str, what: str) -> Any:
    """Parse JSON, refusing NaN, Infinity, integers too long to convert, and text that is not
    valid Unicode, and a key given twice in one object (``"bias": false`` beside a ``"bias"``
    array), with a message that names ``what`` and the field."""
    import json

    try:
        with collector_paused():
            value = _strict_parse(text)
    except json.JSONDecodeError as exc:
        raise _invalid(what, exc) from None
    except RecursionError:
        raise GradstepError(f"{what}: JSON nested too deeply") from None
    except ValueError:  # a refused constant, integer or key: parse again to say where it is
        try:
            marked = json.loads(
                text,
                parse_constant=_mark_constant,
                parse_int=_mark_integer,
                object_pairs_hook=_mark_duplicates,
            )
        except json.JSONDecodeError as exc:  # a refused value before the text turns invalid
            raise _invalid(what, exc) from None
        found = find(marked, lambda v: isinstance(v, _Refused))
        where, refused = found if found is not None else ("", _Refused("a value JSON does not allow"))
        raise _located(what, where, refused.message) from None
    if "\\u" in text:  # only an escape can make a lone surrogate
        found = find(value, _is_bad_text)
        if found is not None:
            raise _located(what, found[0], "text with a lone surrogate (\\ud800-\\udfff), not valid Unicode")
    return value


def read_json(path: Path) -> Any:
    """Read and parse a JSON file; every failure becomes a GradstepError naming the file."""
    data = read_file_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise GradstepError(f"{path}: not a UTF-8 text file") from None
    return loads(text, str(path))


def read_json_as(path: Path, parse: Callable[[Any, Path], T]) -> T:
    """What ``parse(data, folder)`` makes of the JSON file ``path`` (``folder`` is the file's own,
    for the paths in it), with the collector paused until the parsed tree is converted and gone:
    each of the collector's walks of a 6 MB file's 600,000 lists held the interpreter's lock for
    30 ms, and a large file is read on a worker thread while the window's thread paints."""
    with collector_paused():
        return parse(read_json(path), path.resolve().parent)


def dumps(value: Any) -> str:
    """Serialise to JSON; float64 values round-trip exactly (repr is shortest round-trip)."""
    import json

    return json.dumps(value, allow_nan=False, separators=(",", ":")) + "\n"
