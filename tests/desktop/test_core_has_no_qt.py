"""The seam is real: core never imports PySide6 (or any Qt binding), directly or through a dependency."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
QT = re.compile(r"^\s*(from|import)\s+(PySide\d|PyQt\d|shiboken\d|qtpy)\b", re.MULTILINE)


def test_no_core_module_mentions_qt_in_an_import():
    offenders = [str(p.relative_to(CORE)) for p in CORE.rglob("*.py") if QT.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_importing_every_core_module_loads_no_qt():
    script = """
import importlib, pkgutil, sys
import core
failed = []
for info in pkgutil.walk_packages(core.__path__, "core."):
    if info.name.endswith("__main__"):  # running it is not importing it
        continue
    try:
        importlib.import_module(info.name)
    except ImportError as exc:  # an optional extra that is not installed: still no Qt allowed
        failed.append(f"{info.name}: {exc}")
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6"))
print("QT:", qt)
print("IMPORTED:", sum(1 for m in sys.modules if m.startswith("core.")))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240, cwd=CORE.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "QT: []" in result.stdout, result.stdout
    imported = int(result.stdout.split("IMPORTED:")[1].split()[0])
    assert imported > 40  # it really walked the package
