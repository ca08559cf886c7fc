"""The ``gradstep`` command line's arguments: the parser and what it is given."""

from __future__ import annotations

import argparse
import math
from typing import Any, NoReturn

from engine import __version__
from engine.desktop import command as desktop_command
from engine.errors import GradstepError
from engine.learner.debug import command as debug_command

EXIT_BAD_INPUT = 2
NEW_INSTANCE = "--new-instance"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        if len(message) > 240:  # argparse quotes the value it refused, however long
            message = message[:200] + "... (cut)"
        self.exit(EXIT_BAD_INPUT, f"gradstep: error: {message} (see gradstep --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; ``gradstep --help`` prints it."""
    parser = _Parser(
        prog="gradstep",
        description="Gradstep: a step-through debugger for backpropagation. With no command, "
        "opens the window on SESSION (a session file or example:NAME; default example:xor).",
        epilog="Indices are 0-based. Exit codes: 0 success, 1 check found a disagreement, 2 bad "
        "input, 3 a run stopped on a non-finite value.",
    )
    parser.add_argument("--version", action="version", version=f"gradstep {__version__}")
    parser.add_argument(
        NEW_INSTANCE,
        action="store_true",
        help="open a window of its own instead of handing SESSION to the Gradstep already running",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # the commands that compute take --threads (the window reads GRADSTEP_THREADS)
    threads = _Parser(add_help=False)
    threads.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="threads for NumPy's matrix products (default: $GRADSTEP_THREADS, else 1, the fastest "
        "for Gradstep's network sizes)",
    )

    run = sub.add_parser(
        "run", parents=[threads], help="train a session and print progress and the final loss"
    )
    run.add_argument("session", metavar="SESSION", help="session file or example:NAME")
    run.add_argument("--iterations", type=int, metavar="N", help="updates to run (default: the session's)")
    run.add_argument("--trace", metavar="TRACE.json", help="write every iteration to a trace file")
    run.add_argument("--every", type=int, metavar="K", help="print the loss every K iterations")
    run.add_argument("--loss-below", type=float, metavar="X", help="stop when the loss falls below X")

    chain = sub.add_parser(
        "chain", parents=[threads], help="explain one parameter's gradient by the chain rule"
    )
    chain.add_argument("session", metavar="SESSION", help="session file or example:NAME")
    what = chain.add_mutually_exclusive_group(required=True)
    what.add_argument("--weight", metavar="L:J:I", help="weight from input I to unit J of layer L")
    what.add_argument("--bias", metavar="L:J", help="bias of unit J of layer L")
    chain.add_argument(
        "--iteration",
        type=int,
        default=None,
        metavar="K",
        help="iteration to explain (default: the session's first)",
    )
    chain.add_argument("--json", action="store_true", help="print JSON")

    check = sub.add_parser(
        "check",
        parents=[threads],
        help="compare your own train_step with the correct computation and name the bug",
    )
    check.add_argument(
        "code", metavar="CODE.py", help="a file defining train_step(weights, biases, X, Y, learning_rate)"
    )
    check.add_argument("--session", required=True, metavar="SESSION", help="session file or example:NAME")
    check.add_argument("--iterations", type=int, default=5, metavar="N", help="steps to compare (default 5)")
    check.add_argument(
        "--timeout", type=float, default=20.0, metavar="S", help="seconds your code may take (default 20)"
    )
    check.add_argument(
        "--memory-limit", type=int, default=2048, metavar="MB", help="memory your code may use (default 2048)"
    )
    check.add_argument("--json", action="store_true", help="print JSON")

    export = sub.add_parser(
        "export",
        parents=[threads],
        help="write a walkthrough as PNG frames, GIF, MP4 or Markdown, or a session as Markdown",
    )
    export.add_argument("source", metavar="WALKTHROUGH|SESSION", help="a file or example:NAME")
    export.add_argument(
        "--out",
        required=True,
        metavar="OUT",
        help="a folder (PNG per step), .gif, .mp4 or .md; or .py: the session as a training script",
    )
    export.add_argument("--size", default="1280x800", metavar="WxH", help="frame size (default 1280x800)")
    export.add_argument(
        "--torch",
        action="store_true",
        help="with --out NAME.py: a PyTorch script instead of NumPy (torch runs it; Gradstep needs none)",
    )
    export.add_argument(
        "--orientation",
        choices=("out-in", "in-out"),
        help="with --out NAME.py: weights as (units, inputs), Gradstep's (the default), or as (inputs, "
        "units), the seed tutorials' z = X @ W + b",
    )
    _add_import_parser(sub)

    sub.add_parser("examples", help="list the built-in examples")
    debug_command.add_parser(sub)
    desktop_command.add_parser(sub)
    return parser


def _add_import_parser(sub: Any) -> None:
    model = sub.add_parser(
        "import", help="read a PyTorch nn.Sequential (or its state_dict) into a session file (needs torch)"
    )
    model.add_argument("model", metavar="MODEL.pt", help="a saved nn.Sequential of Linear and activations")
    model.add_argument("--out", required=True, metavar="SESSION.json", help="the session file to write")
    model.add_argument(
        "--like",
        metavar="SESSION",
        help="take the loss, optimizer, data and the rest from this session (default: XOR for a "
        "2-input, 1-output network)",
    )
    model.add_argument(
        "--activations",
        metavar="A,B,...",
        help="each layer's activation, for a state_dict (which holds none) or to override the model's",
    )


# options that take a value which may start with "-" (argparse reads "-1:0:0" or "-1e-3" as an
# option and answers "expected one argument")
_VALUE_OPTIONS = {"--weight", "--bias", "--loss-below", "--size", "--iteration", "--iterations", "--every"}
_VALUE_OPTIONS |= {"--timeout", "--trace", "--out", "--session", "--memory-limit", "--threads"}
_VALUE_OPTIONS |= {"--like", "--activations"}
COMMANDS = {"run", "chain", "check", "export", "examples", "debug", "desktop", "import"}


def join_option_values(args: list[str]) -> list[str]:
    """``--weight -1:0:0`` as ``--weight=-1:0:0``, so the value reaches its own check."""
    out: list[str] = []
    i = 0
    while i < len(args):
        value = args[i + 1] if i + 1 < len(args) else ""
        if args[i] in _VALUE_OPTIONS and value.startswith("-") and not value.startswith("--"):
            out.append(f"{args[i]}={value}")
            i += 2
            continue
        out.append(args[i])
        i += 1
    return out


def finite_option(name: str, value: float | None, positive: bool = False) -> None:
    """Refuse NaN and infinities (and, with ``positive``, values <= 0) for option ``name``."""
    if value is None:
        return
    if not math.isfinite(value) or (positive and value <= 0):
        kind = "a positive number of seconds" if positive else "a finite number"
        raise GradstepError(f"{name}: expected {kind}, got {value}")


def strict_json(value: Any) -> Any:
    """``value`` with NaN and infinities as the strings "NaN", "Infinity", "-Infinity": a
    learner's NaN must not make the report invalid JSON for other tools."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    return value
