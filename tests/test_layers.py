"""The app layers of DESIGN.md hold: imports point down only (import-linter, pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_apps_keep_their_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apps import downwards only KEPT" in result.stdout


def test_a_planted_upward_import_breaks_the_contract(tmp_path):
    # A copy of the apps' code with the register importing an app above it.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for package in config["root_packages"]:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "customers" / "planted.py").write_text("import feedback.models  # noqa\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert "customers is not allowed to import feedback" in result.stdout
    assert "customers.planted -> feedback.models" in result.stdout
