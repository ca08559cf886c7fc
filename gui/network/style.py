"""The network drawing's fixed colours, shared pens and brushes, and how many edges get costly effects."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

from gui.colormap import BUCKET_RGB, BUCKETS, PENDING_EDGE, bucket_magnitude

STAGE_TINTS = {"forward": "#e3f1e6", "loss": "#fcefd0", "backward": "#ece4f6", "update": "#ececec"}
HIT_COLOR = "#cf222e"
MARK_COLOR = "#d000d0"  # magenta: a gradient that disagrees with the learner's (apart from the map)
PATH_COLOR = QColor(255, 193, 7, 150)  # amber halo: apart from both ends of the diverging map
NODE_OUTLINE = "#5c5c5c"
PENDING_FILL = "#ffffff"
SELECTED_COLOR = "#111111"
TEXT_COLOR = "#1f1f1f"
CAPTION_COLOR = "#444444"

SMOOTH_EDGES = 2_000  # up to this many line-drawn edges are antialiased
GLOW_EDGES = 400  # wide halos (update glow, selection paths) are stroked: only this many per frame
DARK_FILL = 0.6  # |value| / scale above which a node's fill is too deep for dark text

# one brush and one ring pen per colour bucket, shared by every node instead of made per node
BUCKET_BRUSHES = [pg.mkBrush(QColor(int(r), int(g), int(b))) for r, g, b in BUCKET_RGB]
RING_PENS = [pg.mkPen(QColor(int(r), int(g), int(b)), width=3.5) for r, g, b in BUCKET_RGB]
PENDING_BRUSH = pg.mkBrush(PENDING_FILL)
NODE_PEN = pg.mkPen(NODE_OUTLINE, width=1.2)
BUCKETS_WEAK_FIRST = sorted(range(BUCKETS), key=bucket_magnitude)  # drawing order: strong on top
PENDING_PEN = pg.mkPen(PENDING_EDGE, width=1)
