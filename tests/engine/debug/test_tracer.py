"""The tracer: what it records, when it stops, what it keeps from harming anything."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from engine.learner.debug import debug_code, recording
from engine.learner.debug.recording import record
from engine.learner.debug.source import read_source

from .conftest import CORPUS

LONG = """
import numpy as np

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([[1.0], [1.0], [0.0]])
W = np.full((2, 1), 0.1)
b = np.zeros((1, 1))
for epoch in range(10_000_000):
    out = 1 / (1 + np.exp(-(X @ W + b)))
    d = (out - y) * out * (1 - out)
    W -= 0.5 * X.T @ d
    b -= 0.5 * d.sum(axis=0, keepdims=True)
"""


def test_a_ten_million_epoch_loop_costs_n_iterations(tmp_path: Path) -> None:
    path = tmp_path / "long.py"
    path.write_text(LONG, encoding="utf-8")
    start = time.monotonic()
    trace = record(read_source(path), 4, timeout=30)
    assert time.monotonic() - start < 15
    assert trace.status == "stopped"
    assert trace.iterations == 4
    assert trace.training_loop == 8
    # each iteration changed W and b once, on lines 11 and 12
    for k in range(4):
        changed = {(e.line, c.name) for e in trace.iteration_events(k) for c in e.changes}
        assert {(11, "W"), (12, "b")} <= changed


def test_the_changes_of_each_line_are_copies(tmp_path: Path) -> None:
    path = tmp_path / "long.py"
    path.write_text(LONG, encoding="utf-8")
    trace = record(read_source(path), 2, timeout=30)
    ws = [c.value for e in trace.events for c in e.changes if c.name == "W" and e.line == 11]
    assert len(ws) == 2
    assert ws[0] is not None
    assert ws[1] is not None
    assert not np.array_equal(ws[0], ws[1])  # in-place updates were copied, not aliased


def test_big_arrays_are_summarised_past_the_memory_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recording, "MEMORY_BUDGET", 64 * 1024)
    path = tmp_path / "big.py"
    big = (
        LONG.replace(
            "X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])",
            "X = np.random.default_rng(0).random((3000, 2))",
        )
        .replace("y = np.array([[1.0], [1.0], [0.0]])", "y = (X[:, :1] > 0.5).astype(float)")
        .replace("0.5 * X.T @ d", "0.5 * X.T @ d / len(X)")
        .replace("0.5 * d.sum(", "0.5 / len(X) * d.sum(")
    )
    assert big.count("len(X)") == 2
    path.write_text(big, encoding="utf-8")
    report = debug_code(path, iterations=2, timeout=30)
    assert any("memory bound reached" in note for note in report.notes)
    summarised = [n for v in report.lines for n in v.names if n.note == "summarised (memory bound)"]
    assert summarised


def test_plt_show_does_not_block_and_plots_go_nowhere(tmp_path: Path) -> None:
    # a stand-in matplotlib whose show() would block like a real window
    package = tmp_path / "matplotlib"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "pyplot.py").write_text(
        "import os, time\nBACKEND = os.environ.get('MPLBACKEND')\n"
        "def plot(*a, **k):\n    pass\ndef show(*a, **k):\n    time.sleep(600)\n",
        encoding="utf-8",
    )
    program = (
        "import matplotlib.pyplot as plt\nprint('backend', plt.BACKEND)\n"
        + LONG
        + "\nplt.plot([1])\nplt.show()\n"
    )
    (tmp_path / "plots.py").write_text(program.replace("10_000_000", "5"), encoding="utf-8")
    start = time.monotonic()
    report = debug_code(tmp_path / "plots.py", iterations=10, timeout=20)
    assert time.monotonic() - start < 15
    assert report.iterations == 5  # the loop ended by itself, then show() returned at once
    assert "backend Agg" in report.printed


def test_a_notebooks_cells_run_in_order(tmp_path: Path) -> None:
    notebook = json.loads((CORPUS / "notebook_tanh.ipynb").read_text(encoding="utf-8"))
    source = read_source(CORPUS / "notebook_tanh.ipynb")
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(source.lines) == sum(len("".join(c["source"]).splitlines()) for c in code_cells)
    assert source.lines[0] == "pass"  # %matplotlib inline


def test_while_true_loops_and_per_sample_updates_are_training_loops(tmp_path: Path) -> None:
    while_true = LONG.replace("for epoch in range(10_000_000):", "step = 0\nwhile True:")
    (tmp_path / "while_true.py").write_text(while_true, encoding="utf-8")
    report = debug_code(tmp_path / "while_true.py", iterations=3, timeout=30)
    assert report.agrees
    assert report.training_loop == 9  # the `while True:` line
    per_sample = LONG.replace(
        """for epoch in range(10_000_000):
    out = 1 / (1 + np.exp(-(X @ W + b)))
    d = (out - y) * out * (1 - out)
    W -= 0.5 * X.T @ d""",
        """for epoch in range(100):
  for i in range(3):
    x, t = X[i : i + 1], y[i : i + 1]
    out = 1 / (1 + np.exp(-(x @ W + b)))
    d = (out - t) * out * (1 - out)
    W -= 0.5 * x.T @ d""",
    )
    assert "x, t = X" in per_sample
    (tmp_path / "per_sample.py").write_text(per_sample, encoding="utf-8")
    report = debug_code(tmp_path / "per_sample.py", iterations=3, timeout=30)
    assert report.agrees, report.to_text()
    assert report.training_loop == 9  # the inner loop: one update per sample
    assert [it.x.shape for it in report.discovery.iterations] == [(1, 2)] * 3


def test_a_cancel_stops_the_learners_program(tmp_path: Path) -> None:
    import threading

    from engine.errors import GradstepError

    path = tmp_path / "forever.py"
    path.write_text("x = 0\nwhile x >= 0:\n    x += 1\n", encoding="utf-8")
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    start = time.monotonic()
    with pytest.raises(GradstepError, match="the debug was cancelled; your program was stopped"):
        debug_code(path, iterations=3, timeout=60, cancel=cancel)
    timer.join()
    assert time.monotonic() - start < 10


def test_the_program_runs_in_its_own_folder_and_reads_its_data_file(tmp_path: Path) -> None:
    rows = "\n".join(f"{a},{b},{int(a != b)}" for a, b in ((0, 0), (0, 1), (1, 0), (1, 1)))
    (tmp_path / "xor.csv").write_text(rows + "\n", encoding="utf-8")
    program = LONG.replace(
        "X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])\ny = np.array([[1.0], [1.0], [0.0]])",
        'data = np.loadtxt("xor.csv", delimiter=",")\nX, y = data[:, :2], data[:, 2:]',
    )
    assert "xor.csv" in program
    (tmp_path / "from_csv.py").write_text(program, encoding="utf-8")
    report = debug_code(tmp_path / "from_csv.py", iterations=2, timeout=30)
    assert report.agrees
    assert report.discovery.config.x.shape == (4, 2)
