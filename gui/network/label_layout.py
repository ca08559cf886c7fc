"""Where the network drawing's text labels go: anchors and text sizes in, boxes out (no Qt).

Screen pixels, y downwards. Labels are placed greedily in the order given, the most important
first: each tries its text variants (full, then shorter) on its candidate sides of its anchor
and takes the first box that meets neither a label already placed nor an obstacle (a node's
disc, a strip, a caption that does not move). A label with no free place is dropped: what it
says stays in the tooltip of what it labels.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

SIDES = (
    "above",
    "below",
    "right",
    "left",
    "center",
    "above right",
    "below right",
    "above left",
    "below left",
)
DIAGONAL = 0.7071  # a diagonal side's box touches the circle of radius ``gap`` at its corner
PAD = 3.0  # pixels kept free between two labels, and between a label and a node


@dataclass(frozen=True)
class Box:
    """A screen rectangle: ``top`` is its upper edge (y grows downwards)."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def contains(self, other: Box) -> bool:
        """Whether ``other`` lies wholly inside this rectangle."""
        return (
            self.left <= other.left
            and other.right <= self.right
            and self.top <= other.top
            and other.bottom <= self.bottom
        )

    def intersects(self, other: Box, pad: float = 0.0) -> bool:
        """Whether the two rectangles come closer than ``pad`` (touching edges do not meet)."""
        return (
            self.left < other.right + pad
            and other.left < self.right + pad
            and self.top < other.bottom + pad
            and other.top < self.bottom + pad
        )


