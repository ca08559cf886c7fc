"""Pictures encoded in memory, so a file is written only once they are whole (atomically)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageWriter

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
