"""``gradstep desktop install|uninstall``: the command line of :mod:`engine.desktop.install`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.desktop.install import Outcome


def add_parser(subparsers: Any) -> None:
    """Register ``desktop`` on the CLI's subparsers."""
    desktop = subparsers.add_parser(
        "desktop",
        help="add Gradstep to the desktop's menu and file types (per user, under $XDG_DATA_HOME), "
        "or remove it",
    )
    desktop.add_argument(
        "action",
        choices=("install", "uninstall"),
        help="install: the menu entry, the icon and the session and walkthrough file types; "
        "uninstall: remove every file install wrote",
    )


def run(args: argparse.Namespace) -> int:
    """Install or uninstall; prints what was written or removed and what each tool did."""
    # here, not at the top: every launch of `gradstep` builds the parser from this module
    from engine.desktop.entry import launcher_command
    from engine.desktop.install import install, uninstall
    from engine.desktop.paths import data_home

    home = data_home()
    if args.action == "install":
        command = launcher_command()
        outcome = install(home, command)
        verb = "wrote"
    else:
        outcome = uninstall(home)
        verb = "removed"
    _report(outcome, verb)
    if args.action == "install":
        print(f"the menu entry runs: {' '.join(command)}")
    return 0


def _report(outcome: Outcome, verb: str) -> None:
    for path in outcome.files:
        print(f"{verb} {path}")
    for note in outcome.notes:
        print(note)
