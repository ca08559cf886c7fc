"""NumPy's global error state is the same after any engine call as before it, nested or not."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import engine
from engine import ParameterRef, Session, parse_session
from tests.conftest import tiny_session_dict

ENGINE = Path(engine.__file__).parent

# NumPy 1.26's errstate (a ContextDecorator keeping the saved state on the object), installed
# before the engine is imported, so the test shows on NumPy 2 what a shared errstate did there.
_SCENARIO = textwrap.dedent(
    """
    import contextlib, json, sys
    import numpy as np

    class Errstate126(contextlib.ContextDecorator):
        def __init__(self, **kwargs):
            self.kwargs = kwargs
        def __enter__(self):
            self.oldstate = np.seterr(**self.kwargs)
        def __exit__(self, *exc):
            np.seterr(**self.oldstate)

    np.errstate = Errstate126
    sys.path.insert(0, {root!r})
    from engine import ParameterRef, Session, parse_session
    from tests.conftest import tiny_session_dict

    before = np.geterr()
    session = Session(parse_session(tiny_session_dict()))
    session.step()
    session.run_iterations(
        2, on_iteration=lambda s: session.explain(ParameterRef(0, 0, 0), session.iteration_record(0))
    )
    print(json.dumps([before, np.geterr()]))
    """
)


def test_error_state_is_restored_after_nested_calls_under_numpy_126_errstate() -> None:
    """The issue's reproduction, step(); run_iterations(2, on_iteration=...), under 1.26's errstate."""
    root = str(ENGINE.parent)
    result = subprocess.run(
        [sys.executable, "-c", _SCENARIO.format(root=root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    before, after = __import__("json").loads(result.stdout)
    assert after == before
    assert after["over"] == "warn"


def test_error_state_is_unchanged_after_step_and_a_run_with_nested_calls(tiny_session: Session) -> None:
    before = np.geterr()
    inside: list[dict[str, str]] = []

    def on_iteration(_: object) -> None:
        state = np.geterr()
        tiny_session.predict(np.zeros((1, 2)))  # nested quiet calls
        tiny_session.explain(ParameterRef(1, 0, 0), tiny_session.iteration_record(0))
        inside.append(state)
        assert np.geterr() == state  # the nested calls restored the run's own state

    tiny_session.step()
    tiny_session.run_iterations(2, on_iteration=on_iteration)
    tiny_session.goto(1, 2)
    assert np.geterr() == before
    assert len(inside) == 2


def test_no_errstate_object_is_shared_in_the_engine() -> None:
    """Every np.errstate in engine/ is entered by a ``with`` where it is made: never stored or
    used as a decorator (decorators are evaluated once, so the object would be shared)."""
    shared = []
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_with = {
            id(item.context_expr)
            for node in ast.walk(tree)
            if isinstance(node, ast.With)
            for item in node.items
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "errstate"
                and id(node) not in in_with
            ):
                shared.append(f"{path.relative_to(ENGINE.parent)}:{node.lineno}")
    assert shared == []


def test_a_fresh_session_leaves_warnings_on() -> None:
    Session(
        parse_session(tiny_session_dict(optimizer={"name": "adam", "learning_rate": 0.1}))
    ).run_iterations(3)
    assert np.geterr()["over"] == "warn"
