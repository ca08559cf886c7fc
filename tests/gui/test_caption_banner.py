"""The caption banner: a long caption scrolls within a quarter of the window's centre, a long
title is elided, a step without a caption shows none (issue 12.4, 12.7, 12.12)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from engine import ParameterRef, parse_session
from engine.files.walkthrough import Step, Walkthrough
from gui.main_window import MainWindow
from tests.helpers import tiny_session_dict

LONG_CAPTION = ("**Bold** words, `code` and the slope $\\sigma'(z) = a(1 - a)$ of a sigmoid unit. " * 22)[
    :1549
]
LONG_TITLE = "A walkthrough whose title goes on " * 8


def _walkthrough(title: str = "Short") -> Walkthrough:
    steps = (
        Step("step", caption=LONG_CAPTION),
        Step("select", parameter=ParameterRef(0, 0, 0)),
        Step("step"),
    )
    return Walkthrough(title, parse_session(tiny_session_dict()), steps)


def _settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def test_a_long_caption_scrolls_and_leaves_the_network_its_room(window: MainWindow) -> None:
    window.play_walkthrough(_walkthrough())
    window.controller.next_step()
    banner = window.caption_banner
    for width, height in ((1400, 900), (1024, 700)):
        window.resize(width, height)
        _settle()
        central = window.centralWidget().height()
        assert banner.height() <= 0.26 * central, (width, banner.height(), central)
        assert banner.caption_area.verticalScrollBar().maximum() > 0  # the rest of the caption scrolls
        assert window.network_view.height() >= 0.45 * central
        leave = banner.leave_button
        assert leave.isVisible()
        assert leave.geometry().right() <= banner.width()  # "Leave Tutorial" is not clipped
        assert leave.width() >= leave.sizeHint().width()


def test_captions_render_markdown_with_math_in_unicode(window: MainWindow) -> None:
    window.play_walkthrough(_walkthrough())
    window.controller.next_step()
    text = window.caption_banner.caption.text()
    assert "σ′(z) = a(1 − a)" in text
    assert "$" not in text


def test_a_step_without_a_caption_shows_none(window: MainWindow) -> None:
    window.play_walkthrough(_walkthrough())
    window.controller.goto_step(1)
    banner = window.caption_banner
    assert "no caption" not in banner.caption.text()
    assert not banner.caption_area.isVisibleTo(banner)
    items = [window.walkthrough_panel.steps.item(k).text() for k in range(3)]
    assert items[0].startswith("1. Forward 0")
    assert items[2].startswith("3. Forward 1")


def test_a_long_title_is_elided_and_the_step_list_comes_to_the_front(window: MainWindow) -> None:
    window.resize(1400, 900)
    _settle()
    chain_width = window.chain_dock.width()
    window.play_walkthrough(_walkthrough(LONG_TITLE))
    _settle()
    heading = window.caption_banner.heading
    assert heading.text().endswith("…")
    assert heading.toolTip() == LONG_TITLE
    assert window.chain_dock.width() >= min(chain_width, 300)
    assert window.walkthrough_dock.width() >= 300
    assert not window.walkthrough_dock.visibleRegion().isEmpty()  # the step list, in front
    assert window.chain_dock.visibleRegion().isEmpty()
