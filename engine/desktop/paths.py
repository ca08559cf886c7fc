"""Where the desktop's per-user files live ($XDG_DATA_HOME) and where Gradstep's icons are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"
TEMPLATE = Path(__file__).resolve().parents[2] / "resources" / "gradstep.desktop"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
ICON_NAME = "gradstep"


def png_icon(size: int) -> Path:
    """The committed PNG rendering of the icon at ``size`` pixels (scripts/make_icons.py)."""
    return ICON_DIR / f"gradstep-{size}.png"


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when it is unset, empty or relative (the XDG Base
    Directory specification says a relative path is invalid and must be ignored)."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(env.get("HOME") or Path.home()) / ".local" / "share"
