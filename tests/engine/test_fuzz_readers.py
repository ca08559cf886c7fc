"""Property: whatever the session, CSV or walkthrough file holds, reading it gives a valid
session or a GradstepError with a one-line message, never another exception; and through the
real command line, exit 2 with exactly one line on stderr."""

from __future__ import annotations

import ast
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.core.config import SessionConfig
from engine.errors import GradstepError
from engine.files.session_file import load_session_config
from engine.files.walkthrough import Walkthrough, load_walkthrough
from tests.conftest import tiny_session_dict
from tests.helpers import run_python

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

WALKTHROUGH = {
    "format": "gradstep-walkthrough",
    "version": 1,
    "title": "fuzz",
    "session": tiny_session_dict(),
    "steps": [
        {"action": "select", "weight": "0:1:0", "caption": "pick"},
        {"action": "step", "count": 2, "expect": {"iteration": 0, "stage": 2}},
        {"action": "set", "bias": "1:0", "value": 0.5},
        {"action": "view", "color_by": "gradient"},
        {"action": "iterations", "count": 3, "expect": {"loss": 0.1}},
    ],
}
CSV_SESSION = tiny_session_dict(data={"csv": "d.csv", "targets": ["y"]})
CSV_TEXT = "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"

# values a field should never hold: wrong types, the edges of numbers, huge and negative
ODD_NUMBERS = st.sampled_from([0, -1, -0.0, 1e308, -1e308, 5e-324, 2**63, 10**400, 1e6, 0.5, 10**7])
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    ODD_NUMBERS,
)
JSON_TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``tree`` (keys and indices)."""
    found = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found += paths(value, (*prefix, index))
    return found


def mutate(tree: Any, path: tuple[Any, ...], replacement: Any, delete: bool) -> Any:
    """A copy of ``tree`` with the value at ``path`` replaced (or its key deleted)."""
    if not path:
        return replacement
    tree = json.loads(json.dumps(tree))
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    elif delete:
        parent.pop(path[-1])
    else:
        parent[path[-1]] = replacement
    return tree


@st.composite
def mutated_texts(draw: st.DrawFn, valid: dict[str, Any]) -> str:
    """A valid file changed: a value replaced or deleted, then perhaps cut short, given an
    endless integer, or spliced with random bytes (decoded leniently as the text it becomes)."""
    where = draw(st.sampled_from(paths(valid)))
    tree = mutate(valid, where, draw(JSON_TREES), draw(st.booleans()))
    text = json.dumps(tree, allow_nan=True)
    damage = draw(st.sampled_from(["none", "truncate", "endless", "bytes"]))
    if damage == "truncate":
        text = text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    elif damage == "endless" and any(c.isdigit() for c in text):
        at = next(i for i, c in enumerate(text) if c.isdigit())
        text = text[:at] + "9" * 5000 + text[at:]
    elif damage == "bytes":
        at = draw(st.integers(0, len(text)))
        noise = draw(st.binary(min_size=1, max_size=8)).decode("utf-8", "surrogateescape")
        text = text[:at] + noise + text[at:]
    return text


def assert_one_line_error(exc: GradstepError) -> None:
    message = str(exc)
    assert message
    assert "\n" not in message
    message.encode("utf-8")  # printable: no lone surrogate reaches the terminal


def read(path: Path, reader: Any) -> None:
    try:
        result = reader(path)
    except GradstepError as exc:
        assert_one_line_error(exc)
    else:
        assert isinstance(result, SessionConfig | Walkthrough)


def write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", "surrogateescape"))


@SETTINGS
@given(tree=JSON_TREES)
def test_random_json_trees_as_sessions_and_walkthroughs(tmp_path: Path, tree: Any) -> None:
    path = tmp_path / "any.json"
    write(path, json.dumps(tree, allow_nan=True))
    read(path, load_session_config)
    read(path, load_walkthrough)


@pytest.mark.parametrize("key", ["\n", "", " x", "a\u2028b", "\ud800"])
def test_a_key_with_a_line_break_is_named_on_one_line(tmp_path: Path, key: str) -> None:
    """Found by the fuzzer: {"\n": Infinity} was reported as "any.json: ⏎: Infinity is not ..." """
    path = tmp_path / "any.json"
    write(path, json.dumps({key: math.inf}, allow_nan=True))
    for reader in (load_session_config, load_walkthrough):
        with pytest.raises(GradstepError) as info:
            reader(path)
        assert_one_line_error(info.value)
        assert json.dumps(key) in str(info.value)


@SETTINGS
@given(text=mutated_texts(tiny_session_dict()))
def test_mutated_session_files(tmp_path: Path, text: str) -> None:
    write(tmp_path / "s.json", text)
    read(tmp_path / "s.json", load_session_config)


@SETTINGS
@given(text=mutated_texts(WALKTHROUGH))
def test_mutated_walkthrough_files(tmp_path: Path, text: str) -> None:
    write(tmp_path / "w.json", text)
    read(tmp_path / "w.json", load_walkthrough)


@SETTINGS
@given(
    cut=st.integers(0, len(CSV_TEXT)),
    insert=st.text(alphabet=st.sampled_from(list('0123456789,."\n\r -eEnaif\x00')), max_size=12),
    endless=st.booleans(),
)
def test_mutated_csv_files(tmp_path: Path, cut: int, insert: str, endless: bool) -> None:
    (tmp_path / "s.json").write_text(json.dumps(CSV_SESSION))
    text = CSV_TEXT[:cut] + insert + ("9" * 200_000 if endless else "") + CSV_TEXT[cut:]
    (tmp_path / "d.csv").write_text(text)
    read(tmp_path / "s.json", load_session_config)


def _sample_of_bad_files(folder: Path) -> list[Path]:
    """A few damaged files, drawn with a fixed seed, for the real command line."""
    rng = random.Random(10)
    valid = json.dumps(tiny_session_dict())
    texts = [
        valid[: rng.randrange(len(valid))],
        valid.replace('"learning_rate": 0.5', '"learning_rate": 1' + "0" * 400),
        valid.replace('"seed": 7', '"seed": ' + "7" * 5000),
        valid.replace('"inputs": 2', '"inputs": -2'),
        json.dumps(mutate(tiny_session_dict(), ("network", "layers", 0, "units"), [3], delete=False)),
        valid.replace('"format"', '"title": "\\udc80", "format"'),
    ]
    files = []
    for n, text in enumerate(texts):
        path = folder / f"bad-{n}.json"
        path.write_text(text)
        files.append(path)
    return files


def test_bad_files_through_the_real_command_line(tmp_path: Path) -> None:
    """One process for all files (each a fresh main() call); each must exit 2 with one line."""
    files = _sample_of_bad_files(tmp_path)
    code = (
        "import sys, io, contextlib\n"
        "from engine.cli import main\n"
        "for path in sys.argv[1:]:\n"
        "    err = io.StringIO()\n"
        "    with contextlib.redirect_stderr(err):\n"
        "        status = main(['run', path, '--iterations', '1'])\n"
        "    print(status, repr(err.getvalue()))\n"
    )
    proc = run_python("-c", code, *map(str, files), timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(files)
    for path, line in zip(files, lines, strict=True):
        status, err = line.split(" ", 1)
        message = ast.literal_eval(err)
        assert status == "2", (path.name, message)
        assert message.count("\n") == 1, (path.name, message)
        assert "Traceback" not in message


@pytest.mark.parametrize("index", [0, 2, 5])
def test_a_bad_file_as_its_own_process(tmp_path: Path, index: int) -> None:
    """The console script itself: exit status 2 and exactly one stderr line."""
    path = _sample_of_bad_files(tmp_path)[index]
    proc = run_python("-m", "engine.cli", "run", str(path), timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stdout == ""
