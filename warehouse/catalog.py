"""The DuckDB catalog `warehouse.duckdb`: which Parquet parts make up each table, and the views.

Parts are listed in `_parts` by path relative to the warehouse folder, so the folder can be moved;
connections set DuckDB's `file_search_path` to it, as a setting of the connection. No folder, and no
value from a dump or a configuration file, is ever part of SQL text: values are bound as parameters,
and the statements that cannot take any (a view over a list of files) hold only the names dumpling
gives its parts and, for a remote warehouse, its URL, quoted by `sql_string`.

A commit swaps the listing and the views in one DuckDB transaction: a query sees the tables either
before or after a commit, never half of one, and a process killed at any moment leaves the catalog as
the last commit left it. Files that no commit lists (a killed load's parts, a superseded part whose
deletion was cut short) are removed by the next run's `collect_garbage`.

`documents` is a view with one branch per month partition, each bounded by its month, so that a
date-range query reads only the partitions it needs. `duplicate_of` and `near_duplicate_cluster`
come from `_dedup`, which `refresh_derived` recomputes over the whole warehouse, with the full-text
index, after each run that changed something, and writes out as each partition's marks part
(`warehouse.marks`): a branch lines its rows up with that part by position rather than joining
`_dedup` on doc_id, which used to be most of the time of a count. A partition whose parts changed
since (until the refresh that follows a commit) joins `_dedup` instead.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import duckdb_extension_fts

from warehouse.location import default_warehouse
from warehouse.parts import fsync_path, rewrite_without_sources, write_empty_part
from warehouse.schema import SCHEMA_VERSION, TABLES, UNDATED_PARTITION
from warehouse.storage import is_remote, local_path
from warehouse.views import install_views

if TYPE_CHECKING:  # the loader imports every reader; a connection for queries needs none of them
    from warehouse.load import NewPart

CATALOG_FILE = "warehouse.duckdb"
TABLES_DIR = "tables"
EMPTY_PART = "_empty.parquet"
# The parts of the search index (`warehouse.search_index`), one per documents part, listed in `_parts`
# under this table name; `_search_postings` is the view over them.
SEARCH_PARTS = "_search"
# The duplicate marks of each partition (`warehouse.marks`), listed in `_parts` under this table name
# with the documents parts they follow, in order, as their `source_files`.
MARKS_PARTS = "_marks"
LOCK_FILE = ".lock"
LOCK_WAIT_SECONDS = 60.0
# The duplicate marks of the documents that have one, a row each (`warehouse.derived`).
DEDUP_COLUMNS = "doc_id VARCHAR NOT NULL, duplicate_of VARCHAR, near_duplicate_cluster VARCHAR"
# Columns the stored documents carry for the warehouse's own use, not shown in the view.
HIDDEN_DOCUMENT_COLUMNS = ("minhash",)
FTS_EXTENSION = next(
    (Path(duckdb_extension_fts.__file__).parent / "extensions").rglob("fts.duckdb_extension")
)


class WarehouseError(Exception):
    """A warehouse that is missing, locked or unusable, with a message meant for the user."""


def sql_string(text: str) -> str:
    """`text` as an SQL string literal, for the statements that cannot take parameters (a view's list
    of files)."""
    if "\0" in text:  # DuckDB's parser stops at NUL
        raise ValueError(f"a NUL character cannot be part of SQL text: {text!r}")
    return "'" + text.replace("'", "''") + "'"


def search_path(root: Path) -> str:
    """The folder `root` as DuckDB's `file_search_path`, which is a list separated by commas."""
    folder = str(root.resolve())
    if "," in folder:
        raise WarehouseError(
            f"the warehouse folder {folder} has a comma in its path, which DuckDB would read as two "
            "folders: use a folder without one"
        )
    return folder


