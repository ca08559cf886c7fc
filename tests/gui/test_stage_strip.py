"""The stage strip: marks the cursor's stage and moves it when a chip is clicked."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from engine import parse_session
from gui.controller import SessionController
from gui.stage_strip import StageStrip, chip_window
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


def test_chip_window_shows_every_chip_that_fits_and_follows_the_focus() -> None:
    assert chip_window(7, 1000, 0, (3, 4)) == (0, 7)  # room for all
    first, count = chip_window(12, 300, 0, (9, 10))
    assert count < 12
    assert first <= 9  # the current chip and the next are shown
    assert first + count > 10
    assert chip_window(12, 300, 0, None) == (0, count)  # no focus: stays where it was
    assert chip_window(12, 300, 11, (0, 1)) == (0, count)  # back at the start
    assert chip_window(12, 300, 99, None)[0] == 12 - count  # never past the last chip


def test_a_narrow_strip_shortens_its_chips_and_scrolls_to_the_current_one(qtbot) -> None:
    controller, strip = make_strip(qtbot)
    strip.host_window.resize(260, 44)
    qtbot.waitUntil(lambda: strip.width() == 260)
    assert strip.scrolled
    assert strip.counter_width < 118  # "It. 0", not "Iteration 0"
    for _ in range(len(strip.stages)):
        controller.step()
        current = strip.done - 1
        rect = strip.chip_rect(current)
        assert strip.chip_area().contains(rect)
        text = strip.chip_text(current)
        assert strip.fontMetrics().horizontalAdvance(text) < rect.width()
        assert len(text) <= 5  # "Fwd 0" or "F0", "Loss" or "L", "Upd" or "U": never "Backward 1"
    assert strip.current.label == "Update"
    assert -1 not in strip.visible_chips()  # "Start" scrolled out of view


def test_the_scroll_arrows_and_the_wheel_move_the_chips(qtbot) -> None:
    controller, strip = make_strip(qtbot)
    strip.host_window.resize(260, 44)
    qtbot.waitUntil(lambda: strip.width() == 260)
    shown = strip.visible_chips()
    assert shown.start == -1
    right = strip.chip_area().right() + 4
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(int(right), strip.height() // 2))
    assert strip.visible_chips().start == shown.start + 1
    assert controller.snapshot().stage == 0  # an arrow scrolls, it does not step
    strip.scroll_chips(-5)
    assert strip.visible_chips() == shown
    # a click on a shown chip still runs to it
    last = strip.visible_chips()[-1]
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.chip_rect(last).center().toPoint())
    assert controller.snapshot().stage == last + 1
