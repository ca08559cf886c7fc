"""File > Export as Code… and File > Open of a PyTorch model, driven through the window."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.history.session import Session
from gui.main_window import MainWindow
from gui.window.code_commands import NUMPY_FILTER, TORCH_FILTER


def test_export_as_code_writes_a_numpy_script_that_trains_like_the_engine(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    assert window.files.export_code_action in window.menus.file.actions()
    target = tmp_path / "train"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), NUMPY_FILTER))
    window.files.export_code_action.trigger()
    script = tmp_path / "train.py"
    assert script.exists()
    done = subprocess.run(
        [sys.executable, str(script), "--iterations", "3"], capture_output=True, text=True, check=True
    )
    session = Session(window.controller.config)
    session.run_iterations(3)
    last = float(session.losses()[1][-1])
    assert done.stdout.splitlines()[-1] == f"final loss {last!r} (iteration 2, before its update)"
    assert window.statusBar().currentMessage().startswith(f"wrote {script} (NumPy")


def test_the_pytorch_filter_writes_a_pytorch_script(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "train_torch.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), TORCH_FILTER))
    window.files.export_code_action.trigger()
    text = target.read_text(encoding="utf-8")
    assert "import torch" in text
    assert "model = nn.Sequential(" in text


def test_an_export_that_cannot_be_written_is_a_dialog(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    target = tmp_path / "no-such-folder" / "train.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), NUMPY_FILTER))
    window.files.export_code_action.trigger()
    assert len(shown) == 1
    assert shown[0][0] == "Cannot export as code"
    assert not target.exists()


def test_opening_a_model_without_torch_says_torch_is_needed(
    window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(b"PK")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    before = window.controller.config
    assert window.open_spec(str(model)) is False
    assert shown[0][0] == "PyTorch is needed"
    assert "needs torch, which is not installed" in shown[0][1]
    assert window.controller.config is before


@pytest.mark.torch
def test_opening_a_model_imports_its_weights(window: MainWindow, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(
        nn.Linear(2, 3, dtype=torch.float64), nn.Tanh(), nn.Linear(3, 1, dtype=torch.float64)
    )
    torch.save(model, tmp_path / "model.pt")
    assert window.open_spec(str(tmp_path / "model.pt")) is True
    config = window.controller.config
    assert config.sizes == (2, 3, 1)
    assert [layer.activation for layer in config.layers] == ["tanh", "linear"]
    weights = config.layers[0].weights
    assert weights is not None
    assert (weights == model[0].weight.detach().numpy()).all()
    assert window.controller.path is None
