"""The import rules of the layers: transforms is pure, warehouse never orchestrates."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

FORBIDDEN = {
    "transforms": {"prefect", "duckdb", "flows", "warehouse"},
    "warehouse": {"prefect", "flows"},
}
# Prefect's block store, where object-store credentials may be kept: a place to read a secret from,
# not orchestration.
ALLOWED = {"warehouse": {"prefect.blocks.system"}}


def _imported_roots(path: Path, allowed: set[str] = set()) -> set[str]:  # noqa: B006 (never changed)
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names if alias.name not in allowed)
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and node.module not in allowed
        ):
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_source_does_not_import_forbidden_layers(package: str) -> None:
    modules = sorted((REPO / package).rglob("*.py"))
    assert modules
    allowed = ALLOWED.get(package, set())
    offending = {
        str(module.relative_to(REPO)): sorted(_imported_roots(module, allowed) & FORBIDDEN[package])
        for module in modules
        if _imported_roots(module, allowed) & FORBIDDEN[package]
    }
    assert offending == {}


def test_importing_every_transform_loads_neither_prefect_nor_duckdb() -> None:
    modules = [
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for path in sorted((REPO / "transforms").rglob("*.py"))
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('prefect', 'duckdb') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
