"""The ``gradstep`` command line. Headless commands never import Qt; opening the window is
delegated to a launcher that the console script passes in."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from engine import __version__
from engine.core import allocator
from engine.errors import GradstepError
from engine.explain.chain import parse_parameter
from engine.files.examples import example, example_names, resolve, resolve_any, resolve_walkthrough_path
from engine.files.jsonio import write_atomic
from engine.history.session import Session
from engine.history.snapshot import Breakpoints, IterationSummary, RunResult
from engine.learner.debug import command as debug_command

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_NON_FINITE = 3
EXIT_DISAGREES = 1

Launcher = Callable[[str | None], int]
# renders a walkthrough through the window's widgets: (walkthrough, out path, (w, h)) -> exit code
Exporter = Callable[[object, Path, tuple[int, int]], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"gradstep: error: {message}\n(see gradstep --help)\n")


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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="train a session and print progress and the final loss")
    run.add_argument("session", metavar="SESSION", help="session file or example:NAME")
    run.add_argument("--iterations", type=int, metavar="N", help="updates to run (default: the session's)")
    run.add_argument("--trace", metavar="TRACE.json", help="write every iteration to a trace file")
    run.add_argument("--every", type=int, metavar="K", help="print the loss every K iterations")
    run.add_argument("--loss-below", type=float, metavar="X", help="stop when the loss falls below X")

    chain = sub.add_parser("chain", help="explain one parameter's gradient by the chain rule")
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
        "check", help="compare your own train_step with the correct computation and name the bug"
    )
    check.add_argument(
        "code", metavar="CODE.py", help="a file defining train_step(weights, biases, X, Y, learning_rate)"
    )
    check.add_argument("--session", required=True, metavar="SESSION", help="session file or example:NAME")
    check.add_argument("--iterations", type=int, default=5, metavar="N", help="steps to compare (default 5)")
    check.add_argument(
        "--timeout", type=float, default=20.0, metavar="S", help="seconds your code may take (default 20)"
    )
    check.add_argument("--json", action="store_true", help="print JSON")

    export = sub.add_parser(
        "export", help="write a walkthrough as PNG frames, GIF, MP4 or Markdown, or a session as Markdown"
    )
    export.add_argument("source", metavar="WALKTHROUGH|SESSION", help="a file or example:NAME")
    export.add_argument(
        "--out", required=True, metavar="OUT", help="a folder (PNG per step), .gif, .mp4 or .md"
    )
    export.add_argument("--size", default="1280x800", metavar="WxH", help="frame size (default 1280x800)")

    sub.add_parser("examples", help="list the built-in examples")
    debug_command.add_parser(sub)
    return parser


def main(
    argv: Sequence[str] | None = None, launcher: Launcher | None = None, exporter: Exporter | None = None
) -> int:
    """Run the command line; returns the exit code."""
    for stream in (sys.stdout, sys.stderr):
        # ∂, δ and · in the chain rule must not crash a terminal or pipe in a legacy encoding
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")
    args_list = list(sys.argv[1:] if argv is None else argv)
    allocator.tune()
    parser = build_parser()
    commands = {"run", "chain", "check", "export", "examples", "debug"}
    if args_list and not args_list[0].startswith("-") and args_list[0] not in commands:
        if len(args_list) > 1:
            parser.error(f"unexpected arguments after the session: {' '.join(args_list[1:])}")
        return _open(args_list[0], launcher)
    args = parser.parse_args(args_list)
    try:
        if args.command is None:
            return _open(None, launcher)
        if args.command == "examples":
            return _examples()
        if args.command == "run":
            return _run(args)
        if args.command in ("check", "debug"):  # the learner's own code, by step or by line
            return (_check if args.command == "check" else debug_command.run)(args)
        if args.command == "export":
            return _export(args, exporter)
        return _chain(args)
    except GradstepError as exc:
        print(f"gradstep: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK


def _open(spec: str | None, launcher: Launcher | None) -> int:
    if launcher is None:
        print("gradstep: the window is not available from this entry point", file=sys.stderr)
        return EXIT_BAD_INPUT
    return launcher(spec)


def _examples() -> int:
    from engine.files.examples import walkthrough_names
    from engine.files.walkthrough import load_walkthrough

    names = [*example_names(), *walkthrough_names()]
    width = max(len(name) for name in names)
    print("sessions:")
    for name in example_names():
        print(f"  example:{name:<{width}}  {example(name).summary}")
    print("walkthroughs (open in tutorial mode; gradstep export example:NAME --out ...):")
    for name in walkthrough_names():
        title = load_walkthrough(resolve_walkthrough_path(name)).title
        print(f"  example:{name:<{width}}  {title}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    config = resolve(args.session)
    iterations = config.iterations if args.iterations is None else args.iterations
    if iterations < 0:
        raise GradstepError(f"--iterations must be non-negative, got {iterations}")
    if args.every is not None and args.every < 1:
        raise GradstepError(f"--every must be at least 1, got {args.every}")
    every = args.every or max(1, iterations // 10)
    session = Session(config)
    start = session.iteration
    breakpoints = Breakpoints(non_finite=True, loss_below=args.loss_below)
    title = config.title or args.session
    print(
        f"{title}: {iterations} iterations, {config.loss} loss, {config.optimizer.name} "
        f"lr {config.optimizer.learning_rate:g}, {config.x.shape[0]} samples"
    )

    def report(k: int, loss: float) -> None:
        done = k - start + 1
        if done % every == 0 or done == iterations:
            print(f"iteration {done}/{iterations}  loss {loss!r}", flush=True)

    if args.trace:
        from engine.files.trace import TraceWriter

        def on_iteration(item: IterationSummary) -> None:
            writer.write(item)
            report(item.iteration, item.loss)

        with TraceWriter(args.trace) as writer:
            result = session.run_iterations(iterations, breakpoints, on_iteration=on_iteration)
    else:
        # Without a trace nothing needs every iteration's values: run in chunks of --every on
        # the engine's fast path and print each chunk's last loss from the session's history.
        result = RunResult(0)
        done = 0
        while done < iterations and result.reason is None:
            chunk = min(every - done % every, iterations - done)
            result = session.run_iterations(chunk, breakpoints)
            done += result.iterations
            latest = session.last_loss()  # not losses(): that copies every loss, every chunk
            if result.reason is None and latest is not None:
                report(*latest)

    if result.reason == "non_finite":
        print(f"gradstep: stopped: {result.message}", file=sys.stderr)
        return EXIT_NON_FINITE
    if result.reason is not None:
        print(f"stopped: {result.message}")
    last = session.iteration - 1  # the last iteration whose update ran
    if last >= start:
        record = session.iteration_record(last)
        assert record.loss is not None
        print(f"final loss {record.loss.loss!r} (iteration {last}, before its update)")
        out = record.forward[-1].a
        if out.shape[0] <= 16 and out.shape[1] <= 4:
            print("predictions of that forward pass:")
            print(np.array2string(out, precision=8, floatmode="fixed"))
    return EXIT_OK


def _chain(args: argparse.Namespace) -> int:
    config = resolve(args.session)
    ref = (
        parse_parameter(args.bias, bias=True)
        if args.bias is not None
        else parse_parameter(args.weight, bias=False)
    )
    session = Session(config)
    ref.check(config.sizes)
    iteration = session.start_iteration if args.iteration is None else args.iteration
    if iteration < session.start_iteration:
        raise GradstepError(
            f"--iteration {iteration} is before the session's start ({session.start_iteration})"
        )
    if iteration - session.start_iteration > 10_000_000:
        raise GradstepError(f"--iteration {iteration} is too far ahead")
    record = session.iteration_record(iteration)
    explanation = session.explain(ref, record)
    if args.json:
        print(json.dumps(explanation.to_json(), indent=2))
    else:
        print(explanation.to_text(max_samples=10))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from engine.learner.check import check_code

    config = resolve(args.session)
    if args.timeout <= 0:
        raise GradstepError(f"--timeout must be positive, got {args.timeout}")
    # the report's text opens with what of the session it does not use (mini-batches, a
    # teaching-mode mistake); its JSON lists the same under "notes"
    report = check_code(args.code, config, iterations=args.iterations, timeout=args.timeout)
    if args.json:
        print(json.dumps(_strict_json(report.to_json()), indent=2, allow_nan=False))
    else:
        print(report.to_text())
    return EXIT_OK if report.agrees else EXIT_DISAGREES


def _strict_json(value: Any) -> Any:
    """``value`` with NaN and infinities as the strings "NaN", "Infinity", "-Infinity": a
    learner's NaN must not make the report invalid JSON for other tools."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict_json(v) for v in value]
    return value


