"""Window benchmark, offscreen: run throughput, stage step + repaint, launch; each as a ratio.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_bench.py [--quick]

Every figure is a ratio to a baseline measured in the same run, alternating the two, so the
load of a shared machine affects both sides alike:

- run: a run from the window (``controller.run(n)`` on the worker thread, redraws included,
  until the window receives the result) against the engine running the same iterations alone
  (``Session(config).run_iterations(n)``), the median of the ratios of the pairs measured
  side by side (the times shown are the medians of each); target 1.3.
- run, paused (with ``--only run``): runs of XOR, 784-128-10 and 784-256-256-10 from the window,
  each paused at ten moments by a precise QTimer (queued as a click is), timed from when the
  Pause was due to the run's last iteration (target 50 ms) and to the paused window painted;
  and the progress frames a second the window drew (target: at most 30).
- step + repaint: one stage step, from the command to the end of the repaint of what changed
  (``controller.step()``, then the event loop paints), over whole iterations so every kind of
  stage counts, median and 90th percentile; beside them those of a bare pyqtgraph repaint of
  the same edges (33 ``PlotCurveItem``s of line pairs between columns, one per colour bucket,
  the edges dealt to them anew, new data, repaint, antialiased up to 2,000 edges as Gradstep's;
  it draws every edge as a line, where Gradstep draws a layer of more than 16,384 as an image),
  and the ratio of the two p90s. The slowest step is shown too: with 8 stages an iteration
  (64-64-64-10), the update, which recolours every edge, is an eighth of the steps, so the p90
  of two iterations leaves it out.
  The rows marked "W[0][1,0] selected" step with that hidden weight selected, so the network
  view also explains it and lays out its chain-rule labels on every step: "its chain on the
  canvas" with the Chain rule dock closed (the issue's "chain-on-canvas labels within the same
  budget"), "canvas and Chain rule dock" with the dock open as well, re-laying out its rich text.
- launch: a fresh interpreter running ``gradstep`` as its console script does (the command line,
  the hand-over to a Gradstep already running) to the first painted window, against a bare
  PySide6 + pyqtgraph window with three docks, both with bytecode compiled as after an install,
  after one untimed launch of each, the median of the pairs' ratios; target 1.25.
- stall: the GUI thread's longest stall (the largest gap between the ticks of a 10 ms QTimer
  heartbeat) during long work: a tutorial Next of 9,999 iterations, Apply of a 1,000,000-point
  preset, opening a 200,000-row session file, the history slider's longest jump back in a
  large network; as it was, on the GUI thread ("before", forced in the same run), and as a job
  on a worker thread ("after"), both as ratios to the period.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Breakpoints, Session, SessionConfig, parse_session  # noqa: E402
from engine.core import allocator, threads  # noqa: E402

RUN_TARGET = 1.3
PAUSE_TARGET_MS = 50.0  # from Pause to the run's last iteration
FRAME_SECONDS = 1 / 30  # the window redraws a run at most 30 times a second
LAUNCH_TARGET = 1.25
STEP_CASES = {  # network: (batch, p90 target in ms)
    "2-4-1": (None, 16.0),
    "64-64-64-10": (None, 16.0),
    "784-128-10": (None, 16.0),
    "784-256-256-10": (128, 50.0),
}
SELECTED_CASES = {  # with a hidden weight selected: its chain is labelled on the canvas each step
    "2-4-1": (None, 16.0),
    "64-64-64-10": (None, 16.0),
    "784-128-10": (None, 16.0),
}
SELECTED_LABELS = {
    "": "",
    "canvas": ", W[0][1,0] selected: its chain on the canvas",
    "dock": ", W[0][1,0] selected: canvas and Chain rule dock",
}
BARE_BUCKETS = 33  # as many colour buckets as the network's edges have (gui.colormap.BUCKETS)


def network_config(
    sizes: list[int],
    samples: int = 64,
    seed: int = 1,
    batch: int | None = None,
    output: str = "sigmoid",
    loss: str = "mse",
) -> SessionConfig:
    """A ReLU network of ``sizes`` on seeded random data."""
    rng = np.random.default_rng(seed)
    x = rng.random((samples, sizes[0]))
    if output == "softmax":
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], samples)]
    else:
        y = (rng.random((samples, sizes[-1])) > 0.5).astype(float)
    layers: list[dict[str, Any]] = [{"units": n, "activation": "relu"} for n in sizes[1:-1]]
    layers.append({"units": sizes[-1], "activation": output})
    return parse_session(
        {
            "format": "gradstep-session",
            "version": 1,
            "seed": seed,
            "network": {"inputs": sizes[0], "init": "xavier_uniform", "layers": layers},
            "loss": loss,
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "data": {"inputs": x.tolist(), "targets": y.tolist()},
            "batch_size": batch,
        }
    )


def xor_config() -> SessionConfig:
    from engine.files.examples import resolve

    return resolve("example:xor")


def _big_config() -> SessionConfig:
    return network_config([784, 128, 10], 512, batch=16, output="softmax", loss="cross_entropy")


# runs long enough that every Pause comes while they run
PAUSE_CASES: list[tuple[str, Callable[[], SessionConfig], int]] = [
    ("XOR 2-3-1 (example:xor)", xor_config, 200_000),
    ("784-128-10 ReLU/softmax, batch 16", _big_config, 50_000),
    ("784-256-256-10, batch 128", lambda: network_config([784, 256, 256, 10], 256, batch=128), 20_000),
]


def _app() -> Any:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _window(config: SessionConfig, folder: str) -> Any:
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow

    _app()
    # Fresh settings: the default dock layout every time, not whatever the last run saved.
    settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(config, None, settings)
    window.resize(1400, 900)
    window.show()
    _app().processEvents()
    window.repaint()
    return window


def _close(window: Any) -> None:
    window.controller.mark_unmodified()
    window.close()
    window.deleteLater()
    _app().processEvents()


# ---- run throughput ----


def window_run_seconds(window: Any, config: SessionConfig, iterations: int) -> float:
    """From Run to the result reaching the window, on a fresh session."""
    from PySide6.QtCore import QEventLoop

    controller = window.controller
    controller.new_session(config)
    _settle()
    loop = QEventLoop()
    controller.run_finished.connect(loop.quit)
    start = time.perf_counter()
    controller.run(iterations)
    loop.exec()
    seconds = time.perf_counter() - start
    controller.run_finished.disconnect(loop.quit)
    assert controller.session.iteration == iterations
    return seconds


def _settle(ms: int = 50) -> None:
    """Run the event loop for ``ms``: the window finishes what the last change queued (the old
    session's widgets deleted, the new one painted), as it has by the time a user presses Run.
    (``processEvents`` leaves deferred deletions for the next event loop: they went into the
    measured run, 0.1 to 0.2 s of it.)"""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def engine_run_seconds(config: SessionConfig, iterations: int) -> float:
    start = time.perf_counter()
    Session(config).run_iterations(iterations, Breakpoints(non_finite=True))
    return time.perf_counter() - start


def run_ratio(config: SessionConfig, iterations: int, repeats: int) -> tuple[float, float, float]:
    """(window s, engine s: medians; their paired ratio), alternating the two."""
    with tempfile.TemporaryDirectory() as folder:
        window = _window(config, folder)
        window_run_seconds(window, config, iterations)  # warm: fonts, glyphs, caches
        windows, engines = [], []
        for _ in range(repeats):
            engines.append(engine_run_seconds(config, iterations))
            windows.append(window_run_seconds(window, config, iterations))
        _close(window)
    return statistics.median(windows), statistics.median(engines), paired_ratio(windows, engines)


def run_frames_and_pauses(
    config: SessionConfig, iterations: int, pauses: int
) -> tuple[list[float], list[float], list[float]]:
    """Runs from the window, each paused at its own moment (a quarter to three quarters of a
    second in): (the gaps between the progress frames the window drew, seconds from each Pause
    to the worker's last iteration, seconds from each Pause to the window having painted the
    paused state)."""
    gaps: list[float] = []
    stopped: list[float] = []
    shown: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        window = _window(config, folder)
        for k in range(pauses):
            frames, stop, show = _paused_run(window, config, iterations, 250 + 500 * k // max(1, pauses - 1))
            gaps += [b - a for a, b in zip(frames, frames[1:], strict=False)]
            stopped.append(stop)
            shown.append(show)
        _close(window)
    return gaps, stopped, shown


def _paused_run(
    window: Any, config: SessionConfig, iterations: int, delay_ms: int
) -> tuple[list[float], float, float]:
    """A run of a fresh session, Pause due ``delay_ms`` after it started: (when each progress
    frame was drawn, seconds from Pause to the run's last iteration, to the paused window
    painted). Pause is a QTimer, queued as a click is, and timed from when it was due: one that
    waits behind a frame being drawn counts that wait."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    controller = window.controller
    controller.new_session(config)
    _settle()
    frames: list[float] = []
    finished: list[float] = []
    painted: list[float] = []
    loop = QEventLoop()

    def on_stage_changed() -> None:
        if controller.running:
            frames.append(time.perf_counter())

    def on_painted() -> None:
        painted.append(time.perf_counter())
        loop.quit()

    after_paint = QTimer()  # a timer object fires once the event loop has painted
    after_paint.setSingleShot(True)
    after_paint.setInterval(0)
    after_paint.timeout.connect(on_painted)
    pause = QTimer()  # precise: a coarse one may fire 5 % early
    pause.setTimerType(Qt.TimerType.PreciseTimer)
    pause.setSingleShot(True)
    pause.timeout.connect(controller.pause)
    controller.stage_changed.connect(on_stage_changed)
    controller.run_finished.connect(after_paint.start)
    controller.run(iterations)
    worker = controller._worker  # the run's, to time its end on its own thread
    assert worker is not None
    direct = Qt.ConnectionType.DirectConnection
    worker.finished.connect(lambda *_: finished.append(time.perf_counter()), direct)
    due = time.perf_counter() + delay_ms / 1000
    pause.start(delay_ms)
    loop.exec()
    controller.run_finished.disconnect(after_paint.start)
    controller.stage_changed.disconnect(on_stage_changed)
    if controller.session.iteration >= iterations:
        raise RuntimeError(f"the run of {iterations} iterations ended before its Pause")
    return frames, finished[0] - due, painted[0] - due


def paired_ratio(measured: list[float], baseline: list[float]) -> float:
    """The median of each measurement over the baseline taken right beside it: the machine's
    speed drifts by half within a minute here, and a pair shares its moment of it."""
    return statistics.median(m / b for m, b in zip(measured, baseline, strict=True))


# ---- stage step + repaint ----


def step_times(config: SessionConfig, iterations: int, selected: str = "") -> list[float]:
    """Seconds per stage step including the repaint of what changed, as Qt paints it.
    ``selected``: "canvas" steps with the hidden weight W[0][1,0] selected, its chain labelled on
    the canvas, the Chain rule dock closed; "dock" with the dock open too, filling in as it steps."""
    app = _app()
    with tempfile.TemporaryDirectory() as folder:
        window = _window(config, folder)
        controller = window.controller
        if selected:
            from engine import ParameterRef

            window.chain_dock.setVisible(selected == "dock")
            app.processEvents()
            controller.select(ParameterRef(0, 1, 0))
        stages = len(controller.session.stages)
        times = []
        for _ in range((iterations + 1) * stages):
            t = time.perf_counter()
            controller.step()
            app.processEvents()
            times.append(time.perf_counter() - t)
        _close(window)
    return times[stages:]  # the first iteration warms caches (fonts, glyphs, pens, pixmaps)


def bare_edge_times(sizes: list[int], repaints: int) -> list[float]:
    """Seconds per bare pyqtgraph repaint of a network's edges (every unit of a column to every
    unit of the next, columns side by side) as line-pair curves, one per colour bucket as
    Gradstep draws them, the edges dealt to the buckets anew and every curve's data set anew
    each time (as an update stage recolours every edge)."""
    import pyqtgraph as pg

    from gui.network.style import SMOOTH_EDGES

    app = _app()
    widget = pg.PlotWidget()
    widget.resize(900, 650)
    curves = []
    edges = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    for b in range(BARE_BUCKETS):
        shade = int(255 * b / (BARE_BUCKETS - 1))
        pen = pg.mkPen((shade, 80, 255 - shade), width=1)
        # antialiased where Gradstep's are, aliased (pyqtgraph's default) above SMOOTH_EDGES
        curve = pg.PlotCurveItem(connect="pairs", pen=pen, antialias=edges <= SMOOTH_EDGES)
        widget.addItem(curve)
        curves.append(curve)
    widget.show()
    app.processEvents()
    xs, ys = [], []
    for col, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
        y_in = np.repeat((np.arange(n_in) + 0.5) / n_in, n_out)
        y_out = np.tile((np.arange(n_out) + 0.5) / n_out, n_in)
        xs.append(np.stack([np.full(n_in * n_out, col), np.full(n_in * n_out, col + 1.0)], axis=1).ravel())
        ys.append(np.stack([y_in, y_out], axis=1).ravel())
    x, y = np.concatenate(xs).reshape(-1, 2), np.concatenate(ys).reshape(-1, 2)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(repaints + 1):
        t = time.perf_counter()
        bucket = rng.integers(0, BARE_BUCKETS, len(x))  # new colours: every path is rebuilt
        for b, curve in enumerate(curves):
            mine = bucket == b
            curve.setData(x[mine].ravel(), y[mine].ravel())
        widget.viewport().repaint()
        times.append(time.perf_counter() - t)
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return times[1:]


def p90(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(0.9 * (len(ordered) - 1))]


# ---- launch ----

# `gradstep` as its console script runs it (the command line, the hand-over to a Gradstep already
# running, the window at its default 1400 x 900): the event loop's first turn paints the window
# and the launch ends there
LAUNCH_SCRIPT = """
import sys, time
from engine.cli import main
from PySide6.QtWidgets import QApplication

def first_frame(app):
    app.processEvents()
    for widget in app.topLevelWidgets():
        if widget.isVisible():
            widget.repaint()
    print(time.monotonic())
    return 0

QApplication.exec = first_frame
sys.exit(main([]))
"""

BARE_SCRIPT = """
import time
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
for name, area in (("left", Qt.DockWidgetArea.LeftDockWidgetArea),
                   ("right", Qt.DockWidgetArea.RightDockWidgetArea),
                   ("bottom", Qt.DockWidgetArea.BottomDockWidgetArea)):
    dock = QDockWidget(name)
    dock.setWidget(QLabel(name))
    window.addDockWidget(area, dock)
window.resize(1400, 900)
window.show()
app.processEvents()
window.repaint()
print(time.monotonic())
"""


def _process_seconds(script: str) -> float:
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as home:
        # no window layout or recent files of the user's, and a socket of its own for the hand-over
        env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
        env.update(XDG_CONFIG_HOME=home, XDG_DATA_HOME=home, XDG_RUNTIME_DIR=home, TMPDIR=home)
        # An installed Gradstep has its bytecode compiled (pip does it), like PySide6 and
        # pyqtgraph; without this a machine that sets PYTHONDONTWRITEBYTECODE compiles every
        # module each launch.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # From starting the interpreter to the first painted frame, as the child reads the same
        # system-wide monotonic clock; not the process's exit, which a user never waits for (it
        # had been counted: about 0.1 s, 40 ms more for Gradstep's larger window to tear down).
        start = time.monotonic()
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        return float(out.stdout.strip().splitlines()[-1]) - start


def launch_ratio(runs: int) -> tuple[float, float, float]:
    """(Gradstep s, bare s: medians; their paired ratio), fresh interpreters, alternating."""
    gradstep, bare = [], []
    _process_seconds(BARE_SCRIPT)  # warm: bytecode written, files in the page cache
    _process_seconds(LAUNCH_SCRIPT)
    for _ in range(runs):
        bare.append(_process_seconds(BARE_SCRIPT))
        gradstep.append(_process_seconds(LAUNCH_SCRIPT))
    return statistics.median(gradstep), statistics.median(bare), paired_ratio(gradstep, bare)


# ---- the GUI thread's longest stall during long work ----

HEARTBEAT_MS = 10
JUMP_RUN = 400  # iterations run before the history jump is timed


def longest_stall(start: Callable[[], object], finished: Callable[[], bool]) -> float:
    """Seconds of the longest gap between heartbeat ticks from ``start()`` until ``finished()``
    (the event loop runs meanwhile; work ``start`` does itself on this thread is a gap)."""
    from PySide6.QtCore import QTimer

    app = _app()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(HEARTBEAT_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    ticks.append(time.perf_counter())
    start()
    while not finished():
        app.processEvents()
        time.sleep(0.001)
    for _ in range(3):  # the answer is shown: what that costs the GUI thread counts too
        app.processEvents()
    ticks.append(time.perf_counter())
    timer.stop()
    return max(b - a for a, b in zip(ticks, ticks[1:], strict=False))


Case = tuple[str, Callable[[], object], Callable[[], object]]  # what, prepare, start


def _stall_cases(window: Any, folder: str) -> list[Case]:
    """(what, prepare, start) of each long piece of work; only ``start`` is measured."""
    from engine.files.session_file import session_json

    c = window.controller
    big = Path(folder) / "large-session.json"
    rng = np.random.default_rng(5)
    x = rng.random((200_000, 2)).round(6)
    doc = session_json(xor_config())
    doc["data"] = {"inputs": x.tolist(), "targets": (x[:, :1] > 0.5).astype(float).tolist()}
    big.write_text(json.dumps(doc))
    csv = Path(folder) / "large.csv"  # a small session file whose data is a large CSV file
    csv.write_text("a,b,label\n" + "".join(f"{a},{b},{int(a > 0.5)}\n" for a, b in x.tolist()))
    small = Path(folder) / "csv-session.json"
    csv_data = {"csv": csv.name, "targets": ["label"]}
    small.write_text(json.dumps({**session_json(xor_config()), "data": csv_data}))

    def opened(spec: str) -> None:
        c.mark_unmodified()  # no "save changes?" dialog between cases
        window.open_spec(spec)

    def tutorial_prepare() -> None:
        opened("example:tour-every-number")
        c.goto_step(10)

    def apply_prepare() -> None:
        opened("example:moons")
        window.config_panel.data_editor.samples_box.setValue(1_000_000)
        window.config_panel.check_fields()

    wide = Path(folder) / "wide-session.json"
    wide.write_text(json.dumps(session_json(network_config([784, 256, 256, 10], 256, batch=128))))
    jump: list[int] = []

    def history_prepare() -> None:
        opened(str(wide))
        while c.busy:
            _app().processEvents()
        c.run(JUMP_RUN)
        while c.running:
            _app().processEvents()
            time.sleep(0.001)
        jump[:] = [max(range(1, JUMP_RUN - 1), key=c.session.replay_length)]  # the longest replay

    return [
        (
            "tutorial Next: 9,999 iterations (tour-every-number)",
            tutorial_prepare,
            lambda: c.goto_step(11),
        ),
        ("Apply: moons preset of 1,000,000 points", apply_prepare, window.config_panel.apply),
        (
            f"Open: a session file of 200,000 rows ({big.stat().st_size / 1e6:.0f} MB)",
            lambda: opened("example:xor"),
            lambda: opened(str(big)),
        ),
        (
            f"Open: a small session file of a 200,000-row CSV ({csv.stat().st_size / 1e6:.0f} MB)",
            lambda: opened("example:xor"),
            lambda: opened(str(small)),
        ),
        (
            f"History: the longest jump back in 784-256-256-10, batch 128, after {JUMP_RUN} iterations",
            history_prepare,
            lambda: window.history.slider.setValue(jump[0]),
        ),
    ]


def _forced_on_gui_thread() -> Any:
    """Patch the window to do every piece of work on the GUI thread, as before the jobs."""
    from contextlib import ExitStack
    from unittest import mock

    stack = ExitStack()
    stack.enter_context(mock.patch("gui.control.replay.Replay.is_long", return_value=False))
    stack.enter_context(mock.patch("gui.config_panel.builds_slowly", return_value=False))
    stack.enter_context(mock.patch("gui.window.file_commands.opens_slowly", return_value=False))
    stack.enter_context(mock.patch("gui.control.session_jobs.long_replay", return_value=False))
    return stack


def _stall_table(repeats: int) -> None:
    period = HEARTBEAT_MS / 1000
    print(
        f"| long work | longest stall before: on the GUI thread | after: a job | before / {HEARTBEAT_MS} ms "
        f"| after / {HEARTBEAT_MS} ms |"
    )
    print("|---|---:|---:|---:|---:|", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        window = _window(xor_config(), folder)
        c = window.controller
        for name, prepare, start in _stall_cases(window, folder):
            befores: list[float] = []
            afters: list[float] = []
            for _ in range(repeats):
                for forced, stalls in ((True, befores), (False, afters)):
                    prepare()
                    for _ in range(3):
                        _app().processEvents()
                    with _forced_on_gui_thread() if forced else contextlib.nullcontext():
                        stalls.append(longest_stall(start, lambda: not c.busy))
            before, after = statistics.median(befores), statistics.median(afters)
            print(
                f"| {name} | {before * 1e3:.0f} ms | {after * 1e3:.0f} ms "
                f"| {before / period:.1f} | {after / period:.1f} |",
                flush=True,
            )
        _close(window)


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**not met**"


def _run_table(repeats: int) -> None:
    print("| window run | iterations | window (s) | engine alone (s) | ratio | target |")
    print("|---|---:|---:|---:|---:|---:|")
    cases: list[tuple[str, Callable[[], SessionConfig], int]] = [
        ("XOR 2-3-1 (example:xor)", xor_config, 5000),
        (
            "784-128-10 ReLU/softmax, batch 16",
            _big_config,
            200,
        ),
    ]
    for name, make, iterations in cases:
        w, e, ratio = run_ratio(make(), iterations, repeats)
        print(
            f"| {name} | {iterations} | {w:.3f} | {e:.3f} | {ratio:.2f} | ≤ {RUN_TARGET} "
            f"{_verdict(ratio, RUN_TARGET)} |"
        )


def _pause_table(pauses: int) -> None:
    print(
        "| window run, paused | frames a second (fastest) | Pause to the run's last iteration: "
        "median / slowest | to the paused window painted: median / slowest | target |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, make, iterations in PAUSE_CASES:
        gaps, stopped, shown = run_frames_and_pauses(make(), iterations, pauses)
        rate = f"{1 / statistics.median(gaps):.1f} ({1 / min(gaps):.1f})" if gaps else "none"
        frames = "met" if gaps and min(gaps) >= FRAME_SECONDS else "**not met**" if gaps else "not timed"
        slowest = max(stopped) * 1e3
        print(
            f"| {name} | {rate} | {statistics.median(stopped) * 1e3:.1f} / {slowest:.1f} ms "
            f"| {statistics.median(shown) * 1e3:.1f} / {max(shown) * 1e3:.1f} ms "
            f"| ≤ 30 frames a second {frames}; "
            f"Pause ≤ {PAUSE_TARGET_MS:.0f} ms {_verdict(slowest, PAUSE_TARGET_MS)} |"
        )


def _step_table(iterations: int) -> None:
    print(
        "| step + repaint of what changed | edges | p50 | p90 | slowest | bare repaint p50 / p90 "
        "| p90 / bare p90 | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    cases = [(name, case, "") for name, case in STEP_CASES.items()]
    cases += [(name, case, "canvas") for name, case in SELECTED_CASES.items()]
    cases += [(name, case, "dock") for name, case in SELECTED_CASES.items()]
    for name, (batch, target), selected in cases:
        sizes = [int(n) for n in name.split("-")]
        edges = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
        samples = 256 if batch else 64
        times = step_times(network_config(sizes, samples, batch=batch), iterations, selected)
        bare = bare_edge_times(sizes, len(times))
        ms, bare_ms = p90(times) * 1e3, p90(bare) * 1e3
        label = name + (f", batch {batch}" if batch else "") + SELECTED_LABELS[selected]
        print(
            f"| {label} | {edges:,} | {statistics.median(times) * 1e3:.1f} ms | {ms:.1f} ms "
            f"| {max(times) * 1e3:.1f} ms "
            f"| {statistics.median(bare) * 1e3:.1f} / {bare_ms:.1f} ms | {ms / bare_ms:.2f} "
            f"| p90 ≤ {target:.0f} ms {_verdict(ms, target)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", choices=("run", "step", "launch", "stall"), help="one table")
    args = parser.parse_args()
    allocator.tune()
    threads.apply(threads.choose())  # as `gradstep` does for a command, and the window once shown
    print(f"BLAS threads: {threads.blas_threads()}; load average {os.getloadavg()[0]:.1f}\n")
    if args.only in (None, "run"):
        _run_table(3 if args.quick else 7)
        print()
        _pause_table(4 if args.quick else 10)
        print()
    if args.only in (None, "step"):
        _step_table(2 if args.quick else 6)
        print()
    if args.only in (None, "stall"):
        _stall_table(1 if args.quick else 3)
        print()
    if args.only in (None, "launch"):
        g, b, ratio = launch_ratio(3 if args.quick else 7)
        print("| launch to first painted window | Gradstep (s) | bare window, 3 docks (s) | ratio | target |")
        print("|---|---:|---:|---:|---:|")
        print(
            f"| median | {g:.2f} | {b:.2f} | {ratio:.2f} "
            f"| ≤ {LAUNCH_TARGET} {_verdict(ratio, LAUNCH_TARGET)} |"
        )


if __name__ == "__main__":
    main()
