"""The learner's program as Python source: a .py file as it stands, or a notebook's code cells
in order; refused with its syntax error's line (and the fix, where it is obvious)."""

from __future__ import annotations

import ast
import io
import json
import keyword
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from engine.errors import GradstepError

# IPython lines that are not Python: %magics, %%cell magics, !shell commands
_MAGIC = re.compile(r"^\s*(%|!)")
_TWO_WORDS = re.compile(r"\b([A-Za-z_]\w*) +([A-Za-z_]\w*)\b")
_KEYWORDS = set(keyword.kwlist)


@dataclass(frozen=True)
class LoopSpan:
    """A loop statement: its header line, first body line, last line, and whether its
    condition is a constant (``while True:`` gets no line event of its own per iteration)."""

    header: int
    first_body: int
    end: int
    constant: bool


@dataclass(frozen=True)
class LearnerSource:
    """The code to run: ``text`` (a notebook's cells joined), where each line came from
    (``origins[n-1]`` says where line n was written), the notes made while reading it, and
    its loops."""

    path: Path
    text: str
    origins: tuple[str, ...]
    notes: tuple[str, ...]
    loops: tuple[LoopSpan, ...]
    defines_train_step: bool

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def where(self, line: int) -> str:
        """Line ``line`` in the learner's terms ("line 12" or "cell 3, line 2")."""
        if 1 <= line <= len(self.origins):
            return self.origins[line - 1]
        return f"line {line}"


def read_source(path: Path) -> LearnerSource:
    """Read, join (notebooks) and parse the learner's program.

    Raises
    ------
    GradstepError
        The file is missing, not UTF-8, not a notebook, or not valid Python (its syntax error's
        line, and the fix where it is obvious).
    """
    if not path.is_file():
        raise GradstepError(f"{path}: no such file")
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GradstepError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
    notes: list[str] = []
    if path.suffix.lower() == ".ipynb":
        text, origins = _notebook_code(path, raw, notes)
    else:
        text = raw
        origins = [f"line {n}" for n in range(1, raw.count("\n") + 2)]
    tree = _parse(path, text, origins)
    loops = tuple(_loops(tree))
    defines = any(isinstance(node, ast.FunctionDef) and node.name == "train_step" for node in tree.body)
    return LearnerSource(path, text, tuple(origins), tuple(notes), loops, defines)


def _notebook_code(path: Path, raw: str, notes: list[str]) -> tuple[str, list[str]]:
    try:
        notebook = json.loads(raw)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError):
        raise GradstepError(f"{path}: not a Jupyter notebook (no JSON with a list of cells)") from None
    lines: list[str] = []
    origins: list[str] = []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        cell_lines: list[str] = []
        for k, line in enumerate(text.splitlines(), start=1):
            # "% 1000)" inside an open bracket is Python's modulo, not a magic
            if _MAGIC.match(line) and not _open_statement(cell_lines):
                indent = line[: len(line) - len(line.lstrip())]
                notes.append(f"code cell {number}, line {k}: skipped IPython line {line.strip()!r}")
                line = f"{indent}pass"
            lines.append(line)
            cell_lines.append(line)
            origins.append(f"code cell {number}, line {k}")
    return "\n".join(lines) + "\n", origins


def _open_statement(lines: list[str]) -> bool:
    """Whether ``lines`` end inside a statement (an open bracket or a backslash continuation),
    so that the next line continues it."""
    try:
        for _ in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            pass
    except tokenize.TokenError:  # "EOF in multi-line statement"
        return True
    except (SyntaxError, ValueError):  # an error of the learner's own: the parser will say it
        return False
    return False


def _parse(path: Path, text: str, origins: list[str]) -> ast.Module:
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        line = exc.lineno or 0
        code = (exc.text or "").strip()
        message = f"{path}: {_origin(origins, line)}: syntax error: {exc.msg}"
        if code:
            message += f": {code}"
        fix = _obvious_fix(text, code)
        if fix:
            message += f" ({fix})"
        # Python stops at the first error; a published tutorial often has several
        for number, other in enumerate(text.splitlines(), start=1):
            fix = None if number == line else _obvious_fix(text, other.split("#")[0])
            if fix:
                message += f"; also {_origin(origins, number)}: {other.strip()} ({fix})"
        raise GradstepError(message) from None


def _origin(origins: list[str], line: int) -> str:
    return origins[line - 1] if 1 <= line <= len(origins) else f"line {line}"


def _obvious_fix(text: str, code: str) -> str | None:
    """Two names with a space between them where the program elsewhere names them joined by
    an underscore (tutorial 000's ``learning rate``): say so."""
    names = set(re.findall(r"\b[A-Za-z_]\w*\b", text))
    for first, second in _TWO_WORDS.findall(code):
        joined = f"{first}_{second}"
        if joined in names and first not in _KEYWORDS and second not in _KEYWORDS:
            return f"write {joined!r}: '{first} {second}' with a space is two names"
    return None


def _loops(tree: ast.Module) -> list[LoopSpan]:
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.While | ast.AsyncFor):
            constant = (
                isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and bool(node.test.value)
            )
            end = node.end_lineno or node.lineno
            spans.append(LoopSpan(node.lineno, node.body[0].lineno, end, constant))
    return spans
