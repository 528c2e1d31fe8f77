"""Domain modules stay pure at run time too: importing every one of them loads no Django.

(tests/test_architecture.py checks their imports statically; this catches a dependency that
pulls Django in indirectly, e.g. through a package `__init__`.)"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def domain_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in ROOT.glob("*/domain/*.py")
        if path.name != "__init__.py"
    )


def test_there_are_domain_modules():
    assert {"settlements.domain.calculation", "payouts.domain.amounts"} <= set(domain_modules())


def test_importing_domain_modules_does_not_load_django():
    code = (
        f"import sys, importlib; [importlib.import_module(m) for m in {domain_modules()!r}]; "
        "loaded = sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('django', 'rest_framework')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
