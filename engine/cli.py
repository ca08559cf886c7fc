"""The ``gradstep`` command line, the console script's entry point.

Headless commands (run, chain, check, examples, Markdown export) never import Qt; the window
and frame rendering are imported from ``gui`` only when they are asked for, and opening the
window imports none of the commands' machinery (the debugger, the chain rule, the desktop
installer: they had cost a launch about 0.1 s). Ctrl+C and SIGTERM
end a command with one line and exit code 130 or 143, after every file being written has been
put back as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from engine import progress
from engine.cli_args import (
    COMMANDS,
    EXIT_BAD_INPUT,
    NEW_INSTANCE,
    build_parser,
    finite_option,
    join_option_values,
    strict_json,
)
from engine.core import allocator, threads
from engine.desktop import command as desktop_command
from engine.errors import GradstepError
from engine.files.atomic import write_atomic
from engine.files.examples import example, example_names, resolve, resolve_any, resolve_walkthrough_path
from engine.files.jsonio import collector_paused
from engine.files.reading import read_file_bytes
from engine.files.walkthrough import Walkthrough
from engine.history.runner import run_in_chunks
from engine.history.session import Session
from engine.history.snapshot import Breakpoints, IterationSummary, RunResult
from engine.interrupts import Terminated, signals_raise
from engine.learner.debug import command as debug_command

EXIT_OK = 0
EXIT_NON_FINITE = 3
EXIT_DISAGREES = 1
EXIT_INTERRUPTED = 128 + signal.SIGINT  # the shell's convention for a command ended by a signal

Launcher = Callable[[str | None], int]
# renders a walkthrough through the window's widgets: (walkthrough, out path, (w, h)) -> exit code
Exporter = Callable[[object, Path, tuple[int, int]], int]


def _tolerant_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        # ∂, δ and · in the chain rule, or a file name that is not valid UTF-8, must not crash
        # the printout on a terminal or pipe in a legacy encoding
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def main(
    argv: Sequence[str] | None = None, launcher: Launcher | None = None, exporter: Exporter | None = None
) -> int:
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).
    launcher, exporter
        What opens the window and renders frames; by default the ``gui`` package's, imported
        only when used.
    """
    _tolerant_streams()
    args_list = join_option_values(list(sys.argv[1:] if argv is None else argv))
    allocator.tune()
    parser = build_parser()
    args_list, new_instance = _new_instance(parser, args_list)
    if args_list and not args_list[0].startswith("-") and args_list[0] not in COMMANDS:
        if len(args_list) > 1:
            parser.error(f"unexpected arguments after the session: {' '.join(args_list[1:])}")
        return _open(args_list[0], launcher, new_instance)
    args = parser.parse_args(args_list)
    if args.command is None:
        return _open(None, launcher, new_instance)
    try:
        threads.apply(threads.choose(getattr(args, "threads", None)))
        with signals_raise(), progress.on_stream(sys.stderr):
            return _dispatch(args, exporter)
    except GradstepError as exc:
        print(f"gradstep: {one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print("gradstep: out of memory (use a smaller network, batch or data set)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt as exc:  # Ctrl+C, or SIGTERM / SIGHUP as Terminated
        # check_code has killed the learner's processes and removed their files by now
        stopped = "; your code was stopped" if args.command == "check" else ""
        if isinstance(exc, Terminated):
            print(f"gradstep: {exc}{stopped}", file=sys.stderr)
            return 128 + exc.signum
        print(f"gradstep: interrupted{stopped}", file=sys.stderr)
        return EXIT_INTERRUPTED


def one_line(exc: GradstepError) -> str:
    """The message on one line, as the exit-2 contract promises: a message that quotes the
    learner's traceback or lists several causes has its lines joined with " | "."""
    return " | ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def _dispatch(args: argparse.Namespace, exporter: Exporter | None) -> int:
    if args.command == "examples":
        return _examples()
    if args.command == "run":
        return _run(args)
    if args.command == "check":
        return _check(args)
    if args.command == "debug":
        return debug_command.run(args)
    if args.command == "export":
        return _export(args, exporter or _render_frames)
    if args.command == "desktop":
        return desktop_command.run(args)
    if args.command == "import":
        return _import(args)
    return _chain(args)


def _new_instance(parser: argparse.ArgumentParser, args: list[str]) -> tuple[list[str], bool]:
    """``--new-instance`` (anywhere) taken out of the window's arguments: a window of its own
    rather than handing the file to the Gradstep already running."""
    if NEW_INSTANCE not in args:
        return args, False
    rest = [a for a in args if a != NEW_INSTANCE]
    if rest and rest[0] in COMMANDS:
        parser.error(f"{NEW_INSTANCE} applies to opening the window, not to {rest[0]}")
    return rest, True


def _open(spec: str | None, launcher: Launcher | None, new_instance: bool = False) -> int:
    try:
        if spec is not None and not spec.startswith("example:") and not Path(spec).exists():
            # said before anything about the display: the file is the first thing to fix
            raise GradstepError(f"{spec}: no such file")
        # process-wide for OpenBLAS: the window's GUI thread and run worker share it; the window
        # applies it after its first frame (a bad count is refused here, before anything opens)
        threads.remember(threads.choose())
    except GradstepError as exc:
        print(f"gradstep: {one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if launcher is not None:
        return launcher(spec)
    return _launch_window(spec, new_instance)


def _launch_window(spec: str | None, new_instance: bool = False) -> int:
    if sys.platform.startswith("linux") and not any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    ):
        # Qt would abort the interpreter with a page about platform plugins
        print(
            "gradstep: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set); "
            "the headless commands work without one: gradstep --help",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    # Until its first frame the window only creates objects, which live as long as it does; the
    # cycle collector went over them about a hundred times meanwhile (of 166 times, 70 ms, in a
    # whole launch). The window turns it back on once the first frame is up
    # (gui.app.run_app), here if it never opens; a collector already off stays off.
    collecting = gc.isenabled()
    with collector_paused():
        # imported by name: the engine does not depend on the window, only this command does
        run_app: Callable[..., int] = importlib.import_module("gui.app").run_app
        return run_app(spec, new_instance=new_instance, resume_collector=collecting)


def _render_frames(walkthrough: object, out: Path, size: tuple[int, int]) -> int:
    export_walkthrough: Exporter = importlib.import_module("gui.export").export_walkthrough
    return export_walkthrough(walkthrough, out, size)


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
    finite_option("--loss-below", args.loss_below)
    if args.trace == "":
        raise GradstepError("--trace: expected a file name, got ''")
    every = args.every or max(1, iterations // 10)
    session = Session(config)
    start = session.iteration
    breakpoints = Breakpoints(non_finite=True, loss_below=args.loss_below)
    print(
        f"{config.title or args.session}: {iterations} iterations, {config.loss} loss, "
        f"{config.optimizer.name} lr {config.optimizer.learning_rate:g}, {config.x.shape[0]} samples"
    )

    def report(k: int, loss: float) -> None:
        done = k - start + 1
        if done % every == 0 or done == iterations:  # k: 0-based, as in the final line and chain
            print(f"iteration {k}  loss {loss!r}", flush=True)

    if args.trace is not None:
        result = _run_traced(session, iterations, breakpoints, Path(args.trace), report)
    else:
        result = _run_fast(session, iterations, every, breakpoints, report)
    if result.reason == "non_finite":
        print(f"gradstep: stopped: {result.message}", file=sys.stderr)
        return EXIT_NON_FINITE
    if result.reason is not None:
        print(f"stopped: {result.message}")
    _print_final(session, start)
    _print_test_accuracy(session)
    return EXIT_OK


def _run_traced(
    session: Session,
    iterations: int,
    breakpoints: Breakpoints,
    path: Path,
    report: Callable[[int, float], None],
) -> RunResult:
    from engine.files.trace import TraceWriter

    with TraceWriter(path) as writer:

        def on_iteration(item: IterationSummary) -> None:
            writer.write(item)
            report(item.iteration, item.loss)

        return session.run_iterations(iterations, breakpoints, on_iteration=on_iteration)


def _run_fast(
    session: Session,
    iterations: int,
    every: int,
    breakpoints: Breakpoints,
    report: Callable[[int, float], None],
) -> RunResult:
    """Without a trace nothing needs every iteration's values: run in chunks of ``every`` on
    the engine's fast path and print each chunk's last loss from the session's history."""
    result = RunResult(0)
    done = 0
    while done < iterations and result.reason is None:
        chunk = min(every - done % every, iterations - done)
        result = session.run_iterations(chunk, breakpoints)
        done += result.iterations
        latest = session.last_loss()  # not losses(): that copies every loss, every chunk
        if result.reason is None and latest is not None:
            report(*latest)
    return result


def _print_final(session: Session, start: int) -> None:
    """The last loss the run computed: of the iteration a breakpoint stopped in (its update not
    run), or else of the last iteration whose update ran."""
    record = session.record()
    if record.loss is not None:
        when = "where the run stopped; its update did not run"
    else:
        last = session.iteration - 1
        if last < start:
            return
        record = session.iteration_record(last)
        when = "before its update"
    if record.loss is None:  # a complete record always has its loss
        raise RuntimeError(f"iteration {record.iteration} has no loss")
    print(f"final loss {record.loss.loss!r} (iteration {record.iteration}, {when})")
    out = record.forward[-1].a
    if out.shape[0] <= 16 and out.shape[1] <= 4:
        print("predictions of that forward pass:")
        print(np.array2string(out, precision=8, floatmode="fixed"))


def _print_test_accuracy(session: Session) -> None:
    """For a classification session with held-out samples: how many the parameters now get right."""
    from engine.core.classify import classes_of, evaluate

    config = session.config
    if config.test_x is None or config.test_y is None:
        return
    if classes_of(config.test_y, config.layers[-1].activation) is None:
        return
    result = evaluate(session.predict(config.test_x), config.test_y, config.layers[-1].activation)
    print(
        f"test accuracy {result.accuracy:.4f} ({result.correct} of {result.samples} held-out samples, "
        f"with the parameters after {session.iteration} updates)"
    )


MAX_CHAIN_AHEAD = 10_000_000
_CHAIN_CHUNK = 1000


def _chain(args: argparse.Namespace) -> int:
    import json

    from engine.explain.chain import parse_parameter

    config = resolve(args.session)
    ref = (
        parse_parameter(args.bias, bias=True)
        if args.bias is not None
        else parse_parameter(args.weight, bias=False)
    )
    session = Session(config)
    ref.check(config.sizes, config.biased)
    iteration = session.start_iteration if args.iteration is None else args.iteration
    if iteration < session.start_iteration:
        raise GradstepError(
            f"--iteration {iteration} is before the session's start ({session.start_iteration})"
        )
    if iteration - session.start_iteration > MAX_CHAIN_AHEAD:
        raise GradstepError(f"--iteration {iteration} is too far ahead (at most {MAX_CHAIN_AHEAD:,})")
    _train_to(session, iteration)
    record = session.iteration_record(iteration)
    explanation = session.explain(ref, record)
    if args.json:
        print(json.dumps(explanation.to_json(), indent=2))
    else:
        print(explanation.to_text(max_samples=10))
    return EXIT_OK


def _train_to(session: Session, iteration: int) -> None:
    """Run the session up to ``iteration`` in chunks, with a progress bar on a terminal: an
    iteration far ahead takes a while, and Ctrl+C between chunks ends it."""
    ahead = iteration - session.iteration
    if ahead <= _CHAIN_CHUNK:
        return  # iteration_record gets there at once
    # iteration_record finishes what a run stopped short could not
    run_in_chunks(session, ahead, _CHAIN_CHUNK, f"training to iteration {iteration:,}")


def _check(args: argparse.Namespace) -> int:
    import json

    from engine.learner.check import check_code

    # NaN compares false with everything and inf never runs out: both would lift the limit
    finite_option("--timeout", args.timeout, positive=True)
    if args.memory_limit < 1:
        raise GradstepError(f"--memory-limit must be a positive number of MB, got {args.memory_limit}")
    read_file_bytes(args.code)  # a FIFO, a device or a huge file is refused here, not in the child
    config = resolve(args.session)
    # the report's text opens with what of the session it does not use (mini-batches, a
    # teaching-mode mistake); its JSON lists the same under "notes"
    # Ctrl+C, SIGTERM and SIGHUP unwind through check_code, which kills the learner's processes
    # and removes their files before main() prints the one line
    report = check_code(
        args.code,
        config,
        iterations=args.iterations,
        timeout=args.timeout,
        memory_limit=args.memory_limit * 2**20,
    )
    if args.json:
        print(json.dumps(strict_json(report.to_json()), indent=2, allow_nan=False))
    else:
        print(report.to_text())
    return EXIT_OK if report.agrees else EXIT_DISAGREES


def _parse_size(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().lstrip("+-").isdigit() and len(p.strip()) <= 9 for p in parts):
        raise GradstepError(f"--size: expected WxH like 1280x800, got {text[:40]!r}")
    width, height = (int(p) for p in parts)
    if not (200 <= width <= 7680 and 200 <= height <= 4320):
        raise GradstepError(f"--size: {width}x{height} is outside 200x200 .. 7680x4320")
    return width, height


def _export(args: argparse.Namespace, exporter: Exporter) -> int:
    from engine.explain.worked import walkthrough_markdown, worked_iteration
    from engine.export import command as code

    if code.wants_code(args):  # a training script: NumPy, or PyTorch with --torch
        return code.export_code(args)
    width, height = _parse_size(args.size)
    if not args.out:
        raise GradstepError("--out: expected a folder or file name, got ''")
    source = resolve_any(args.source)
    out = Path(args.out)
    if out.suffix.lower() == ".md":
        warnings: list[str] = []
        if isinstance(source, Walkthrough):
            text = walkthrough_markdown(source, warnings.append)
        else:
            text = worked_iteration(Session(source))
        write_atomic(out, text + "\n")
        for line in warnings:  # the words and the stream of the frame, GIF and MP4 exports
            print(line, file=sys.stderr)
        print(f"wrote {out}")
        return EXIT_OK
    if not isinstance(source, Walkthrough):
        raise GradstepError(
            f"{args.source}: a session exports only as Markdown (--out worked.md); frames, GIF and MP4 "
            "are made from walkthroughs"
        )
    if out.suffix.lower() not in ("", ".gif", ".mp4"):
        raise GradstepError(f"--out: {out.name}: expected a folder, .gif, .mp4 or .md")
    return exporter(source, out, (width, height))


def _import(args: argparse.Namespace) -> int:
    from engine.export import command as code

    return code.import_model(args)


if __name__ == "__main__":
    sys.exit(main())
