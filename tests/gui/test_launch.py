"""Launch does only what the first paint shows: hidden inspector tabs are built on first show."""

from __future__ import annotations

from gui.main_window import MainWindow


def test_only_the_visible_inspector_tab_is_built_at_launch(qtbot, window: MainWindow) -> None:
    inspector = window.inspector
    assert list(inspector._built) == ["matrices"]
    assert inspector.tabs.count() == 4
    inspector.tabs.setCurrentIndex(1)  # the user opens the Loss tab: built and drawn now
    assert inspector.tabs.currentWidget() is inspector.loss
    assert inspector.tabs.currentIndex() == 1
    xs, _ = inspector.loss.curve.getData()
    assert xs is None or len(xs) == 0
    window.controller.finish_iteration()
    xs, _ = inspector.loss.curve.getData()
    assert list(xs) == [0]
    assert set(inspector._built) == {"matrices", "loss"}
    assert [inspector.tabs.tabText(i) for i in range(4)] == [
        "Matrices",
        "Loss",
        "Decision boundary",
        "Gradient norms",
    ]
