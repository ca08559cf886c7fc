"""The menu entry (applications/gradstep.desktop) by the Desktop Entry specification (version
1.4, the newest that Debian's desktop-file-validate knows)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.desktop.paths import TEMPLATE
from engine.errors import GradstepError

# characters that make an Exec argument need quoting (Desktop Entry spec, "The Exec key")
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = set('"`$\\')
LAUNCHER_NAMES = ("gradstep", "gradstep-window")


def launcher_command(argv0: str | None = None, executable: str | None = None) -> list[str]:
    """The command that starts this Gradstep: the console script that is running (under pipx,
    the one on PATH that pipx keeps pointing at the application's own environment), or else
    this interpreter with ``-m engine.cli``."""
    script = Path(sys.argv[0] if argv0 is None else argv0)
    if script.name in LAUNCHER_NAMES and script.is_file():
        return [os.path.abspath(script)]
    return [executable or sys.executable, "-m", "engine.cli"]


def exec_argument(arg: str) -> str:
    """One argument as it is written in an Exec value: quoted when it holds a reserved
    character, ``%`` doubled, then a string value's backslash escape."""
    if "\n" in arg or "\r" in arg:
        raise GradstepError(f"cannot put {arg!r} in a desktop entry's Exec line: it holds a line break")
    if any(ch in _RESERVED for ch in arg):
        arg = '"' + "".join("\\" + ch if ch in _ESCAPED_IN_QUOTES else ch for ch in arg) + '"'
    return arg.replace("%", "%%").replace("\\", "\\\\")


def exec_line(command: Sequence[str]) -> str:
    """The Exec value: ``command`` then ``%f``, the one file a double-click opens."""
    return " ".join(exec_argument(arg) for arg in command) + " %f"


def desktop_entry(command: Sequence[str], template: Path = TEMPLATE) -> str:
    """The template in resources/ with its Exec key set to run ``command``."""
    lines = template.read_text(encoding="utf-8").splitlines()
    out = [f"Exec={exec_line(command)}" if line.startswith("Exec=") else line for line in lines]
    return "\n".join(out) + "\n"
