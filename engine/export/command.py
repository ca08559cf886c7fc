"""``gradstep export SESSION --out train.py [--torch]`` and ``gradstep import MODEL.pt``."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.core.config import SessionConfig
from engine.errors import GradstepError
from engine.files.atomic import write_atomic
from engine.files.examples import resolve, resolve_any
from engine.files.walkthrough import Walkthrough

EXIT_OK = 0


def wants_code(args: argparse.Namespace) -> bool:
    """True when ``gradstep export`` is asked for a script rather than frames or Markdown."""
    return bool(args.torch) or args.orientation is not None or Path(args.out).suffix.lower() == ".py"


def script_text(config: SessionConfig, name: str, out: Path, torch: bool, in_out: bool = False) -> str:
    """The NumPy (or, with ``torch``, PyTorch) training script of ``config``; ``in_out`` writes
    the NumPy script's weights as (inputs, units)."""
    if torch:
        from engine.export.torch_script import torch_script

        return torch_script(config, name, out)
    from engine.export.numpy_script import numpy_script

    return numpy_script(config, name, out, in_out)


def export_code(args: argparse.Namespace) -> int:
    """Write the session (or a walkthrough's session) as a training script."""
    out = Path(args.out)
    if out.suffix.lower() != ".py":
        raise GradstepError(f"--out: {out.name or args.out!r}: a script is written to a .py file")
    source = resolve_any(args.source)
    config = source.session if isinstance(source, Walkthrough) else source
    if args.torch and args.orientation == "in-out":
        raise GradstepError(
            "--orientation in-out: a PyTorch script keeps nn.Linear's (units, inputs) weights"
        )
    in_out = args.orientation == "in-out"
    write_atomic(out, script_text(config, args.source, out, args.torch, in_out))
    print(f"wrote {out}")
    return EXIT_OK


def import_model(args: argparse.Namespace) -> int:
    """Read a PyTorch model or state_dict and write it as a session file."""
    from engine.export.torch_import import import_session
    from engine.files.jsonio import dumps

    out = Path(args.out)
    if out.suffix.lower() != ".json":
        raise GradstepError(f"--out: {out.name or args.out!r}: a session is written to a .json file")
    like = resolve(args.like) if args.like is not None else None
    activations = None if args.activations is None else [a.strip() for a in args.activations.split(",")]
    session = import_session(Path(args.model), like, activations)
    write_atomic(out, dumps(session))
    print(f"wrote {out}")
    return EXIT_OK
