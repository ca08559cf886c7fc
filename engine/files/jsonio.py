"""Strict JSON reading and atomic writing."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from engine.errors import GradstepError

MAX_FILE_BYTES = 512 * 1024 * 1024


class _NonFinite:
    """Stands in for NaN or Infinity while looking for where the file has one."""

    def __init__(self, name: str) -> None:
        self.name = name


def _reject_constant(name: str) -> Any:
    raise GradstepError(f"{name} is not a number JSON allows (non-finite values are refused)")


def _find_non_finite(value: Any, where: str = "") -> tuple[str, str] | None:
    """(path like "steps[2].expect.loss", "NaN") of the first non-finite constant, if any."""
    if isinstance(value, _NonFinite):
        return where, value.name
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find_non_finite(item, f"{where}.{key}" if where else str(key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_non_finite(item, f"{where}[{index}]")
            if found is not None:
                return found
    return None


def loads(text: str, what: str) -> Any:
    """Parse JSON, refusing NaN and Infinity, with a message that names ``what`` and the field."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except GradstepError as exc:
        with contextlib.suppress(ValueError, RecursionError):
            found = _find_non_finite(json.loads(text, parse_constant=_NonFinite))
            if found is not None and found[0]:
                where, name = found
                raise GradstepError(
                    f"{what}: {where}: {name} is not a number JSON allows (non-finite values are refused)"
                ) from None
        raise GradstepError(f"{what}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise GradstepError(
            f"{what}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise GradstepError(f"{what}: JSON nested too deeply") from None


def read_json(path: Path) -> Any:
    """Read and parse a JSON file; every failure becomes a GradstepError naming the file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise GradstepError(f"{path}: file is {size} bytes, larger than the 512 MiB limit")
        data = path.read_bytes()
    except FileNotFoundError:
        raise GradstepError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise GradstepError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise GradstepError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise GradstepError(f"{path}: not a UTF-8 text file") from None
    return loads(text, str(path))


def dumps(value: Any) -> str:
    """Serialise to JSON; float64 values round-trip exactly (repr is shortest round-trip)."""
    return json.dumps(value, allow_nan=False, separators=(",", ":")) + "\n"


def file_mode(path: Path) -> int:
    """The permissions a rewritten ``path`` should keep: its own if it exists, else the umask's
    default (``mkstemp`` makes temporary files private to the user)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a crash never
    leaves a half-written file."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise GradstepError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise GradstepError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise
