"""The inspector's tabs show the engine's arrays, losses, surface and gradient norms."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from engine import parse_session
from gui.controller import SessionController
from gui.formatting import format_cell, format_number
from gui.inspector import GRID_STEPS, Inspector
from gui.inspector import panel as inspector_panel
from gui.inspector.boundary import MAX_POINTS, shown_points
from tests.gui.hosting import show_in_host
from tests.helpers import tiny_session_dict


@pytest.fixture
def inspector(qtbot, controller: SessionController) -> Iterator[Inspector]:
    widget = Inspector(controller)
    host = show_in_host(qtbot, widget, 700, 700)
    yield widget
    host.close()


def test_matrices_show_the_records_arrays_with_shapes(
    inspector: Inspector, controller: SessionController
) -> None:
    tab = inspector.matrices
    tab.layer_box.setCurrentIndex(0)
    record = controller.session.snapshot().record
    w = tab.views["W"]
    assert np.array_equal(w.model.array, record.params[0].weights)
    assert "(3 × 2)" in w.caption.text()
    assert np.array_equal(tab.views["b"].model.array[:, 0], record.params[0].bias)
    assert "(3)" in tab.views["b"].caption.text()
    for name in ("z", "a", "delta", "dW", "db"):
        assert tab.views[name].is_pending, name
    assert "Forward 0" in tab.views["z"].pending.text()
    assert "Backward 0" in tab.views["dW"].pending.text()

    controller.step()  # forward 0
    record = controller.session.snapshot().record
    assert not tab.views["z"].is_pending
    assert np.array_equal(tab.views["z"].model.array, record.forward[0].z)
    assert np.array_equal(tab.views["a"].model.array, record.forward[0].a)
    assert "(4 × 3)" in tab.views["a"].caption.text()
    assert tab.views["delta"].is_pending

    controller.goto_stage(len(controller.session.stages) - 1)  # all but the update
    record = controller.session.snapshot().record
    backward = record.backward_of(0)
    assert backward is not None
    assert np.array_equal(tab.views["delta"].model.array, backward.delta)
    assert np.array_equal(tab.views["dW"].model.array, backward.dW)
    assert np.array_equal(tab.views["db"].model.array[:, 0], backward.db)


def test_matrix_cells_format_and_colour(inspector: Inspector, controller: SessionController) -> None:
    tab = inspector.matrices
    tab.layer_box.setCurrentIndex(0)
    model = tab.views["W"].model
    weights = controller.session.params[0].weights
    index = model.index(1, 0)
    assert model.data(index) == format_cell(float(weights[1, 0]))
    assert model.data(index, Qt.ItemDataRole.UserRole) == float(weights[1, 0])
    assert "W[0][1, 0]" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    # The largest magnitude gets the strongest colour; its sign decides blue or red.
    j, i = np.unravel_index(np.argmax(np.abs(weights)), weights.shape)
    colour: QColor = model.data(model.index(int(j), int(i)), Qt.ItemDataRole.BackgroundRole)
    if weights[j, i] > 0:
        assert colour.red() > colour.blue()
    else:
        assert colour.blue() > colour.red()
    assert model.rowCount() == 3
    assert model.columnCount() == 2


def test_zero_is_pale(inspector: Inspector) -> None:
    model = inspector.matrices.views["b"].model
    model.set_array("zeros", np.zeros(3))
    colour: QColor = model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert min(colour.red(), colour.green(), colour.blue()) > 230


def test_layer_choice_switches_matrices(inspector: Inspector, controller: SessionController) -> None:
    tab = inspector.matrices
    assert tab.layer_box.count() == 2
    tab.layer_box.setCurrentIndex(1)
    assert np.array_equal(tab.views["W"].model.array, controller.session.params[1].weights)
    assert "(1 × 3)" in tab.views["W"].caption.text()


def test_loss_curve_is_the_controllers_losses(
    qtbot, inspector: Inspector, controller: SessionController
) -> None:
    for _ in range(6):
        controller.finish_iteration()
    inspector.tabs.setCurrentWidget(inspector.loss)
    x, y = controller.losses()
    assert x.size == 6
    cx, cy = inspector.loss.curve.getData()
    assert np.array_equal(cx, x)
    assert np.array_equal(cy, y)

    inspector.loss.log_box.setChecked(True)
    assert inspector.loss.plot.getPlotItem().ctrl.logYCheck.isChecked()
    inspector.loss.log_box.setChecked(False)

    # Hover over iteration 3: the readout names it and its exact loss.
    qtbot.wait(50)  # the view box settles its range on the event loop
    vb = inspector.loss.plot.getPlotItem().vb
    scene = vb.mapViewToScene(QPointF(3.1, float(y[3])))
    inspector.loss.hover.on_mouse_moved(scene)
    text = inspector.loss.readout.text()
    assert "iteration <b>3</b>" in text
    assert format_number(float(y[3]), 12) in text


def test_only_the_visible_tab_redraws(inspector: Inspector, controller: SessionController) -> None:
    assert inspector.tabs.currentWidget() is inspector.matrices
    controller.finish_iteration()
    controller.finish_iteration()
    cx, _ = inspector.loss.curve.getData()
    assert cx is None or len(cx) == 0  # hidden tab untouched
    inspector.tabs.setCurrentWidget(inspector.loss)
    cx, _ = inspector.loss.curve.getData()
    assert len(cx) == 2


def test_decision_boundary_is_the_engines_prediction(
    inspector: Inspector, controller: SessionController
) -> None:
    controller.finish_iteration()
    inspector.tabs.setCurrentWidget(inspector.boundary)
    tab = inspector.boundary
    assert tab.available
    assert tab.stack.currentIndex() == 0
    assert tab.surface is not None
    assert tab.surface.shape == (GRID_STEPS, GRID_STEPS)
    grid = tab.grid
    expected = controller.predict(grid)[:, 0].reshape(GRID_STEPS, GRID_STEPS)
    assert np.array_equal(tab.surface, expected)
    # The grid covers every data point.
    x = controller.config.x
    assert np.all(grid.min(axis=0) < x.min(axis=0))
    assert np.all(grid.max(axis=0) > x.max(axis=0))
    assert len(tab.points.data) == x.shape[0]


def test_decision_boundary_colours_points_by_target_and_rings_the_misclassified(
    inspector: Inspector, controller: SessionController
) -> None:
    inspector.tabs.setCurrentWidget(inspector.boundary)
    tab = inspector.boundary
    for _ in range(200):
        x, y = controller.config.x, controller.config.y
        predicted = controller.predict(x)[:, 0] > 0.5  # one sigmoid output: 0.5 splits the classes
        wrong = predicted != (y[:, 0] > 0.5)
        marked = tab.wrong_marks.data
        assert sorted(map(tuple, np.column_stack([marked["x"], marked["y"]]))) == sorted(map(tuple, x[wrong]))
        fills = [spot.brush().color().name() for spot in tab.points.points()]
        assert fills == [("#e69f00" if t > 0.5 else "#0072b2") for t in y[:, 0]]
        expected = ["target class 0", "target class 1"]
        assert tab.legend_entries == expected + ([f"misclassified ({wrong.sum()})"] if wrong.any() else [])
        if wrong.any() and not wrong.all():
            return  # seen both kinds
        controller.finish_iteration()
    pytest.fail("no iteration with some samples right and some wrong")


def test_decision_boundary_unavailable_without_two_inputs(qtbot) -> None:
    doc = tiny_session_dict(
        network={
            "inputs": 3,
            "layers": [{"units": 2, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        },
        data={"inputs": [[0, 1, 2], [1, 0, 2], [2, 2, 0]], "targets": [[1], [0], [1]]},
    )
    controller = SessionController(parse_session(doc))
    inspector = Inspector(controller)
    host = show_in_host(qtbot, inspector, 700, 700)
    inspector.tabs.setCurrentWidget(inspector.boundary)
    assert not inspector.boundary.available
    assert inspector.boundary.stack.currentWidget() is inspector.boundary.unavailable
    assert "2 inputs" in inspector.boundary.unavailable.text()
    assert "has 3" in inspector.boundary.unavailable.text()
    assert inspector.boundary.surface is None
    host.close()


def test_gradient_norms_one_curve_per_layer(inspector: Inspector, controller: SessionController) -> None:
    for _ in range(4):
        controller.finish_iteration()
    inspector.tabs.setCurrentWidget(inspector.norms)
    x, norms = controller.gradient_norms()
    tab = inspector.norms
    assert len(tab.curves) == len(controller.config.layers)
    for k, curve in enumerate(tab.curves):
        assert np.array_equal(curve.xData, x)  # xData/yData: the data as given, before log mapping
        assert np.array_equal(curve.yData, norms[:, k])
    assert tab.plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert [label.text for _, label in tab.legend.items] == ["layer 0", "layer 1"]


def test_new_architecture_rebuilds_the_tabs(inspector: Inspector, controller: SessionController) -> None:
    doc = tiny_session_dict()
    doc["network"]["layers"].insert(0, {"units": 5, "activation": "relu"})
    controller.new_session(parse_session(doc))
    assert inspector.matrices.layer_box.count() == 3
    assert len(inspector.norms.curves) == 3


def test_run_updates_the_visible_tab(qtbot, inspector: Inspector, controller: SessionController) -> None:
    inspector.tabs.setCurrentWidget(inspector.loss)
    with qtbot.waitSignal(controller.run_finished, timeout=10_000):
        controller.run(200)
    losses = controller.losses()[1]
    assert losses.size == 200
    qtbot.waitUntil(lambda: np.array_equal(inspector.loss.curve.yData, losses), timeout=2000)


def _redraws_during_a_run(
    qtbot, inspector: Inspector, controller: SessionController, monkeypatch: pytest.MonkeyPatch
) -> list[bool]:
    """A long run of the Matrices tab, paused after its fifth progress frame: for each redraw
    of the tab from Run to the paused state, whether the run's worker was waiting for the window
    to show a progress (False once the run has ended)."""
    tab = inspector.matrices
    waiting: list[bool] = []
    real = type(tab).refresh

    def refresh(self: object) -> None:
        worker = controller._worker
        waiting.append(worker is not None and worker._waiting)
        real(self)

    frames: list[None] = []

    def on_stage_changed() -> None:
        if controller.running:
            frames.append(None)
            if len(frames) == 5:
                controller.pause()

    monkeypatch.setattr(type(tab), "refresh", refresh)
    controller.stage_changed.connect(on_stage_changed)
    with qtbot.waitSignal(controller.run_finished, timeout=60_000):
        controller.run(100_000_000)
    controller.stage_changed.disconnect(on_stage_changed)
    assert len(frames) == 5
    # the run's end shows its last state
    record = controller.session.snapshot().record
    assert np.array_equal(tab.views["W"].model.array, record.params[tab.layer_box.currentIndex()].weights)
    return waiting


def test_a_run_redraws_the_tab_only_within_progress_frames(
    qtbot, inspector: Inspector, controller: SessionController, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the worker computes, every Qt call of a redraw waits for the interpreter's lock: the
    # redraw belongs in a frame, while the worker waits for the window to have shown it.
    waiting = _redraws_during_a_run(qtbot, inspector, controller, monkeypatch)
    during, end = waiting[:-1], waiting[-1]
    assert during, "the tab was not redrawn during the run"
    assert all(during), waiting
    assert not end  # and once more at the run's end


def test_a_run_redraws_the_tab_at_most_once_an_interval_and_at_its_end(
    qtbot, inspector: Inspector, controller: SessionController, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inspector_panel, "RUN_REFRESH_MS", 10**9)  # the first frame's redraw only
    waiting = _redraws_during_a_run(qtbot, inspector, controller, monkeypatch)
    assert waiting == [True, False]  # the run's first frame, then its end


def test_multi_class_surface_shows_the_largest_output(qtbot) -> None:
    doc = tiny_session_dict(
        network={
            "inputs": 2,
            "layers": [{"units": 4, "activation": "tanh"}, {"units": 3, "activation": "softmax"}],
        },
        loss="cross_entropy",
        data={
            "inputs": [[0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0.5], [0.2, 0.9]],
            "targets": [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]],
        },
    )
    controller = SessionController(parse_session(doc))
    inspector = Inspector(controller)
    host = show_in_host(qtbot, inspector, 700, 700)
    inspector.tabs.setCurrentWidget(inspector.boundary)
    tab = inspector.boundary
    assert tab.output_box.currentData() == -1  # more than two outputs: the class by default
    out = controller.predict(tab.grid)
    assert np.array_equal(tab.surface.ravel(), np.argmax(out, axis=1))
    tab.output_box.setCurrentIndex(tab.output_box.findData(2))
    assert np.array_equal(tab.surface.ravel(), out[:, 2])
    host.close()


def test_a_layer_without_biases_says_it_has_none(qtbot) -> None:
    doc = tiny_session_dict()
    doc["network"]["layers"][0]["bias"] = False
    controller = SessionController(parse_session(doc))
    widget = Inspector(controller)
    host = show_in_host(qtbot, widget, 700, 700)
    for _ in range(5):  # through Backward 0
        controller.step()
    tab = widget.matrices
    tab.layer_box.setCurrentIndex(0)
    for name in ("b", "db"):
        assert tab.views[name].is_pending, name
        assert "no biases" in tab.views[name].pending.text()
    assert not tab.views["dW"].is_pending
    tab.layer_box.setCurrentIndex(1)  # the output layer keeps its bias
    assert not tab.views["b"].is_pending
    host.close()
    controller.wait_idle()


def test_decision_boundary_draws_a_large_data_set_as_an_even_sample(qtbot) -> None:
    doc = tiny_session_dict(data={"preset": "moons", "samples": 50_000, "noise": 0.2})
    controller = SessionController(parse_session(doc))
    inspector = Inspector(controller)
    host = show_in_host(qtbot, inspector, 700, 700)
    inspector.tabs.setCurrentWidget(inspector.boundary)
    tab = inspector.boundary
    x, y = controller.config.x, controller.config.y
    drawn = shown_points(len(x))
    assert len(tab.points.data) == len(drawn) == MAX_POINTS
    shown = np.column_stack([tab.points.data["x"], tab.points.data["y"]])
    assert np.array_equal(shown, x[drawn])
    predicted = controller.predict(x)[:, 0] > 0.5
    wrong = predicted != (y[:, 0] > 0.5)
    assert tab.legend_entries[-1] == f"misclassified ({wrong.sum()})"  # counted over all 50,000
    assert len(tab.wrong_marks.data) == wrong[drawn].sum()
    assert f"{MAX_POINTS:,} of the 50,000" in tab.caption.text()
    host.close()


def test_per_sample_tables_are_labelled_with_the_batchs_data_rows(qtbot) -> None:
    """z, a and δ have one row per sample of the batch, each headed by its data-set row; the
    labels are written out as the header asks (a full batch of 200,000 rows wrote them all on
    every step), and a step to a batch of the same rows keeps the table (no reset)."""
    doc = tiny_session_dict(batch_size=2, seed=3)
    controller = SessionController(parse_session(doc))
    widget = Inspector(controller)
    host = show_in_host(qtbot, widget, 700, 700)
    view = widget.matrices.views["z"]
    model = view.model
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    for _ in range(2 * len(controller.session.stages)):  # two iterations: two batches
        controller.step()
        batch = controller.snapshot().record.batch
        if not view.is_pending:  # (a pending table keeps the last batch's, covered)
            shown = [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]
            assert shown == [str(int(row)) for row in batch]
    assert len(resets) <= 2  # the first table, and at most once more when the rows change
    host.close()


def test_a_computed_table_covers_its_pending_note_and_a_pending_one_takes_no_focus(qtbot) -> None:
    """The note and the table lie one over the other: whichever is on top hides the other, even
    where the table is narrower than the note, and the keyboard cannot reach a covered table."""
    from gui.matrix_table import MatrixView

    view = MatrixView()
    host = show_in_host(qtbot, view, 500, 200)
    view.set_matrix("b", "b", None, pending_text="pending: computed by Forward 1, then Backward 1")
    assert view.is_pending
    assert view.table.focusPolicy() == Qt.FocusPolicy.NoFocus
    view.set_matrix("b", "b", np.array([[0.5]]))
    assert not view.is_pending
    assert view.table.focusPolicy() != Qt.FocusPolicy.NoFocus
    qtbot.wait(20)
    image = view.grab().toImage()
    table_right = view.table.mapTo(view, QPoint(view.table.width(), 0)).x()
    stack = view.stack.geometry()
    assert stack.right() > table_right + 40  # the note is the wider: the stack is its width
    beside = {
        image.pixelColor(x, y).name()
        for x in range(table_right + 4, stack.right() - 1)
        for y in range(stack.top() + 1, stack.bottom() - 1)
    }
    assert len(beside) == 1  # only the background: no letter of the note shows through
    host.close()
