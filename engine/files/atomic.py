"""Atomic file writing: the one way every part of Gradstep saves a file.

A save goes to a temporary file beside its target, is flushed to disk and renamed over the
target, so a crash, a full disk, Ctrl+C or SIGTERM leaves either the old file or the new one,
never half of one, and never a temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from engine.errors import GradstepError

# the mode a new file gets before the umask, as open() and Qt give it: never 0600 by accident
_NEW_FILE_MODE = 0o666


def resolve_target(path: str | Path) -> Path:
    """The file a save to ``path`` should replace: through a symlink, the file it points at.

    Renaming over a symlink would replace the link with a regular file and leave the file it
    points at unchanged, which is not what "save" means.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return target  # a new file (or a folder that does not exist: the write says so)
    if stat.S_ISDIR(mode):
        raise GradstepError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        # renaming over a device or a pipe would replace it (as root, /dev/null itself)
        raise GradstepError(f"{path}: is not a regular file (a device, a pipe or a socket); save to a file")
    return target


def _create_temp(target: Path) -> tuple[Path, int]:
    """A new, empty, private file beside ``target``, and the mode the result should get: the
    mode of the file it replaces, or the usual default for a new file (0666 less the umask)."""
    directory = target.parent if str(target.parent) else Path(".")
    for _ in range(100):
        # hidden, marked .tmp, and ending in the target's suffix: encoders pick the format by it
        tmp = directory / f".{target.name}.{os.urandom(4).hex()}.tmp{target.suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _NEW_FILE_MODE)
        except FileExistsError:
            continue
        try:
            default = stat.S_IMODE(os.fstat(fd).st_mode)  # what the umask made of 0666
            # private while it is written (the old file may be private); the mode comes at the end
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        try:
            return tmp, stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            return tmp, default
    raise FileExistsError(f"no free temporary name beside {target}")


def _cannot_write(path: Path, exc: OSError) -> GradstepError:
    return GradstepError(f"{path}: cannot write: {exc.strerror or exc}")


@contextlib.contextmanager
def _replacing(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it when the block ends normally."""
    target = resolve_target(path)  # raises GradstepError for a folder, a device or a pipe
    try:
        tmp, mode = _create_temp(target)
    except OSError as exc:
        raise _cannot_write(Path(path), exc) from None
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())  # on disk before the rename makes it the file
        os.chmod(tmp, mode)  # (also when a writer re-created the file)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write(Path(path), exc) from None
        raise


@contextlib.contextmanager
def atomic_text(path: str | Path) -> Iterator[IO[str]]:
    """Write a UTF-8 text file atomically: yields a handle on a temporary file beside ``path``
    that replaces ``path`` when the block ends normally.

    Parameters
    ----------
    path
        The file to write. A symlink is written through to the file it points at; an existing
        file's permissions are kept, a new file gets the usual default (0666 less the umask).

    Raises
    ------
    GradstepError
        When the file cannot be written (the message names it and the reason).

    Notes
    -----
    On any exception, KeyboardInterrupt included, the temporary file is removed and the old
    file stays as it was. (SIGTERM arrives as an exception once the command line's handler is
    installed.)
    """
    with _replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        yield handle


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``, for a writer that wants a file name (an image library,
    a video encoder); it replaces ``path`` as :func:`atomic_text` does.

    The temporary file exists, empty and private to the user, when the block starts; the
    writer may overwrite or re-create it.
    """
    with _replacing(path) as tmp:
        yield tmp


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; see :func:`atomic_text`."""
    if isinstance(data, str):
        with atomic_text(path) as handle:
            handle.write(data)
        return
    with _replacing(path) as tmp, open(tmp, "wb") as raw:
        raw.write(data)
