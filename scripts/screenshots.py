"""Render the window offscreen at every stage of one iteration, and the README screenshot.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out DIR] [--session SPEC]

Writes DIR/stage-00-start.png ... one per stage (default DIR: build/screenshots) and the
README's pictures: docs/screenshot.png (the XOR example after its backward pass, a weight
selected), docs/tutorial.png (tutorial mode in the tour of seed tutorial 004), docs/check.png
(Check my code on seed tutorial 004's own training step), docs/debug.png (Debug My Code on seed
tutorial 004 as published, its first wrong line selected in the Your Code dock),
docs/walkthrough.gif (the first steps of the "every number" tour, exported as
`gradstep export ... --out x.gif` does) and docs/digits.png (the digits example after 2,000
iterations, the Inspector's weight tiles shown).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import ParameterRef  # noqa: E402
from gui.app import create_app, create_window  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402

SIZE = (1400, 900)
README_WEIGHT = ParameterRef(0, 1, 0)


def _settle(app: QApplication) -> None:
    for _ in range(3):
        app.processEvents()


def _window(spec: str, settings_dir: Path) -> MainWindow:
    settings = QSettings(str(settings_dir / "screenshots.ini"), QSettings.Format.IniFormat)
    window = create_window(spec, settings)
    window.resize(*SIZE)
    window.show()
    return window


def _save(app: QApplication, window: MainWindow, out: Path) -> Path:
    """Fit the network, let the window settle, and save its picture to ``out``."""
    window.network_view.fit()
    _settle(app)
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    return out


def render(spec: str, out: Path, readme: Path | None) -> list[Path]:
    """Save one PNG per stage of the first iteration of ``spec``; returns the paths."""
    app = create_app()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        window = _window(spec, Path(tmp))
        _settle(app)
        controller = window.controller
        controller.select(README_WEIGHT)
        stages = controller.session.stages
        for s in range(len(stages) + 1):
            name = "start" if s == 0 else stages[s - 1].label.lower().replace(" ", "-")
            written.append(_save(app, window, out / f"stage-{s:02d}-{name}.png"))
            if s < len(stages):
                controller.step()
        if readme is not None:
            controller.goto_iteration(0, len(stages) - 1)  # after the last backward stage
            controller.set_color_by("gradient")
            written.append(_save(app, window, readme))
        controller.select(None)
        window.close()
    return written


def render_tutorial(out: Path, spec: str = "example:tour-tutorial-004", fraction: float = 0.6) -> Path:
    """Tutorial mode part-way through a built-in walkthrough."""
    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        window = _window("example:xor", Path(tmp))
        _settle(app)
        window.open_spec(spec)
        replay = window.controller.tutorial
        assert replay is not None
        window.controller.goto_step(int(fraction * (replay.step_count - 1)))
        _save(app, window, out)
        window.close()
    return out


GIF_STEPS = 7  # the forward pass, the loss, a weight selected and its backward stage
GIF_SIZE = (640, 400)


def render_walkthrough_gif(out: Path, spec: str = "example:tour-every-number") -> Path:
    """The README's GIF: the first steps of a built-in tour, exported like ``gradstep export``."""
    from engine.files.examples import resolve_any
    from engine.files.walkthrough import Walkthrough
    from gui.export import export_walkthrough

    walkthrough = resolve_any(spec)
    assert isinstance(walkthrough, Walkthrough)
    short = Walkthrough(walkthrough.title, walkthrough.session, walkthrough.steps[:GIF_STEPS])
    export_walkthrough(short, out, GIF_SIZE)
    return out


def render_check(out: Path) -> Path:
    """Check my code on seed tutorial 004's training step: marked edges, yours beside correct."""
    from PySide6.QtCore import QEventLoop, QTimer

    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        window = _window("example:tutorial-004", Path(tmp))
        _settle(app)
        loop = QEventLoop()
        window.controller.check_finished.connect(loop.quit)
        window.controller.check_failed.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        window.controller.start_check(ROOT / "resources" / "check" / "tutorial_004.py", 3, 30.0)
        loop.exec()
        _save(app, window, out)
        window.close()
    return out


def render_debug(out: Path, size: tuple[int, int] = SIZE) -> Path:
    """Debug My Code on seed tutorial 004 as published: the Your Code dock on its first wrong line."""
    from PySide6.QtCore import QEventLoop, QTimer

    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        window = _window("example:xor", Path(tmp))
        window.resize(*size)
        _settle(app)
        loop = QEventLoop()
        window.controller.debug_finished.connect(loop.quit)
        window.controller.debug_failed.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        window.controller.start_debug(ROOT / "tests" / "engine" / "debug_corpus" / "tutorial_004.py")
        loop.exec()
        _settle(app)
        _save(app, window, out)
        window.close()
    return out


def render_digits(out: Path, iterations: int = 2000) -> Path:
    """The digits example after its training: the Inspector's weight tiles, one of them selected."""
    from PySide6.QtCore import Qt

    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        window = _window("example:digits", Path(tmp))
        _settle(app)
        controller = window.controller
        controller.goto_iteration(iterations)
        controller.goto_stage(len(controller.session.stages) - 1)  # after the last backward stage
        controller.select(ParameterRef(0, 5, 27))
        inspector = window.inspector
        inspector.tabs.setCurrentWidget(inspector.images)
        window.resizeDocks([window.docks.inspector], [400], Qt.Orientation.Vertical)  # room for the tiles
        _save(app, window, out)
        window.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=str(ROOT / "build" / "screenshots"), help="folder for the stage PNGs"
    )
    parser.add_argument("--session", default="example:xor", help="session file or example:NAME")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite docs/screenshot.png")
    args = parser.parse_args()
    readme = None if args.no_readme else ROOT / "docs" / "screenshot.png"
    written = render(args.session, Path(args.out), readme)
    if not args.no_readme:
        written.append(render_tutorial(ROOT / "docs" / "tutorial.png"))
        written.append(render_check(ROOT / "docs" / "check.png"))
        written.append(render_debug(ROOT / "docs" / "debug.png"))
        written.append(render_walkthrough_gif(ROOT / "docs" / "walkthrough.gif"))
        written.append(render_digits(ROOT / "docs" / "digits.png"))
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
