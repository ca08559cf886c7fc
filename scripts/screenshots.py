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

It also renders the window-size matrix, docs/sizes/WxH-SCENE.png: each of the SIZES (960x640 to
2560x1440) with each of the SCENES (XOR after Backward 0 with a hidden weight selected, XOR
after its Update coloured by the update, 2-128-128-1 on the moons, 784-128-10), and one scene at
200 % scaling (docs/sizes/960x640@2x-backward.png, drawn by a child process started with
QT_SCALE_FACTOR=2), in 256 colours to keep them small. `--sizes-only` renders just the matrix.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import ParameterRef, SessionConfig, parse_session  # noqa: E402
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


SIZES = ((960, 640), (1366, 768), (1920, 1080), (2560, 1440))
SCALED = ((960, 640), "backward")  # the size and scene also drawn at 200 %
HIDDEN_WEIGHT = ParameterRef(0, 1, 0)  # into hidden unit 1: its chain rule sums over the next layer


def _relu_session(sizes: list[int], output: str, loss: str, data: dict[str, object]) -> SessionConfig:
    layers: list[dict[str, object]] = [{"units": n, "activation": "relu"} for n in sizes[1:-1]]
    layers.append({"units": sizes[-1], "activation": output})
    return parse_session(
        {
            "format": "gradstep-session",
            "version": 1,
            "seed": 1,
            "network": {"inputs": sizes[0], "init": "he_normal", "layers": layers},
            "loss": loss,
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "data": data,
        }
    )


def _digits_like() -> dict[str, object]:
    """16 seeded rows of 784 pixels and one-hot labels of 10 classes (no data set to download)."""
    rng = np.random.default_rng(784)
    return {
        "inputs": rng.random((16, 784)).round(3).tolist(),
        "targets": np.eye(10)[rng.integers(0, 10, 16)].tolist(),
    }


def _scene_session(scene: str) -> SessionConfig:
    from engine.files.examples import resolve

    if scene == "moons":
        data = {"preset": "moons", "samples": 64, "noise": 0.1}
        return _relu_session([2, 128, 128, 1], "sigmoid", "bce", data)
    if scene == "784":
        return _relu_session([784, 128, 10], "softmax", "cross_entropy", _digits_like())
    return resolve("example:xor")


SCENES = ("backward", "update", "moons", "784")


def _set_scene(window: MainWindow, scene: str) -> None:
    """Where each scene stands: after the last backward stage with a hidden weight selected, or
    after the Update coloured by it (through the window's own actions)."""
    controller = window.controller
    controller.select(HIDDEN_WEIGHT)
    if scene == "update":
        controller.finish_iteration()
        window.view_actions.color_actions["update"].trigger()
    else:
        controller.goto_iteration(0, len(controller.snapshot().stages) - 1)


def render_scene(size: tuple[int, int], scene: str, out: Path) -> Path:
    """The window at ``size`` showing ``scene``; stops if the grab is not at QT_SCALE_FACTOR."""
    from gui.main_window import MainWindow as Window

    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "sizes.ini"), QSettings.Format.IniFormat)
        window = Window(_scene_session(scene), None, settings)
        window.resize(*size)
        window.show()
        _settle(app)
        _set_scene(window, scene)
        window.network_view.fit()
        _settle(app)
        picture = window.grab()
        scale = float(os.environ.get("QT_SCALE_FACTOR", "1"))
        if picture.devicePixelRatio() != scale:
            raise SystemExit(f"{out}: grabbed at {picture.devicePixelRatio()}x, not {scale}x")
        out.parent.mkdir(parents=True, exist_ok=True)
        picture.save(str(out))
        window.close()
    _palette(out)
    return out


def _palette(path: Path) -> None:
    """Rewrite ``path`` with 256 colours, every pixel kept: a third of the bytes, and the layout
    (what these pictures are for) unchanged."""
    from PIL import Image

    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(256, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


def render_sizes(folder: Path) -> list[Path]:
    """The matrix of sizes and scenes, and the one scene at 200 % (in a child process: the scale
    is read once, when the application starts)."""
    written = []
    for width, height in SIZES:
        for scene in SCENES:
            written.append(render_scene((width, height), scene, folder / f"{width}x{height}-{scene}.png"))
    (width, height), scene = SCALED
    scaled = folder / f"{width}x{height}@2x-{scene}.png"
    env = dict(os.environ, QT_SCALE_FACTOR="2")
    command = [sys.executable, __file__, "--scene", f"{width}x{height}:{scene}", "--scene-out", str(scaled)]
    subprocess.run(command, env=env, check=True)
    written.append(scaled)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=str(ROOT / "build" / "screenshots"), help="folder for the stage PNGs"
    )
    parser.add_argument("--session", default="example:xor", help="session file or example:NAME")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite docs/screenshot.png")
    parser.add_argument("--sizes-only", action="store_true", help="render only docs/sizes/")
    parser.add_argument("--scene", help="render one scene, WxH:SCENE (used for the 200 %% picture)")
    parser.add_argument("--scene-out", help="where --scene writes its PNG")
    args = parser.parse_args()
    if args.scene:
        size, scene = args.scene.split(":")
        width, height = (int(n) for n in size.split("x"))
        print(f"wrote {render_scene((width, height), scene, Path(args.scene_out))}")
        return
    if args.sizes_only:
        for path in render_sizes(ROOT / "docs" / "sizes"):
            print(f"wrote {path}")
        return
    readme = None if args.no_readme else ROOT / "docs" / "screenshot.png"
    written = render(args.session, Path(args.out), readme)
    if not args.no_readme:
        written.append(render_tutorial(ROOT / "docs" / "tutorial.png"))
        written.append(render_check(ROOT / "docs" / "check.png"))
        written.append(render_debug(ROOT / "docs" / "debug.png"))
        written.append(render_walkthrough_gif(ROOT / "docs" / "walkthrough.gif"))
        written.append(render_digits(ROOT / "docs" / "digits.png"))
        written.extend(render_sizes(ROOT / "docs" / "sizes"))
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
