"""Gradstep's own MIME types: a session and a walkthrough, each known by a file-name suffix
that still ends in .json (so other tools read the files as JSON) and by its "format" field.

Gradstep writes ``{"format":"gradstep-session",...`` (compact, the format first), which the
magic rule matches at offset 0; a file written by hand or by ``json.dumps(..., indent=2)``
has ``"format": "gradstep-session"`` somewhere near the start, which the tolerant rules match
in the first 256 bytes. A walkthrough holds a session, so its rule has the higher priority.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Literal

Kind = Literal["session", "walkthrough"]

SESSION_MIME = "application/x-gradstep-session"
WALKTHROUGH_MIME = "application/x-gradstep-walkthrough"
SESSION_SUFFIX = ".gradstep.json"
WALKTHROUGH_SUFFIX = ".gradwalk.json"
MIME_TYPES: dict[Kind, str] = {"session": SESSION_MIME, "walkthrough": WALKTHROUGH_MIME}
SUFFIXES: dict[Kind, str] = {"session": SESSION_SUFFIX, "walkthrough": WALKTHROUGH_SUFFIX}
_FORMATS: dict[Kind, str] = {"session": "gradstep-session", "walkthrough": "gradstep-walkthrough"}
_COMMENTS: dict[Kind, str] = {"session": "Gradstep session", "walkthrough": "Gradstep walkthrough"}
_PRIORITY: dict[Kind, int] = {"session": 60, "walkthrough": 70}
MAGIC_WINDOW = 256  # bytes in which the tolerant rules look for the format field


def with_suffix(path: Path, kind: Kind) -> Path:
    """``path`` as a save dialog should complete it: a name with no suffix gets the Gradstep
    suffix of ``kind``; a name with one (``.json`` included) is kept as typed."""
    return path if path.suffix else path.with_name(path.name + SUFFIXES[kind])


def kind_of_name(name: str) -> Kind | None:
    """The kind a file name's suffix says, or None."""
    lower = name.lower()
    for kind, suffix in SUFFIXES.items():
        if lower.endswith(suffix):
            return kind
    return None


def magic_values(kind: Kind) -> list[tuple[str, str]]:
    """(string, offset) pairs of the magic rule: Gradstep's own output at the start, then the
    format field with and without a space after the colon anywhere in the first bytes."""
    field = _FORMATS[kind]
    window = f"0:{MAGIC_WINDOW}"
    return [
        (f'{{"format":"{field}"', "0"),
        (f'"format":"{field}"', window),
        (f'"format": "{field}"', window),
        (f'"format" : "{field}"', window),
    ]


def _mime_type_xml(kind: Kind) -> list[str]:
    lines = [
        f"  <mime-type type={_attribute(MIME_TYPES[kind])}>",
        f"    <comment>{_COMMENTS[kind]}</comment>",
        '    <sub-class-of type="application/json"/>',
        '    <icon name="gradstep"/>',
        f'    <glob pattern="*{SUFFIXES[kind]}" weight="60"/>',
        f'    <magic priority="{_PRIORITY[kind]}">',
    ]
    lines += [
        f'      <match type="string" value={_attribute(value)} offset="{offset}"/>'
        for value, offset in magic_values(kind)
    ]
    lines += ["    </magic>", "  </mime-type>"]
    return lines


def mime_package_xml() -> str:
    """The shared-mime-info package (mime/packages/gradstep.xml) declaring both types."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">',
        *_mime_type_xml("session"),
        *_mime_type_xml("walkthrough"),
        "</mime-info>",
    ]
    return "\n".join(lines) + "\n"


def display_stem(name: str) -> str:
    """A file's name without its Gradstep suffix (or its last suffix): what a title shows."""
    kind = kind_of_name(name)
    return name[: -len(SUFFIXES[kind])] if kind is not None else Path(name).stem


def _attribute(value: str) -> str:
    """``value`` as a quoted XML attribute (xml.sax.saxutils.quoteattr would import urllib,
    http and ssl at the window's start)."""
    return f'"{html.escape(value, quote=True)}"'
