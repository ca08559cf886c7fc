"""Where the network drawing puts everything, in view coordinates: layer sizes in, arrays out (no Qt).

Columns run left to right (column 0 is the input); y grows upwards and unit 0 of a column is at
the top. Line edges are one segment per weight, layer by layer, W[l] flattened row-major
(unit, input). A layer with more weights than ``DENSE_EDGES`` is a weight-matrix band instead:
x is the unit of the next column, y the input, aligned with its node.

The horizontal gaps (between columns, and to the loss node) stretch by a factor so the drawing
can fill a wide view; node sizes and every y stay as they are (:func:`fill_stretch`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from engine import ParameterRef

Array = NDArray[np.float64]
Indices = NDArray[np.intp]

GAP = 3.0  # scene units between two columns drawn with lines
BAND_GAP = 5.0  # ... and around a weight-matrix band
MAX_COLUMN_HEIGHT = 12.0  # a column taller than this many unit spacings is squeezed to fit
DENSE_EDGES = 16_384  # more edges than this between two columns: draw the matrix as an image band
STRIP_NODES = 128  # more nodes than this in a column: an image strip instead of circles
LABEL_NODES = 16  # columns up to this size label every node
VALUE_NODES = 8  # ... and print each activation under it
BIAS_NODES = 64  # columns up to this size draw a bias square per unit
STRIP_HALF_WIDTH = 0.15  # half the width of a node strip
LOSS_OFFSET = 2.0  # the loss node's distance right of the output column
HEADER_LIFT = 0.35  # column headers hang this far above the tallest column
MAX_STRETCH = 3.0  # the gaps stretch at most this much: a small network in a wide view stays compact
STRETCH_STEP = 0.25  # stretches are multiples of this: a resize by a few pixels keeps the layout

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle: ``y`` is its lowest edge, ``y + height`` its highest."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def y_max(self) -> float:
        return self.y + self.height

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.right and self.y <= py <= self.y_max


@dataclass(frozen=True, eq=False)
class Column:
    """Geometry of one column of nodes (column 0 is the input)."""

    x: float
    y: Array  # each node's centre, unit 0 first (at the top)
    spacing: float
    diameter: float
    strip: bool  # drawn as an image strip rather than circles

    @property
    def radius(self) -> float:
        """How far from the column's centre line edges start and end."""
        return STRIP_HALF_WIDTH if self.strip else self.diameter / 2

    @property
    def half_height(self) -> float:
        """Half the height of the column as a strip."""
        return self.spacing * len(self.y) / 2


def node_name(sizes: tuple[int, ...], column: int, index: int) -> str:
    """Textbook-style name of a node, 0-based like every index in Gradstep."""
    number = str(index).translate(_SUBSCRIPTS)
    if column == 0:
        return f"x{number}"
    if column == len(sizes) - 1:
        return f"o{number}"
    if len(sizes) == 3:
        return f"h{number}"
    return f"h{number}⁽{str(column - 1).translate(_SUPERSCRIPTS)}⁾"


def _columns(sizes: tuple[int, ...], dense: list[bool], stretch: float) -> list[Column]:
    columns = []
    x = 0.0
    for c, n in enumerate(sizes):
        spacing = 1.0 if n <= MAX_COLUMN_HEIGHT else MAX_COLUMN_HEIGHT / n
        y = (n - 1) / 2 * spacing - np.arange(n, dtype=np.float64) * spacing  # unit 0 at the top
        diameter = 0.5 if n <= MAX_COLUMN_HEIGHT else 0.75 * spacing
        columns.append(Column(x, y, spacing, diameter, n > STRIP_NODES))
        if c < len(sizes) - 1:
            x += (BAND_GAP if dense[c] else GAP) * stretch
    return columns


def layout_network(
    sizes: tuple[int, ...], biased: tuple[bool, ...] | None = None, stretch: float = 1.0
) -> NetworkLayout:
    """The drawing's geometry for a network of ``sizes`` (input first) whose layers have biases
    where ``biased`` says (None: every layer), its horizontal gaps ``stretch`` times the usual."""
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"a network needs an input and at least one layer of units, got {sizes}")
    if not 1.0 <= stretch <= MAX_STRETCH:
        raise ValueError(f"a stretch between 1 and {MAX_STRETCH:g} expected, got {stretch}")
    dense = [sizes[c] * sizes[c + 1] > DENSE_EDGES for c in range(len(sizes) - 1)]
    columns = _columns(sizes, dense, stretch)
    parts: list[list[Array]] = [[], [], [], []]
    offsets: dict[int, int] = {}
    bands: dict[int, Rect] = {}
    offset = 0
    for layer in range(len(sizes) - 1):
        left, right = columns[layer], columns[layer + 1]
        units, fan_in = sizes[layer + 1], sizes[layer]
        if dense[layer]:
            bottom = float(left.y[-1]) - left.spacing / 2
            bands[layer] = Rect(left.x + 0.6, bottom, right.x - left.x - 1.2, fan_in * left.spacing)
            continue
        offsets[layer] = offset
        offset += units * fan_in
        parts[0].append(np.full(units * fan_in, left.x + left.radius))
        parts[1].append(np.tile(left.y, units))
        parts[2].append(np.full(units * fan_in, right.x - right.radius))
        parts[3].append(np.repeat(right.y, fan_in))
    x0, y0, x1, y1 = (np.concatenate(p) if p else np.zeros(0) for p in parts)
    biased = (True,) * (len(sizes) - 1) if biased is None else tuple(biased)
    if len(biased) != len(sizes) - 1:
        raise ValueError(f"one bias flag per layer expected, got {len(biased)} for {len(sizes) - 1} layers")
    return NetworkLayout(sizes, tuple(columns), offsets, bands, x0, y0, x1, y1, biased, stretch)


