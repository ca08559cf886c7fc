"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import same_but_last_digits

ROOT = Path(__file__).resolve().parents[1]
# the lines of .ci/run that prepare the command rather than run it
# what .ci/run may do before the test command: its own set-up, and Debian's desktop tools (the
# two desktop install tests run where they are installed and are skipped, naming them, where not)
CI_PREAMBLE = ("#", "set -euo pipefail", 'cd "$(dirname "$0")/.."', "rm -rf .venv", ".ci/desktop-tools  #")


def _sh_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def _readme_test_command() -> str:
    blocks = _sh_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    test_commands = [b for b in blocks if "pytest" in b]
    assert len(test_commands) == 1, test_commands
    return test_commands[0]


def test_ci_runs_exactly_the_readme_test_command_in_a_fresh_venv() -> None:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith(CI_PREAMBLE)]
    assert commands == [_readme_test_command()]
    assert lines.index("rm -rf .venv") < lines.index(commands[0])  # the venv it makes is new


def test_the_test_command_installs_the_video_extra_so_the_mp4_test_runs() -> None:
    command = _readme_test_command()
    assert command.startswith("python3 -m venv .venv && ")
    (extras,) = re.findall(r"pip install -e '\.\[([\w,]+)\]'", command)
    assert {"test", "video"} <= set(extras.split(","))


def test_readme_launch_command_installs_and_starts_the_app() -> None:
    blocks = _sh_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert any("pip install ." in b and b.endswith("gradstep") for b in blocks)


def test_the_readme_run_sample_is_the_real_output(capsys) -> None:
    from engine.cli import main

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ gradstep run (\S+)\n(.*?)```", text, flags=re.S)
    assert block is not None
    assert main(["run", block[1]]) == 0
    real = capsys.readouterr().out.splitlines()
    shown = [line for line in block[2].splitlines() if line != "..."]
    for printed, ran in zip(shown, real[len(real) - len(shown) :], strict=True):
        assert same_but_last_digits(printed, ran), (printed, ran)
