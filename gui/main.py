"""The ``gradstep`` console script: headless commands run without Qt; the window is
imported only when it is opened."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.cli import main as cli_main


def _launch(spec: str | None) -> int:
    if sys.platform.startswith("linux") and not any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    ):
        # Qt would abort the interpreter with a page about platform plugins
        print(
            "gradstep: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set); "
            "the headless commands work without one: gradstep --help",
            file=sys.stderr,
        )
        return 2
    from gui.app import run_app

    return run_app(spec)


def _export(walkthrough: object, out: Path, size: tuple[int, int]) -> int:
    from engine.files.walkthrough import Walkthrough
    from gui.export import export_walkthrough

    assert isinstance(walkthrough, Walkthrough)
    return export_walkthrough(walkthrough, out, size)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradstep`` command."""
    return cli_main(argv, launcher=_launch, exporter=_export)


if __name__ == "__main__":
    sys.exit(main())
