"""``gradstep desktop install`` / ``uninstall``: the menu entry, the icon and the MIME types,
per user under $XDG_DATA_HOME, with a manifest so that uninstall removes exactly what install
wrote.

After writing, the desktop's caches are brought up to date with the tools the desktop itself
uses (update-mime-database, update-desktop-database, and gtk-update-icon-cache where the user
already has an icon cache, as xdg-icon-resource does); a tool that is not installed is
reported and skipped: the files are in place and a desktop that rebuilds its caches finds them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.desktop.entry import desktop_entry
from engine.desktop.mime import mime_package_xml
from engine.desktop.paths import ICON_DIR, ICON_NAME, ICON_SIZES, png_icon
from engine.errors import GradstepError
from engine.files.atomic import write_atomic

MANIFEST_FORMAT = "gradstep-desktop-install"
TOOL_TIMEOUT = 120.0  # seconds; update-mime-database on a large shared database takes a few

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def manifest_path(data_home: Path) -> Path:
    """Where install records what it wrote."""
    return data_home / "gradstep" / "desktop-install.json"


@dataclass
class Outcome:
    """What install or uninstall did: the files, and one line per database tool."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def planned_files(data_home: Path, command: Sequence[str]) -> dict[Path, bytes]:
    """Every file install writes, with its content."""
    icons = data_home / "icons" / "hicolor"
    files: dict[Path, bytes] = {
        data_home / "applications" / "gradstep.desktop": desktop_entry(command).encode("utf-8"),
        data_home / "mime" / "packages" / "gradstep.xml": mime_package_xml().encode("utf-8"),
        icons / "scalable" / "apps" / f"{ICON_NAME}.svg": (ICON_DIR / "gradstep.svg").read_bytes(),
    }
    for size in ICON_SIZES:
        files[icons / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"] = png_icon(size).read_bytes()
    return files


def install(data_home: Path, command: Sequence[str], runner: Runner | None = None) -> Outcome:
    """Write the menu entry, icons and MIME package under ``data_home`` and update the caches.

    A previous install's files are removed first, so the manifest always lists exactly what is
    installed. Raises GradstepError when a file cannot be written.
    """
    created: list[Path] = []
    if manifest_path(data_home).exists():  # a reinstall: the folders the first install made stay its
        _, created = _read_manifest(data_home)
        _remove_recorded(data_home, set(created))
    try:
        files = planned_files(data_home, command)
    except OSError as exc:  # an installation without its resources folder
        raise GradstepError(f"cannot read Gradstep's own {exc.filename}: {exc.strerror}") from None
    written: list[Path] = []
    try:
        for path, content in files.items():
            created += _make_dirs(path.parent)
            write_atomic(path, content)
            written.append(path)
        _write_manifest(data_home, written, created)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        _remove_empty(created)
        raise GradstepError(f"cannot install into {data_home}: {exc.strerror or exc}") from None
    outcome = Outcome(files=written)
    outcome.notes = update_databases(data_home, runner or _run)
    return outcome


def uninstall(data_home: Path, runner: Runner | None = None) -> Outcome:
    """Remove every file the manifest lists and the folders install made, then update the
    caches. Raises GradstepError when nothing is installed under ``data_home``."""
    if not manifest_path(data_home).exists():
        raise GradstepError(
            f"nothing to uninstall: {manifest_path(data_home)} does not exist "
            "(was it installed with another XDG_DATA_HOME?)"
        )
    _, folders = _read_manifest(data_home)
    # update-mime-database needs mime/packages to rebuild the database without Gradstep's types
    keep = {data_home / "mime" / "packages"}
    outcome = Outcome(files=_remove_recorded(data_home, keep))
    outcome.notes = update_databases(data_home, runner or _run)
    _remove_generated(data_home, [p for p in folders if _inside(p, data_home)])
    return outcome


def _remove_generated(data_home: Path, created: list[Path]) -> None:
    """Folders install created that now hold only the databases the tools rebuilt from nothing
    (no package, no desktop entry) go too: the data home is as it was before install."""
    mime = data_home / "mime"
    if mime in created and not any((mime / "packages").glob("*")):
        shutil.rmtree(mime, ignore_errors=True)
    applications = data_home / "applications"
    if applications in created and not any(applications.glob("*.desktop")):
        (applications / "mimeinfo.cache").unlink(missing_ok=True)
        _remove_empty([applications])
    _remove_empty(created)


def _make_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, outermost first."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def _write_manifest(data_home: Path, files: list[Path], created: list[Path]) -> None:
    path = manifest_path(data_home)
    created += _make_dirs(path.parent)
    record = {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "files": [str(p) for p in files],
        "folders": [str(p) for p in created],
    }
    write_atomic(path, json.dumps(record, indent=2) + "\n")


def _read_manifest(data_home: Path) -> tuple[list[Path], list[Path]]:
    path = manifest_path(data_home)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("format") != MANIFEST_FORMAT:
            raise ValueError("not a Gradstep install manifest")
        files = [Path(p) for p in record["files"] if isinstance(p, str)]
        folders = [Path(p) for p in record["folders"] if isinstance(p, str)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GradstepError(f"{path}: cannot read the install manifest ({exc})") from None
    return files, folders


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` lies under ``root``: a manifest edited by hand never deletes elsewhere."""
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(root)]) == os.path.abspath(root)


def _remove_recorded(data_home: Path, keep: set[Path] | None = None) -> list[Path]:
    """Delete the manifest's files and empty folders (but those in ``keep``), then the
    manifest; the files deleted."""
    files, folders = _read_manifest(data_home)
    removed = []
    for path in files:
        if _inside(path, data_home) and (path.is_file() or path.is_symlink()):
            path.unlink()
            removed.append(path)
    manifest_path(data_home).unlink()
    _remove_empty([p for p in folders if _inside(p, data_home) and p not in (keep or set())])
    return removed


def _remove_empty(folders: list[Path]) -> None:
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty (something else lives there now), or gone
            folder.rmdir()


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def update_databases(data_home: Path, runner: Runner) -> list[str]:
    """Rebuild the MIME database, the desktop entries' MIME cache and (where one exists) the
    icon cache; one line each saying what was done or skipped."""
    notes = [
        _tool(runner, ["update-mime-database", str(data_home / "mime")], "shared-mime-info"),
        _tool(runner, ["update-desktop-database", str(data_home / "applications")], "desktop-file-utils"),
    ]
    hicolor = data_home / "icons" / "hicolor"
    if hicolor.is_dir():
        os.utime(hicolor)  # a newer folder tells GTK and Qt that the icons changed
        if (hicolor / "icon-theme.cache").exists():  # never create a cache the user had not
            notes.append(_tool(runner, ["gtk-update-icon-cache", "-f", "-t", str(hicolor)], "GTK"))
    return notes


def _tool(runner: Runner, command: list[str], package: str) -> str:
    name = command[0]
    if shutil.which(name) is None:
        return f"{name} not found (it comes with {package}); skipped: the files are in place"
    if not Path(command[-1]).is_dir():
        return f"{name}: skipped, {command[-1]} does not exist"
    try:
        proc = runner(command)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{name} failed: {exc}"
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        return f"{name} failed (exit {proc.returncode}){': ' + detail[-1] if detail else ''}"
    return f"ran {name}"