def _export(args: argparse.Namespace, exporter: Exporter | None) -> int:
    from engine.explain.worked import walkthrough_markdown, worked_iteration
    from engine.files.walkthrough import Walkthrough

    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise GradstepError(f"--size: expected WxH like 1280x800, got {args.size!r}") from None
    if not (200 <= width <= 7680 and 200 <= height <= 4320):
        raise GradstepError(f"--size: {width}x{height} is outside 200x200 .. 7680x4320")
    source = resolve_any(args.source)
    out = Path(args.out)
    if out.suffix.lower() == ".md":
        if isinstance(source, Walkthrough):
            text = walkthrough_markdown(source)
        else:
            text = worked_iteration(Session(source))
        write_atomic(out, text + "\n")
        print(f"wrote {out}")
        return EXIT_OK
    if not isinstance(source, Walkthrough):
        raise GradstepError(
            f"{args.source}: a session exports only as Markdown (--out worked.md); frames, GIF and MP4 "
            "are made from walkthroughs"
        )
    if out.suffix.lower() not in ("", ".gif", ".mp4"):
        raise GradstepError(f"--out: {out.name}: expected a folder, .gif, .mp4 or .md")
    if exporter is None:
        raise GradstepError("rendering frames needs the window's widgets (run the gradstep command)")
    return exporter(source, out, (width, height))
