"""Pictures encoded in memory, so a file is written only once they are whole (atomically)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgGenerator

from engine.errors import GradstepError
from engine.files.atomic import write_atomic


def png_bytes(image: QImage, target: Path) -> bytes:
    """``image`` as PNG bytes; raises GradstepError naming ``target`` if Qt cannot encode it."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise GradstepError(f"could not encode {target} as PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def save_png(image: QImage, target: Path) -> None:
    """Write ``image`` to ``target`` as a PNG, atomically: a failed write leaves the old file whole."""
    write_atomic(target, png_bytes(image, target))


def save_svg(render: Callable[[QPainter], None], size: QSize, title: str, target: Path) -> None:
    """Write what ``render`` paints on a ``size`` canvas to ``target`` as an SVG, atomically:
    rendered to memory first, as QSvgGenerator writing the file itself truncates it first and
    reports no error on a full disk. Raises GradstepError."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    painter = QPainter()
    if not painter.begin(generator):
        raise GradstepError(f"{target}: could not write the SVG")
    try:
        render(painter)
    finally:
        painter.end()
    write_atomic(target, bytes(data.data()))
