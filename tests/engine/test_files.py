"""Saving a live session and loading it continues exactly; writes are atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from engine import GradstepError, ParameterRef, Session, load_session_config, parse_session
from tests.helpers import CONFIGS, assert_identical, tiny_session_dict


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize(("stop", "stage"), [(0, 0), (7, 0), (13, 3)])
def test_saved_session_continues_bit_identically(tmp_path: Path, name: str, stop: int, stage: int) -> None:
    """Save mid-run (optimizer state, mini-batch order), load, continue: same as never stopping."""
    config = parse_session(CONFIGS[name])
    session = Session(config)
    session.goto(stop, stage)
    session.set_parameter(ParameterRef(0, 0, 1), 0.25)  # an edit is part of what is saved
    path = tmp_path / "live.json"
    session.save(path)
    loaded = Session(load_session_config(path))
    assert loaded.iteration == stop
    assert_identical(loaded.params, session.params, "params")
    assert_identical(loaded.optimizer_state, session.optimizer_state, "optimizer state")
    for _ in range(3):
        session.finish_iteration()
        loaded.finish_iteration()
        np.testing.assert_array_equal(
            loaded.batch_indices(loaded.iteration - 1), session.batch_indices(session.iteration - 1)
        )
        assert_identical(loaded.snapshot().previous, session.snapshot().previous, "previous record")
    session.run_iterations(20)
    loaded.run_iterations(20)
    assert_identical(loaded.params, session.params, "params after 20 more")


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the rename fails the old file is untouched and no temporary file is left."""
    path = tmp_path / "s.json"
    path.write_text("original", encoding="utf-8")
    session = Session(parse_session(tiny_session_dict()))

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(GradstepError, match="No space left"):
        session.save(path)
    assert path.read_text(encoding="utf-8") == "original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_saved_file_is_plain_json_of_the_documented_format(tmp_path: Path) -> None:
    """format/version/network/loss/optimizer/data, weights as (units, fan_in) lists, no NaN."""
    session = Session(parse_session(tiny_session_dict()))
    session.run_iterations(3)
    path = tmp_path / "s.json"
    session.save(path)
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["format"] == "gradstep-session"
    assert doc["version"] == 1
    assert {"network", "loss", "optimizer", "data", "seed"} <= set(doc)
    layers = doc["network"]["layers"]
    assert np.array_equal(np.array(layers[0]["weights"]), session.params[0].weights)
    assert np.array(layers[0]["weights"]).shape == (3, 2)
    assert "NaN" not in text


def test_csv_path_is_relative_to_the_session_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """data.csv resolves against the session's folder, not the working directory, and survives a save."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "d.csv").write_text("x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n", encoding="utf-8")
    (folder / "s.json").write_text(
        json.dumps(tiny_session_dict(data={"csv": "d.csv", "targets": ["y"]})), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    config = load_session_config(folder / "s.json")
    np.testing.assert_array_equal(config.x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(config.y, [[0], [1], [1], [0]])
    session = Session(config)
    (tmp_path / "elsewhere").mkdir()
    session.save(tmp_path / "elsewhere" / "copy.json")
    again = load_session_config(tmp_path / "elsewhere" / "copy.json")
    np.testing.assert_array_equal(again.x, config.x)
    np.testing.assert_array_equal(again.y, config.y)


def test_a_loaded_live_session_written_back_keeps_its_state() -> None:
    """session_json of a loaded live session (as a walkthrough embeds it) continues exactly."""
    from engine.files.session_file import session_json

    doc = tiny_session_dict(optimizer={"name": "adam", "learning_rate": 0.05}, batch_size=3)
    live = Session(parse_session(doc))
    live.run_iterations(5)
    loaded = parse_session(live.to_json())
    again = parse_session(json.loads(json.dumps(session_json(loaded))))
    assert again.state is not None
    assert again.state.iteration == 5
    a, b = Session(loaded), Session(again)
    a.run_iterations(4)
    b.run_iterations(4)
    live.run_iterations(4)
    for x, y, z in zip(a.params, b.params, live.params, strict=True):
        np.testing.assert_array_equal(x.weights, y.weights)
        np.testing.assert_array_equal(x.weights, z.weights)
        np.testing.assert_array_equal(x.bias, z.bias)
