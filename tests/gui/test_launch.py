"""Launch does only what the first paint shows: hidden inspector tabs are built on first show,
and what only a later command needs is imported by that command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from engine import ParameterRef, parse_session
from gui.main_window import MainWindow
from tests.gui.conftest import open_window
from tests.helpers import tiny_session_dict

ROOT = Path(__file__).resolve().parents[2]

# imported by the command that needs them, never by a launch
NOT_AT_LAUNCH = (
    "engine.explain.chain",  # selecting a parameter: its chain rule
    "engine.notebook",  # Jupyter's display, engine.show
    "engine.learner.check",  # Check My Code
    "engine.learner.process",
    "engine.learner.debug.debugger",  # Debug My Code (the command line's parser is built, not it)
    "engine.desktop.install",  # gradstep desktop install
    "gui.control.replay",  # tutorial mode, when a walkthrough plays
    "gui.check.result_panel",  # Check My Code's result, on its first report
    "engine.export.command",  # File › Export as Code
    "gui.debug.panel",  # Debug My Code's "Your Code" dock
    "gui.inspector.boundary",  # the inspector's tabs not shown at launch
    "gui.inspector.confusion",
    "gui.inspector.images",
    "gui.inspector.norms",
    "threadpoolctl",  # the BLAS thread count: applied once the first frame is up
    "gzip",  # the digits preset
    "csv",  # a CSV data file
)
# (json is imported: gui.single_instance, which hands a launch to the Gradstep already running,
# speaks JSON; the launch imports it even with --new-instance)

# `gradstep --new-instance` as the console script runs it, up to its event loop; there the
# modules are listed at the first painted frame, then the loop runs for a moment
LAUNCH = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

event_loop = QApplication.exec

def first_frame(app):
    app.processEvents()
    for widget in app.topLevelWidgets():
        if widget.isVisible():
            widget.repaint()
    print("modules:", " ".join(sorted(sys.modules)))
    import gc
    collecting = [gc.isenabled()]
    QTimer.singleShot(400, app.quit)
    event_loop()
    from engine.core import threads
    print("threads:", " ".join(str(n) for n in threads.blas_threads()))
    collecting.append(gc.isenabled())
    print("collecting:", " ".join(str(c) for c in collecting))
    return 0

QApplication.exec = first_frame
from engine.cli import main
sys.exit(main(["--new-instance"]))
"""


