"""``gradstep export WALKTHROUGH --out OUT``: the real window, rendered offscreen, one frame per step.

Frames go to a folder of PNGs, a GIF (Pillow, a core dependency) or an MP4 (imageio with
imageio-ffmpeg, the ``video`` extra). Every file is written beside its target and renamed into
place, so an interrupted export never leaves half a file where an old one was.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from engine.errors import GradstepError
from engine.files.jsonio import file_mode
from engine.files.walkthrough import ExpectResult, Walkthrough

EXIT_OK = 0
FRAME_NAME = "step-{:03d}.png"
MP4_FPS = 4
BASE_SECONDS = 2.5  # how long a GIF or MP4 shows a step: longer for longer captions
SECONDS_PER_CHAR = 0.04
MAX_SECONDS = 10.0


def frame_seconds(caption: str) -> float:
    """How long a video shows a step with ``caption``: time to read it."""
    return min(MAX_SECONDS, BASE_SECONDS + SECONDS_PER_CHAR * len(caption))


def gif_milliseconds(seconds: float) -> int:
    """A GIF frame's delay: GIF stores hundredths of a second, so round to 10 ms."""
    return 10 * round(seconds * 100)


class Progress:
    """A progress bar on the terminal (stderr); a final line only when stderr is not a terminal."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, done: int) -> None:
        if not self.tty:
            return
        filled = self.width * done // self.total
        bar = "█" * filled + "·" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


@contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it when the block succeeds."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(file_mode(path))  # mkstemp makes files private; an export is an ordinary file
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _require_video() -> object:
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        raise GradstepError(
            "MP4 export needs imageio and imageio-ffmpeg (about 165 MB with its own ffmpeg): "
            "pip install 'gradstep[video]' — or export a .gif or a folder of PNGs, which need nothing more"
        ) from None
    return imageio


def render_frames(
    walkthrough: Walkthrough,
    size: tuple[int, int],
    on_frame: Callable[[int, object, tuple[ExpectResult, ...]], None],
) -> None:
    """Play ``walkthrough`` in an offscreen window of ``size`` and hand each step's frame
    (a QImage of exactly ``size``) to ``on_frame(index, image, expect results)``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from gui.app import create_app
    from gui.main_window import MainWindow

    app = create_app()
    width, height = size
    with tempfile.TemporaryDirectory(prefix="gradstep-export-") as tmp:
        settings = QSettings(str(Path(tmp) / "export.ini"), QSettings.Format.IniFormat)
        window = MainWindow(walkthrough.session, None, settings)
        try:
            window.config_dock.hide()  # frames show the network, the caption, the chain and the inspector
            window.statusBar().hide()
            minimum = window.minimumSize()
            window.resize(max(width, minimum.width()), max(height, minimum.height()))
            window.show()
            window.play_walkthrough(walkthrough)
            window.walkthrough_dock.hide()  # playing shows the step list: a frame has the caption
            window.chain_dock.raise_()
            for index in range(len(walkthrough.steps)):
                window.controller.goto_step(index)
                for _ in range(3):
                    QApplication.processEvents()
                image = window.grab().toImage()
                if (image.width(), image.height()) != (width, height):
                    image = image.scaled(
                        width,
                        height,
                        Qt.AspectRatioMode.IgnoreAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                replay = window.controller.tutorial
                on_frame(index, image, () if replay is None else replay.results)
        finally:
            window.controller.wait_idle()
            window.controller.mark_unmodified()  # an export has nothing to save
            window.close()
            window.deleteLater()
            app.processEvents()


def _rgb_bytes(image: object) -> tuple[bytes, int, int]:
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = rgb.width(), rgb.height()
    stride = rgb.bytesPerLine()
    raw = bytes(rgb.constBits())
    if stride != 3 * w:  # rows are padded to 4 bytes
        raw = b"".join(raw[r * stride : r * stride + 3 * w] for r in range(h))
    return raw, w, h


def export_walkthrough(
    walkthrough: Walkthrough, out: Path, size: tuple[int, int], stream: TextIO | None = None
) -> int:
    """Render every step of ``walkthrough`` to ``out`` (folder, .gif or .mp4); returns the exit code.

    Raises GradstepError for what the user can fix (a missing video package, an unwritable place).
    """
    steps = walkthrough.steps
    if not steps:
        raise GradstepError("the walkthrough has no steps: nothing to render")
    suffix = out.suffix.lower()
    if suffix == ".mp4":
        imageio = _require_video()
    if suffix in (".gif", ".mp4") and out.is_dir():
        raise GradstepError(f"--out: {out} is a folder")
    if suffix and not out.parent.is_dir():
        raise GradstepError(f"--out: the folder {out.parent} does not exist")
    if not suffix and out.exists() and not out.is_dir():
        raise GradstepError(f"--out: {out} exists and is not a folder")
    err = stream or sys.stderr
    progress = Progress(len(steps), f"rendering {len(steps)} steps", err)
    mismatches: list[str] = []
    frames: list[tuple[bytes, int, int]] = []

    def on_frame(index: int, image: object, results: tuple[ExpectResult, ...]) -> None:
        for r in results:
            if not r.met:
                mismatches.append(f"step {index + 1}: {r.key} recorded {r.expected!r}, computed {r.actual!r}")
        if not suffix:
            target = out / FRAME_NAME.format(index + 1)
            with _atomic_target(target) as tmp:
                if not image.save(str(tmp), "PNG"):  # type: ignore[attr-defined]
                    raise GradstepError(f"could not write {target}")
        else:
            frames.append(_rgb_bytes(image))
        progress.update(index + 1)

    try:
        if not suffix:
            out.mkdir(parents=True, exist_ok=True)
        render_frames(walkthrough, size, on_frame)
    except OSError as exc:
        raise GradstepError(f"--out: cannot write {out}: {exc.strerror or exc}") from None
    finally:
        progress.close()
    durations = [frame_seconds(s.caption) for s in steps]
    try:
        if suffix == ".gif":
            _write_gif(out, frames, durations)
        elif suffix == ".mp4":
            _write_mp4(imageio, out, frames, durations)
        else:
            for stale in sorted(out.glob("step-*.png")):  # frames of an earlier, longer export
                number = stale.stem.removeprefix("step-")
                if number.isdigit() and int(number) > len(steps):
                    stale.unlink()
    except OSError as exc:
        raise GradstepError(f"--out: cannot write {out}: {exc.strerror or exc}") from None
    for line in mismatches:
        print(f"warning: {line}", file=err)
    what = f"{len(steps)} frames" if not suffix else f"{len(steps)} steps"
    print(f"wrote {what} to {out}")
    return EXIT_OK


def _write_gif(out: Path, frames: list[tuple[bytes, int, int]], durations: list[float]) -> None:
    from PIL import Image

    images = [Image.frombytes("RGB", (w, h), raw) for raw, w, h in frames]
    # one shared palette keeps the colours steady from frame to frame
    first = images[0].quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    quantized = [first] + [im.quantize(palette=first, dither=Image.Dither.NONE) for im in images[1:]]
    with _atomic_target(out) as tmp:
        quantized[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=quantized[1:],
            duration=[gif_milliseconds(d) for d in durations],
            loop=0,
            optimize=False,
        )


def _write_mp4(
    imageio: object, out: Path, frames: list[tuple[bytes, int, int]], durations: list[float]
) -> None:
    import numpy as np

    with _atomic_target(out) as tmp:
        writer = imageio.get_writer(  # type: ignore[attr-defined]
            str(tmp),
            format="FFMPEG",
            fps=MP4_FPS,
            codec="libx264",
            macro_block_size=2,
            quality=8,
            ffmpeg_log_level="error",  # ffmpeg's banner and statistics are not the user's business
        )
        try:
            for (raw, w, h), seconds in zip(frames, durations, strict=True):
                pixels = np.frombuffer(raw, dtype=np.uint8).reshape(h, w, 3)
                pixels = pixels[: h - h % 2, : w - w % 2]  # H.264 wants even sizes
                for _ in range(max(1, round(seconds * MP4_FPS))):
                    writer.append_data(pixels)
        finally:
            writer.close()
