"""The digits session's Inspector: the sample as an image, the first layer's weight tiles, and
the confusion matrix in place of the decision boundary."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from engine import ParameterRef, parse_session
from engine.files.examples import example, resolve
from gui.controller import SessionController
from gui.inspector import Inspector
from gui.inspector.tiles import TileGrid
from tests.gui.hosting import show_in_host
from tests.helpers import tiny_session_dict


@pytest.fixture
def digits() -> Iterator[SessionController]:
    ctrl = SessionController(resolve("example:digits"))
    yield ctrl
    ctrl.wait_idle()


@pytest.fixture
def inspector(qtbot, digits: SessionController) -> Iterator[Inspector]:
    widget = Inspector(digits)
    host = show_in_host(qtbot, widget, 900, 500)
    yield widget
    host.close()


def test_digits_has_image_and_confusion_tabs_and_xor_has_neither(qtbot, inspector: Inspector) -> None:
    titles = [inspector.tabs.tabText(i) for i in range(inspector.tabs.count())]
    assert titles == ["Matrices", "Images", "Loss", "Confusion matrix", "Gradient norms"]
    with pytest.raises(LookupError, match="no Decision boundary tab"):
        _ = inspector.boundary
    xor = Inspector(SessionController(parse_session(tiny_session_dict())))
    qtbot.addWidget(xor)
    assert xor.names == ("matrices", "loss", "boundary", "norms")
    with pytest.raises(LookupError):
        _ = xor.images


def test_tabs_follow_the_session_when_it_is_replaced(inspector: Inspector, digits: SessionController) -> None:
    inspector.tabs.setCurrentWidget(inspector.images)
    digits.new_session(parse_session(tiny_session_dict()))
    assert inspector.names == ("matrices", "loss", "boundary", "norms")
    assert inspector.tabs.count() == 4
    inspector.tabs.setCurrentWidget(inspector.boundary)
    digits.new_session(resolve("example:digits"))
    assert "images" in inspector.names
    assert inspector.tabs.currentWidget() is inspector.confusion  # the boundary's place
    inspector.tabs.setCurrentWidget(inspector.images)
    assert inspector.images.values.shape == TileGrid.fit(32, (8, 8)).size


def test_each_tile_is_its_units_weights_as_the_image(inspector: Inspector, digits: SessionController) -> None:
    inspector.tabs.setCurrentWidget(inspector.images)
    tab = inspector.images
    weights = digits.snapshot().params[0].weights
    for unit in (0, 7, 31):
        np.testing.assert_array_equal(tab.tile(unit), weights[unit].reshape(8, 8))
    # the network view's scale: the largest |w| of every layer
    top = max(float(np.abs(p.weights).max()) for p in digits.snapshot().params)
    top = max(top, *(float(np.abs(p.bias).max()) for p in digits.snapshot().params))
    assert tab.scale == top
    assert tab.tiles_image.levels is not None
    assert list(tab.tiles_image.levels) == [-top, top]


def test_gradient_and_update_tiles(inspector: Inspector, digits: SessionController) -> None:
    inspector.tabs.setCurrentWidget(inspector.images)
    tab = inspector.images
    digits.set_color_by("gradient")
    assert tab.mode_box.currentData() == "gradient"
    assert np.isnan(tab.tile(3)).all()  # no backward pass yet
    assert "pending" in tab.caption.text()
    digits.goto_stage(len(digits.session.stages) - 1)  # through Backward 0
    backward = digits.snapshot().record.backward_of(0)
    assert backward is not None
    np.testing.assert_array_equal(tab.tile(3), backward.dW[3].reshape(8, 8))
    # the network's per-layer scale for gradients: layer 0's own largest |∂L/∂w|
    assert tab.scale == float(np.abs(backward.dW).max())
    tab.mode_box.setCurrentIndex(2)  # the tab's own switch changes the controller's mode
    assert digits.color_by == "update"
    digits.finish_iteration()
    update = digits.last_update()
    assert update is not None
    np.testing.assert_array_equal(tab.tile(3), update[1][0].weights[3].reshape(8, 8))


def test_clicking_a_tile_selects_that_unit(qtbot, inspector: Inspector, digits: SessionController) -> None:
    inspector.tabs.setCurrentWidget(inspector.images)
    tab = inspector.images
    qtbot.waitUntil(lambda: tab.tiles_view.width() > 100)
    index = 8 * 2 + 5  # row 2, column 5 of the image
    for unit in (12, 30):
        scene = tab.tiles_image.mapToScene(tab.tile_center(unit, index))
        at = tab.tiles_view.mapFromScene(scene)
        qtbot.mouseClick(tab.tiles_view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(at.x(), at.y()))
        assert digits.selection == ParameterRef(0, unit, index)
        assert tab.selected_unit == unit
    digits.select(ParameterRef(1, 2, 4))  # a weight of another layer: no tile outlined
    assert tab.selected_unit is None


def test_the_sample_is_the_batch_rows_image(inspector: Inspector, digits: SessionController) -> None:
    inspector.tabs.setCurrentWidget(inspector.images)
    tab = inspector.images
    digits.set_sample(5)
    record = digits.snapshot().record
    np.testing.assert_array_equal(np.asarray(tab.sample_image.image), record.inputs[5].reshape(8, 8))
    target = int(np.argmax(record.targets[5]))
    assert f"data row {int(record.batch[5])}" in tab.sample_text.text()
    assert f"target class <b>{target}</b>" in tab.sample_text.text()
    tab.sample_box.setValue(9)
    assert digits.sample == 9


def test_confusion_matrix_counts_the_test_set(inspector: Inspector, digits: SessionController) -> None:
    digits.goto_iteration(40)
    inspector.tabs.setCurrentWidget(inspector.confusion)
    tab = inspector.confusion
    config = digits.config
    assert config.test_x is not None
    assert config.test_y is not None
    params = digits.snapshot().params
    hidden = np.maximum(0.0, config.test_x @ params[0].weights.T + params[0].bias)
    predicted = np.argmax(hidden @ params[1].weights.T + params[1].bias, axis=1)  # softmax keeps the order
    target = np.argmax(config.test_y, axis=1)
    expected = np.zeros((10, 10), dtype=int)
    for t, p in zip(target, predicted, strict=True):
        expected[t, p] += 1
    assert tab.evaluation is not None
    np.testing.assert_array_equal(tab.evaluation.confusion, expected)
    item = tab.table.item(3, 3)
    assert item is not None
    assert item.text() == str(expected[3, 3])
    right = int(np.trace(expected))
    assert f"{100 * right / 359:.2f}%" in tab.accuracy.text()
    assert f"{right} of 359 right" in tab.accuracy.text()
    tab.set_box.setCurrentIndex(1)  # the training set
    assert tab.evaluation.samples == config.x.shape[0]


def test_boundary_stays_for_a_regression_of_three_inputs(qtbot) -> None:
    doc = {**example("digits").session, "data": {"preset": "digits", "test_fraction": 0}}
    assert parse_session(doc).test_x is None
    doc = tiny_session_dict(
        network={
            "inputs": 3,
            "layers": [{"units": 2, "activation": "tanh"}, {"units": 1, "activation": "linear"}],
        },
        data={"inputs": [[0, 1, 2], [1, 0, 2]], "targets": [[0.5], [0.2]]},
    )
    widget = Inspector(SessionController(parse_session(doc)))
    qtbot.addWidget(widget)
    assert widget.names == ("matrices", "loss", "boundary", "norms")
