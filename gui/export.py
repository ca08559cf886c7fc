"""``gradstep export WALKTHROUGH --out OUT``: the real window, rendered offscreen, one frame per step.

Frames go to a folder of PNGs, a GIF (Pillow, a core dependency) or an MP4 (imageio with
imageio-ffmpeg, the ``video`` extra). Each frame is written out as soon as it is rendered, so
memory does not grow with the number of steps or their size (a 7680x4320 frame is 100 MB of
pixels). Every file goes through the atomic-write helper, so an interrupted export never leaves
half a file where an old one was.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from engine.errors import GradstepError
from engine.files.atomic import atomic_path
from engine.files.walkthrough import ExpectResult, Walkthrough, expect_warnings
from engine.interrupts import deferred_signals
from engine.progress import Progress

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

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
    on_frame: Callable[[int, QImage, tuple[ExpectResult, ...]], None],
    scale_mode: str = "layer",
) -> None:
    """Play ``walkthrough`` in an offscreen window of ``size`` and hand each step's frame
    (a QImage of exactly ``size``) to ``on_frame(index, image, expect results)``; gradients
    and updates are coloured on ``scale_mode`` ("layer" or "symlog"), as the window's View menu."""
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
            window.network_view.set_scale_mode(scale_mode)
            window.config_dock.hide()  # frames show the network, the caption, the chain and the inspector
            window.statusBar().hide()
            minimum = window.minimumSize()
            window.resize(max(width, minimum.width()), max(height, minimum.height()))
            window.show()
            window.play_walkthrough(walkthrough)
            window.walkthrough_dock.hide()  # playing shows the step list: a frame has the caption
            window.chain_dock.raise_()
            for index in range(len(walkthrough.steps)):
                # Ctrl+C or SIGTERM while Qt paints would be raised inside a Qt virtual method,
                # which prints it and carries on: held back until the frame is drawn
                with deferred_signals():
                    window.controller.goto_step(index)
                    while window.controller.busy:  # a step of many iterations replays on a worker
                        window.controller.wait_job()
                        QApplication.processEvents()
                    for _ in range(3):
                        QApplication.processEvents()
                    _network_half(window)
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


NETWORK_SHARE = 0.5  # of a frame's height, whatever the caption
INSPECTOR_MIN = 120  # below this the inspector shows nothing useful: a frame leaves it out


