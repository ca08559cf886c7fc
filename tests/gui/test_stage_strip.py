"""The stage strip: marks the cursor's stage and moves it when a chip is clicked."""

from __future__ import annotations

from PySide6.QtCore import Qt

from engine import parse_session
from gui.controller import SessionController
from gui.stage_strip import StageStrip
from tests.gui.hosting import show_in_host
from tests.helpers import tiny_session_dict


def make_strip(qtbot) -> tuple[SessionController, StageStrip]:
    controller = SessionController(parse_session(tiny_session_dict()))
    strip = StageStrip(controller)
    strip.host_window = show_in_host(qtbot, strip, 900, 44, margin=0)  # keeps the host alive
    return controller, strip


def test_strip_lists_the_stages_and_follows_the_cursor(qtbot) -> None:
    controller, strip = make_strip(qtbot)
    assert [s.label for s in strip.stages] == [
        "Forward 0",
        "Forward 1",
        "Loss",
        "Backward 1",
        "Backward 0",
        "Update",
    ]
    assert strip.done == 0
    assert strip.current is None
    controller.step()
    controller.step()
    assert strip.current.label == "Forward 1"
    controller.finish_iteration()
    assert strip.iteration == 0
    assert strip.done == len(strip.stages)
    controller.step()
    assert strip.iteration == 1
    assert strip.done == 1


def test_clicking_a_later_chip_runs_to_it_and_an_earlier_one_goes_back(qtbot) -> None:
    controller, strip = make_strip(qtbot)
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.chip_rect(3).center().toPoint())
    assert controller.snapshot().stage == 4  # through Backward 1
    assert strip.current.label == "Backward 1"
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.chip_rect(0).center().toPoint())
    assert controller.snapshot().stage == 1
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.chip_rect(-1).center().toPoint())
    assert controller.snapshot().stage == 0
    assert controller.snapshot().iteration == 0


def test_chip_rects_fit_and_do_not_overlap(qtbot) -> None:
    _, strip = make_strip(qtbot)
    rects = [strip.chip_rect(i) for i in range(-1, len(strip.stages))]
    for a, b in zip(rects, rects[1:], strict=False):
        assert a.right() < b.left()
    assert rects[-1].right() <= strip.width()
    assert strip.chip_at(rects[2].center()) == 1


def test_clicking_the_update_chip_runs_to_the_end_of_the_update(qtbot) -> None:
    controller, strip = make_strip(qtbot)
    controller.step()
    update = len(strip.stages) - 1
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.chip_rect(update).center().toPoint())
    snap = controller.snapshot()
    assert (snap.iteration, snap.stage) == (1, 0)  # the update of iteration 0 was applied
    assert strip.done == len(strip.stages)
    assert strip.current.label == "Update"


def test_the_update_shows_as_done_until_the_next_step(qtbot) -> None:
    controller, strip = make_strip(qtbot)
    for _ in strip.stages:
        controller.step()
    assert strip.iteration == 0
    assert strip.done == len(strip.stages)
    assert strip.current.label == "Update"
    controller.step()
    assert strip.iteration == 1
    assert strip.current.label == "Forward 0"
    # a chip of the finished iteration goes back into it, not into the next one
    controller.back()
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.chip_rect(2).center().toPoint())
    assert (controller.snapshot().iteration, controller.snapshot().stage) == (0, 3)
