"""Watch the learner's file and say, once per save, that it changed.

Editors save in different ways: some write the file in place, others write a new file and
rename it over the old one (the watched file is then gone, and a path must be watched again).
Watching the folder as well catches both; a short debounce turns an editor's burst of writes
into one change, and a change is only reported when the file's size or time differs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

DEBOUNCE_MS = 300


class FileWatch(QObject):
    """Emits ``changed`` after ``path`` was saved (whatever way the editor saves it)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._path: Path | None = None
        self._stamp: tuple[int, int] | None = None
        self._watcher.fileChanged.connect(self._on_something_changed)
        self._watcher.directoryChanged.connect(self._on_something_changed)
        self._timer.timeout.connect(self._on_settled)

    @property
    def path(self) -> Path | None:
        return self._path

    def watch(self, path: Path | None) -> None:
        """Watch ``path`` (None: stop watching)."""
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)
        self._timer.stop()
        self._path = None if path is None else Path(path).resolve()
        self._stamp = None
        if self._path is not None:
            self._watcher.addPath(str(self._path.parent))
            self._rewatch()

    def _rewatch(self) -> None:
        """Watch the file itself again (an editor that renames a new file over it drops it)."""
        path = self._path
        if path is not None and path.exists() and str(path) not in self._watcher.files():
            self._watcher.addPath(str(path))
        self._stamp = _stamp(path) if self._stamp is None else self._stamp

    def _on_something_changed(self, _: str) -> None:
        if self._path is not None:
            self._timer.start()  # restarted by every write of a burst

    def _on_settled(self) -> None:
        path = self._path
        if path is None:
            return
        stamp = _stamp(path)
        if stamp is None:  # deleted, or not renamed into place yet: wait for the next event
            return
        self._rewatch()
        if stamp != self._stamp:
            self._stamp = stamp
            self.changed.emit()


def _stamp(path: Path | None) -> tuple[int, int] | None:
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return None
    return None if stat is None else (stat.st_mtime_ns, stat.st_size)
