"""The network drawing's fixed colours, shared pens and brushes, the light and dark themes, and how
many edges get costly effects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette, QPen

from gui.colormap import BUCKET_RGB, BUCKETS, DARK_BUCKET_RGB, DARK_LUT, LUT, PENDING_EDGE, bucket_magnitude

STAGE_TINTS = {"forward": "#e3f1e6", "loss": "#fcefd0", "backward": "#ece4f6", "update": "#ececec"}
HIT_COLOR = "#cf222e"
MARK_COLOR = "#d000d0"  # magenta: a gradient that disagrees with the learner's (apart from the map)
PATH_COLOR = QColor(255, 193, 7, 150)  # amber halo: apart from both ends of the diverging map
CHANGED_COLOR = "#e08a00"  # amber: the update's changed-edge dots, apart from both ends of the map
NODE_OUTLINE = "#5c5c5c"
PENDING_FILL = "#ffffff"
SELECTED_COLOR = "#111111"
TEXT_COLOR = "#1f1f1f"
CAPTION_COLOR = "#444444"
LOSS_FILL = "#f6c98f"

SMOOTH_EDGES = 2_000  # up to this many line-drawn edges are antialiased
GLOW_EDGES = 400  # wide halos (selection paths) and changed-edge dots: only this many per frame
DARK_FILL = 0.6  # |value| / scale above which a node's fill is too deep for dark text


@dataclass(frozen=True)
class Theme:
    """The network view's colours on a light or a dark background."""

    dark: bool
    background: str
    text: str  # node names on a pale fill, the colour bars' text
    caption: str  # values, headers
    node_outline: str
    pending_fill: str
    pending_edge: str
    bias_link: str
    loss_fill: str
    changed: str
    stage_tints: dict[str, str]

    @property
    def bucket_rgb(self) -> NDArray[np.uint8]:
        return DARK_BUCKET_RGB if self.dark else BUCKET_RGB

    @property
    def lut(self) -> NDArray[np.uint8]:
        return DARK_LUT if self.dark else LUT

    def text_on_fill(self, magnitude: float) -> str:
        """A node name's colour on a fill of ``magnitude`` (|value| / scale)."""
        if self.dark:  # the dark map is light at both ends
            return "#111111" if magnitude > DARK_FILL else self.text
        return "#ffffff" if magnitude > DARK_FILL else self.text


LIGHT = Theme(
    dark=False,
    background="#ffffff",
    text=TEXT_COLOR,
    caption=CAPTION_COLOR,
    node_outline=NODE_OUTLINE,
    pending_fill=PENDING_FILL,
    pending_edge=PENDING_EDGE,
    bias_link="#b5b5b5",
    loss_fill=LOSS_FILL,
    changed=CHANGED_COLOR,
    stage_tints=STAGE_TINTS,
)
DARK = Theme(
    dark=True,
    background="#1e1f22",
    text="#e8e8e8",
    caption="#c4c4c4",
    node_outline="#a0a0a0",
    pending_fill="#2b2d31",
    pending_edge="#4a4c50",
    bias_link="#5c5e62",
    loss_fill="#8a5a1c",
    changed="#ffc233",
    stage_tints={"forward": "#21322a", "loss": "#3a3220", "backward": "#2e2838", "update": "#2c2d30"},
)


def is_dark(palette: QPalette) -> bool:
    """Whether the desktop asks for dark colours: its colour scheme (Qt 6.5+) or a dark window colour."""
    hints = QGuiApplication.styleHints() if QGuiApplication.instance() is not None else None
    if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark:
        return True
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def theme_for(palette: QPalette) -> Theme:
    """The theme that follows ``palette`` (and the desktop's colour scheme)."""
    return DARK if is_dark(palette) else LIGHT


# one brush and one ring pen per colour bucket and theme, shared by every node instead of made per node
@cache
def bucket_brushes(dark: bool) -> tuple[QBrush, ...]:
    rgb = DARK_BUCKET_RGB if dark else BUCKET_RGB
    return tuple(pg.mkBrush(QColor(int(r), int(g), int(b))) for r, g, b in rgb)


@cache
def ring_pens(dark: bool) -> tuple[QPen, ...]:
    rgb = DARK_BUCKET_RGB if dark else BUCKET_RGB
    return tuple(pg.mkPen(QColor(int(r), int(g), int(b)), width=3.5) for r, g, b in rgb)


BUCKET_BRUSHES = list(bucket_brushes(False))
RING_PENS = list(ring_pens(False))
PENDING_BRUSH = pg.mkBrush(PENDING_FILL)
NODE_PEN = pg.mkPen(NODE_OUTLINE, width=1.2)
BUCKETS_WEAK_FIRST = sorted(range(BUCKETS), key=bucket_magnitude)  # drawing order: strong on top
PENDING_PEN = pg.mkPen(PENDING_EDGE, width=1)
