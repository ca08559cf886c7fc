"""``gradstep desktop install`` / ``uninstall``: the files, their formats and the manifest; with
Debian's desktop-file-utils, shared-mime-info and xdg-utils, what the desktop makes of them."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import GradstepError, Session, parse_session
from engine.cli import main
from engine.desktop import install as desktop
from engine.desktop import recent
from engine.desktop.entry import desktop_entry, exec_argument, exec_line, launcher_command
from engine.desktop.mime import (
    SESSION_MIME,
    WALKTHROUGH_MIME,
    kind_of_name,
    magic_values,
    mime_package_xml,
    with_suffix,
)
from engine.desktop.paths import ICON_SIZES, data_home
from engine.files.examples import resolve_walkthrough_path
from engine.files.walkthrough import load_walkthrough
from tests.helpers import QT, run_python, tiny_session_dict

MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
COMMAND = ["/opt/pipx/venvs/gradstep/bin/gradstep"]


class Recorder:
    """Stands in for the database tools: records what would have run."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.commands.append(list(command))
        return subprocess.CompletedProcess(list(command), 0, "", "")


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def _desktop_file(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def _saved_session(folder: Path, name: str) -> Path:
    path = folder / name
    Session(parse_session(tiny_session_dict())).save(path)
    return path


def _saved_walkthrough(folder: Path, name: str) -> Path:
    path = folder / name
    load_walkthrough(resolve_walkthrough_path("tour-every-number")).save(path)
    return path


# ---- always: the files themselves ----


def test_install_writes_the_entry_icons_and_mime_package_and_lists_them(tmp_path: Path) -> None:
    home = tmp_path / "data"
    runner = Recorder()
    outcome = desktop.install(home, COMMAND, runner)
    expected = {
        home / "applications" / "gradstep.desktop",
        home / "mime" / "packages" / "gradstep.xml",
        home / "icons" / "hicolor" / "scalable" / "apps" / "gradstep.svg",
    } | {home / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "gradstep.png" for n in ICON_SIZES}
    assert set(outcome.files) == expected
    assert all(p.is_file() and p.stat().st_size > 0 for p in expected)
    for n in ICON_SIZES:
        png = (home / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "gradstep.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png[16:20], "big") == n  # IHDR width: the size its folder names
    manifest = desktop.manifest_path(home)
    assert manifest.is_file()
    assert {p for p in home.rglob("*") if not p.is_dir()} == {*expected, manifest}


def test_the_menu_entry_runs_the_launcher_on_one_file_and_claims_only_gradsteps_types(
    tmp_path: Path,
) -> None:
    desktop.install(tmp_path, COMMAND, Recorder())
    entry = _desktop_file(tmp_path / "applications" / "gradstep.desktop")
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "/opt/pipx/venvs/gradstep/bin/gradstep %f"
    assert entry["Icon"] == "gradstep"
    assert entry["MimeType"].split(";") == [SESSION_MIME, WALKTHROUGH_MIME, ""]
    assert "application/json" not in (tmp_path / "applications" / "gradstep.desktop").read_text()
    assert entry["Terminal"] == "false"


def test_the_shipped_template_no_longer_claims_json() -> None:
    text = desktop_entry(["gradstep"])
    assert "application/json" not in text
    assert "MimeType=application/x-gradstep-session;application/x-gradstep-walkthrough;" in text


def test_exec_arguments_are_quoted_and_escaped_as_the_spec_says() -> None:
    assert exec_argument("/usr/bin/gradstep") == "/usr/bin/gradstep"
    assert exec_argument("/home/a b/gradstep") == '"/home/a b/gradstep"'
    # inside quotes ", `, $ and \ take a backslash; then the string value escapes backslashes
    assert exec_argument('/x/a"b') == '"/x/a\\\\"b"'
    assert exec_argument("/x/$HOME") == '"/x/\\\\$HOME"'
    assert exec_argument("/x/100%") == "/x/100%%"
    assert exec_line(["/usr/bin/python3", "-m", "engine.cli"]) == "/usr/bin/python3 -m engine.cli %f"
    with pytest.raises(Exception, match="line break"):
        exec_argument("/x/a\nb")


def test_the_launcher_is_the_running_script_or_this_interpreter(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "gradstep"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    assert launcher_command(str(script), "/usr/bin/python3") == [str(script)]
    assert launcher_command("/src/engine/cli.py", "/usr/bin/python3") == [
        "/usr/bin/python3",
        "-m",
        "engine.cli",
    ]


def test_the_mime_package_declares_both_types_with_glob_and_magic() -> None:
    root = ET.fromstring(mime_package_xml())
    types = {t.get("type"): t for t in root.findall(f"{MIME_NS}mime-type")}
    assert set(types) == {SESSION_MIME, WALKTHROUGH_MIME}
    session, walk = types[SESSION_MIME], types[WALKTHROUGH_MIME]
    assert [g.get("pattern") for g in session.findall(f"{MIME_NS}glob")] == ["*.gradstep.json"]
    assert [g.get("pattern") for g in walk.findall(f"{MIME_NS}glob")] == ["*.gradwalk.json"]
    assert session.find(f"{MIME_NS}sub-class-of").get("type") == "application/json"
    # a walkthrough contains a session: its rule must be tried first
    priority = {k: int(t.find(f"{MIME_NS}magic").get("priority")) for k, t in types.items()}
    assert priority[WALKTHROUGH_MIME] > priority[SESSION_MIME]
    values = [m.get("value") for m in session.iter(f"{MIME_NS}match")]
    assert values == [value for value, _ in magic_values("session")]


def test_the_magic_matches_what_gradstep_writes(tmp_path: Path) -> None:
    session = _saved_session(tmp_path, "s.json").read_bytes()
    walk = _saved_walkthrough(tmp_path, "w.json").read_bytes()
    (own, offset), *_ = magic_values("session")
    assert offset == "0"
    assert session.startswith(own.encode())
    (own, _), *_ = magic_values("walkthrough")
    assert walk.startswith(own.encode())


def test_save_names_get_the_gradstep_suffix_unless_one_is_typed() -> None:
    assert with_suffix(Path("/d/xor"), "session") == Path("/d/xor.gradstep.json")
    assert with_suffix(Path("/d/tour"), "walkthrough") == Path("/d/tour.gradwalk.json")
    assert with_suffix(Path("/d/xor.json"), "session") == Path("/d/xor.json")
    assert kind_of_name("a.GRADSTEP.json") == "session"
    assert kind_of_name("a.gradwalk.json") == "walkthrough"
    assert kind_of_name("a.json") is None


def test_uninstall_removes_exactly_what_install_wrote(tmp_path: Path) -> None:
    home = tmp_path / "data"
    theirs = [
        home / "applications" / "other.desktop",
        home / "icons" / "hicolor" / "48x48" / "apps" / "x.png",
    ]
    for path in theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("someone else's")
    before = _tree(home)
    runner = Recorder()
    written = desktop.install(home, COMMAND, runner).files
    assert all(p.exists() for p in written)
    removed = desktop.uninstall(home, runner).files
    assert set(removed) == set(written)
    assert _tree(home) == before
    assert all(p.read_text() == "someone else's" for p in theirs)
    tools = [c[0] for c in runner.commands if shutil.which(c[0])]
    assert tools.count("update-mime-database") in (0, 2)  # after install and after uninstall


def test_reinstall_then_uninstall_leaves_nothing(tmp_path: Path) -> None:
    home = tmp_path / "data"
    desktop.install(home, COMMAND, Recorder())
    desktop.install(home, ["/other/gradstep"], Recorder())
    assert "/other/gradstep %f" in (home / "applications" / "gradstep.desktop").read_text()
    desktop.uninstall(home, Recorder())
    assert not home.exists()


def test_a_manifest_edited_to_point_elsewhere_deletes_nothing_there(tmp_path: Path) -> None:
    home = tmp_path / "data"
    desktop.install(home, COMMAND, Recorder())
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    manifest = desktop.manifest_path(home)
    manifest.write_text(manifest.read_text().replace('"files": [', f'"files": [\n    "{outside}",'))
    desktop.uninstall(home, Recorder())
    assert outside.read_text() == "keep"


def test_data_home_follows_xdg_and_ignores_a_relative_path() -> None:
    assert data_home({"XDG_DATA_HOME": "/x/data", "HOME": "/h"}) == Path("/x/data")
    assert data_home({"XDG_DATA_HOME": "rel/data", "HOME": "/h"}) == Path("/h/.local/share")
    assert data_home({"HOME": "/h"}) == Path("/h/.local/share")


def test_cli_install_and_uninstall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no database tools: skipped, said so
    assert main(["desktop", "install"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'data' / 'applications' / 'gradstep.desktop'}" in out
    assert "update-mime-database not found" in out
    assert main(["desktop", "uninstall"]) == 0
    assert "removed " in capsys.readouterr().out
    assert main(["desktop", "uninstall"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gradstep: nothing to uninstall")
    assert err.count("\n") == 1


def test_cli_refuses_an_unknown_action(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["desktop", "frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_an_unwritable_data_home_is_one_line_and_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["desktop", "install"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gradstep: cannot install into {blocker}")
    assert err.count("\n") == 1
    assert blocker.read_text() == "not a folder"


# ---- with the desktop's own tools ----


def _tool_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CURRENT_DESKTOP", "DESKTOP_SESSION")}
    env.update(XDG_DATA_HOME=str(home), XDG_DATA_DIRS="/usr/local/share:/usr/share", HOME=str(home.parent))
    return env


def _needs(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed (Debian: apt install desktop-file-utils "
            "shared-mime-info xdg-utils libfile-mimeinfo-perl)"
        )


def test_desktop_file_validate_accepts_the_entry(tmp_path: Path) -> None:
    _needs("desktop-file-validate")
    desktop.install(tmp_path / "data", COMMAND, Recorder())
    proc = subprocess.run(
        ["desktop-file-validate", str(tmp_path / "data" / "applications" / "gradstep.desktop")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout + proc.stderr == ""  # not even a hint


def test_xdg_mime_reports_gradsteps_types_and_forgets_them_on_uninstall(tmp_path: Path) -> None:
    # xdg-mime without a desktop environment asks `mimetype` (File::MimeInfo), which reads the
    # database under $XDG_DATA_HOME; `file`, its other fallback, knows nothing of it
    _needs("update-mime-database", "xdg-mime", "mimetype")
    home = tmp_path / "data"
    files = tmp_path / "files"
    files.mkdir()
    env = _tool_env(home)

    def run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(command), capture_output=True, text=True, env=env, check=False, timeout=60)

    outcome = desktop.install(home, COMMAND, run)
    assert "ran update-mime-database" in outcome.notes
    samples = {
        _saved_session(files, "xor.gradstep.json"): SESSION_MIME,
        _saved_session(files, "no-suffix"): SESSION_MIME,  # by the magic
        _saved_walkthrough(files, "tour.gradwalk.json"): WALKTHROUGH_MIME,
        _saved_walkthrough(files, "tour-no-suffix"): WALKTHROUGH_MIME,
        _saved_session(files, "plain.json"): "application/json",  # .json keeps being JSON
    }
    for path, mime in samples.items():
        assert run(["xdg-mime", "query", "filetype", str(path)]).stdout.strip() == mime, path.name
    for mime in (SESSION_MIME, WALKTHROUGH_MIME):  # a double-click opens Gradstep
        assert run(["xdg-mime", "query", "default", mime]).stdout.strip() == "gradstep.desktop"
    desktop.uninstall(home, run)
    assert not home.exists() or not any("gradstep" in str(p) for p in home.rglob("*"))
    got = run(["xdg-mime", "query", "filetype", str(files / "xor.gradstep.json")]).stdout.strip()
    assert got == "application/json"


# ---- the desktop's recent files ----

GTK_XBEL = """<?xml version="1.0" encoding="UTF-8"?>
<xbel version="1.0"
      xmlns:bookmark="http://www.freedesktop.org/standards/desktop-bookmarks"
      xmlns:mime="http://www.freedesktop.org/standards/shared-mime-info"
>
  <bookmark href="file:///home/u/notes.txt" added="2026-01-01T10:00:00.000000Z" \
modified="2026-01-01T10:00:00.000000Z" visited="2026-01-01T10:00:00.000000Z">
    <info>
      <metadata owner="http://freedesktop.org">
        <mime:mime-type type="text/plain"/>
        <bookmark:applications>
          <bookmark:application name="gedit" exec="&apos;gedit %u&apos;" \
modified="2026-01-01T10:00:00.000000Z" count="3"/>
        </bookmark:applications>
      </metadata>
    </info>
  </bookmark>
</xbel>
"""


def _bookmarks(home: Path) -> dict[str, ET.Element]:
    root = ET.parse(recent.xbel_path(home)).getroot()
    return {b.get("href"): b for b in root.findall("bookmark")}


def test_opening_a_file_adds_a_bookmark_gtk_reads(tmp_path: Path) -> None:
    home = tmp_path / "data"
    path = _saved_session(tmp_path, "xor.gradstep.json")
    assert recent.add(path, home, now=datetime(2026, 3, 1, 9, tzinfo=UTC))
    assert recent.add(path, home, now=datetime(2026, 3, 2, 9, tzinfo=UTC))
    marks = _bookmarks(home)
    assert list(marks) == [path.as_uri()]
    mark = marks[path.as_uri()]
    assert mark.get("added") == "2026-03-01T09:00:00.000000Z"
    assert mark.get("modified") == mark.get("visited") == "2026-03-02T09:00:00.000000Z"
    mime = mark.find(f"info/metadata/{{{recent.MIME_NS}}}mime-type")
    assert mime.get("type") == SESSION_MIME
    (app,) = mark.iterfind(
        f"info/metadata/{{{recent.BOOKMARK_NS}}}applications/{{{recent.BOOKMARK_NS}}}application"
    )
    assert (app.get("name"), app.get("exec"), app.get("count")) == ("Gradstep", "'gradstep %u'", "2")
    text = recent.xbel_path(home).read_text()
    assert "<bookmark:application " in text
    assert "<mime:mime-type " in text  # the prefixes GTK writes


def test_other_programs_entries_are_kept(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    recent.xbel_path(home).write_text(GTK_XBEL)
    before = ET.tostring(_bookmarks(home)["file:///home/u/notes.txt"])
    assert recent.add(_saved_session(tmp_path, "a.gradstep.json"), home)
    marks = _bookmarks(home)
    assert len(marks) == 2
    assert ET.tostring(marks["file:///home/u/notes.txt"]).split() == before.split()


def test_the_menu_lists_gradstep_files_any_program_recorded_newest_first(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    old = _saved_session(tmp_path, "old.json")  # plain .json: known by its format field
    new = _saved_walkthrough(tmp_path, "new.gradwalk.json")
    gone = _saved_session(tmp_path, "gone.gradstep.json")
    recent.xbel_path(home).write_text(GTK_XBEL)
    recent.add(old, home, now=datetime(2026, 3, 1, tzinfo=UTC))
    recent.add(gone, home, now=datetime(2026, 3, 2, tzinfo=UTC))
    recent.add(new, home, now=datetime(2026, 3, 3, tzinfo=UTC))
    gone.unlink()
    assert recent.gradstep_files(home) == [new.resolve(), old.resolve()]
    assert recent.mime_type_of(old) == SESSION_MIME
    assert recent.mime_type_of(new) == WALKTHROUGH_MIME
    (tmp_path / "x.json").write_text('{"a": 1}')
    assert recent.mime_type_of(tmp_path / "x.json") == "application/json"


def test_a_file_manager_entry_of_a_gradstep_type_is_listed(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    path = _saved_session(tmp_path, "from-nautilus.gradstep.json")
    text = GTK_XBEL.replace("file:///home/u/notes.txt", path.as_uri()).replace("text/plain", SESSION_MIME)
    recent.xbel_path(home).write_text(text)
    assert recent.gradstep_files(home) == [path]


def test_an_unreadable_xbel_is_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    recent.xbel_path(home).write_text("<xbel><bookmark")
    assert not recent.add(_saved_session(tmp_path, "a.gradstep.json"), home)
    assert recent.xbel_path(home).read_text() == "<xbel><bookmark"
    assert recent.gradstep_files(home) == []


def test_clearing_leaves_bookmarks_other_programs_share(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    shared = _saved_session(tmp_path, "shared.gradstep.json")
    text = GTK_XBEL.replace("file:///home/u/notes.txt", shared.as_uri())
    recent.xbel_path(home).write_text(text)
    only_ours = _saved_session(tmp_path, "ours.gradstep.json")
    recent.add(only_ours, home)
    recent.add(shared, home)
    assert recent.forget_gradstep(home)
    marks = _bookmarks(home)
    assert list(marks) == [shared.as_uri()]
    names = [a.get("name") for a in marks[shared.as_uri()].iter(f"{{{recent.BOOKMARK_NS}}}application")]
    assert names == ["gedit"]
    assert recent.gradstep_files(home) == [shared]  # still a Gradstep type, recorded by gedit


def test_desktop_install_never_imports_qt(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        f"os.environ['XDG_DATA_HOME'] = {str(tmp_path / 'data')!r}\n"
        "from engine.cli import main\n"
        "codes = [main(['desktop', 'install']), main(['desktop', 'uninstall'])]\n"
        f"loaded = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\n"
        "print(codes, loaded)\n"
        "sys.exit(0 if codes == [0, 0] and not loaded else 1)\n"
    )
    proc = run_python("-c", code, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_installation_missing_its_icons_says_which_file(tmp_path: Path, monkeypatch) -> None:
    from engine.desktop import paths

    monkeypatch.setattr(desktop, "png_icon", lambda size: tmp_path / "nowhere" / f"gradstep-{size}.png")
    with pytest.raises(GradstepError, match=r"cannot read Gradstep's own .*nowhere/gradstep-16.png"):
        desktop.install(tmp_path / "data", COMMAND, Recorder())
    assert not (tmp_path / "data").exists()
    assert paths.png_icon(16).is_file()
