"""The network's labels at the window's sizes: none runs into another or into a node."""

from __future__ import annotations

import itertools

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF

from engine import ParameterRef, parse_session
from gui.controller import SessionController
from gui.network_view import NetworkView
from tests.gui.conftest import open_window
from tests.gui.hosting import show_in_host
from tests.helpers import wide_network_dict

SIZES = [(960, 640), (1920, 1080)]
NETWORKS = [[2, 4, 1], [2, 8, 8, 1], [2, 128, 128, 1]]


def texts_drawn(view: NetworkView) -> list[pg.TextItem]:
    """Every text item the drawing shows, found in its scene (not from the view's own books)."""
    return [
        item
        for item in view.plot.scene().items()
        if isinstance(item, pg.TextItem) and item.isVisible() and item.toPlainText().strip()
    ]


def node_circles(view: NetworkView) -> list[tuple[QPointF, float, tuple[int, int]]]:
    """Each node drawn as a circle: its centre and radius in scene pixels, and (column, unit)."""
    layout = view.network_layout
    circles = []
    for c, column in enumerate(layout.columns):
        if column.strip:
            continue
        for i, y in enumerate(column.y):
            centre = view.view_box.mapViewToScene(QPointF(column.x, float(y)))
            edge = view.view_box.mapViewToScene(QPointF(column.x + column.diameter / 2, float(y)))
            circles.append((centre, edge.x() - centre.x(), (c, i)))
    return circles


def meets(rect: QRectF, centre: QPointF, radius: float) -> bool:
    nx = min(max(centre.x(), rect.left()), rect.right())
    ny = min(max(centre.y(), rect.top()), rect.bottom())
    return (nx - centre.x()) ** 2 + (ny - centre.y()) ** 2 < radius**2


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("sizes", NETWORKS, ids=lambda n: "-".join(map(str, n)))
def test_no_two_labels_meet_and_none_covers_a_node(qtbot, settings, size, sizes) -> None:
    config = parse_session(wide_network_dict(sizes, 6))
    for window in open_window(qtbot, config, settings):
        window.resize(*size)
        controller = window.controller
        controller.select(ParameterRef(0, 1, 0))  # a hidden weight: its chain is labelled too
        while (
            controller.snapshot().last_stage is None or controller.snapshot().last_stage.label != "Backward 0"
        ):
            controller.step()
        view = window.network_view
        view.fit()
        qtbot.wait(50)
        window.grab()  # paints: every text item takes its place on screen
        items = texts_drawn(view)
        placed = {id(label.item): label for label, _ in view.text_labels()}
        assert {id(item) for item in items} == set(placed)  # the board places them all
        if view.view_box.height() >= 150:  # (a network squeezed flatter shows what fits, maybe nothing)
            assert any(label.kind == "header" for label in placed.values())
        plot = view.view_box.sceneBoundingRect()
        rects = [(item, item.sceneBoundingRect()) for item in items]
        for (a, ra), (b, rb) in itertools.combinations(rects, 2):
            assert not ra.intersects(rb), f"{a.toPlainText()!r} meets {b.toPlainText()!r}"
        for item, rect in rects:
            label = placed.get(id(item))
            if label is not None:
                assert plot.contains(rect), f"{item.toPlainText()!r} leaves the view"
            for centre, radius, node in node_circles(view):
                if label is not None and label.on_node == node:
                    continue  # a node's name sits on its node
                assert not meets(rect, centre, radius), f"{item.toPlainText()!r} covers node {node}"


def test_value_labels_of_a_tall_column_do_not_cover_the_next_node(qtbot, settings) -> None:
    # the reported defect: 2-128-128-1's input values were drawn over the other input node
    config = parse_session(wide_network_dict([2, 128, 128, 1], 6))
    for window in open_window(qtbot, config, settings):
        window.resize(1366, 768)
        window.controller.step()
        qtbot.wait(50)
        window.grab()
        view = window.network_view
        values = [(label, rect) for label, rect in view.text_labels() if label.kind == "value"]
        inputs = [c for c in node_circles(view) if c[2][0] == 0]
        for _, rect in values:
            for centre, radius, _ in inputs:
                assert not meets(rect, centre, radius)


def test_an_elided_header_has_its_whole_text_on_hover(qtbot) -> None:
    # deep enough that the view is too narrow to stretch the gaps between its columns
    controller = SessionController(parse_session(wide_network_dict([2, 128, 128, 128, 128, 1], 6)))
    view = NetworkView(controller)
    view.host_window = show_in_host(qtbot, view, 560, 420, margin=0)
    view.fit()
    headers = [label for label, _ in view.text_labels() if label.kind == "header"]
    assert len(headers) == 7
    elided = [h for h in headers if "…" in h.item.toPlainText()]
    assert elided  # "128 × relu" does not fit between two columns at this size
    for header in elided:
        shown_lines = header.item.toPlainText().split("\n")
        full_lines = header.tooltip.split("\n")
        assert "…" not in header.tooltip
        for shown, full in zip(shown_lines, full_lines, strict=True):
            assert full.startswith(shown.removesuffix("…"))
    caption = view.header.caption
    assert caption.full_text == "Ready: next Forward 0"
    if caption.label.text() != f"<b>{caption.full_text}</b>":  # elided: the whole on hover
        assert caption.toolTip() == caption.full_text
