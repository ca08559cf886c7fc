"""Notebook displays are the command line's text, escaped and typeset; engine.show launches
the window in a process of its own."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import engine
from engine import GradstepError, Session, parse_parameter, parse_session
from engine.cli import main
from engine.files.examples import resolve
from engine.files.session_file import load_session_config
from engine.notebook import session_text, text_html, text_markdown
from tests.engine.debug.conftest import CORPUS, report_of
from tests.helpers import tiny_session_dict


def _pre(markup: str) -> str:
    (body,) = re.findall(r"<pre[^>]*>(.*?)</pre>", markup, flags=re.S)
    assert "<" not in body  # everything inside is escaped text
    return html.unescape(body)


def _fenced(markdown: str) -> str:
    (body,) = re.findall(r"```text\n(.*?)\n```", markdown, flags=re.S)
    return body


def test_a_chain_explanation_shows_what_gradstep_chain_prints(capsys) -> None:
    assert main(["chain", "example:xor", "--weight", "0:0:1"]) == 0
    printed = capsys.readouterr().out
    session = Session(resolve("example:xor"))
    explanation = session.explain(parse_parameter("0:0:1", bias=False), session.iteration_record(0))
    assert _pre(explanation._repr_html_()) + "\n" == printed
    markdown = explanation._repr_markdown_()
    assert _fenced(markdown) + "\n" == printed
    assert f"$$\n{explanation.to_latex()}\n$$" in markdown
    assert "W[0][0,1]" in html.unescape(explanation._repr_html_())


def test_a_session_shows_its_run_line_and_cursor() -> None:
    session = Session(parse_session(tiny_session_dict(title="<b>mine</b> & co")))
    for _ in range(3):
        session.step()
    text = session_text(session)
    assert text.splitlines()[0] == "<b>mine</b> & co: 1000 iterations, half_sse loss, sgd lr 0.5, 4 samples"
    assert "iteration 0, 3 of 6 stages done (next: Backward 1)" in text
    loss = session.record().loss.loss
    assert f"iteration 0  loss {loss!r}" in text
    markup = session._repr_html_()
    assert "<b>mine</b>" not in markup  # escaped, never markup of its own
    assert "&lt;b&gt;mine&lt;/b&gt; &amp; co" in markup
    assert _pre(markup) == text
    assert _fenced(session._repr_markdown_()) == text
    assert session._repr_markdown_().startswith("**Gradstep session \\<b\\>mine\\</b\\> & co**")


def test_a_debug_report_shows_what_gradstep_debug_prints() -> None:
    report = report_of("mistake_wrong_sign.py")
    assert _pre(report._repr_html_()) == report.to_text()
    assert _fenced(report._repr_markdown_()) == report.to_text()
    assert str(CORPUS / "mistake_wrong_sign.py") in html.unescape(report._repr_html_())


def test_text_with_a_fence_in_it_gets_a_longer_fence() -> None:
    markdown = text_markdown("t", "a\n```\nb")
    assert markdown.startswith("**t**\n\n````text\n")
    assert markdown.endswith("\n````\n")
    assert text_html("a<b", "x & y") == (
        '<div class="gradstep"><p><strong>a&lt;b</strong></p>'
        '<pre style="font-family: monospace; white-space: pre; overflow-x: auto; line-height: 1.35">'
        "x &amp; y</pre></div>"
    )


class _Launches:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, command: list[str], **kwargs: Any) -> str:
        self.calls.append((command, kwargs))
        return "process"


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch) -> _Launches:
    fake = _Launches()
    monkeypatch.setattr(subprocess, "Popen", fake)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    return fake


def test_show_saves_the_session_as_it_stands_and_opens_that(launches: _Launches) -> None:
    session = Session(parse_session(tiny_session_dict(title="shown")))
    session.run_iterations(3)
    assert engine.show(session) == "process"
    ((command, kwargs),) = launches.calls
    assert command[1:3] == ["-m", "engine.cli"]
    path = Path(command[-1])
    assert path.name == "shown.gradstep.json"
    assert kwargs["start_new_session"] is True
    assert kwargs["stdin"] == subprocess.DEVNULL
    try:
        loaded = Session(load_session_config(path))
    finally:
        shutil.rmtree(path.parent)  # show's temporary folder
    assert loaded.iteration == 3
    for mine, theirs in zip(loaded.params, session.params, strict=True):
        assert (mine.weights == theirs.weights).all()


def test_show_passes_files_and_examples_and_a_new_window_on_request(launches: _Launches, tmp_path) -> None:
    path = tmp_path / "s.gradstep.json"
    Session(parse_session(tiny_session_dict())).save(path)
    engine.show(path)
    engine.show("example:moons", new_window=True)
    assert [c[0][3:] for c in launches.calls] == [[str(path.resolve())], ["--new-instance", "example:moons"]]


def test_show_refuses_a_missing_file_and_no_display(launches: _Launches, tmp_path, monkeypatch) -> None:
    with pytest.raises(GradstepError, match="no such file"):
        engine.show(tmp_path / "missing.json")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(GradstepError, match="no display"):
        engine.show("example:xor")
    assert launches.calls == []