def _open(catalog: Path, root: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The catalog file `catalog`, reading parts relative to `root`. The folder is a setting of the
    connection, not SQL text, and binds no parameter (the first one bound imports pandas)."""
    connection = duckdb.connect(
        str(catalog), read_only=read_only, config={"file_search_path": search_path(root)}
    )
    connection.execute("SET TimeZone = 'UTC'")
    # Parts never change once written (a new part takes the place of one rewritten): each query would
    # otherwise read every part's footer again, which costs more than the rows a count reads.
    connection.execute("SET parquet_metadata_cache = true")
    return connection


def load_search_extension(connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """DuckDB's fts extension, which `search()` needs: only readers and the index refresh load it, not
    every commit."""
    connection.load_extension(str(FTS_EXTENSION))
    return connection


def connect(root: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse at `root` (a folder, or a URL such as `s3://bucket/w`;
    default: `$DUMPLING_WAREHOUSE`, else the checkout's `warehouse/`), with every view in place."""
    root = default_warehouse() if root is None else root
    if is_remote(str(root)):
        from warehouse.remote import connect_remote

        return connect_remote(str(root))
    root = local_path(str(root))
    catalog = root / CATALOG_FILE
    if not catalog.exists():
        raise WarehouseError(f"no warehouse at {root}: load one with `dumpling ingest PATH`")
    try:
        connection = _open(catalog, root, read_only=True)
    except duckdb.IOException as error:
        raise WarehouseError(f"cannot open {catalog}: {error}") from error
    load_search_extension(connection)
    install_views(connection, temporary=True)  # this dumpling's views, whichever wrote the catalog
    return connection


@contextmanager
def run_lock(root: Path) -> Iterator[None]:
    """Held for a whole run: a second run against the same warehouse is refused, not interleaved.
    The operating system releases it when the process ends, however it ends."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK_FILE).open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WarehouseError(
                f"the warehouse at {root} is being loaded by another run ({holder}); "
                "try again when it has finished"
            ) from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def connect_for_writing(root: Path) -> duckdb.DuckDBPyConnection:
    """The catalog opened for writing. DuckDB allows one writing process, so a second writer waits here."""
    if not (root / CATALOG_FILE).exists():
        _create_catalog(root)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            connection = _open(root / CATALOG_FILE, root)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise WarehouseError(f"cannot open {root / CATALOG_FILE}: {error}") from error
            if time.monotonic() > deadline:
                raise WarehouseError(
                    f"the warehouse at {root} is in use by another process; try again when it is done "
                    f"({error})"
                ) from error
            time.sleep(0.2)
            continue
        _prepare(connection, root)
        return connection


def _create_catalog(root: Path) -> None:
    """A new catalog, complete with its tables and views, built aside and then renamed into place: a
    process killed meanwhile leaves no catalog rather than half of one."""
    root.mkdir(parents=True, exist_ok=True)
    building = root / f".{CATALOG_FILE}.new"
    building.unlink(missing_ok=True)
    connection = _open(building, root)
    try:
        _prepare(connection, root)
        create_views(connection)
        connection.execute("CHECKPOINT")
    finally:
        connection.close()
    fsync_path(building)
    os.replace(building, root / CATALOG_FILE)
    fsync_path(root)


def _prepare(connection: duckdb.DuckDBPyConnection, root: Path) -> None:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS _parts (table_name VARCHAR NOT NULL, partition VARCHAR, "
        "file VARCHAR NOT NULL, source_files VARCHAR[] NOT NULL)"
    )
    connection.execute("CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    connection.execute(f"CREATE TABLE IF NOT EXISTS _dedup ({DEDUP_COLUMNS})")
    _check_schema_version(connection, root)
    for table, schema in TABLES.items():
        write_empty_part(root / TABLES_DIR / table / EMPTY_PART, schema)


def _check_schema_version(connection: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Refuse to mix parts of two schema versions in one table; record the version of a new warehouse."""
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


def parquet_listing(files: Sequence[str]) -> str:
    return "[" + ", ".join(sql_string(file) for file in files) + "]"


def _month_branch(scan: str, partition: str) -> str:
    """The rows of one month partition, with the month's bounds stated on both date columns, so that
    the optimiser can rule the branch out for any filter outside them."""
    if partition == UNDATED_PARTITION:
        undated = "NULL::DATE AS published_date, NULL::TIMESTAMPTZ AS published_at"
        return f"SELECT * REPLACE ({undated}) FROM ({scan})"
    year, month = (int(part) for part in partition.split("-"))
    start, end = date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)
    return (
        f"{scan} WHERE published_date >= DATE '{start}' AND published_date < DATE '{end}' "
        f"AND published_at >= TIMESTAMPTZ '{start} 00:00:00+00' "
        f"AND published_at < TIMESTAMPTZ '{end} 00:00:00+00'"
    )


