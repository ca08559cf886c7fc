"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sh_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    blocks = _sh_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    test_commands = [b for b in blocks if "pytest" in b]
    assert len(test_commands) == 1, test_commands
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_commands[0] in ci_lines


def test_readme_launch_command_installs_and_starts_the_app() -> None:
    blocks = _sh_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert any("pip install ." in b and b.endswith("gradstep") for b in blocks)
