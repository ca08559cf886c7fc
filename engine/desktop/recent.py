"""The desktop's recent files ($XDG_DATA_HOME/recently-used.xbel, the Desktop Bookmark
Specification as GTK writes it): Gradstep adds what it opens and saves, and lists the
Gradstep files any program recorded there, so File › Open Recent and the desktop agree.

Other programs' entries are kept as they are; a file that cannot be parsed is left alone (the
recent list is a convenience: nothing here ever fails a save or an open).
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from engine.desktop.mime import MAGIC_WINDOW, MIME_TYPES, kind_of_name, magic_values
from engine.desktop.paths import data_home
from engine.errors import GradstepError
from engine.files.atomic import write_atomic
from engine.files.reading import read_file_bytes

BOOKMARK_NS = "http://www.freedesktop.org/standards/desktop-bookmarks"
MIME_NS = "http://www.freedesktop.org/standards/shared-mime-info"
APP_NAME = "Gradstep"
APP_EXEC = "'gradstep %u'"
_B = f"{{{BOOKMARK_NS}}}"
_M = f"{{{MIME_NS}}}"
ET.register_namespace("bookmark", BOOKMARK_NS)
ET.register_namespace("mime", MIME_NS)


def xbel_path(home: Path | None = None) -> Path:
    """The recent-files bookmark file of the user (or of ``home`` as $XDG_DATA_HOME)."""
    return (home or data_home()) / "recently-used.xbel"


def mime_type_of(path: Path) -> str:
    """Gradstep's MIME type of ``path`` by its suffix, else by its format field; else JSON."""
    kind = kind_of_name(path.name)
    if kind is not None:
        return MIME_TYPES[kind]
    with contextlib.suppress(OSError):
        with path.open("rb") as handle:
            head = handle.read(MAGIC_WINDOW).decode("utf-8", "replace")
        for kind, mime in sorted(MIME_TYPES.items(), reverse=True):  # walkthrough first
            if any(value in head for value, _ in magic_values(kind)):
                return mime
    return "application/json"


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _read(path: Path) -> ET.Element | None:
    """The parsed bookmarks (an empty list when there is no file); None if unreadable."""
    if not path.exists():
        return ET.Element("xbel", {"version": "1.0"})
    try:
        data = read_file_bytes(path)
        root = ET.fromstring(data)
    except (GradstepError, OSError, ET.ParseError):
        return None
    return root if root.tag == "xbel" else None


def _write(path: Path, root: ET.Element) -> bool:
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")
    except (GradstepError, OSError):
        return False
    return True


def _metadata(bookmark: ET.Element) -> ET.Element:
    info = bookmark.find("info")
    if info is None:
        info = ET.SubElement(bookmark, "info")
    for metadata in info.findall("metadata"):
        if metadata.get("owner") == "http://freedesktop.org":
            return metadata
    return ET.SubElement(info, "metadata", {"owner": "http://freedesktop.org"})


def add(path: Path, home: Path | None = None, now: datetime | None = None) -> bool:
    """Record that Gradstep opened or saved ``path``; False if the file could not be updated."""
    xbel = xbel_path(home)
    root = _read(xbel)
    if root is None:
        return False
    href = path.resolve().as_uri()
    stamp = _stamp(now)
    bookmark = next((b for b in root.findall("bookmark") if b.get("href") == href), None)
    if bookmark is None:
        bookmark = ET.SubElement(root, "bookmark", {"href": href, "added": stamp})
    bookmark.set("modified", stamp)
    bookmark.set("visited", stamp)
    metadata = _metadata(bookmark)
    mime = metadata.find(f"{_M}mime-type")
    if mime is None:
        mime = ET.Element(f"{_M}mime-type")
        metadata.insert(0, mime)
    mime.set("type", mime_type_of(path))
    apps = metadata.find(f"{_B}applications")
    if apps is None:
        apps = ET.SubElement(metadata, f"{_B}applications")
    app = next((a for a in apps.findall(f"{_B}application") if a.get("name") == APP_NAME), None)
    if app is None:
        app = ET.SubElement(apps, f"{_B}application", {"name": APP_NAME, "exec": APP_EXEC, "count": "0"})
    count = app.get("count", "0")
    app.set("modified", stamp)
    app.set("count", str(int(count) + 1 if count.isdigit() else 1))
    return _write(xbel, root)


def _local_path(href: str | None) -> Path | None:
    parsed = urlparse(href or "")
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parsed.path))


def _is_gradsteps(bookmark: ET.Element) -> bool:
    mime = bookmark.find(f"info/metadata/{_M}mime-type")
    if mime is not None and mime.get("type") in MIME_TYPES.values():
        return True
    names = [a.get("name") for a in bookmark.iterfind(f"info/metadata/{_B}applications/{_B}application")]
    return APP_NAME in names


def gradstep_files(home: Path | None = None) -> list[Path]:
    """The local Gradstep files in the desktop's recent list, most recent first (files that
    no longer exist are left out)."""
    root = _read(xbel_path(home))
    if root is None:
        return []
    found: list[tuple[str, Path]] = []
    for bookmark in root.findall("bookmark"):
        path = _local_path(bookmark.get("href"))
        if path is not None and _is_gradsteps(bookmark) and path.is_file():
            found.append((max(bookmark.get("modified", ""), bookmark.get("visited", "")), path))
    return [path for _, path in sorted(found, key=lambda item: item[0], reverse=True)]


def forget_gradstep(home: Path | None = None) -> bool:
    """File › Open Recent › Clear the list: Gradstep leaves every bookmark it is named in; a
    bookmark no other program is named in goes. False if the file could not be updated."""
    xbel = xbel_path(home)
    root = _read(xbel)
    if root is None or not xbel.exists():
        return root is not None
    for bookmark in root.findall("bookmark"):
        apps = bookmark.find(f"info/metadata/{_B}applications")
        if apps is None:
            continue
        for app in apps.findall(f"{_B}application"):
            if app.get("name") == APP_NAME:
                apps.remove(app)
        if not apps.findall(f"{_B}application"):
            root.remove(bookmark)
    return _write(xbel, root)
