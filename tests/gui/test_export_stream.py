"""GIF export streams frames: the file grows frame by frame, and decodes to what Pillow's own
all-frames-in-memory writer gives for the same frames."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtGui import QColor, QImage, QPainter

from gui.export import _GifStream, gif_milliseconds


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

    # the reference: Pillow holding every frame, with the same shared palette
    rgb = [_rgb(image) for image in images]
    first = rgb[0].quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    rest = [im.quantize(palette=first, dither=Image.Dither.NONE) for im in rgb[1:]]
    reference = io.BytesIO()
    first.save(
        reference,
        format="GIF",
        save_all=True,
        append_images=rest,
        duration=[gif_milliseconds(s) for s in seconds],
        loop=0,
        optimize=False,
    )
    streamed_frames, streamed_durations = _decoded(path.read_bytes())
    reference_frames, reference_durations = _decoded(reference.getvalue())
    assert streamed_durations == reference_durations == [2500, 3000, 2540, 10000]
    assert len(streamed_frames) == len(reference_frames) == 4
    for ours, theirs, original in zip(streamed_frames, reference_frames, rgb, strict=True):
        np.testing.assert_array_equal(ours, theirs)
        # and the quantised frame is close to the original (the palette suits the frames)
        assert np.abs(ours.astype(int) - np.asarray(original).astype(int)).mean() < 12
