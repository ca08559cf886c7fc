"""File > Check my code and Debug > Teaching Mode: the window side of ``engine.learner.check`` and
``engine.core.mistakes``.

The check runs the learner's file in a subprocess and can take seconds, so it goes on a worker
thread; its report (every number, the marks included) comes from the engine, and this module
only hands it to the network view, the chain-rule panel and a result dialog. A running check
can be cancelled (the busy indicator's Cancel, Escape, or closing the window), which kills the
learner's process.
"""

from __future__ import annotations

import dataclasses
import html
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine import GradstepError, ParameterRef, SessionConfig
from engine.core.mistakes import MISTAKES, applicable
from engine.learner.check import CheckCancelled, CheckReport, check_code
from gui.formatting import FAIL_COLOR, PASS_COLOR

DEFAULT_ITERATIONS = 5
DEFAULT_TIMEOUT = 20.0
CODE_FILTER = "Python files (*.py);;All files (*)"
TEACHING_COLOR = FAIL_COLOR
MARK_COLOR = "#d000d0"  # the network view's mark of a disagreeing gradient
INITIAL_NOTE = (
    "The check starts from the session's initial parameters (where Reset takes the network), "
    "not from the iteration the debugger is at, and compares plain full-batch gradient-descent steps."
)
CLOSE_WAIT_MS = 3000  # how long closing the window waits for a cancelled check's thread
# threads of checks still ending when their window closed: a QThread destroyed while it runs
# aborts Python, so they are kept until the process ends (rare: the learner's process is killed)
_ORPHANS: list[tuple[QThread, QObject]] = []


class _CheckWorker(QObject):
    """Runs :func:`engine.learner.check.check_code` off the GUI thread."""

    # each signal carries the worker, so the window can tell a stale answer from the current one
    finished = Signal(object, object)  # (worker, CheckReport)
    failed = Signal(object, str)  # (worker, message)
    cancelled = Signal(object)  # (worker)

    def __init__(self, code: Path, config: SessionConfig, iterations: int, timeout: float) -> None:
        super().__init__()
        self._code = code
        self._config = config
        self._iterations = iterations
        self._timeout = timeout
        self.cancel_event = threading.Event()  # set from the GUI thread; the engine polls it

    @Slot()
    def run(self) -> None:
        try:
            report = check_code(
                self._code, self._config, self._iterations, self._timeout, cancel=self.cancel_event.is_set
            )
        except CheckCancelled:
            self.cancelled.emit(self)
            return
        except (GradstepError, OSError) as exc:
            self.failed.emit(self, str(exc))
            return
        except Exception as exc:  # a thread must always answer, or the window waits forever
            self.failed.emit(self, f"the check itself failed: {type(exc).__name__}: {exc}")
            return
        self.finished.emit(self, report)


class CheckDialog(QDialog):
    """Which file to check, for how many iterations, within how long."""

    def __init__(self, parent: QWidget, path: str, start_dir: str, iterations: int, timeout: float) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check my code")
        self._start_dir = start_dir
        self.path_edit = QLineEdit(path)
        self.path_edit.setPlaceholderText(
            "your .py file with train_step(weights, biases, X, Y, learning_rate)"
        )
        self.path_edit.setMinimumWidth(380)
        self.browse_button = QPushButton("Browse…")
        self.iterations_box = QSpinBox()
        self.iterations_box.setRange(1, 1000)
        self.iterations_box.setValue(iterations)
        self.iterations_box.setToolTip(
            "How many training steps to compare, stopping at the first disagreement"
        )
        self.timeout_box = QDoubleSpinBox()
        self.timeout_box.setRange(1.0, 600.0)
        self.timeout_box.setDecimals(0)
        self.timeout_box.setSuffix(" s")
        self.timeout_box.setValue(timeout)
        self.timeout_box.setToolTip("Your code is stopped after this long (an infinite loop, say)")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("Your code", row)
        form.addRow("Iterations", self.iterations_box)
        form.addRow("Time limit", self.timeout_box)
        intro = QLabel(
            "Gradstep runs your <tt>train_step</tt> (and <tt>gradients</tt>, if you define it) in a "
            "separate process on the session's data, step by step beside the correct computation, "
            "and points at the first number that differs."
        )
        intro.setWordWrap(True)
        note = QLabel(INITIAL_NOTE)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Check")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.browse_button.clicked.connect(self.browse)
        self.buttons.accepted.connect(self._on_accepted)
        self.buttons.rejected.connect(self.reject)

    @property
    def path(self) -> str:
        return self.path_edit.text().strip()

    def browse(self) -> None:
        start = self.path or self._start_dir
        path, _ = QFileDialog.getOpenFileName(self, "Your training step", start, CODE_FILTER)
        if path:
            self.path_edit.setText(path)

    def _on_accepted(self) -> None:
        if not self.path:
            self.browse()
        if self.path:
            self.accept()


