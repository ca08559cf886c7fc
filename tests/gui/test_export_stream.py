"""GIF export streams frames: the file grows frame by frame, and every frame decodes to its
own colours."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QColor, QImage, QPainter

from gui.export import _GifStream


def _frame(k: int, size: tuple[int, int] = (321, 200)) -> QImage:
    """A frame with gradients and shapes: more than 256 colours, so quantising matters."""
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor(250, 250, 250))
    painter = QPainter(image)
    for x in range(0, size[0], 3):
        painter.setPen(QColor((x * 7 + k * 40) % 256, (x * 3) % 256, (255 - x) % 256))
        painter.drawLine(x, 0, x, size[1] // 2)
    painter.fillRect(20 + 30 * k, 120, 60, 40, QColor(30 * k, 90, 200))
    painter.end()
    return image


def _rgb(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(bytes(rgb.constBits()), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    return Image.fromarray(rows[:, : 3 * rgb.width()].reshape(rgb.height(), rgb.width(), 3).copy(), "RGB")


def _decoded(data: bytes) -> tuple[list[np.ndarray], list[int]]:
    frames, durations = [], []
    with Image.open(io.BytesIO(data)) as gif:
        for k in range(gif.n_frames):
            gif.seek(k)
            frames.append(np.asarray(gif.convert("RGB")))
            durations.append(gif.info["duration"])
    return frames, durations


def test_gif_stream_writes_each_frame_as_it_comes_and_matches_pillows_writer(qtbot, tmp_path: Path) -> None:
    images = [_frame(k) for k in range(4)]
    seconds = [2.5, 3.0, 2.54, 10.0]
    path = tmp_path / "s.gif"
    stream = _GifStream(path)
    sizes = []
    for image, s in zip(images, seconds, strict=True):
        stream.add(image, s)
        stream._file.flush()
        sizes.append(os.path.getsize(path))
    stream.finish()
    stream.close()
    assert all(b > a for a, b in zip(sizes, sizes[1:], strict=False))  # written frame by frame

    streamed_frames, streamed_durations = _decoded(path.read_bytes())
    assert streamed_durations == [2500, 3000, 2540, 10000]
    assert len(streamed_frames) == 4


def test_every_gif_frame_keeps_its_own_colours(qtbot, tmp_path: Path) -> None:
    """Frames unlike the first (other colours, other gradients) decode to their own pixels:
    mean error per pixel and channel below 2 in every frame (issue 12.3)."""
    images = [_distinct_frame(k) for k in range(4)]
    path = tmp_path / "colours.gif"
    stream = _GifStream(path)
    for image in images:
        stream.add(image, 2.5)
    stream.finish()
    stream.close()
    frames, _ = _decoded(path.read_bytes())
    for k, (ours, original) in enumerate(zip(frames, images, strict=True)):
        error = np.abs(ours.astype(int) - np.asarray(_rgb(original)).astype(int)).mean()
        assert error < 2, (k, error)


def _distinct_frame(k: int, size: tuple[int, int] = (320, 200)) -> QImage:
    """Frame 0 grey and teal, later ones purple and lavender bands and a colour bar: colours
    frame 0's palette does not have (the window's Backward chip is (111, 66, 193))."""
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    hues = [(104, 132, 146), (111, 66, 193), (230, 220, 250), (200, 60, 40)]
    image.fill(QColor(*hues[k]))
    painter = QPainter(image)
    for y in range(0, size[1], 2):  # a vertical colour bar, as the network view's
        t = y / size[1]
        painter.setPen(QColor(int(255 * t), int(80 + 100 * (k % 2)), int(255 * (1 - t))))
        painter.drawLine(size[0] - 40, y, size[0] - 10, y)
    painter.fillRect(20, 20, 120, 40, QColor(*hues[(k + 1) % 4]))
    painter.end()
    return image


def test_an_interrupted_frame_export_leaves_no_empty_folder_it_made(tmp_path: Path) -> None:
    from engine.files.examples import resolve_walkthrough_path
    from engine.files.walkthrough import load_walkthrough
    from gui.export import _FrameSink

    walkthrough = load_walkthrough(resolve_walkthrough_path("tour-tutorial-004"))
    out = tmp_path / "frames"
    made: list[bool] = []

    def interrupted(folder: Path) -> None:
        with _FrameSink(folder, walkthrough):
            made.append(folder.is_dir())
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted(out)
    assert made == [True]  # the export made it, then took it away again
    assert not out.exists()
    kept = tmp_path / "mine"
    kept.mkdir()  # a folder the user had stays, empty or not
    with pytest.raises(KeyboardInterrupt):
        interrupted(kept)
    assert kept.is_dir()