def _documents_view(connection: duckdb.DuckDBPyConnection, base: str) -> str:
    """One branch per partition, bounded by its month: DuckDB drops the branches a date filter rules
    out before reading any of their files. Each branch takes the duplicate marks from the partition's
    marks part, by position, if it follows the partition's parts as they are, else from `_dedup`."""
    hidden = ", ".join(HIDDEN_DOCUMENT_COLUMNS)
    partitions = document_partitions(connection)
    if not partitions:  # the empty part only gives the view its columns
        return (
            f"SELECT * EXCLUDE ({hidden}), NULL::VARCHAR AS duplicate_of, "
            "NULL::VARCHAR AS near_duplicate_cluster FROM "
            f"{stored_documents([f'{base}{TABLES_DIR}/documents/{EMPTY_PART}'])}"
        )
    marks = {
        partition: (file, list(follows))
        for partition, file, follows in connection.execute(
            "SELECT partition, file, source_files FROM _parts WHERE table_name = ?", [MARKS_PARTS]
        ).fetchall()
    }
    branches = []
    for partition, files in partitions.items():
        scan = stored_documents([base + file for file in files])
        marks_file, follows = marks.get(partition, (None, None))
        if follows == files:
            marks_scan = f"read_parquet({sql_string(base + str(marks_file))}, hive_partitioning = false)"
            rows = (
                f"SELECT published_date AS {_UNION_FIRST}, * EXCLUDE ({hidden}) "
                f"FROM {scan} POSITIONAL JOIN {marks_scan}"
            )
        else:
            rows = (
                f"SELECT d.published_date AS {_UNION_FIRST}, d.* EXCLUDE ({hidden}), x.duplicate_of, "
                f"x.near_duplicate_cluster FROM {scan} AS d LEFT JOIN _dedup AS x USING (doc_id)"
            )
        branches.append(_month_branch(rows, partition))
    return f"SELECT * EXCLUDE ({_UNION_FIRST}) FROM ({' UNION ALL '.join(branches)})"


# A query that uses no column of a UNION ALL (`count(*)`) still reads its first one, which would be
# `doc_id`, the costliest to read: each branch starts with a copy of its date instead, dropped above.
_UNION_FIRST = "_union_first"


def _located_view(connection: duckdb.DuckDBPyConnection, base: str) -> str:
    """The stored documents with each row's part (`filename`, as DuckDB resolves it) and row number in
    the part: a join on both reads only the parts, and row groups, that hold the rows joined."""
    hidden = ", ".join(HIDDEN_DOCUMENT_COLUMNS)
    files = [base + file for file in document_files(connection)]
    return (
        f"SELECT * EXCLUDE ({hidden}) FROM read_parquet({parquet_listing(files)}, hive_partitioning = false, "
        "filename = true, file_row_number = true)"
    )


def create_views(connection: duckdb.DuckDBPyConnection, base: str = "", temporary: bool = False) -> None:
    """The views over the listed parts, whose paths are relative to the warehouse folder (set as the
    `file_search_path`) or, with `base`, to a URL; `temporary` views go with the (read-only)
    connection, in front of the stored ones."""
    view = "TEMPORARY VIEW" if temporary else "VIEW"
    connection.execute(f"CREATE OR REPLACE {view} documents AS {_documents_view(connection, base)}")
    if not temporary:  # what catalogs written before held: `documents` was `_documents` joined to `_dedup`
        connection.execute("DROP VIEW IF EXISTS _documents")
    connection.execute(f"CREATE OR REPLACE {view} _documents_located AS {_located_view(connection, base)}")
    for table in TABLES:
        if table == "documents":
            continue
        files = [f"{TABLES_DIR}/{table}/{EMPTY_PART}"] + [
            row[0]
            for row in connection.execute(
                "SELECT file FROM _parts WHERE table_name = ? ORDER BY file", [table]
            ).fetchall()
        ]
        listing = parquet_listing([base + file for file in files])
        connection.execute(f"CREATE OR REPLACE {view} {table} AS SELECT * FROM read_parquet({listing})")
    postings = [
        base + row[0]
        for row in connection.execute(
            "SELECT file FROM _parts WHERE table_name = ? ORDER BY file", [SEARCH_PARTS]
        ).fetchall()
    ]
    connection.execute(f"CREATE OR REPLACE {view} _search_postings AS {_postings_view(postings)}")
    install_views(connection, temporary)


