"""``python -m gui.main``: the ``gradstep`` command; its entry point is :func:`engine.cli.main`."""

from __future__ import annotations

import sys

from engine.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
