"""Application set-up for ``gradstep [SESSION]``: name, organisation, icon, and the window."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from engine import GradstepError, SessionConfig, __version__
from engine.core import threads
from engine.desktop.paths import ICON_DIR, ICON_SIZES, png_icon
from engine.files.examples import resolve_any
from engine.files.walkthrough import Walkthrough

if TYPE_CHECKING:
    from gui.main_window import MainWindow

ICON_PATH = ICON_DIR / "gradstep.svg"
DEFAULT_SPEC = "example:xor"
EXIT_BAD_INPUT = 2
AFTER_FIRST_FRAME_MS = 200  # what waits for the first frame comes this long after the window is shown


def app_icon() -> QIcon:
    """The icon the desktop entry installs: the PNG renderings at their sizes, the SVG at any
    other."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(png_icon(size)), QSize(size, size))
    icon.addFile(str(ICON_PATH))
    return icon


def create_app() -> QApplication:
    """The QApplication, named so QSettings and the desktop find Gradstep."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Gradstep")
    app.setOrganizationName("Gradstep")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("gradstep")
    app.setWindowIcon(app_icon())
    return app


def _source(spec: str) -> tuple[SessionConfig | Walkthrough, Path | None]:
    """What ``spec`` names, and the session file to save back to (none for examples and
    walkthroughs)."""
    source = resolve_any(spec)
    path = None if spec.startswith("example:") or isinstance(source, Walkthrough) else Path(spec)
    return source, path


def load_spec(spec: str | None) -> tuple[SessionConfig, Path | None]:
    """The session ``spec`` names (a file or example:NAME; a walkthrough opens its session)."""
    source, path = _source(spec or DEFAULT_SPEC)
    return (source.session if isinstance(source, Walkthrough) else source), path


def create_window(spec: str | None, settings: QSettings | None = None) -> MainWindow:
    """A window on ``spec``: a session, or a walkthrough in tutorial mode. Raises GradstepError."""
    from gui.main_window import MainWindow

    create_app()
    spec = spec or DEFAULT_SPEC
    source, path = _source(spec)
    if isinstance(source, Walkthrough):
        window = MainWindow(source.session, None, settings)
        window.play_walkthrough(source)
        return window
    window = MainWindow(source, path, settings)
    if spec.startswith("example:"):
        window.set_example_title(spec.removeprefix("example:"))
    return window


def run_app(spec: str | None, new_instance: bool = False, resume_collector: bool = False) -> int:
    """Open the window on ``spec`` (default: the XOR example) and run until it closes.

    A file or example is handed to the Gradstep already running for this user, if there is one,
    and a plain launch brings that one to the front (unless ``new_instance``); otherwise this
    window listens for later launches. ``resume_collector``: the command line turned Python's
    cycle collector off for the launch, and the window turns it on once its first frame is up.
    """
    from gui.single_instance import InstanceServer  # QtNetwork: not needed to paint a window

    app = create_app()
    if not new_instance and _handed_to_running(spec):
        return 0
    try:
        window = create_window(spec)
    except GradstepError as exc:
        print(f"gradstep: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    server = InstanceServer(parent=window)
    if not new_instance and server.listen():
        server.file_received.connect(lambda path: open_in_front(window, path))
        server.raise_requested.connect(lambda: bring_to_front(window))
    window.show()
    QTimer.singleShot(AFTER_FIRST_FRAME_MS, lambda: _after_first_frame(resume_collector))
    return app.exec()


def _after_first_frame(resume_collector: bool) -> None:
    """What the launch leaves until the first frame is up (a zero timer may come before the
    window's first paint): until then the window has only built the session, and no stage has run."""
    if resume_collector:
        # Its first pass goes over what the launch made, 20 to 30 ms here, in place of the
        # launch's 100 passes (a freeze would spare it, but would also keep the first session
        # for good once it is replaced, were it in a cycle).
        gc.enable()
    threads.apply_chosen()  # the BLAS thread count the command line chose (threads.remember)


def _handed_to_running(spec: str | None) -> bool:
    """Whether the Gradstep already running took this launch: it opens the file or example,
    or (a plain launch) comes to the front."""
    from gui.single_instance import hand_over, raise_running

    if spec is None:
        if raise_running():
            print("gradstep: brought the Gradstep already running to the front")
            return True
        return False
    is_example = spec.startswith("example:")
    if not is_example and not Path(spec).is_file():
        return False  # the window says what is wrong with it
    if hand_over(spec if is_example else str(Path(spec).resolve())):
        print(f"gradstep: opened {spec} in the Gradstep already running")
        return True
    return False


def bring_to_front(window: MainWindow) -> None:
    if window.isMinimized():
        window.showNormal()
    window.raise_()
    window.activateWindow()


def open_in_front(window: MainWindow, path: str) -> None:
    """Open ``path`` as File › Open would (a bad file is a dialog) and bring the window up."""
    bring_to_front(window)
    window.open_spec(path)