def _postings_view(files: Sequence[str]) -> str:
    if not files:
        return (
            "SELECT * FROM (VALUES ('', '', [0], [0], [''], [0], 0::BIGINT, 0::BIGINT)) "
            "AS p(part, term, docs, tfs, doc_ids, lengths, documents, total_length) WHERE false"
        )
    return (
        "SELECT filename AS part, term, docs, tfs, doc_ids, lengths, documents, total_length "
        f"FROM read_parquet({parquet_listing(files)}, filename = true)"
    )


def stored_documents(files: Sequence[str]) -> str:
    """A scan of documents parts with every stored column; the partition is in the rows already."""
    return f"read_parquet({parquet_listing(files)}, hive_partitioning = false)"


def document_partitions(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The committed parts of `documents` by partition, each partition's in the order of their names."""
    partitions: dict[str, list[str]] = {}
    for partition, file in connection.execute(
        "SELECT partition, file FROM _parts WHERE table_name = 'documents' ORDER BY partition, file"
    ).fetchall():
        partitions.setdefault(partition, []).append(file)
    return partitions


def document_files(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Every committed part of `documents`, with the columns the view hides."""
    rows = connection.execute("SELECT file FROM _parts WHERE table_name = 'documents' ORDER BY file")
    return [TABLES_DIR + "/documents/" + EMPTY_PART] + [row[0] for row in rows.fetchall()]


def commit(
    root: Path, new_parts: Iterable[NewPart], replaced: Sequence[str], sources: Sequence[str] | None = None
) -> None:
    """Make `new_parts` part of the warehouse at `root`, in place of every row that earlier loads took
    from the `replaced` source files (the files just loaded again, or pruned). The new parts hold rows
    of the `sources` files (default: the replaced ones), which a later commit may replace."""
    new_parts = list(new_parts)
    replaced = sorted(set(replaced))
    sources = replaced if sources is None else sorted(set(sources))
    superseded: list[Path] = []
    connection = connect_for_writing(root)
    try:
        connection.begin()
        for table, schema in TABLES.items():
            overlapping = connection.execute(
                "SELECT partition, file, source_files FROM _parts "
                "WHERE table_name = ? AND list_has_any(source_files, ?::VARCHAR[])",
                [table, replaced],
            ).fetchall()
            for partition, file, sources in overlapping:
                kept = rewrite_without_sources(root / file, schema, replaced)
                connection.execute("DELETE FROM _parts WHERE file = ?", [file])
                if kept is not None:
                    remaining = sorted(set(sources) - set(replaced))
                    connection.execute(
                        "INSERT INTO _parts VALUES (?, ?, ?, ?)",
                        [table, partition, str(kept.relative_to(root)), remaining],
                    )
                superseded.append(root / file)
        for part in new_parts:
            connection.execute(
                "INSERT INTO _parts VALUES (?, ?, ?, ?)", [part.table, part.partition, part.file, sources]
            )
        if replaced:
            connection.execute("INSERT OR REPLACE INTO _meta VALUES ('derived', 'stale')")
        create_views(connection)
        connection.commit()
    finally:
        connection.close()
    for path in superseded:
        path.unlink(missing_ok=True)


def collect_garbage(root: Path) -> int:
    """Remove the part files no commit lists (left by a run that died); only while holding the run lock."""
    catalog = root / CATALOG_FILE
    tables = root / TABLES_DIR
    if not tables.is_dir():
        return 0
    listed: set[str] = set()
    if catalog.exists():
        connection = connect_for_writing(root)
        try:
            listed = {row[0] for row in connection.execute("SELECT file FROM _parts").fetchall()}
        finally:
            connection.close()
    removed = 0
    for path in tables.rglob("*"):
        relative = str(path.relative_to(root))
        if path.is_file() and path.name != EMPTY_PART and relative not in listed:
            path.unlink()
            removed += 1
    return removed


def manifest(root: Path) -> dict[str, str]:
    """The fingerprint of every file the warehouse holds rows of, by its path."""
    if not (root / CATALOG_FILE).exists():
        return {}
    with connect(root) as connection:
        return dict(connection.execute("SELECT source_file, fingerprint FROM files").fetchall())


def derived_are_stale(root: Path) -> bool:
    if not (root / CATALOG_FILE).exists():
        return False
    with connect(root) as connection:
        row = connection.execute("SELECT value FROM _meta WHERE key = 'derived'").fetchone()
        has_marks = connection.execute("SELECT 1 FROM _meta WHERE key = 'marks_format'").fetchone()
    # A catalog written before marks parts existed gets them from the next run's refresh.
    return row is not None and (row[0] == "stale" or has_marks is None)
