"""Reading an input file safely: regular files only, and only so much of them.

A session, walkthrough or CSV path may name anything: a FIFO that blocks forever, /dev/zero
that never ends, a 10 GB log. Each is refused with a message instead of hanging or filling
memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from engine.errors import GradstepError

MAX_FILE_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


def _describe(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _too_large(path: Path, size: int, field: str | None) -> GradstepError:
    return GradstepError(
        f"{path}: file is {size:,} bytes, larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB "
        "Gradstep reads",
        field,
    )


def read_file_bytes(path: str | Path, field: str | None = None) -> bytes:
    """The contents of the regular file ``path``, at most :data:`MAX_FILE_BYTES` of them.

    Parameters
    ----------
    path
        The file to read.
    field
        The field of the file that named ``path`` (``data.csv``), carried by the error.

    Raises
    ------
    GradstepError
        For a missing file, anything that is not a regular file (a folder, a FIFO, a device),
        a file over the size limit, or a read error; the message names the file.
    """
    path = Path(path)
    try:
        # stat before opening: opening a FIFO for reading would block until a writer comes
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise GradstepError(f"{path}: is {_describe(info.st_mode)}, not a regular file", field)
        if info.st_size > MAX_FILE_BYTES:
            raise _too_large(path, info.st_size, field)
        # O_NONBLOCK: should the path be swapped for a FIFO after the stat, open still returns
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise GradstepError(f"{path}: is not a regular file", field)
            chunks: list[bytes] = []
            total = 0
            while chunk := handle.read(_CHUNK):
                total += len(chunk)
                if total > MAX_FILE_BYTES:  # a file that grows while it is read
                    raise _too_large(path, total, field)
                chunks.append(chunk)
    except FileNotFoundError:
        raise GradstepError(f"{path}: no such file", field) from None
    except OSError as exc:
        raise GradstepError(f"{path}: cannot read: {exc.strerror or exc}", field) from None
    except ValueError:  # a name no file can have: a NUL character in it
        raise GradstepError(
            f"{str(path)!r}: not a usable file name (it holds a NUL character)", field
        ) from None
    return b"".join(chunks)