def fill_stretch(layout: NetworkLayout, width: float) -> float:
    """The stretch at which ``layout``'s network is as near ``width`` (view units) wide as the
    steps allow without passing it: never below 1 nor above :data:`MAX_STRETCH`."""
    span = (layout.loss_position[0] - layout.columns[0].x) / layout.stretch  # what stretches
    fixed = layout.scene_bounds().width - span * layout.stretch  # the margins, which do not
    if not math.isfinite(width) or width <= fixed + span:
        return 1.0
    steps = math.floor((width - fixed) / span / STRETCH_STEP + 1e-9)
    return min(steps * STRETCH_STEP, MAX_STRETCH)


@dataclass(frozen=True, eq=False)
class NetworkLayout:
    """Every position of a network's drawing; made by :func:`layout_network`."""

    sizes: tuple[int, ...]
    columns: tuple[Column, ...]
    edge_offset: dict[int, int]  # line-drawn layer -> index of its first edge
    band_rects: dict[int, Rect]  # band-drawn layer -> its weight-matrix rectangle
    x0: Array  # edge starts (input side) ...
    y0: Array
    x1: Array  # ... and ends (unit side), one per line-drawn weight
    y1: Array
    biased: tuple[bool, ...]  # per layer whether it has biases (a layer without has no squares)
    stretch: float = 1.0  # how much wider than usual the horizontal gaps are

    @property
    def layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def line_layers(self) -> list[int]:
        return list(self.edge_offset)

    @property
    def loss_position(self) -> tuple[float, float]:
        return self.columns[-1].x + LOSS_OFFSET * self.stretch, 0.0

    @property
    def max_width(self) -> float:
        """The widest edge pen in pixels: thinner as the widest layer grows."""
        max_fan = max(max(self.sizes[k], self.sizes[k + 1]) for k in range(self.layers))
        return float(np.clip(9.0 / np.sqrt(max_fan), 0.7, 4.5))

    # ---- edges ----

    @cached_property
    def segment_dx(self) -> Array:
        return self.x1 - self.x0

    @cached_property
    def segment_dy(self) -> Array:
        return self.y1 - self.y0

    @cached_property
    def segment_len2(self) -> Array:
        """Squared edge lengths (never zero: hit-testing divides by them)."""
        return np.maximum(self.segment_dx**2 + self.segment_dy**2, 1e-12)

    def edge_index(self, layer: int, unit: int, inp: int) -> int:
        """Index of the line edge of W[layer][unit, inp] (the layer must be line-drawn)."""
        return self.edge_offset[layer] + unit * self.sizes[layer] + inp

    def layer_edges(self, layer: int) -> Indices:
        """Indices of every line edge of ``layer``."""
        start = self.edge_offset[layer]
        return np.arange(start, start + self.sizes[layer] * self.sizes[layer + 1])

    def lines(self, idx: Indices) -> Array:
        """Rows (x0, y0, x1, y1) of the edges ``idx``."""
        return np.column_stack((self.x0[idx], self.y0[idx], self.x1[idx], self.y1[idx]))

    def segment_points(self, idx: Indices) -> tuple[Array, Array]:
        """x and y of the edges ``idx`` as consecutive point pairs (for connect="pairs")."""
        xs = np.empty(2 * idx.size)
        ys = np.empty(2 * idx.size)
        xs[0::2] = self.x0[idx]
        xs[1::2] = self.x1[idx]
        ys[0::2] = self.y0[idx]
        ys[1::2] = self.y1[idx]
        return xs, ys

    def band_pixel_rect(self, layer: int, unit: int, inp: int) -> Rect:
        """The pixel of W[layer][unit, inp] in its band (input 0 at the top)."""
        rect = self.band_rects[layer]
        w = rect.width / self.sizes[layer + 1]
        h = rect.height / self.sizes[layer]
        return Rect(rect.x + unit * w, rect.y_max - (inp + 1) * h, w, h)

    # ---- biases and nodes ----

    def has_bias_squares(self, layer: int) -> bool:
        """Whether ``layer``'s biases are drawn as squares beside its units (never for a layer
        without biases)."""
        return (
            self.biased[layer] and self.sizes[layer + 1] <= BIAS_NODES and not self.columns[layer + 1].strip
        )

    def bias_size(self, layer: int) -> float:
        return 0.32 * self.columns[layer + 1].diameter

    def bias_position(self, layer: int, unit: int) -> tuple[float, float]:
        column = self.columns[layer + 1]
        d = column.diameter
        return column.x - 1.0 * d, float(column.y[unit]) + 0.55 * d

    def value_label_y(self, column: int, index: int) -> float:
        """Where an activation's printed value hangs from: below the node's delta ring."""
        col = self.columns[column]
        return float(col.y[index]) - 0.71 * col.diameter - 0.02

    def band_caption_position(self, layer: int) -> tuple[float, float]:
        """Where a band's caption hangs from: under the middle of the band."""
        rect = self.band_rects[layer]
        return rect.center[0], rect.y - 0.1

    def loss_value_position(self) -> tuple[float, float]:
        """Where the loss's value hangs from: under the loss node."""
        loss_x, loss_y = self.loss_position
        return loss_x, loss_y - 0.35

    def header_top(self) -> float:
        """The height column headers hang from."""
        top = max(float(c.y[0]) + max(c.spacing, c.diameter) / 2 for c in self.columns)
        return top + HEADER_LIFT

    def loss_links(self) -> tuple[Array, Array]:
        """Point pairs from every output node to the loss node."""
        out = self.columns[-1]
        loss_x, loss_y = self.loss_position
        xs = np.empty(2 * len(out.y))
        ys = np.empty(2 * len(out.y))
        xs[0::2] = out.x + out.radius
        xs[1::2] = loss_x - 0.3
        ys[0::2] = out.y
        ys[1::2] = loss_y
        return xs, ys

    # ---- parameters, paths and spans ----

    def parameter_point(self, ref: ParameterRef) -> tuple[float, float]:
        """Where ``ref`` is drawn: a point on its edge, its pixel or its bias square."""
        if ref.input is None:
            return self.bias_position(ref.layer, ref.unit)
        if ref.layer in self.band_rects:
            return self.band_pixel_rect(ref.layer, ref.unit, ref.input).center
        index = self.edge_index(ref.layer, ref.unit, ref.input)
        t = 0.3  # near the input end, where the edges of one input fan out
        return (
            float(self.x0[index] + t * self.segment_dx[index]),
            float(self.y0[index] + t * self.segment_dy[index]),
        )

    def path_to_loss(self, layer: int, unit: int) -> tuple[Indices | None, list[tuple[Rect, float]]]:
        """Every path from unit ``unit`` of ``layer`` to the loss: its line edges, and the band
        areas it crosses with the outline width each takes (a row of a band, or a whole band)."""
        path: list[Indices] = []
        rects: list[tuple[Rect, float]] = []
        for later in range(layer + 1, self.layers):
            fan_in = self.sizes[later]
            if later in self.edge_offset:
                start = self.edge_offset[later]
                if later == layer + 1:  # only the edges leaving the selected unit
                    path.append(start + np.arange(self.sizes[later + 1]) * fan_in + unit)
                else:
                    path.append(np.arange(start, start + fan_in * self.sizes[later + 1]))
            elif later == layer + 1:
                rect = self.band_rects[later]
                row = self.band_pixel_rect(later, 0, unit)
                rects.append((Rect(rect.x, row.y, rect.width, row.height), 1.5))
            else:
                rects.append((self.band_rects[later], 1.5))
        return (np.concatenate(path) if path else None), rects

    def stage_span(self, kind: str, layer: int | None) -> tuple[float, float]:
        """Left and right of the columns a stage works on (the whole network for an update)."""
        if kind in ("forward", "backward") and layer is not None:
            return self.columns[layer].x - 0.7, self.columns[layer + 1].x + 0.7
        loss_x = self.loss_position[0]
        if kind == "loss":
            return self.columns[-1].x - 0.7, loss_x + 0.7
        return self.columns[0].x - 0.7, loss_x + 0.7

    def scene_bounds(self) -> Rect:
        """The rectangle the network occupies, captions included."""
        top = max(float(c.y[0]) + c.spacing / 2 for c in self.columns) + 1.4
        bottom = min(float(c.y[-1]) - c.spacing / 2 for c in self.columns) - (
            2.3 if self.band_rects else 0.9  # a band's two-line caption, then the stage label
        )
        left = self.columns[0].x - 1.0
        right = self.loss_position[0] + 1.0
        return Rect(left, bottom, right - left, top - bottom)
