"""Gradstep in a Jupyter notebook: rich displays of the engine's objects, and the window.

A session, a chain-rule explanation and a debug report show in a notebook as the text the
command line prints for them, typeset (``_repr_html_``: a heading and the text, HTML-escaped;
``_repr_markdown_``: the same, with a chain rule's LaTeX as display math). :func:`show` opens
the window on a session in a process of its own, so Qt never runs inside the kernel.
Jupyter is not a dependency: these are plain methods Jupyter looks for.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import GradstepError

if TYPE_CHECKING:
    from engine.core.config import SessionConfig
    from engine.history.session import Session

_PRE_STYLE = "font-family: monospace; white-space: pre; overflow-x: auto; line-height: 1.35"


def text_html(title: str, text: str) -> str:
    """``text`` as a notebook shows it: a bold heading, then the text as preformatted HTML."""
    return (
        f'<div class="gradstep"><p><strong>{html.escape(title)}</strong></p>'
        f'<pre style="{_PRE_STYLE}">{html.escape(text)}</pre></div>'
    )


def text_markdown(title: str, text: str, latex: str | None = None) -> str:
    """``text`` as Markdown: a bold heading, display math when given, the text fenced."""
    fence = "````" if "```" in text else "```"
    math = f"$$\n{latex}\n$$\n\n" if latex else ""
    return f"**{_markdown_escape(title)}**\n\n{math}{fence}text\n{text}\n{fence}\n"


def _markdown_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#|$" else ch for ch in text)


def session_text(session: Session) -> str:
    """What a session is and where its cursor stands, in the words of ``gradstep run``."""
    config = session.config
    activations = ", ".join(layer.activation for layer in config.layers)
    lines = [
        f"{config.title or 'session'}: {config.iterations} iterations, {config.loss} loss, "
        f"{config.optimizer.name} lr {config.optimizer.learning_rate:g}, {config.x.shape[0]} samples",
        f"network {'-'.join(str(n) for n in config.sizes)} ({activations})",
        f"iteration {session.iteration}, {session.stage} of {len(session.stages)} stages done"
        + (f" (next: {session.next_stage.label})" if session.stage < len(session.stages) else ""),
    ]
    latest = session.last_loss()
    if latest is not None:
        lines.append(f"iteration {latest[0]}  loss {latest[1]!r}")
    return "\n".join(lines)


def session_title(session: Session) -> str:
    """The heading of a session's display."""
    return f"Gradstep session {session.config.title}".rstrip()


def show(
    source: Session | SessionConfig | str | os.PathLike[str], *, new_window: bool = False
) -> subprocess.Popen[bytes]:
    """Open the Gradstep window on ``source`` in a process of its own; returns that process.

    Parameters
    ----------
    source
        A :class:`~engine.Session` (saved, at its current iteration, to a temporary
        ``.gradstep.json`` the window opens), a session configuration, or a session or
        walkthrough file, or ``"example:NAME"``.
    new_window
        Always a new window; by default a Gradstep already running for this user opens it
        (the process then exits at once).

    Raises
    ------
    GradstepError
        When the file does not exist, or there is no display to show a window on.
    """
    spec = _spec(source)
    if sys.platform.startswith("linux") and not any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    ):
        raise GradstepError("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set)")
    command = [sys.executable, "-m", "engine.cli", *(["--new-instance"] if new_window else []), spec]
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # the kernel's interrupt does not close the window
    )


def _spec(source: Session | SessionConfig | str | os.PathLike[str]) -> str:
    from engine.core.config import SessionConfig
    from engine.history.session import Session

    if isinstance(source, SessionConfig):
        source = Session(source)
    if isinstance(source, Session):
        folder = Path(tempfile.mkdtemp(prefix="gradstep-show-"))
        name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in source.config.title)
        path = folder / f"{name.strip('-') or 'session'}.gradstep.json"
        source.save(path)
        return str(path)
    spec = os.fspath(source)
    if spec.startswith("example:"):
        return spec
    if not Path(spec).is_file():
        raise GradstepError(f"{spec}: no such file")
    return str(Path(spec).resolve())
