"""The window from its minimum size to a large screen: the current stage's chip stays in view, the
colour bars keep a size, the docks give way so the network keeps half the area."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, QRect, QRectF, QSettings
from PySide6.QtWidgets import QApplication, QTabBar

from engine import parse_session
from gui.main_window import MainWindow
from tests.gui.conftest import open_window
from tests.helpers import tiny_session_dict

SIZES = [(960, 640), (1920, 1080)]
TANH = {"units": 4, "activation": "tanh"}
OUTPUT = {"units": 1, "activation": "sigmoid"}
# 16 stages: at 960 px their chips do not all fit, even shortened
DEEP = tiny_session_dict(network={"inputs": 2, "init": "xavier_uniform", "layers": [TANH] * 6 + [OUTPUT]})


def settle(window: MainWindow) -> None:
    """Let the window lay itself out (the docks give way on the next turn of the event loop)."""
    for _ in range(3):
        QApplication.processEvents()


@pytest.fixture
def deep_window(qtbot, settings: QSettings) -> Iterator[MainWindow]:
    yield from open_window(qtbot, parse_session(DEEP), settings)


def docks_area(window: MainWindow) -> QRect:
    """The window between its toolbar and its status bar, edge to edge: what the central widget
    and the docks share."""
    top = window.toolbar.geometry().bottom() + 1
    bottom = window.statusBar().geometry().top()
    return QRect(0, top, window.width(), bottom - top)


def resized(window: MainWindow, size: tuple[int, int]) -> MainWindow:
    window.resize(*size)
    settle(window)
    assert (window.width(), window.height()) == size
    return window


@pytest.mark.parametrize("size", SIZES)
def test_the_current_stage_chip_is_in_view_at_every_stage(deep_window: MainWindow, size) -> None:
    window = resized(deep_window, size)
    strip = window.stage_strip
    visible = QRectF(strip.visibleRegion().boundingRect())
    assert visible == QRectF(strip.rect())  # nothing of the strip is covered or cut off
    assert strip.scrolled == (size[0] < 1000)  # the small window does have to scroll
    seen = []
    for _ in range(len(strip.stages) + 1):  # F10 through the iteration and into the next one
        chip = strip.done - 1  # -1: "Start", before the first stage
        rect = strip.chip_rect(chip)
        area = strip.chip_area().adjusted(-1e-6, 0, 1e-6, 0)  # the chips' widths are float sums
        assert area.contains(rect), (strip.current, rect)
        assert chip in strip.visible_chips()
        assert strip.fontMetrics().horizontalAdvance(strip.chip_text(chip)) < rect.width()
        seen.append("Start" if strip.current is None else strip.current.label)
        window.run_controls.step_action.trigger()
        settle(window)
    assert seen[-5:] == ["Backward 3", "Backward 2", "Backward 1", "Backward 0", "Update"]
    assert len(seen) == 17  # Start and the 16 stages


@pytest.mark.parametrize("size", SIZES)
def test_both_colour_bars_keep_a_size(window: MainWindow, size) -> None:
    resized(window, size)
    for bar in (window.network_view.edge_bar, window.network_view.node_bar):
        assert bar.isVisible()
        assert not bar.visibleRegion().isEmpty()
        assert bar.width() > 0
        assert bar.height() >= bar.minimumHeight() > 3 * bar.fontMetrics().height()
        parts = bar.parts()
        assert parts.bar is not None  # the gradient itself, not its title alone
        assert parts.bar.height() > 0


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("opened_at", [None, (1920, 1080)])
def test_the_network_keeps_half_the_area(window: MainWindow, size, opened_at) -> None:
    if opened_at is not None:  # the user shrinks a large window: the docks must give way
        resized(window, opened_at)
    resized(window, size)
    area = docks_area(window)
    network = window.network_view
    assert network.width() >= area.width() / 2
    assert network.height() >= area.height() / 2
    assert network.plot.width() > 0.35 * area.width()  # the drawing, beside its colour bars


def test_the_configuration_collapses_to_a_button_in_a_small_window(window: MainWindow) -> None:
    resized(window, (1920, 1080))
    assert window.config_dock.isVisible()
    assert not window.docks.bar.isVisible()
    resized(window, (960, 640))
    assert not window.config_dock.isVisible()
    assert window.docks.bar.isVisible()
    button = window.docks.bar.buttons["ConfigurationDock"]
    assert button.height() > button.width()  # its title reads along the window's edge
    button.click()
    settle(window)
    assert window.config_dock.isVisible()
    assert button.isChecked()
    button.click()
    settle(window)
    assert not window.config_dock.isVisible()
    resized(window, (1920, 1080))  # large again: the panel is back where it was
    assert window.config_dock.isVisible()
    assert not window.docks.bar.isVisible()


def test_a_configuration_hidden_by_the_user_stays_hidden_after_a_small_window(window: MainWindow) -> None:
    resized(window, (1920, 1080))
    window.config_dock.toggleViewAction().trigger()
    assert not window.config_dock.isVisible()
    resized(window, (960, 640))
    resized(window, (1920, 1080))
    assert not window.config_dock.isVisible()


def test_no_tab_bar_covers_the_configuration_footer(window: MainWindow) -> None:
    """The Your Code dock, hidden until a debug, once left its tab bar over the configuration."""
    resized(window, (960, 640))
    window.docks.bar.buttons["ConfigurationDock"].click()
    settle(window)
    dock = window.config_dock.geometry()
    bars = [b for b in window.findChildren(QTabBar) if b.isVisible() and b.parent() is window]
    assert not [b.tabText(0) for b in bars if b.geometry().intersects(dock)]
    footer = window.config_panel.apply_button
    assert not footer.visibleRegion().isEmpty()


@pytest.mark.parametrize("reopened_at", [(960, 640), (1920, 1080)])
def test_a_configuration_collapsed_at_closing_comes_back_in_a_large_window(
    qtbot, settings: QSettings, reopened_at
) -> None:
    config = parse_session(tiny_session_dict())
    for window in open_window(qtbot, config, settings):
        resized(window, (960, 640))
        assert window.docks.collapsed
    # closed small (the configuration hidden by the collapse), opened again: small, then large
    for window in open_window(qtbot, config, settings):
        resized(window, reopened_at)
        resized(window, (1920, 1080))
        assert window.config_dock.isVisible()
        assert not window.docks.bar.isVisible()


def test_the_docks_get_back_what_they_gave_when_the_window_grows(window: MainWindow) -> None:
    resized(window, (1920, 1080))
    chain, inspector = window.chain_dock.width(), window.inspector_dock.height()
    resized(window, (960, 640))
    assert window.inspector_dock.height() < inspector  # gave way to the network
    resized(window, (1920, 1080))
    assert window.chain_dock.width() == chain
    assert window.inspector_dock.height() == inspector


@pytest.mark.parametrize("spec", ["example:xor", "example:tour-every-number"])
def test_nothing_moves_after_the_first_frame_of_a_launch(qtbot, settings: QSettings, spec: str) -> None:
    """The docks give way to the network, and the Chain rule dock takes its width, before the
    window is first painted: the network is where the first frame drew it once the window has
    settled (it had moved twice in the 0.2 s after it, a dock's width at a time)."""
    from gui.app import create_window

    window = create_window(spec, settings)
    at_first_paint: list[QRect] = []

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not at_first_paint:
                at_first_paint.append(window.network_view.geometry())
            return False

    spy = FirstPaint()
    window.network_view.plot.viewport().installEventFilter(spy)
    window.show()
    qtbot.waitUntil(lambda: bool(at_first_paint))
    qtbot.wait(300)  # the layout's own timers have run
    try:
        assert window.network_view.geometry() == at_first_paint[0]
        area = docks_area(window)
        assert window.network_view.width() >= area.width() / 2  # and it has its half
        assert window.network_view.height() >= area.height() / 2
    finally:
        window.controller.mark_unmodified()
        window.close()
        window.deleteLater()


def test_every_matrix_table_is_shown_whole_after_the_network_changes(window: MainWindow) -> None:
    """A walkthrough opened over another network: each computed table of the Matrices tab gets
    the height of its rows (a 1 x 2 table had kept the height of the note laid out before it)."""
    window.open_spec("example:tour-tutorial-004")
    window.controller.goto_step(9)  # after Backward 0: W, b, their gradients, z, a computed
    settle(window)
    tab = window.inspector.matrices
    shown = [view for view in tab.views.values() if not view.is_pending and view.isVisible()]
    assert len(shown) >= 4
    for view in shown:
        assert view.stack.height() >= view.table.height(), view.caption.text()
        assert view.height() >= view.minimumSizeHint().height(), view.caption.text()
