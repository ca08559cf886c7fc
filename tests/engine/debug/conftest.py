"""Shared helpers for `gradstep debug`: the corpus folder and one cached report per program."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from engine.learner.debug import DebugReport, debug_code

CORPUS = Path(__file__).resolve().parents[1] / "debug_corpus"
MARKER = "# <-- first wrong"
# seed tutorials are copied unchanged, so they carry no marker: tutorial 004's line 53 updates
# weights_input_hidden through weights_hidden_output, which line 52 has just updated
SEED_LINES = {"tutorial_004.py": 53}


@cache
def report_of(name: str, session: str | None = None) -> DebugReport:
    """The report on a corpus program (each program is traced once per test session)."""
    from engine.files.examples import resolve

    config = None if session is None else resolve(session)
    return debug_code(CORPUS / name, config, iterations=3, timeout=60.0)


def marked_line(name: str) -> int:
    """The line the program's author marked as the first wrong one."""
    if name in SEED_LINES:
        return SEED_LINES[name]
    from engine.learner.debug.source import read_source

    # a notebook's lines are numbered in its code cells joined, as the report numbers them
    lines = read_source(CORPUS / name).lines
    marked = [n for n, text in enumerate(lines, start=1) if MARKER in text]
    assert len(marked) == 1, f"{name} must mark exactly one line"
    return marked[0]
