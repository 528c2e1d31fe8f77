"""calculation.py and dates.py stay pure: no Django (house style §4), no I/O modules."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import settlements

PURE_MODULES = ("calculation", "dates")
FORBIDDEN = {"django", "rest_framework", "os", "io", "pathlib", "socket", "requests", "logging"}
ROOT = Path(settlements.__file__).parent


def imported_top_level_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." if node.level else (node.module or "").split(".")[0])
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_nothing_from_django_or_io(module):
    imported = imported_top_level_modules(ROOT / f"{module}.py")
    assert not imported & FORBIDDEN
    assert "." not in imported  # no relative imports of app modules (models, services, …)
    assert "settlements" not in imported and "policies" not in imported


def test_importing_pure_modules_does_not_load_django():
    code = (
        "import sys, settlements.calculation, settlements.dates; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
