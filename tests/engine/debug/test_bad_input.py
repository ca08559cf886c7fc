"""Bad input to `gradstep debug`: one clear line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from engine.cli import main as cli_main

from .conftest import CORPUS

PROGRAMS = {
    "no_loop.py": (
        """
        import numpy as np
        W = np.ones((2, 2))
        W -= 0.1 * W
        """,
        "no loop found",
    ),
    "no_change.py": (
        """
        import numpy as np
        W = np.ones((2, 2))
        for i in range(5):
            print(W.sum())
        """,
        "without a loop that changes a NumPy array",
    ),
    "never_called.py": (
        """
        import numpy as np

        class Net:
            def __init__(self):
                self.W = np.ones((2, 1))

            def train(self, X, y):
                for epoch in range(10):
                    self.W -= 0.1 * X.T @ (X @ self.W - y)

        net = Net()  # the training call is missing
        """,
        "without a loop that changes a NumPy array",
    ),
    "lists.py": (
        """
        import random
        weights = [[random.random() for _ in range(2)] for _ in range(2)]
        for epoch in range(100):
            for i in range(2):
                for j in range(2):
                    weights[i][j] -= 0.1 * weights[i][j]
        """,
        "your weights are held in Python lists (weights, changed on line 7)",
    ),
    "missing_data.py": (
        """
        import numpy as np
        data = np.loadtxt("train.csv", delimiter=",")
        """,
        "your program raised FileNotFoundError: train.csv not found (line 3) before its training loop ran",
    ),
    "asks.py": (
        """
        import numpy as np
        epochs = int(input("epochs? "))
        """,
        "your code calls input() (line 3)",
    ),
    "only_train_step.py": (
        """
        def train_step(weights, biases, X, Y, learning_rate):
            return weights, biases
        """,
        "defines train_step but runs no training loop: give the session to call it on with --session",
    ),
    "syntax.py": (
        """
        import numpy as np
        learning_rate = 0.1
        W = np.ones(2)
        W -= learning rate * W
        """,
        "line 5: syntax error: invalid syntax",
    ),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_bad_programs_get_one_line_and_exit_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, expected = PROGRAMS[name]
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    assert cli_main(["debug", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(f"gradstep: {path}: ")
    assert expected in err


def test_syntax_error_says_the_obvious_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = PROGRAMS["syntax.py"]
    path = tmp_path / "syntax.py"
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    cli_main(["debug", str(path)])
    assert "(write 'learning_rate': 'learning rate' with a space is two names)" in capsys.readouterr().err


def test_tutorial_000_as_published_names_its_syntax_errors(capsys: pytest.CaptureFixture[str]) -> None:
    # the published code: its class body lost its indentation, and `learning rate` has a space
    assert cli_main(["debug", str(CORPUS / "tutorial_000.py")]) == 2
    err = capsys.readouterr().err
    assert "line 3: syntax error: expected an indented block after class definition on line 1" in err
    assert (
        "line 44: self.b2 -= learning rate * db2 (write 'learning_rate': 'learning rate' with a space "
        "is two names)"
    ) in err


def test_an_infinite_loop_before_the_training_loop_times_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "forever.py"
    path.write_text("x = 0\nwhile x >= 0:\n    x += 1\n", encoding="utf-8")
    start = time.monotonic()
    assert cli_main(["debug", str(path), "--timeout", "1.5"]) == 2
    assert time.monotonic() - start < 10
    err = capsys.readouterr().err
    assert "did not run 3 iterations of its training loop within 1.5 s and was stopped" in err


def test_a_missing_file_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["debug", str(tmp_path / "nope.py")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert cli_main(["debug", str(CORPUS / "tutorial_001.py"), "--iterations", "0"]) == 2
    assert "--iterations must be at least 1" in capsys.readouterr().err
    assert cli_main(["debug", str(CORPUS / "tutorial_001.py"), "--timeout", "0"]) == 2
    assert "--timeout: expected a positive number of seconds" in capsys.readouterr().err


def test_a_notebook_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json", encoding="utf-8")
    assert cli_main(["debug", str(path)]) == 2
    assert "not a Jupyter notebook" in capsys.readouterr().err
