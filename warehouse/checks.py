"""Invariants of the warehouse as zero-row SQL checks: each file under `sql/checks/` selects the rows
that break its rule, so an empty result is a pass."""

from __future__ import annotations

from pathlib import Path

import duckdb

CHECKS_DIR = Path(__file__).resolve().parent / "sql" / "checks"


def check_files() -> list[Path]:
    return sorted(CHECKS_DIR.glob("*.sql"))


def offending_rows(
    connection: duckdb.DuckDBPyConnection, check: Path, limit: int = 10
) -> list[tuple[object, ...]]:
    """Up to `limit` rows that break the rule of `check`."""
    return connection.sql(f"SELECT * FROM ({check.read_text()}) LIMIT {int(limit)}").fetchall()
