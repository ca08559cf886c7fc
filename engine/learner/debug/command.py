"""The ``gradstep debug`` subcommand: its arguments and what it prints."""

from __future__ import annotations

import argparse
from typing import Any

from engine.errors import GradstepError


def add_parser(subparsers: Any) -> None:
    """Register ``debug`` on the CLI's subparsers."""
    debug = subparsers.add_parser(
        "debug", help="run your own backprop program line by line and name the first wrong line"
    )
    debug.add_argument(
        "code",
        metavar="CODE",
        help="your program, unmodified: a script, a class-based file, a notebook (.ipynb), or a file "
        "defining train_step",
    )
    debug.add_argument(
        "--session",
        metavar="SESSION",
        help="session file or example:NAME giving or overriding the loss, learning rate and activations "
        "(required for a file that only defines train_step)",
    )
    debug.add_argument(
        "--iterations", type=int, default=3, metavar="N", help="iterations of the training loop (default 3)"
    )
    debug.add_argument(
        "--timeout", type=float, default=20.0, metavar="S", help="seconds your program may take (default 20)"
    )
    debug.add_argument("--json", action="store_true", help="print JSON (gradstep-debug version 1)")


def run(args: argparse.Namespace) -> int:
    """Run ``gradstep debug``; 0 every line right, 1 a wrong line (GradstepError: bad input)."""
    import json

    from engine.cli_args import finite_option, strict_json
    from engine.files.examples import resolve
    from engine.learner.debug.debugger import debug_code

    if args.iterations < 1:
        raise GradstepError(f"--iterations must be at least 1, got {args.iterations}")
    # NaN compares false with everything and inf never runs out: both would lift the limit
    finite_option("--timeout", args.timeout, positive=True)
    session = None if args.session is None else resolve(args.session)
    report = debug_code(args.code, session, iterations=args.iterations, timeout=args.timeout)
    if args.json:
        print(json.dumps(strict_json(report.to_json()), indent=2, allow_nan=False, ensure_ascii=False))
    else:
        print(report.to_text())
    return report.exit_code
