"""Window benchmark, offscreen: one stage step with its repaint, and launch to first paint.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_bench.py

Each step is timed from the command to the end of the repaint: of the whole 1400x900 window
(``controller.step()``, the signals and every view's redraw, the docks included, then
``window.repaint()``), and of the network view alone; over whole iterations so every kind of
stage counts; the table shows the median and the 90th
percentile. Launch is measured in a fresh interpreter, from start to the first painted window.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import SessionConfig, parse_session  # noqa: E402

TARGETS_MS = {"2-4-1": 10.0, "64-64-64-10": 30.0, "784-128-10": 100.0}
LAUNCH_TARGET_S = 1.5


def network_config(sizes: list[int], samples: int = 64, seed: int = 1) -> SessionConfig:
    """A ReLU network of ``sizes`` with a sigmoid output on seeded random data."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples, sizes[0]))
    y = (rng.random((samples, sizes[-1])) > 0.5).astype(float)
    layers: list[dict[str, Any]] = [{"units": n, "activation": "relu"} for n in sizes[1:-1]]
    layers.append({"units": sizes[-1], "activation": "sigmoid"})
    return parse_session(
        {
            "format": "gradstep-session",
            "version": 1,
            "seed": seed,
            "network": {"inputs": sizes[0], "init": "xavier_uniform", "layers": layers},
            "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "data": {"inputs": x.tolist(), "targets": y.tolist()},
        }
    )


def step_times(sizes: list[int], iterations: int = 6, full: bool = True) -> list[float]:
    """Seconds per stage step including the window's repaint: of every widget (``full``), or of
    what changed, as Qt paints it when the event loop runs."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        # Fresh settings: the default dock layout every time, not whatever the last run saved.
        settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.Format.IniFormat)
        return _window_step_times(app, MainWindow(network_config(sizes), None, settings), iterations, full)


def _window_step_times(app: Any, window: Any, iterations: int, full: bool) -> list[float]:
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    window.repaint()
    controller = window.controller
    stages = len(controller.session.stages)
    times = []
    for _ in range((iterations + 1) * stages):
        t = time.perf_counter()
        controller.step()
        app.processEvents()
        if full:
            window.repaint()
        times.append(time.perf_counter() - t)
    window.controller.select(None)
    window.close()
    window.deleteLater()
    app.processEvents()
    return times[stages:]  # the first iteration warms caches (fonts, glyphs, pens, pixmaps)


def view_step_times(sizes: list[int], iterations: int = 6) -> list[float]:
    """Seconds per stage step with only the network view attached (no docks), repaint included."""
    from PySide6.QtWidgets import QApplication

    from gui.controller import SessionController
    from gui.network_view import NetworkView

    app = QApplication.instance() or QApplication([])
    controller = SessionController(network_config(sizes))
    view = NetworkView(controller)
    view.resize(900, 650)
    view.show()
    app.processEvents()
    view.repaint()
    times = []
    stages = len(controller.session.stages)
    for _ in range((iterations + 1) * stages):
        t = time.perf_counter()
        controller.step()
        app.processEvents()
        view.repaint()
        times.append(time.perf_counter() - t)
    view.close()
    view.deleteLater()
    app.processEvents()
    return times[stages:]


LAUNCH_SCRIPT = """
import time, sys
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
from gui.app import create_window
app = QApplication([])
window = create_window(None)
window.show()
app.processEvents()
window.repaint()
print(time.perf_counter() - t0)
"""


def launch_seconds(runs: int = 3) -> float:
    """Median seconds from a fresh interpreter's start to the first painted window."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    results = []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", LAUNCH_SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        total = time.perf_counter() - t
        inner = float(out.stdout.strip().splitlines()[-1])
        results.append(max(total, inner))
    return statistics.median(results)


def main() -> None:
    print("command: QT_QPA_PLATFORM=offscreen python benchmarks/gui_bench.py\n")
    print("| measurement | median | 90th percentile | target |")
    print("|---|---:|---:|---:|")
    measures = (
        ("whole window, every widget repainted", step_times),
        ("whole window, changed widgets repainted", lambda sizes: step_times(sizes, full=False)),
        ("network view alone", view_step_times),
    )
    for what, measure in measures:
        for name, target in TARGETS_MS.items():
            sizes = [int(n) for n in name.split("-")]
            times = sorted(measure(sizes))
            median = statistics.median(times) * 1000
            p90 = times[int(0.9 * (len(times) - 1))] * 1000
            print(
                f"| stage step + repaint, {what}, {name} | {median:.1f} ms | {p90:.1f} ms "
                f"| ≤ {target:.0f} ms |"
            )
    launch = launch_seconds()
    print(f"| launch to first painted window | {launch:.2f} s | | ≤ {LAUNCH_TARGET_S} s |")


if __name__ == "__main__":
    main()
