"""ccsess.core never imports Textual: every module of it and of its subpackages imports with Textual blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import ccsess.core

SCRIPT = """
import importlib, sys
sys.modules["textual"] = None
names = sys.argv[1:]
for name in names:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
assert sys.modules["textual"] is None and leaked == ["textual"], leaked
print(len(names))
"""


def test_core_imports_without_textual():
    names = [m.name for m in pkgutil.walk_packages(ccsess.core.__path__, "ccsess.core.")]
    assert {"ccsess.core.store.store", "ccsess.core.claude.engine", "ccsess.core.config"} <= set(names)
    source_root = Path(ccsess.core.__file__).parents[2]
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *names],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(source_root)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(names))


def test_blocking_textual_is_effective():
    result = subprocess.run(
        [sys.executable, "-c", 'import sys; sys.modules["textual"] = None; import textual.app'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr
