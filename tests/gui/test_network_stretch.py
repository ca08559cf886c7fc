"""The network view stretches its gaps to a wide view: everything drawn follows the new layout."""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from engine import ParameterRef, parse_session
from engine.learner.diagnosis import LayerMarks
from gui.controller import SessionController
from gui.network.hits import hit_test
from gui.network.layout import MAX_STRETCH, NetworkLayout, layout_network
from gui.network_view import NetworkView
from tests.gui.hosting import show_in_host
from tests.helpers import tiny_session_dict, wide_network_dict

SELECTED = ParameterRef(0, 1, 0)  # a hidden weight: its chain is labelled along its path


def hosted(
    qtbot, sizes: list[int] | None, width: int, height: int
) -> tuple[SessionController, NetworkView, QWidget]:
    """A view on ``sizes`` (None: the 2-3-1 XOR) shown ``width`` x ``height``, fitted."""
    config = parse_session(tiny_session_dict() if sizes is None else wide_network_dict(sizes, 6))
    controller = SessionController(config)
    view = NetworkView(controller)
    host = show_in_host(qtbot, view, width, height, margin=0)
    relaid(qtbot, view)
    return controller, view, host


def relaid(qtbot, view: NetworkView) -> NetworkLayout:
    """The layout once the view has taken its size and the re-layout a resize asks for is done."""
    qtbot.waitUntil(lambda: not view.relayout_pending)
    QApplication.processEvents()  # the last paint, with the labels placed
    layout = view.network_layout
    assert layout is not None
    return layout


def resize(qtbot, host: QWidget, view: NetworkView, width: int, height: int) -> NetworkLayout:
    host.resize(width, height)
    qtbot.waitUntil(lambda: view.width() == width)
    return relaid(qtbot, view)


def drawn_width(view: NetworkView) -> float:
    """The network's width on screen, in pixels."""
    return float(view.view_box.mapViewToScene(view.scene_bounds()).boundingRect().width())


def step_to_backward(controller: SessionController) -> None:
    while controller.snapshot().last_stage is None or controller.snapshot().last_stage.kind != "backward":
        controller.step()


def test_a_tall_network_in_a_wide_view_is_stretched_to_fill_it(qtbot) -> None:
    _, view, _ = hosted(qtbot, [64, 64, 64, 10], 1600, 600)
    layout = view.network_layout
    assert 1.0 < layout.stretch <= MAX_STRETCH
    plain = layout_network(layout.sizes, layout.biased)
    assert drawn_width(view) > 0.75 * view.view_box.width()
    for stretched, column in zip(layout.columns, plain.columns, strict=True):  # only x moved
        np.testing.assert_array_equal(stretched.y, column.y)
        assert stretched.diameter == column.diameter
        assert stretched.x == pytest.approx(column.x * layout.stretch)


def test_a_small_network_in_a_narrow_view_keeps_its_gaps(qtbot) -> None:
    _, view, _ = hosted(qtbot, [2, 4, 1], 420, 600)
    assert view.network_layout.stretch == 1.0


def test_a_resize_fills_the_new_width_and_small_resizes_change_nothing(qtbot) -> None:
    _, view, host = hosted(qtbot, [2, 128, 128, 1], 700, 600)
    narrow = view.network_layout
    wide = resize(qtbot, host, view, 1500, 600)
    assert wide.stretch > narrow.stretch
    assert drawn_width(view) > 0.75 * view.view_box.width()
    bounds = view.view_box.mapViewToScene(view.scene_bounds()).boundingRect()
    assert view.view_box.sceneBoundingRect().contains(bounds)  # and the whole network still shows
    assert resize(qtbot, host, view, 1503, 601) is wide  # a few pixels: the same quantised stretch


def test_a_user_zoom_is_not_stretched_under_them(qtbot) -> None:
    _, view, host = hosted(qtbot, [2, 128, 128, 1], 700, 600)
    layout = view.network_layout
    viewport = view.plot.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(
        centre,
        viewport.mapToGlobal(centre),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)  # the user zooms in
    assert resize(qtbot, host, view, 1500, 600) is layout
    view.fit()  # the Fit button: fitted again, and stretched to the view
    assert view.network_layout.stretch > layout.stretch


def test_the_drawing_follows_a_stretch(qtbot) -> None:
    controller, view, host = hosted(qtbot, [3, 6, 6, 2], 500, 500)
    controller.select(SELECTED)
    step_to_backward(controller)
    marks = tuple(
        LayerMarks(np.ones((n, m), dtype=bool), np.ones(n, dtype=bool))
        for m, n in itertools.pairwise(view.sizes)
    )
    view.set_marks(marks)
    before = view.network_layout
    after = resize(qtbot, host, view, 1500, 500)
    assert after.stretch > before.stretch
    index = after.edge_index(SELECTED.layer, SELECTED.unit, SELECTED.input)
    xs, ys = view.selection.selected_curve.getData()
    np.testing.assert_allclose([xs[0], ys[0], xs[1], ys[1]], after.lines(np.array([index]))[0])
    np.testing.assert_allclose(view.mark_segments(), after.lines(np.arange(after.x0.size)))
    names = {label.key: label for label, _ in view.text_labels()}
    column = after.columns[1]
    assert names["name 1 0"].anchor == (column.x, float(column.y[0]))
    assert names["name loss"].anchor == after.loss_position
    for term in view.chain_terms:  # the chain's labels hang on the new geometry
        bounds = after.scene_bounds()
        assert bounds.x <= term.anchor[0] <= bounds.right
    chain = [label for label, _ in view.text_labels() if label.kind == "chain"]
    assert chain
    stage = view.shading.stage_band.rect()
    assert stage.right() <= after.scene_bounds().right + 1e-9
    assert stage.left() >= after.columns[0].x - 1e-9