class CheckResultPanel(QWidget):
    """The report of the last check: verdict, orientation, diagnosis and the full text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = QLabel()
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.headline.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.clear_button = QPushButton("Clear marks")
        self.clear_button.setToolTip("Remove the marks from the network and the chain-rule panel")
        top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.browser, 1)

    def show_report(self, code: Path, report: CheckReport, marked: tuple[int, int] | None) -> None:
        """Fill in ``report``; ``marked`` is (weights, biases) marked in the network, None if stale."""
        name = html.escape(code.name)
        if report.agrees:
            n = len(report.iterations)
            self.headline.setText(
                f'<b style="color:{PASS_COLOR}; font-size:12pt">✔ {name} agrees with the correct '
                f"computation for {n} iteration{'s' if n != 1 else ''}</b>"
            )
        else:
            last = report.iterations[-1].iteration
            self.headline.setText(
                f'<b style="color:{FAIL_COLOR}; font-size:12pt">✘ {name} disagrees at iteration {last}</b>'
            )
        lines = [f"<b>Note:</b> {html.escape(note)}." for note in report.notes]
        if report.diagnosis is not None:
            if report.diagnosis.matches:
                first, *others = report.diagnosis.matches
                cause = f"<b>Likely cause: {html.escape(first.title)}</b>: {html.escape(first.explanation)}."
                if others:
                    cause += " Also consistent with: " + ", ".join(html.escape(o.title) for o in others) + "."
            elif report.non_finite is not None:
                cause = f"<b>Likely cause:</b> {html.escape(report.non_finite)}."
            else:
                cause = "<b>Likely cause:</b> none of the catalogue's mistakes reproduces your step."
            lines.append(cause)
        if report.gradients is not None:
            source = (
                "implied by your update, (old − new) / learning rate"
                if report.gradients.implied
                else "returned by your <tt>gradients()</tt>"
            )
            if marked is None:
                lines.append(
                    "The session changed while your code was being checked, so nothing is marked: "
                    "check again to mark the network."
                )
            else:
                weights, biases = marked
                lines.append(
                    f'<b style="color:{MARK_COLOR}">Marked in the network</b> (magenta, dashed): '
                    f"{weights} weight{'s' if weights != 1 else ''} and {biases} "
                    f"bias{'es' if biases != 1 else ''} whose gradient ({source}) differs. Click one: "
                    "the Chain rule panel shows yours beside the correct one."
                )
        orientation = f"<b>Orientation detected</b> from the shapes: {html.escape(report.orientation_text)}."
        if report.orientation_note is not None:
            orientation += f" ({html.escape(report.orientation_note)}.)"
        lines.append(orientation)
        lines.append(f'<span style="color:#555">{html.escape(INITIAL_NOTE)}</span>')
        paragraphs = "".join(f"<p>{line}</p>" for line in lines)
        self.browser.setHtml(f"{paragraphs}<pre>{html.escape(report.to_text())}</pre>")


class CheckUi(QObject):
    """Check my code and Teaching Mode, installed into a :class:`gui.main_window.MainWindow`."""

    check_finished = Signal(object)  # CheckReport
    check_failed = Signal(str)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._controller = window.controller  # type: ignore[attr-defined]
        self._settings = window.settings  # type: ignore[attr-defined]
        self._thread: QThread | None = None
        self._worker: _CheckWorker | None = None
        self._checked_config: SessionConfig | None = None
        self._checked_code: Path | None = None
        self.report: CheckReport | None = None
        self.result_panel: CheckResultPanel | None = None
        self.result_dock: QDockWidget | None = None

        self.check_action = QAction("Check &my code…", window)
        self.check_action.setShortcut(QKeySequence("Ctrl+K"))
        self.check_action.setToolTip(
            "Compare your own train_step with the correct computation and name the mistake (Ctrl+K)"
        )
        self.check_action.setStatusTip("Compare your own train_step with the correct computation")
        self.check_action.triggered.connect(self.open_dialog)
        self.clear_action = QAction("C&lear check marks", window)
        self.clear_action.setStatusTip("Remove the marks of the last check from the network")
        self.clear_action.triggered.connect(self.clear)
        self.clear_action.setEnabled(False)
        for action in (self.check_action, self.clear_action):
            window.addAction(action)  # the shortcut works while the menu bar is hidden
        file_menu = _menu(window, "&File")
        anchor = getattr(window, "save_action", None)
        actions = file_menu.actions()
        if anchor in actions and actions.index(anchor) > 0:
            before = actions[actions.index(anchor) - 1]  # the separator above Save
            file_menu.insertSeparator(before)
            file_menu.insertActions(before, [self.check_action, self.clear_action])
        else:
            file_menu.addSeparator()
            file_menu.addActions([self.check_action, self.clear_action])

        self.cancel_action = QAction("Cancel the check", window)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setStatusTip("Stop the running check and your code's process")
        self.cancel_action.setEnabled(False)  # Escape belongs to the rest of the window otherwise
        self.cancel_action.triggered.connect(self.cancel)
        window.addAction(self.cancel_action)
        self.busy = QWidget()  # the busy indicator: a bar that cannot say how far, and Cancel
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the check and your code's process (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        busy_layout = QHBoxLayout(self.busy)
        busy_layout.setContentsMargins(0, 0, 0, 0)
        busy_layout.addWidget(self.busy_bar)
        busy_layout.addWidget(self.cancel_button)
        self.busy.setVisible(False)
        self.teaching_label = QLabel()
        self.teaching_label.setStyleSheet(f"color: {TEACHING_COLOR}; font-weight: 600;")
        self.teaching_label.setVisible(False)
        window.statusBar().addPermanentWidget(self.busy)
        window.statusBar().addPermanentWidget(self.teaching_label)

        self.teaching_menu = QMenu("&Teaching Mode", window)
        self.teaching_menu.setToolTipsVisible(True)
        self.teaching_group = QActionGroup(self)
        self.teaching_group.setExclusive(True)
        self.teaching_actions: dict[str | None, QAction] = {}
        off = self.teaching_menu.addAction("Off (correct backprop)")
        off.setToolTip("The engine computes the correct gradients")
        self.teaching_actions[None] = off
        self.teaching_menu.addSeparator()
        for name, mistake in MISTAKES.items():
            action = self.teaching_menu.addAction(mistake.title)
            action.setToolTip(mistake.explanation)
            self.teaching_actions[name] = action
        for name, action in self.teaching_actions.items():
            action.setCheckable(True)
            action.setData(name)
            self.teaching_group.addAction(action)
            action.triggered.connect(lambda _=False, n=name: self.set_teaching_mistake(n))
        debug = _menu(window, "&Debug")
        debug.addSeparator()
        debug.addMenu(self.teaching_menu)

        self._controller.session_replaced.connect(self._on_session_replaced)
        self._controller.running_changed.connect(self._on_running_changed)
        window.installEventFilter(self)
        self._sync_teaching()

    # ---- check my code ----

    @property
    def checking(self) -> bool:
        return self._thread is not None

    def open_dialog(self) -> None:
        """Ask for the learner's file and options, then run the check."""
        if self.checking:
            self._window.statusBar().showMessage("a check is already running", 5000)
            return
        last = str(self._settings.value("check/last_file", ""))
        start = str(self._settings.value("check/last_dir", "")) or str(Path.home())
        dialog = CheckDialog(
            self._window,
            last,
            start,
            int(self._settings.value("check/iterations", DEFAULT_ITERATIONS)),
            float(self._settings.value("check/timeout", DEFAULT_TIMEOUT)),
        )
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.path:
                return
            path = Path(dialog.path)
            iterations = dialog.iterations_box.value()
            timeout = dialog.timeout_box.value()
        finally:
            dialog.deleteLater()
        self._settings.setValue("check/last_file", str(path))
        self._settings.setValue("check/last_dir", str(path.resolve().parent))
        self._settings.setValue("check/iterations", iterations)
        self._settings.setValue("check/timeout", timeout)
        self.run_check(path, iterations, timeout)

    def run_check(
        self, code: Path, iterations: int = DEFAULT_ITERATIONS, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Check ``code`` against the current session on a worker thread; the window stays live."""
        if self.checking:
            return
        config = self._controller.config
        self._checked_config = config
        self._checked_code = Path(code)
        self._thread = QThread()
        self._worker = _CheckWorker(Path(code), config, iterations, timeout)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._on_check_finished)
        self._worker.failed.connect(self._on_check_failed)
        self._worker.cancelled.connect(self._on_check_cancelled)
        self.check_action.setEnabled(False)
        self.cancel_action.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.busy.setVisible(True)
        self._window.statusBar().showMessage(f"checking {Path(code).name} against the correct computation…")
        self._thread.start()

    def cancel(self) -> None:
        """Ask a running check to stop; its process is killed and the window says so, no dialog."""
        if self._worker is None:
            return
        self._worker.cancel_event.set()
        self.cancel_action.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self._window.statusBar().showMessage("cancelling the check…")

    def shut_down(self, timeout_ms: int = CLOSE_WAIT_MS) -> None:
        """Cancel a running check for good (the window is closing): wait briefly, answer nothing."""
        thread, worker = self._thread, self._worker
        if thread is None or worker is None:
            return
        worker.cancel_event.set()
        self._thread = None
        self._worker = None  # its answer, if one is on its way, is now stale and ignored
        thread.quit()
        if thread.wait(timeout_ms):
            thread.deleteLater()
        else:
            _ORPHANS.append((thread, worker))
        self.busy.setVisible(False)
        self.cancel_action.setEnabled(False)
        self.check_action.setEnabled(not self._controller.running)

    def wait_done(self, timeout_ms: int = 60_000) -> bool:
        """Block until a running check's thread has ended (closing the window)."""
        if self._thread is None:
            return True
        return self._thread.wait(timeout_ms)

    def clear(self) -> None:
        """Remove the last check's marks and its section in the chain-rule panel."""
        self.report = None
        self._window.network_view.set_marks(None)  # type: ignore[attr-defined]
        self._window.chain_panel.set_check(None)  # type: ignore[attr-defined]
        self.clear_action.setEnabled(False)

    def _end_thread(self) -> None:
        assert self._thread is not None
        self._thread.quit()
        self._thread.wait()
        self._thread.deleteLater()
        self._thread = None
        self._worker = None
        self.busy.setVisible(False)
        self.cancel_action.setEnabled(False)
        self.check_action.setEnabled(not self._controller.running)

    @Slot(object, object)
    def _on_check_finished(self, worker: _CheckWorker, report: CheckReport) -> None:
        if worker is not self._worker:
            return  # a check shut down with its window
        self._end_thread()
        code = self._checked_code or Path("your code")
        current = self._checked_config is self._controller.config
        marked: tuple[int, int] | None = None
        if current:
            self.report = report
            g = report.gradients
            self._window.network_view.set_marks(None if g is None else g.marks)  # type: ignore[attr-defined]
            self._window.chain_panel.set_check(report)  # type: ignore[attr-defined]
            self.clear_action.setEnabled(True)
            if g is not None:
                marked = (
                    sum(int(m.weights.sum()) for m in g.marks),
                    sum(int(m.bias.sum()) for m in g.marks),
                )
                first = _first_marked(report)
                if first is not None:
                    self._controller.select(first)
                dock = getattr(self._window, "chain_dock", None)
                if dock is not None:
                    dock.show()
                    dock.raise_()
        panel = self._show_result_dock()
        panel.show_report(code, report, marked)
        verdict = "agrees" if report.agrees else "disagrees: see the marked edges"
        self._window.statusBar().showMessage(f"check of {code.name}: {verdict}", 10000)
        self.check_finished.emit(report)

    def _show_result_dock(self) -> CheckResultPanel:
        """The result dock, made on first use (beside the inspector) and brought to the front."""
        if self.result_panel is None or self.result_dock is None:
            self.result_panel = CheckResultPanel()
            self.result_panel.clear_button.clicked.connect(self.clear)
            dock = QDockWidget("Check my code", self._window)
            dock.setObjectName("CheckDock")  # saveState/restoreState find docks by object name
            dock.setWidget(self.result_panel)
            self._window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            inspector = getattr(self._window, "inspector_dock", None)
            if isinstance(inspector, QDockWidget) and not inspector.isFloating():
                self._window.tabifyDockWidget(inspector, dock)
            self.result_dock = dock
        self.result_dock.show()
        self.result_dock.raise_()
        return self.result_panel

    @Slot(object)
    def _on_check_cancelled(self, worker: _CheckWorker) -> None:
        if worker is not self._worker:
            return
        self._end_thread()
        self._window.statusBar().showMessage("check cancelled: your code was stopped", 8000)

    @Slot(object, str)
    def _on_check_failed(self, worker: _CheckWorker, message: str) -> None:
        if worker is not self._worker:
            return
        self._end_thread()
        self._window.statusBar().showMessage("the check could not run", 8000)
        QMessageBox.critical(self._window, "Cannot check your code", message)
        self.check_failed.emit(message)

    # ---- teaching mode ----

    def set_teaching_mistake(self, name: str | None) -> None:
        """Rebuild the session with catalogue mistake ``name`` switched on (None: correct backprop)."""
        config = self._controller.config
        if name == config.mistake:
            self._sync_teaching()
            return
        try:
            self._controller.apply_config(dataclasses.replace(config, mistake=name))
        except GradstepError as exc:
            QMessageBox.critical(self._window, "Cannot switch teaching mode", str(exc))
            self._sync_teaching()
            return
        if name is None:
            self._window.statusBar().showMessage(
                "teaching mode off: the engine computes correct gradients", 8000
            )
        else:
            self._window.statusBar().showMessage(
                f"teaching mode: the engine now makes the mistake '{MISTAKES[name].title}' on purpose", 10000
            )

    def _sync_teaching(self) -> None:
        config = self._controller.config
        sizes = config.sizes
        activations = tuple(layer.activation for layer in config.layers)
        for name, action in self.teaching_actions.items():
            reason = None if name is None else applicable(name, sizes, activations, config.loss)
            action.setEnabled(reason is None)
            action.setToolTip(
                ("The engine computes the correct gradients" if name is None else MISTAKES[name].explanation)
                + ("" if reason is None else f"\n(not for this network: {reason})")
            )
        current = self.teaching_actions.get(config.mistake)
        if current is not None:
            current.setChecked(True)
        if config.mistake is None:
            self.teaching_label.setVisible(False)
            self.teaching_label.setText("")
        else:
            mistake = MISTAKES[config.mistake]
            self.teaching_label.setText(f"⚠ teaching mode: {mistake.title}")
            self.teaching_label.setToolTip(
                f"The engine makes this mistake on purpose: {mistake.explanation}.\n"
                "Its gradients and updates are NOT correct. Debug > Teaching Mode > Off restores them."
            )
            self.teaching_label.setVisible(True)

    # ---- handlers ----

    def _on_session_replaced(self) -> None:
        self.clear()
        self._sync_teaching()

    def _on_running_changed(self, running: bool) -> None:
        self.check_action.setEnabled(not running and not self.checking)
        self.teaching_menu.setEnabled(not running)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._window and event.type() == QEvent.Type.Close:
            # a running QThread must not be destroyed with the window, nor answer after it
            self.shut_down()
        return False


def _menu(window: QMainWindow, title: str) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if action.text() == title and isinstance(menu, QMenu):
            return menu
    return window.menuBar().addMenu(title)


def _first_marked(report: CheckReport) -> ParameterRef | None:
    """The marked parameter nearest the output: the backward pass's first wrong number."""
    g = report.gradients
    if g is None:
        return None
    for layer in range(len(g.marks) - 1, -1, -1):
        weights = np.argwhere(g.marks[layer].weights)
        if weights.size:
            return ParameterRef(layer, int(weights[0, 0]), int(weights[0, 1]))
        biases = np.flatnonzero(g.marks[layer].bias)
        if biases.size:
            return ParameterRef(layer, int(biases[0]), None)
    return None


def install(window: QMainWindow) -> CheckUi:
    """Add File > Check my code… and Debug > Teaching Mode to ``window``."""
    return CheckUi(window)
