"""Render resources/icons/gradstep.svg as the PNG sizes of the hicolor icon theme.

``QT_QPA_PLATFORM=offscreen python scripts/make_icons.py`` rewrites
resources/icons/gradstep-{16,32,48,64,128,256}.png; ``gradstep desktop install`` copies them
with the SVG into the user's icon theme. Run it after editing the SVG and commit the PNGs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.desktop.paths import ICON_DIR, ICON_SIZES, png_icon  # noqa: E402


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The icon at ``size`` x ``size`` pixels, antialiased, on a transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICON_DIR / "gradstep.svg"))
    if not renderer.isValid():
        print("make_icons: resources/icons/gradstep.svg is not a valid SVG", file=sys.stderr)
        return 2
    for size in ICON_SIZES:
        out = png_icon(size)
        if not render(renderer, size).save(str(out), "PNG"):
            print(f"make_icons: could not write {out}", file=sys.stderr)
            return 2
        print(out.relative_to(ROOT))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