def _network_half(window: Any) -> None:
    """Shrink (or leave out) the inspector until the network has half the frame's height."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    dock = window.inspector_dock
    for attempt in range(3):  # a dock may not shrink as far as asked at once
        missing = int(NETWORK_SHARE * window.height()) - window.network_view.height()
        if missing <= 0 or not dock.isVisible():
            return
        if dock.height() - missing < INSPECTOR_MIN or attempt == 2:
            dock.hide()
        else:
            window.resizeDocks([dock], [dock.height() - missing], Qt.Orientation.Vertical)
        for _ in range(3):
            QApplication.processEvents()


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


class _FrameSink:
    """Where rendered frames go, one at a time: PNG files, a GIF stream or an MP4 encoder."""

    def __init__(self, out: Path, walkthrough: Walkthrough) -> None:
        self.out = out
        self.durations = [frame_seconds(s.caption) for s in walkthrough.steps]
        self._stack = ExitStack()
        self._gif: _GifStream | None = None
        self._mp4: Any = None

    def __enter__(self) -> _FrameSink:
        suffix = self.out.suffix.lower()
        if suffix == ".gif":
            self._gif = _GifStream(self._stack.enter_context(atomic_path(self.out)))
            self._stack.callback(self._gif.close)
        elif suffix == ".mp4":
            self._mp4 = _mp4_writer(self._stack.enter_context(atomic_path(self.out)))
            self._stack.callback(self._mp4.close)
        else:
            if not self.out.exists():
                # a folder this export made: an interrupted or failed export leaves no empty one
                self._stack.callback(self._remove_if_empty)
            self.out.mkdir(parents=True, exist_ok=True)
        return self

    def _remove_if_empty(self) -> None:
        with contextlib.suppress(OSError):  # not empty (frames written): it stays
            self.out.rmdir()

    def add(self, index: int, image: QImage) -> None:
        if self._gif is not None:
            self._gif.add(image, self.durations[index])
        elif self._mp4 is not None:
            _append_mp4(self._mp4, image, self.durations[index])
        else:
            from gui.png import save_png

            save_png(image, self.out / FRAME_NAME.format(index + 1))

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc_type is None and self._gif is not None:
            self._gif.finish()
        self._stack.__exit__(exc_type, exc, tb)


def _check_out(out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix in (".gif", ".mp4") and out.is_dir():
        raise GradstepError(f"--out: {out} is a folder")
    if suffix and not out.parent.is_dir():
        raise GradstepError(f"--out: the folder {out.parent} does not exist")
    if not suffix and out.exists() and not out.is_dir():
        raise GradstepError(f"--out: {out} exists and is not a folder")


def export_walkthrough(
    walkthrough: Walkthrough, out: Path, size: tuple[int, int], stream: TextIO | None = None
) -> int:
    """Render every step of ``walkthrough`` to ``out`` (folder, .gif or .mp4); returns the exit code.

    Raises GradstepError for what the user can fix (a missing video package, an unwritable place).
    """
    steps = walkthrough.steps
    if not steps:
        raise GradstepError("the walkthrough has no steps: nothing to render")
    if out.suffix.lower() == ".mp4":
        _require_video()
    _check_out(out)
    err = stream or sys.stderr
    progress = Progress(len(steps), f"rendering {len(steps)} steps", err)
    mismatches: list[str] = []
    try:
        with _FrameSink(out, walkthrough) as sink:

            def on_frame(index: int, image: QImage, results: tuple[ExpectResult, ...]) -> None:
                mismatches.extend(expect_warnings(index, results))
                sink.add(index, image)
                progress.update(index + 1)

            render_frames(walkthrough, size, on_frame)
        if not out.suffix:
            _remove_stale_frames(out, len(steps))
    except OSError as exc:
        raise GradstepError(f"--out: cannot write {out}: {exc.strerror or exc}") from None
    finally:
        progress.close()
    for line in mismatches:
        print(line, file=err)
    what = f"{len(steps)} frames" if not out.suffix else f"{len(steps)} steps"
    print(f"wrote {what} to {out}")
    return EXIT_OK


def _remove_stale_frames(out: Path, count: int) -> None:
    for stale in sorted(out.glob("step-*.png")):  # frames of an earlier, longer export
        number = stale.stem.removeprefix("step-")
        if number.isdigit() and int(number) > count:
            stale.unlink()


def _rgb_image(image: object) -> Any:
    from PIL import Image

    raw, w, h = _rgb_bytes(image)
    return Image.frombytes("RGB", (w, h), raw)


class _GifStream:
    """A GIF written frame by frame, each frame with its own palette (a local colour table)
    made from its own pixels, so a frame unlike the first keeps its colours; each frame is
    encoded and written when it arrives, so only one frame is in memory at a time."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb")
        self._started = False

    def add(self, image: object, seconds: float) -> None:
        from PIL import GifImagePlugin, Image

        frame = _rgb_image(image).quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        if not self._started:  # the first frame's palette is the global one
            header, _ = GifImagePlugin.getheader(frame, info={"loop": 0, "duration": 1, "optimize": False})
            self._file.write(b"".join(header))
            self._started = True
            local = False
        else:
            local = True
        chunks = GifImagePlugin.getdata(frame, duration=gif_milliseconds(seconds), include_color_table=local)
        for chunk in chunks:
            self._file.write(chunk)

    def finish(self) -> None:
        self._file.write(b";")  # the GIF trailer

    def close(self) -> None:
        self._file.close()


def _mp4_writer(path: Path) -> Any:
    imageio: Any = _require_video()
    return imageio.get_writer(
        str(path),
        format="FFMPEG",
        fps=MP4_FPS,
        codec="libx264",
        macro_block_size=2,
        quality=8,
        ffmpeg_log_level="error",  # ffmpeg's banner and statistics are not the user's business
    )


def _append_mp4(writer: Any, image: object, seconds: float) -> None:
    import numpy as np

    raw, w, h = _rgb_bytes(image)
    pixels = np.frombuffer(raw, dtype=np.uint8).reshape(h, w, 3)
    pixels = pixels[: h - h % 2, : w - w % 2]  # H.264 wants even sizes
    for _ in range(max(1, round(seconds * MP4_FPS))):
        writer.append_data(pixels)
