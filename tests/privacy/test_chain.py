"""Inside `privacy` imports run one way (issue 14): declarations ← plan ← erasure ← retention ←
the jobs, commands, admin and checks. Every import counts, also one inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PRIVACY = Path(__file__).resolve().parents[2] / "privacy"

# Lower layers first; a module may import only modules of lower layers (and privacy.models,
# which imports nothing of privacy).
CHAIN = ["declarations", "plan", "erasure", "retention"]


def privacy_imports(module: str) -> set[str]:
    tree = ast.parse((PRIVACY / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "privacy":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("privacy."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("privacy.")
            )
    return found


@pytest.mark.parametrize("module", CHAIN + ["models"])
def test_each_module_of_the_chain_imports_only_what_lies_below_it(module):
    below = set(CHAIN[: CHAIN.index(module)]) if module in CHAIN else set()
    allowed = below | ({"models"} if module != "models" else set())
    assert privacy_imports(module) <= allowed, f"privacy.{module} reaches up the chain"


def test_the_check_can_fail():
    assert "declarations" in privacy_imports("plan")
    assert "erasure" in privacy_imports("retention")