def launch(tmp_path: Path) -> tuple[set[str], list[int], list[bool]]:
    """The modules a fresh `gradstep` has imported once its window is painted, and the BLAS
    libraries' thread counts a moment later (GRADSTEP_THREADS=3: neither the policy's one thread nor
    the two threads OpenBLAS starts on the 2-core machines it runs on); whether the cycle
    collector was on at the first frame and a moment later."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),  # QSettings: a layout of the user's own is not read
        "GRADSTEP_THREADS": "3",
    }
    out = subprocess.run(
        [sys.executable, "-c", LAUNCH], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    lines = out.stdout.strip().splitlines()
    modules = next(line for line in lines if line.startswith("modules: ")).removeprefix("modules: ")
    counts = next(line for line in lines if line.startswith("threads:")).removeprefix("threads:")
    collecting = next(line for line in lines if line.startswith("collecting:")).split()[1:]
    return set(modules.split()), [int(n) for n in counts.split()], [c == "True" for c in collecting]


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], list[int], list[bool]]:
    """One launch, read by each of the tests below."""
    return launch(tmp_path_factory.mktemp("launch"))


def test_a_launch_imports_none_of_what_later_commands_need(
    launched: tuple[set[str], list[int], list[bool]],
) -> None:
    modules, _, _ = launched
    assert "gui.main_window" in modules  # it did launch
    assert "engine.cli" in modules  # through the command line, as the console script does
    assert [name for name in NOT_AT_LAUNCH if name in modules] == []


def test_a_launch_applies_the_thread_count_after_the_first_frame(
    launched: tuple[set[str], list[int], list[bool]],
) -> None:
    _, counts, _ = launched
    assert counts  # NumPy's BLAS was found
    assert set(counts) == {3}


def test_the_cycle_collector_is_off_until_the_first_frame(
    launched: tuple[set[str], list[int], list[bool]],
) -> None:
    _, _, collecting = launched
    assert collecting == [False, True]


@pytest.mark.parametrize("outcome", ["returns", "raises"])
def test_the_cycle_collector_is_on_again_when_the_window_never_opens(
    monkeypatch: pytest.MonkeyPatch, outcome: str
) -> None:
    import gc

    import gui.app
    from engine import cli

    during: list[bool] = []

    def run_app(spec: str | None, new_instance: bool = False, resume_collector: bool = False) -> int:
        assert resume_collector
        during.append(gc.isenabled())
        if outcome == "raises":
            raise KeyboardInterrupt
        return 2  # a bad file: no window, no first frame

    monkeypatch.setattr(gui.app, "run_app", run_app)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert gc.isenabled()
    if outcome == "raises":
        with pytest.raises(KeyboardInterrupt):
            cli._launch_window(None)
    else:
        assert cli._launch_window(None) == 2
    assert during == [False]
    assert gc.isenabled()


def test_a_cycle_collector_already_off_stays_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import gui.app
    from engine import cli

    resumed: list[bool] = []

    def run_app(spec: str | None, new_instance: bool = False, resume_collector: bool = False) -> int:
        resumed.append(resume_collector)
        return 2

    monkeypatch.setattr(gui.app, "run_app", run_app)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    gc.disable()
    try:
        assert cli._launch_window(None) == 2
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert resumed == [False]


def test_the_cycle_collector_is_on_again_even_if_the_thread_count_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    import gui.app
    from engine.core import threads

    def fail() -> None:
        raise OSError("no BLAS to set")

    monkeypatch.setattr(threads, "apply_chosen", fail)
    gc.disable()
    try:
        with pytest.raises(OSError, match="no BLAS"):
            gui.app._after_first_frame(True)
        assert gc.isenabled()
    finally:
        gc.enable()


def test_the_lazily_imported_names_work_when_used(qtbot, window: MainWindow) -> None:
    import engine
    from engine.explain import chain

    assert engine.explain is chain.explain  # the function, as before, not the subpackage
    assert engine.ChainExplanation is chain.ChainExplanation
    assert callable(engine.show)
    ref = ParameterRef(0, 1, 0)
    window.controller.select(ref)  # the chain rule of a weight, as the user selects one
    explanation = window.controller.explain(ref)
    assert isinstance(explanation, chain.ChainExplanation)
    assert explanation.ref == ref


def test_the_your_code_panel_is_built_when_first_needed(qtbot, window: MainWindow) -> None:
    ui = window.debug_ui
    assert ui._panel is None  # hidden at launch: not built
    assert not ui.dock.isVisible()
    panel = ui.panel
    assert ui.dock.widget() is panel
    assert ui.panel is panel  # once
    assert not panel.rerun_button.isEnabled()  # nothing debugged yet


def test_a_restored_layout_showing_your_code_builds_its_panel(qtbot, settings: QSettings) -> None:
    config = parse_session(tiny_session_dict())
    first = open_window(qtbot, config, settings)
    win = next(first)
    win.debug_ui.dock.show()
    win.docks.save()
    next(first, None)  # closed: the layout with the Your Code dock shown is saved
    second = open_window(qtbot, config, settings)
    win = next(second)
    assert win.debug_ui.dock.isVisible()
    assert win.debug_ui._panel is not None
    assert win.debug_ui.dock.widget() is win.debug_ui._panel
    assert win.debug_ui._panel.isVisibleTo(win.debug_ui.dock)
    next(second, None)


def test_only_the_visible_inspector_tab_is_built_at_launch(qtbot, window: MainWindow) -> None:
    inspector = window.inspector
    assert list(inspector._built) == ["matrices"]
    assert inspector.tabs.count() == 4
    inspector.tabs.setCurrentIndex(1)  # the user opens the Loss tab: built and drawn now
    assert inspector.tabs.currentWidget() is inspector.loss
    assert inspector.tabs.currentIndex() == 1
    xs, _ = inspector.loss.curve.getData()
    assert xs is None or len(xs) == 0
    window.controller.finish_iteration()
    xs, _ = inspector.loss.curve.getData()
    assert list(xs) == [0]
    assert set(inspector._built) == {"matrices", "loss"}
    assert [inspector.tabs.tabText(i) for i in range(4)] == [
        "Matrices",
        "Loss",
        "Decision boundary",
        "Gradient norms",
    ]


def test_showing_the_your_code_dock_builds_its_panel(qtbot, window: MainWindow) -> None:
    ui = window.debug_ui
    ui.dock.toggleViewAction().trigger()  # View › Your Code
    ui.dock.raise_()
    qtbot.waitUntil(lambda: ui._panel is not None)
    assert ui.dock.widget() is ui._panel
    qtbot.waitUntil(ui._panel.isVisible)