def test_no_two_labels_meet_after_a_stretch(qtbot) -> None:
    controller, view, host = hosted(qtbot, [2, 8, 8, 1], 600, 500)
    controller.select(SELECTED)
    step_to_backward(controller)
    before = view.network_layout
    assert resize(qtbot, host, view, 1600, 500).stretch > before.stretch
    view.grab()  # paints: every text item takes its place on screen
    shown = view.text_labels()
    assert any(label.kind == "chain" for label, _ in shown)
    assert any(label.kind == "value" for label, _ in shown)
    plot = view.view_box.sceneBoundingRect()
    for (a, ra), (b, rb) in itertools.combinations(shown, 2):
        assert not ra.intersects(rb), f"{a.key} meets {b.key}"
    for label, rect in shown:
        assert plot.contains(rect), f"{label.key} leaves the view"


def clicked(qtbot, view: NetworkView, controller: SessionController, point: QPointF) -> ParameterRef | None:
    """What a click at ``point`` (view coordinates) selects."""
    scene = view.view_box.mapViewToScene(point)
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=view.plot.mapFromScene(scene))
    return controller.selection


def test_a_click_after_a_stretch_selects_the_weight_drawn_there(qtbot) -> None:
    controller, view, host = hosted(qtbot, None, 500, 500)
    before = view.network_layout
    after = resize(qtbot, host, view, 1500, 420)
    assert after.stretch > before.stretch
    ref = ParameterRef(1, 0, 2)  # hidden unit 2 to the output
    middle = QPointF(*after.parameter_point(ref))
    hit = hit_test(after, middle.x(), middle.y(), view.hover_tolerance())
    assert hit is not None
    assert hit.ref == ref
    hovered = view.hit_test(middle, view.hover_tolerance())  # what the hover's tooltip describes
    assert hovered is not None
    assert ref.label in view.describe(hovered)
    assert clicked(qtbot, view, controller, middle) == ref
    # where that edge was before the stretch, there is now another edge or nothing
    old = QPointF(*before.parameter_point(ref))
    assert clicked(qtbot, view, controller, old) != ref


def test_a_band_pixel_is_selected_where_it_is_drawn_after_a_stretch(qtbot) -> None:
    controller, view, host = hosted(qtbot, [784, 128, 10], 700, 700)
    before = view.network_layout
    after = resize(qtbot, host, view, 1900, 700)
    assert after.stretch > before.stretch
    band = view.edges.band_images[0]
    assert band.image is not None  # coloured by the weights from the start
    assert drawn_rect(band) == rect_of(after, 0)
    ref = ParameterRef(0, 100, 700)
    centre = after.band_pixel_rect(0, 100, 700).center
    assert clicked(qtbot, view, controller, QPointF(*centre)) == ref


def rect_of(layout: NetworkLayout, layer: int) -> tuple[float, float, float, float]:
    rect = layout.band_rects[layer]
    return pytest.approx((rect.x, rect.y, rect.width, rect.height))


def drawn_rect(image: pg.ImageItem) -> tuple[float, float, float, float]:
    """Where an image item is drawn, in view coordinates."""
    rect = image.mapRectToParent(image.boundingRect())
    return rect.x(), rect.y(), rect.width(), rect.height()


@pytest.mark.parametrize(
    "sizes", [[784, 128, 10], [2, 128, 128, 1], [2, 4, 1]], ids=lambda s: "-".join(map(str, s))
)
def test_resizing_while_stepping_redraws_without_a_crash(qtbot, sizes: list[int]) -> None:
    controller, view, host = hosted(qtbot, sizes, 700, 500)
    controller.select(SELECTED if sizes[1] > 1 else None)
    for k in range(24):
        host.resize(600 + 131 * (k % 7), 420 + 67 * (k % 4))
        controller.step()
        if k % 3 == 0:
            view.grab()  # a resize inside a grab: the re-layout must wait for it to end
        qtbot.wait(1)
    layout = relaid(qtbot, view)
    view.fit()  # would lay the network out anew if the last size's gaps were not drawn
    assert view.network_layout is layout
    assert view.edge_values(0) is not None
    drawn = np.concatenate([lines for _, lines in view.edges.layer.drawn_lines()])
    laid_out = layout.lines(np.arange(layout.x0.size))
    assert {tuple(row) for row in drawn} == {tuple(row) for row in laid_out}  # the edges of its geometry


def test_a_resize_lays_the_network_out_again_only_after_its_handler(qtbot) -> None:
    # Items replaced within a resize could go while Qt paints or grabs the scene (a crash):
    # the resize only refits the layout it has, and the new one comes from the event loop.
    _, view, host = hosted(qtbot, [2, 128, 128, 1], 700, 600)
    narrow = view.network_layout
    during: list[NetworkLayout | None] = []
    view.view_box.sigResized.connect(lambda *_: during.append(view.network_layout))  # after the view's own
    wide = resize(qtbot, host, view, 1500, 600)
    assert wide is not narrow
    assert during
    assert all(layout is narrow for layout in during)
