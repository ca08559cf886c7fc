"""The engine and the headless commands never import Qt."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import QT, ROOT, run_python


def test_every_engine_module_imports_without_qt() -> None:
    """Import engine and each of its modules; neither PySide6 nor pyqtgraph gets loaded."""
    modules = sorted(
        ".".join(p.relative_to(ROOT / "engine").with_suffix("").parts)
        for p in (ROOT / "engine").rglob("*.py")
        if p.stem != "__init__"
    )
    assert "history.session" in modules
    code = (
        "import importlib, sys\n"
        "import engine\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('engine.' + name)\n"
        f"loaded = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    proc = run_python("-c", code, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_headless_commands_do_not_import_qt() -> None:
    """`run`, `chain` and `examples` through the console script's main() leave Qt unloaded."""
    code = (
        "import sys\n"
        "from gui.main import main\n"
        "codes = [main(['run', 'example:xor', '--iterations', '5']),\n"
        "         main(['chain', 'example:xor', '--weight', '0:0:1', '--json']),\n"
        "         main(['examples'])]\n"
        f"loaded = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\n"
        "print('RESULT', codes, loaded)\n"
        "sys.exit(0 if codes == [0, 0, 0] and not loaded else 1)\n"
    )
    proc = run_python("-c", code, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert "RESULT [0, 0, 0] []" in proc.stdout


def test_module_entry_point_does_not_import_qt() -> None:
    """`python -X importtime -m gui.main run example:xor`: no Qt module in the import log."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gui.main", "run", "example:xor", "--iterations", "5"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "import time:" in proc.stderr  # the log is there, so its silence about Qt means something
    assert "engine.history.session" in proc.stderr
    for name in QT:
        assert name not in proc.stderr
