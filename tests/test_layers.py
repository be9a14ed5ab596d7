"""The app layers of DESIGN.md hold: imports point down only (import-linter, pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    ("package", "planted", "broken"),
    [
        # The register importing an app above it.
        ("customers", "feedback.models", "customers is not allowed to import feedback"),
        # One of the three independent apps importing another: they meet through signals and
        # the interfaces of customers/ only.
        ("feedback", "calls.models", "feedback is not allowed to import calls"),
        ("feedback", "consents.selectors", "feedback is not allowed to import consents"),
        ("calls", "feedback.services", "calls is not allowed to import feedback"),
    ],
)
def test_a_planted_import_breaks_the_contract(tmp_path, package, planted, broken):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for root_package in config["root_packages"]:
        shutil.copytree(
            ROOT / root_package,
            tmp_path / root_package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / package / "planted.py").write_text(f"import {planted}  # noqa\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert broken in result.stdout
    assert f"{package}.planted -> {planted}" in result.stdout


def test_no_import_is_excused_from_the_layers():
    """The apps meet through signals and the interfaces of the layers below, never through a
    named exception: an `ignore_imports` entry would let one app reach into another unseen."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for contract in config["contracts"]:
        assert not contract.get("ignore_imports"), contract["id"]
