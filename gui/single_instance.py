"""One Gradstep per user: a second launch hands its file to the running one, or raises it.

The first window listens on a local socket named per user (in $XDG_RUNTIME_DIR when there is
one, a folder only the user can enter); ``gradstep FILE`` (or ``gradstep example:NAME``) first
tries to connect, sends the file's absolute path as one JSON line and waits for ``ok``. The
running window opens it by its normal open path (a bad file is a dialog there) and comes to the
front. A plain ``gradstep`` sends ``{"raise": true}``: the running window comes to the front.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from PySide6.QtCore import QByteArray, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 1000  # a live server accepts at once; a stale socket refuses at once
ACK_MS = 5000  # the running window answers before it opens the file (which may ask questions)
MAX_MESSAGE = 64 * 1024
ACK = b"ok\n"


def server_name(environ: Mapping[str, str] | None = None) -> str:
    """The socket of this user's Gradstep: in $XDG_RUNTIME_DIR, else named after the user id."""
    env = os.environ if environ is None else environ
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return os.path.join(runtime, "gradstep-instance")
    user = str(os.getuid()) if hasattr(os, "getuid") else env.get("USERNAME", "user")
    return f"gradstep-{user}"


def hand_over(path: str, name: str | None = None) -> bool:
    """Ask the running Gradstep to open ``path`` (absolute, or ``example:NAME``); True once it
    has said it will."""
    return _send({"open": path}, name)


def raise_running(name: str | None = None) -> bool:
    """Ask the running Gradstep to come to the front; True once it has said it will."""
    return _send({"raise": True}, name)


def _send(message: dict[str, object], name: str | None) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(name or server_name())
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(QByteArray((json.dumps(message) + "\n").encode("utf-8")))
    socket.flush()
    answer = b""
    while not answer.endswith(b"\n") and socket.waitForReadyRead(ACK_MS):
        answer += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    return answer == ACK


class InstanceServer(QObject):
    """Listens for later launches; ``file_received`` gives each file they hand over,
    ``raise_requested`` says a plain launch asked for the window."""

    file_received = Signal(str)
    raise_requested = Signal()

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name or server_name()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; False when another Gradstep already does."""
        # asked first: with UserAccessOption Qt renames its socket over an existing one, which
        # would take the name from a live Gradstep
        if hand_over_probe(self._name):
            return False
        if self._server.listen(self._name):
            return True
        # a socket left behind by a Gradstep that crashed: nobody answers on it
        QLocalServer.removeServer(self._name)
        return self._server.listen(self._name)

    def close(self) -> None:
        self._server.close()

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE:
                socket.abort()
            else:
                self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        request = _parse(line)
        if request is None:
            socket.abort()
            return
        socket.write(QByteArray(ACK))
        socket.flush()
        socket.disconnectFromServer()
        # answered first: opening may ask about unsaved changes, and the caller must not wait
        if request is RAISE:
            QTimer.singleShot(0, self.raise_requested.emit)
        else:
            QTimer.singleShot(0, lambda: self.file_received.emit(request))

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()


def hand_over_probe(name: str) -> bool:
    """Whether a Gradstep answers on ``name`` (a connection, nothing sent)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    alive = socket.waitForConnected(CONNECT_MS)
    socket.abort()
    return alive


RAISE = object()  # what _parse makes of {"raise": true}


def _parse(line: bytes) -> str | object | None:
    """The path or example to open, RAISE, or None for anything else."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(message, dict):
        return None
    if message.get("raise") is True:
        return RAISE
    path = message.get("open")
    if isinstance(path, str) and (os.path.isabs(path) or path.startswith("example:")):
        return path
    return None
