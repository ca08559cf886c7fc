"""The configuration form: the engine judges it, invalid input keeps the old session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from engine import GradstepError, parse_session
from engine.files.examples import resolve
from engine.files.session_file import session_json
from gui.config_panel import MAX_TABLE_ROWS, ConfigPanel
from gui.controller import SessionController
from tests.gui.hosting import show_in_host
from tests.helpers import tiny_session_dict


def engine_message(doc: dict[str, Any]) -> str:
    """What the engine says about ``doc``, independently of the panel."""
    with pytest.raises(GradstepError) as info:
        parse_session(doc)
    return str(info.value)


@pytest.fixture
def panel(qtbot, controller: SessionController) -> Iterator[ConfigPanel]:
    widget = ConfigPanel(controller)
    host = show_in_host(qtbot, widget, 420, 900)
    yield widget
    host.close()


def test_form_shows_the_current_configuration(panel: ConfigPanel) -> None:
    assert panel.network_editor.inputs_box.value() == 2
    assert panel.layer_specs() == [(3, "sigmoid"), (1, "sigmoid")]
    assert panel.training_editor.loss_box.currentData() == "half_sse"
    assert panel.training_editor.optimizer_box.currentData() == "sgd"
    assert float(panel.training_editor.lr_edit.text()) == 0.5
    assert panel.network_editor.seed_box.value() == 7
    assert panel.data_editor.source_box.currentData() == "preset"
    assert panel.data_editor.preset_box.currentData() == "xor"
    assert panel.training_editor.full_batch_box.isChecked()
    assert panel.error_text is None
    # The form as it stands is the session it was filled from.
    assert session_json(parse_session(panel.session_dict())) == session_json(
        parse_session(tiny_session_dict())
    )


def test_learning_rate_zero_shows_the_engines_message_and_keeps_the_session(
    qtbot, panel: ConfigPanel, controller: SessionController
) -> None:
    old = controller.session
    panel.training_editor.lr_edit.setText("0")
    with qtbot.assertNotEmitted(controller.session_replaced):
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    message = engine_message(tiny_session_dict(optimizer={"name": "sgd", "learning_rate": 0}))
    assert message == "optimizer.learning_rate: must be positive, got 0.0"
    expected = "Learning rate: must be positive, got 0.0"  # the form's label, not the file's path
    assert panel.error_text == expected
    assert expected in (panel.field_error("optimizer.learning_rate") or "")
    assert panel.error_label.isVisible()
    assert controller.session is old


def test_message_appears_while_typing(qtbot, panel: ConfigPanel) -> None:
    panel.training_editor.lr_edit.setText("fast")
    qtbot.waitUntil(lambda: panel.error_text is not None, timeout=2000)
    assert panel.error_text == "Learning rate: expected a number, got a string"
    panel.training_editor.lr_edit.setText("0.1")
    qtbot.waitUntil(lambda: panel.error_text is None, timeout=2000)
    assert not panel.error_label.isVisible()
    assert panel.field_error("optimizer.learning_rate") is None


def test_softmax_hidden_layer_is_flagged_on_its_row(
    panel: ConfigPanel, controller: SessionController
) -> None:
    old = controller.session
    row = panel.network_editor.rows[0]
    row.activation.setCurrentIndex(row.activation.findData("softmax"))
    assert not panel.apply()
    doc = tiny_session_dict()
    doc["network"]["layers"][0]["activation"] = "softmax"
    expected = engine_message(doc)
    assert expected == "network.layers[0].activation: softmax is allowed on the output layer only"
    assert (
        panel.field_error("network.layers[0]")
        == "⚠ Hidden 0 activation: softmax is allowed on the output layer only"
    )
    assert panel.field_error("network.layers[1]") is None
    assert controller.session is old


def test_zero_units_is_flagged(panel: ConfigPanel, controller: SessionController) -> None:
    old = controller.session
    panel.network_editor.rows[0].units.setValue(0)
    assert not panel.apply()
    assert "Hidden 0 units: must be at least 1, got 0" in (panel.field_error("network.layers[0]") or "")
    assert controller.session is old


def test_loss_and_output_mismatch_is_flagged_on_the_loss(panel: ConfigPanel) -> None:
    panel.training_editor.loss_box.setCurrentIndex(panel.training_editor.loss_box.findData("cross_entropy"))
    assert panel.validate() is None
    assert "cross_entropy goes with a softmax output layer" in (panel.field_error("loss") or "")


def test_valid_apply_replaces_the_session(qtbot, panel: ConfigPanel, controller: SessionController) -> None:
    old = controller.session
    controller.finish_iteration()
    qtbot.mouseClick(panel.network_editor.add_layer_button, Qt.MouseButton.LeftButton)
    assert len(panel.layer_specs()) == 3
    panel.network_editor.rows[1].units.setValue(5)
    panel.network_editor.rows[1].activation.setCurrentIndex(
        panel.network_editor.rows[1].activation.findData("tanh")
    )
    panel.training_editor.optimizer_box.setCurrentIndex(
        panel.training_editor.optimizer_box.findData("momentum")
    )
    panel.training_editor.momentum_edit.setText("0.8")
    panel.training_editor.lr_edit.setText("0.25")
    with qtbot.waitSignal(controller.session_replaced):
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert controller.session is not old
    config = controller.config
    assert config.sizes == (2, 3, 5, 1)
    assert [layer.activation for layer in config.layers] == ["sigmoid", "tanh", "sigmoid"]
    assert config.optimizer.name == "momentum"
    assert config.optimizer.momentum == 0.8
    assert config.optimizer.learning_rate == 0.25
    assert controller.session.iteration == 0
    assert controller.modified  # the applied configuration is not saved yet
    # The form reloads from the new session and agrees with it.
    assert panel.layer_specs() == [(3, "sigmoid"), (5, "tanh"), (1, "sigmoid")]
    assert panel.error_text is None


def test_remove_hidden_layer(panel: ConfigPanel, controller: SessionController) -> None:
    panel.network_editor.add_layer_button.click()
    assert len(panel.layer_specs()) == 3
    panel.network_editor.rows[0].remove.click()
    assert panel.layer_specs() == [(3, "sigmoid"), (1, "sigmoid")]
    assert not panel.network_editor.rows[-1].remove.isVisible()  # the output layer stays
    assert panel.apply()
    assert controller.config.sizes == (2, 3, 1)


def test_preset_data_with_samples_and_noise(panel: ConfigPanel, controller: SessionController) -> None:
    panel.data_editor.preset_box.setCurrentIndex(panel.data_editor.preset_box.findData("moons"))
    assert panel.data_editor.samples_box.isEnabled()
    panel.data_editor.samples_box.setValue(60)
    panel.data_editor.noise_edit.setText("0.05")
    panel.training_editor.full_batch_box.setChecked(False)
    panel.training_editor.batch_box.setValue(16)
    assert panel.apply()
    assert controller.config.x.shape == (60, 2)
    assert controller.config.data == {"preset": "moons", "samples": 60, "noise": 0.05}
    assert controller.config.batch_size == 16


def test_batch_larger_than_data_is_flagged(panel: ConfigPanel) -> None:
    panel.training_editor.full_batch_box.setChecked(False)
    panel.training_editor.batch_box.setValue(10)
    assert panel.validate() is None
    assert "Batch: 10 is larger than the 4 samples" in (panel.field_error("batch_size") or "")


def test_inline_table_editing(panel: ConfigPanel, controller: SessionController) -> None:
    panel.data_editor.source_box.setCurrentIndex(panel.data_editor.source_box.findData("table"))
    table = panel.data_editor.table
    assert table.rowCount() == 4  # starts from the data in use
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == ["x0", "x1", "y0"]
    table.item(3, 2).setText("1")  # XOR becomes OR
    assert panel.apply()
    np.testing.assert_array_equal(controller.config.y[:, 0], [0.0, 1.0, 1.0, 1.0])
    assert "inputs" in controller.config.data


def test_bad_table_cell_shows_the_engines_message(panel: ConfigPanel, controller: SessionController) -> None:
    old = controller.session
    panel.data_editor.source_box.setCurrentIndex(panel.data_editor.source_box.findData("table"))
    panel.data_editor.table.item(1, 0).setText("abc")
    assert not panel.apply()
    assert panel.error_text == "Data (inputs[1][0]): expected a number, got a string"
    assert panel.field_error("data") is not None
    assert controller.session is old


def test_table_rows_are_capped(panel: ConfigPanel) -> None:
    panel.data_editor.source_box.setCurrentIndex(panel.data_editor.source_box.findData("table"))
    while panel.data_editor.add_row_button.isEnabled():
        panel.data_editor.add_row_button.click()
    assert panel.data_editor.table.rowCount() == MAX_TABLE_ROWS


def test_csv_import(monkeypatch, tmp_path: Path, panel: ConfigPanel, controller: SessionController) -> None:
    path = tmp_path / "points.csv"
    path.write_text("a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,1\n0.5,0.5,1\n")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), "CSV files (*.csv)")
    )
    panel.data_editor.source_box.setCurrentIndex(panel.data_editor.source_box.findData("csv"))
    panel.data_editor.browse_button.click()
    assert panel.data_editor.csv_edit.text() == str(path)
    panel.data_editor.targets_edit.setText("label")
    assert panel.apply()
    assert controller.config.x.shape == (5, 2)
    np.testing.assert_array_equal(controller.config.y[:, 0], [0, 1, 1, 1, 1])


def test_csv_with_a_missing_column_keeps_the_session(
    tmp_path: Path, panel: ConfigPanel, controller: SessionController
) -> None:
    old = controller.session
    path = tmp_path / "points.csv"
    path.write_text("a,b,label\n0,0,0\n0,1,1\n")
    panel.data_editor.source_box.setCurrentIndex(panel.data_editor.source_box.findData("csv"))
    panel.data_editor.csv_edit.setText(str(path))
    panel.data_editor.targets_edit.setText("target")
    assert not panel.apply()
    expected = engine_message(tiny_session_dict(data={"csv": str(path), "targets": ["target"]}))
    assert expected.startswith("data")
    assert panel.error_text is not None
    assert panel.error_text.startswith("Data")
    assert panel.error_text.partition(": ")[2] == expected.partition(": ")[2]
    assert controller.session is old


def test_explicit_initial_weights_are_kept_while_the_shape_is(qtbot) -> None:
    config = resolve("example:tutorial-001")
    controller = SessionController(config)
    panel = ConfigPanel(controller)
    host = show_in_host(qtbot, panel, 420, 900)
    assert panel.network_editor.keep_weights_box.isVisible()
    assert panel.apply()
    for old, new in zip(config.layers, controller.config.layers, strict=True):
        np.testing.assert_array_equal(new.weights, old.weights)
    # the hidden layer grows: its weights and the next layer's no longer fit
    panel.network_editor.rows[0].units.setValue(3)
    assert panel.apply()
    assert controller.config.sizes == (2, 3, 1)
    assert all(layer.weights is None for layer in controller.config.layers)
    host.close()


def test_revert_restores_the_session_values(panel: ConfigPanel) -> None:
    panel.training_editor.lr_edit.setText("0")
    panel.network_editor.rows[0].units.setValue(9)
    panel.revert_button.click()
    assert float(panel.training_editor.lr_edit.text()) == 0.5
    assert panel.layer_specs() == [(3, "sigmoid"), (1, "sigmoid")]
    assert panel.error_text is None


def test_form_follows_a_replaced_session(panel: ConfigPanel, controller: SessionController) -> None:
    controller.new_session(resolve("example:moons"))  # as File > Open Example does
    assert panel.layer_specs() == [(layer.units, layer.activation) for layer in controller.config.layers]
    assert panel.data_editor.preset_box.currentData() == "moons"


def test_teaching_mistake_is_applied_and_kept(panel: ConfigPanel, controller: SessionController) -> None:
    panel.training_editor.mistake_box.setCurrentIndex(
        panel.training_editor.mistake_box.findData("wrong_sign")
    )
    assert panel.apply()
    assert controller.config.mistake == "wrong_sign"
    assert panel.training_editor.mistake_box.currentData() == "wrong_sign"  # reloaded from the new session
    panel.training_editor.mistake_box.setCurrentIndex(panel.training_editor.mistake_box.findData(None))
    assert panel.apply()
    assert controller.config.mistake is None


def test_title_and_description_pass_through(qtbot) -> None:
    controller = SessionController(resolve("example:tutorial-004"))
    panel = ConfigPanel(controller)
    host = show_in_host(qtbot, panel, 420, 900)
    title = controller.config.title
    assert title
    assert panel.apply()
    assert controller.config.title == title
    host.close()


def test_numbers_nobody_touched_are_not_rounded(qtbot) -> None:
    doc = tiny_session_dict(
        optimizer={"name": "adam", "learning_rate": 0.123456789, "beta1": 0.91234567891, "eps": 1.2345678e-9},
        data={"inputs": [[0.6, 0.1 + 0.2], [1.0, 2.0]], "targets": [[0.3], [0.7]]},
    )
    controller = SessionController(parse_session(doc))
    panel = ConfigPanel(controller)
    host = show_in_host(qtbot, panel, 420, 900)
    assert panel.training_editor.lr_edit.text() == "0.123456789"
    assert panel.data_editor.table.item(0, 0).text() == "0.6"  # not 0.59999999999999998
    panel.network_editor.seed_box.setValue(8)  # change something else only
    config = parse_session(panel.session_dict())
    assert config.optimizer.learning_rate == 0.123456789
    assert config.optimizer.beta1 == 0.91234567891
    assert config.optimizer.eps == 1.2345678e-9
    assert config.x[0, 1] == 0.1 + 0.2  # every bit of the data survives the table
    host.close()
    controller.wait_idle()


def test_an_error_lands_on_the_field_it_names_not_on_its_text(
    monkeypatch: pytest.MonkeyPatch, panel: ConfigPanel
) -> None:
    """The field comes from GradstepError.field: a message that starts otherwise still lands."""
    import gui.config_panel as config_panel

    def refuse(doc: dict[str, Any], base_dir: Path | None = None) -> Any:
        raise GradstepError("loss: momentum μ must be below 1 for this loss", "optimizer.momentum")

    monkeypatch.setattr(config_panel, "parse_session", refuse)
    assert panel.validate() is None
    assert panel.field_error("optimizer.momentum") == "⚠ loss: momentum μ must be below 1 for this loss"
    assert panel.field_error("loss") is None
    assert panel.error_label.isVisible()


def test_a_message_without_a_field_shows_in_the_footer_only(
    monkeypatch: pytest.MonkeyPatch, panel: ConfigPanel
) -> None:
    import gui.config_panel as config_panel

    def refuse(doc: dict[str, Any], base_dir: Path | None = None) -> Any:
        raise GradstepError("data: somewhere.csv is empty")

    monkeypatch.setattr(config_panel, "parse_session", refuse)
    assert panel.validate() is None
    assert panel.error_text == "data: somewhere.csv is empty"
    assert panel.field_error("data") is None


def test_typing_checks_without_building_the_data_and_apply_builds_it(
    qtbot, built_presets: list[int], panel: ConfigPanel, controller: SessionController
) -> None:
    from gui.config.form import TYPING_SAMPLES

    data = panel.data_editor
    data.preset_box.setCurrentIndex(data.preset_box.findData("moons"))
    data.samples_box.setValue(5000)
    qtbot.waitUntil(lambda: bool(built_presets), timeout=2000)  # the check after typing stops
    assert max(built_presets) <= TYPING_SAMPLES
    assert panel.error_text is None
    panel.training_editor.lr_edit.setText("-1")
    qtbot.waitUntil(lambda: panel.error_text is not None, timeout=2000)
    assert panel.field_error("optimizer.learning_rate") is not None  # judged while typing
    panel.training_editor.lr_edit.setText("0.5")
    qtbot.waitUntil(lambda: panel.error_text is None, timeout=2000)
    assert max(built_presets) <= TYPING_SAMPLES
    assert panel.apply()
    assert 5000 in built_presets  # Apply builds the real data
    assert controller.config.x.shape == (5000, 2)


def test_a_layer_without_biases_is_a_checkbox_away(
    qtbot, panel: ConfigPanel, controller: SessionController
) -> None:
    editor = panel.network_editor
    assert editor.layer_biases() == [True, True]
    editor.rows[0].bias.setChecked(False)
    panel.training_editor.loss_box.setCurrentIndex(panel.training_editor.loss_box.findData("sse"))
    with qtbot.waitSignal(controller.session_replaced):
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert controller.config.biased == (False, True)
    assert controller.config.loss == "sse"
    assert controller.session.params[0].bias.shape == (0,)
    # the form reloads from the new session; a new hidden layer copies its neighbour's choice
    assert editor.layer_biases() == [False, True]
    editor.add_layer_button.click()
    assert editor.layer_biases() == [False, False, True]
    editor.rows[1].remove.click()
    assert editor.layer_biases() == [False, True]


def test_the_loss_list_has_the_summed_losses(panel: ConfigPanel) -> None:
    box = panel.training_editor.loss_box
    names = [box.itemData(i) for i in range(box.count())]
    assert {"sse", "bce_sum", "cross_entropy_sum"} <= set(names)


def test_the_digits_preset_shows_its_targets_as_one_hot_and_fixed(qtbot) -> None:
    controller = SessionController(resolve("example:digits"))
    panel = ConfigPanel(controller)
    host = show_in_host(qtbot, panel, 420, 900)
    box = panel.data_editor.one_hot_box
    assert box.isChecked()  # ten classes, one column each
    assert not box.isEnabled()
    assert panel.status_label.text() == "Matches the current session."
    host.close()
