"""Exported frames look like the window: GIF frames equal their PNG frames, a long caption
leaves the network at least half of the frame (issue 12.3, 12.4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from engine import ParameterRef, parse_session
from engine.files.examples import resolve_walkthrough_path
from engine.files.walkthrough import Step, Walkthrough, load_walkthrough
from gui.export import export_walkthrough, render_frames
from tests.helpers import tiny_session_dict

LONG_CAPTION = (
    "**The hidden layer's gradient.** Each hidden unit receives the output's error through the "
    "weight that connects them: `dl/da = sum_k w_kj * delta_k`, then multiplies it by the slope "
    "of its own sigmoid, $\\sigma'(z) = a(1 - a)$. "
) * 10


def test_each_gif_frame_matches_its_png_frame(qtbot, tmp_path: Path) -> None:
    walkthrough = load_walkthrough(resolve_walkthrough_path("tour-every-number"))
    walkthrough = Walkthrough(walkthrough.title, walkthrough.session, walkthrough.steps[:8])
    size = (480, 320)
    assert export_walkthrough(walkthrough, tmp_path / "frames", size) == 0
    assert export_walkthrough(walkthrough, tmp_path / "tour.gif", size) == 0
    with Image.open(tmp_path / "tour.gif") as gif:
        assert gif.n_frames == len(walkthrough.steps)
        for k in range(gif.n_frames):
            gif.seek(k)
            ours = np.asarray(gif.convert("RGB")).astype(int)
            with Image.open(tmp_path / "frames" / f"step-{k + 1:03d}.png") as png:
                theirs = np.asarray(png.convert("RGB")).astype(int)
            error = np.abs(ours - theirs).mean()
            assert error < 2, (k + 1, error)


def test_a_long_caption_leaves_the_network_half_the_frame(qtbot) -> None:
    steps = (Step("step", caption=LONG_CAPTION), Step("select", parameter=ParameterRef(0, 0, 0)))
    walkthrough = Walkthrough("Long", parse_session(tiny_session_dict()), steps)
    for size in ((960, 640), (1366, 768), (1920, 1080)):
        heights: list[float] = []

        def measure(index: int, image: object, results: object, heights: list[float] = heights) -> None:
            from PySide6.QtWidgets import QApplication

            (window,) = [
                w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow" and w.isVisible()
            ]
            view = window.network_view  # type: ignore[attr-defined]
            heights.append(view.height() / window.height())

        render_frames(walkthrough, size, measure)
        assert heights
        assert all(share >= 0.5 for share in heights), (size, heights)


def test_frame_exports_warn_in_the_markdown_exports_words(qtbot, tmp_path: Path) -> None:
    import io

    from engine.explain.worked import walkthrough_markdown

    steps = (
        Step("step", expect={"loss": 1.0}),
        Step("select", parameter=ParameterRef(1, 0, 0), expect={"gradient": 0.5}),
    )
    walkthrough = Walkthrough("Wrong", parse_session(tiny_session_dict()), steps)
    err = io.StringIO()
    assert export_walkthrough(walkthrough, tmp_path / "frames", (480, 320), err) == 0
    from_markdown: list[str] = []
    walkthrough_markdown(walkthrough, from_markdown.append)
    lines = [line for line in err.getvalue().splitlines() if line.startswith("warning:")]
    assert (
        lines
        == from_markdown
        == [
            "warning: step 1: loss: recorded 1, computed nothing",
            "warning: step 2: gradient: recorded 0.5, computed nothing",
        ]
    )
