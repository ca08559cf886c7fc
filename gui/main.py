"""The ``gradstep`` console script: headless commands run without Qt; the window is
imported only when it is opened."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from engine.cli import main as cli_main


def _launch(spec: str | None) -> int:
    from gui.app import run_app

    return run_app(spec)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradstep`` command."""
    return cli_main(argv, launcher=_launch)


if __name__ == "__main__":
    sys.exit(main())