@dataclass(frozen=True, eq=False)
class Discs:
    """Circles labels keep clear of (nodes with their rings): centres and radii in pixels."""

    x: Array
    y: Array
    r: Array

    @staticmethod
    def empty() -> Discs:
        return Discs(np.zeros(0), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return int(self.x.size)

    def meeting(self, box: Box, pad: float = 0.0) -> NDArray[np.bool_]:
        """Which discs come closer to ``box`` than ``pad``."""
        nearest_x = np.clip(self.x, box.left, box.right)
        nearest_y = np.clip(self.y, box.top, box.bottom)
        reach = self.r + pad
        return np.asarray((nearest_x - self.x) ** 2 + (nearest_y - self.y) ** 2 < reach * reach)


@dataclass(frozen=True)
class LabelSpec:
    """One label to place: its anchor, its text variants' sizes (preferred first) and the sides
    of the anchor it may go on, in order of preference; then the same sides of each of its
    ``alternatives`` (other points of a long edge). ``own_disc`` is a disc the label may cover
    (a node's name sits on its node)."""

    key: Hashable
    anchor: tuple[float, float]
    sizes: tuple[tuple[float, float], ...]
    sides: tuple[str, ...]
    gap: float = 2.0
    own_disc: int | None = None
    alternatives: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        unknown = [side for side in self.sides if side not in SIDES]
        if unknown:
            raise ValueError(f"unknown side {unknown[0]!r} (expected one of: {', '.join(SIDES)})")
        if not self.sizes:
            raise ValueError(f"label {self.key!r} has no text to place")


@dataclass(frozen=True)
class Placement:
    """Where a label went, and which of its variants fitted there."""

    box: Box
    variant: int
    side: str


class _Board:
    """The boxes already taken, as arrays: one comparison per candidate, however many."""

    def __init__(self, discs: Discs, fixed: Sequence[Box], bounds: Box | None) -> None:
        self.discs = discs
        self.bounds = bounds
        self._edges = np.zeros((0, 4))  # left, top, right, bottom of each box taken
        for box in fixed:
            self.take(box)

    def take(self, box: Box) -> None:
        self._edges = np.vstack([self._edges, [box.left, box.top, box.right, box.bottom]])

    def free(self, box: Box, own_disc: int | None) -> bool:
        if self.bounds is not None and not self.bounds.contains(box):
            return False
        e = self._edges
        if bool(
            np.any(
                (box.left < e[:, 2] + PAD)
                & (e[:, 0] < box.right + PAD)
                & (box.top < e[:, 3] + PAD)
                & (e[:, 1] < box.bottom + PAD)
            )
        ):
            return False
        if not len(self.discs):
            return True
        meeting = self.discs.meeting(box, PAD)
        if own_disc is not None:
            meeting[own_disc] = False
        return not bool(meeting.any())

    def free_all(self, boxes: Sequence[Box], own_disc: int | None) -> NDArray[np.bool_]:
        """:meth:`free` of each of ``boxes``, in one comparison of arrays (the same ones)."""
        b = np.array([[x.left, x.top, x.right, x.bottom] for x in boxes]).reshape(-1, 4)
        left, top, right, bottom = (b[:, k : k + 1] for k in range(4))
        ok = np.ones(len(b), dtype=bool)
        if self.bounds is not None:
            o = self.bounds
            ok &= ((o.left <= left) & (right <= o.right) & (o.top <= top) & (bottom <= o.bottom))[:, 0]
        e = self._edges
        across = (left < e[:, 2] + PAD) & (e[:, 0] < right + PAD)
        ok &= ~np.any(across & (top < e[:, 3] + PAD) & (e[:, 1] < bottom + PAD), axis=1)
        if len(self.discs):
            d = self.discs
            nearest_x = np.clip(d.x, left, right)
            nearest_y = np.clip(d.y, top, bottom)
            reach = d.r + PAD
            meeting = (nearest_x - d.x) ** 2 + (nearest_y - d.y) ** 2 < reach * reach
            if own_disc is not None:
                meeting[:, own_disc] = False
            ok &= ~meeting.any(axis=1)
        return ok


def candidate_box(anchor: tuple[float, float], size: tuple[float, float], side: str, gap: float) -> Box:
    """The box of a ``size`` label on ``side`` of ``anchor``, ``gap`` pixels from it."""
    x, y = anchor
    w, h = size
    if side == "above":
        return Box(x - w / 2, y - gap - h, w, h)
    if side == "below":
        return Box(x - w / 2, y + gap, w, h)
    if side == "right":
        return Box(x + gap, y - h / 2, w, h)
    if side == "left":
        return Box(x - gap - w, y - h / 2, w, h)
    if side == "center":
        return Box(x - w / 2, y - h / 2, w, h)
    if side in SIDES:  # a diagonal: "above right" and so on
        d = gap * DIAGONAL
        left = x + d if side.endswith("right") else x - d - w
        top = y - d - h if side.startswith("above") else y + d
        return Box(left, top, w, h)
    raise ValueError(f"unknown side {side!r} (expected one of: {', '.join(SIDES)})")


def place_labels(
    specs: Sequence[LabelSpec],
    discs: Discs | None = None,
    fixed: Sequence[Box] = (),
    bounds: Box | None = None,
    previous: tuple[Sequence[LabelSpec], dict[Hashable, Placement]] | None = None,
) -> dict[Hashable, Placement]:
    """Place ``specs`` in order, clear of each other, of ``discs`` and of the ``fixed`` boxes,
    inside ``bounds`` (the view; None: anywhere); the labels that found no place are missing
    from the result. ``previous`` is an earlier call's specs and result with the same discs,
    boxes and bounds: the labels up to the first that changed keep their places."""
    board = _Board(discs if discs is not None else Discs.empty(), fixed, bounds)
    placed: dict[Hashable, Placement] = {}
    start = 0
    if previous is not None:
        old_specs, old_placed = previous
        while start < min(len(specs), len(old_specs)) and specs[start] == old_specs[start]:
            placement = old_placed.get(specs[start].key)
            if placement is not None:
                board.take(placement.box)
                placed[specs[start].key] = placement
            start += 1
    for spec in specs[start:]:
        placement = _first_free(spec, board)
        if placement is not None:
            board.take(placement.box)
            placed[spec.key] = placement
    return placed


def _first_free(spec: LabelSpec, board: _Board) -> Placement | None:
    """The first free place in the order of variants, anchors and sides. A longer text's box
    holds a shorter one's at the same place, so only where the shortest fits can any fit."""
    places = [(anchor, side) for anchor in (spec.anchor, *spec.alternatives) for side in spec.sides]
    smallest = min(range(len(spec.sizes)), key=lambda k: spec.sizes[k][0] * spec.sizes[k][1])
    sw, sh = spec.sizes[smallest]
    if all(sw <= w and sh <= h for w, h in spec.sizes):  # (else no variant holds the others)
        boxes = [candidate_box(anchor, (sw, sh), side, spec.gap) for anchor, side in places]
        free = board.free_all(boxes, spec.own_disc)
        places = [place for place, ok in zip(places, free, strict=True) if ok]
    else:
        smallest = -1
    for variant, size in enumerate(spec.sizes):
        for anchor, side in places:
            box = candidate_box(anchor, size, side, spec.gap)
            if variant == smallest or board.free(box, spec.own_disc):
                return Placement(box, variant, side)
    return None


def shared_widths(xs: Sequence[float], widths: Sequence[float], pad: float = PAD) -> list[float]:
    """How wide each of a row of texts centred on ``xs`` (increasing) may be without meeting its
    neighbours: a text narrower than its half of a gap leaves the rest to its neighbour."""
    n = len(xs)
    halves = [[w / 2, w / 2] for w in widths]  # room left and right of each centre
    for k in range(n - 1):
        room = xs[k + 1] - xs[k] - pad
        a, b = widths[k] / 2, widths[k + 1] / 2
        if a + b > room:
            small = min(a, b, room / 2)
            a, b = (small, room - small) if a <= b else (room - small, small)
        halves[k][1] = min(halves[k][1], a)
        halves[k + 1][0] = min(halves[k + 1][0], b)
    return [max(0.0, 2 * min(left, right)) for left, right in halves]
