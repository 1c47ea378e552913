"""The DuckDB catalog `warehouse.duckdb`: which Parquet parts make up each table, and a view per table.

Parts are listed in the catalog by path relative to the warehouse folder, so the folder can be moved;
connections set DuckDB's `file_search_path` to it. A commit swaps the listing and the views in one
DuckDB transaction: a query sees the tables either before or after a load, never half of one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from warehouse.parts import rewrite_without_sources, write_empty_part
from warehouse.schema import SCHEMA_VERSION, TABLES

CATALOG_FILE = "warehouse.duckdb"
TABLES_DIR = "tables"
EMPTY_PART = "_empty.parquet"
LOCK_WAIT_SECONDS = 60.0


class WarehouseError(Exception):
    """A warehouse that is missing, locked or unusable, with a message meant for the user."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _configure(connection: duckdb.DuckDBPyConnection, root: Path) -> duckdb.DuckDBPyConnection:
    connection.execute(f"SET file_search_path = {_quote(str(root.resolve()))}")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def connect(root: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse at `root`, with every table's view in place."""
    root = Path(root)
    catalog = root / CATALOG_FILE
    if not catalog.exists():
        raise WarehouseError(f"no warehouse at {root}: load one with `dumpling ingest PATH`")
    try:
        connection = duckdb.connect(str(catalog), read_only=True)
    except duckdb.IOException as error:
        raise WarehouseError(f"cannot open {catalog}: {error}") from error
    return _configure(connection, root)


def _connect_for_writing(root: Path) -> duckdb.DuckDBPyConnection:
    """The catalog opened for writing. DuckDB allows one writing process, so a second loader waits here."""
    root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return _configure(duckdb.connect(str(root / CATALOG_FILE)), root)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise WarehouseError(
                    f"the warehouse at {root} is in use by another process; try again when it is done "
                    f"({error})"
                ) from error
            time.sleep(0.5)


def _create_views(connection: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        files = [f"{TABLES_DIR}/{table}/{EMPTY_PART}"] + [
            row[0]
            for row in connection.execute(
                "SELECT file FROM _parts WHERE table_name = ? ORDER BY file", [table]
            ).fetchall()
        ]
        listing = ", ".join(_quote(file) for file in files)
        connection.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet([{listing}])")


def _check_schema_version(connection: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Refuse to mix parts of two schema versions in one table; record the version of a new warehouse."""
    connection.execute("CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    row = connection.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchone()
    has_parts = connection.execute("SELECT count(*) FROM _parts").fetchone() != (0,)
    # Warehouses written before the version was recorded hold version 1.
    version = row[0] if row else "1" if has_parts else SCHEMA_VERSION
    if version != SCHEMA_VERSION:
        raise WarehouseError(
            f"the warehouse at {root} holds tables of schema version {version}, and this dumpling writes "
            f"version {SCHEMA_VERSION}: load into a new warehouse (--warehouse or DUMPLING_WAREHOUSE), "
            "or remove this one and load again"
        )
    connection.execute("INSERT OR REPLACE INTO _meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def commit(root: Path, new_parts: Iterable[tuple[str, str, Sequence[str]]]) -> None:
    """Make `new_parts` part of the warehouse at `root`, each a `(table, file, source_files)`.

    Rows that earlier loads took from the same source files are dropped, so loading a file again
    replaces its rows instead of adding to them.
    """
    new_parts = list(new_parts)
    replaced = sorted({source for _, _, sources in new_parts for source in sources})
    superseded: list[Path] = []
    connection = _connect_for_writing(root)
    try:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS _parts "
            "(table_name VARCHAR NOT NULL, file VARCHAR NOT NULL, source_files VARCHAR[] NOT NULL)"
        )
        _check_schema_version(connection, root)
        for table, schema in TABLES.items():
            write_empty_part(root / TABLES_DIR / table / EMPTY_PART, schema)
        connection.begin()
        for table, schema in TABLES.items():
            overlapping = connection.execute(
                "SELECT file, source_files FROM _parts "
                "WHERE table_name = ? AND list_has_any(source_files, ?::VARCHAR[])",
                [table, replaced],
            ).fetchall()
            for file, sources in overlapping:
                kept = rewrite_without_sources(root / file, schema, replaced)
                connection.execute("DELETE FROM _parts WHERE file = ?", [file])
                if kept is not None:
                    remaining = sorted(set(sources) - set(replaced))
                    connection.execute(
                        "INSERT INTO _parts VALUES (?, ?, ?)",
                        [table, str(kept.relative_to(root)), remaining],
                    )
                superseded.append(root / file)
        for table, file, sources in new_parts:
            connection.execute("INSERT INTO _parts VALUES (?, ?, ?)", [table, file, list(sources)])
        _create_views(connection)
        connection.commit()
    finally:
        connection.close()
    for path in superseded:
        path.unlink(missing_ok=True)
