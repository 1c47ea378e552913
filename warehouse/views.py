"""The ready-made views and macros for analysts: the numbered `.sql` files under `sql/views/`, run in
order over the table views, stored in the catalog by every commit and, for a warehouse read from
object storage or a catalog written without them, made temporary in each reading connection.

Before the files run, the connection gets what they refer to:

* `_stopwords(language, word)`: the stop words of stopwords-iso (the `stopwordsiso` package, 58
  languages);
* a `search()` macro: DuckDB binds a macro's body when it is created, so `mentions()` needs one. Until
  a run's `refresh_derived` builds the full-text index and its `search()`, a stand-in with the same
  columns returns no rows on an empty warehouse and otherwise says that the index is missing.

Creating them binds `documents` once each, a fraction of a second in all, so the catalog records a
fingerprint of what it holds (`_meta` key `views`): a commit, or a reader of a local warehouse, that
finds these objects already stored leaves them be. DuckDB resolves the names in a view or macro each
time it is used, so the stored ones follow the table views that every commit replaces.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import version
from pathlib import Path

import duckdb
import stopwordsiso

VIEWS_DIR = Path(__file__).resolve().parent / "sql" / "views"
_CREATE = re.compile(r"\bCREATE\s+OR\s+REPLACE\s+(VIEW|MACRO|TABLE)\b", re.IGNORECASE)
STOPWORDS_TABLE = "_stopwords"
STOPWORDS_VERSION = f"stopwords-iso {version('stopwordsiso')}"
_NO_SEARCH_INDEX = (
    "this warehouse has no search index yet: it is built at the end of a run, and the run that loaded "
    "these documents did not get there; run `dumpling ingest` again"
)
# The error names a column so that it is raised for the first row, never on an empty warehouse.
_SEARCH_STAND_IN = (
    "CREATE OR REPLACE MACRO search(query_text, b := NULL, top := NULL) AS TABLE "
    "SELECT *, NULL::DOUBLE AS score FROM documents "
    f"WHERE error('{_NO_SEARCH_INDEX}' || left(doc_id, 0)) IS NULL"
)
_FINGERPRINT_KEY = "views"
# No statement here takes parameters: the first parameter a process binds makes duckdb import pandas,
# which would add a second to every `dumpling sql`.


def view_files() -> list[Path]:
    return sorted(VIEWS_DIR.glob("*.sql"))


def fingerprint() -> str:
    """What `install_views` creates, summed up: the files, the stop words and the stand-in."""
    digest = hashlib.sha256(f"{STOPWORDS_VERSION}\n{_SEARCH_STAND_IN}\n".encode())
    for file in view_files():
        digest.update(f"{file.name}\n".encode() + file.read_bytes() + b"\n")
    return digest.hexdigest()


def install_views(connection: duckdb.DuckDBPyConnection, temporary: bool = False) -> None:
    """Create (or replace) every view and macro of `sql/views/`; `temporary` ones live only in this
    connection, which may be read-only."""
    current = fingerprint()
    if _stored_fingerprint(connection) == current and not _reads_temporary_tables(connection):
        return
    _install_stopwords(connection, temporary)
    _prepare_search(connection, temporary)
    for file in view_files():
        connection.execute(_statement(file.read_text(encoding="utf-8"), temporary))
    if not temporary and _has_meta(connection):
        connection.execute(f"INSERT OR REPLACE INTO _meta VALUES ('{_FINGERPRINT_KEY}', '{current}')")


def _statement(sql: str, temporary: bool) -> str:
    if not temporary:
        return sql
    return _CREATE.sub(lambda match: f"CREATE OR REPLACE TEMPORARY {match.group(1).upper()}", sql)


def _has_meta(connection: duckdb.DuckDBPyConnection) -> bool:
    row = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_meta' AND NOT temporary"
    ).fetchone()
    return row != (0,)


def _stored_fingerprint(connection: duckdb.DuckDBPyConnection) -> str | None:
    if not _has_meta(connection):
        return None
    row = connection.execute(f"SELECT value FROM _meta WHERE key = '{_FINGERPRINT_KEY}'").fetchone()
    return None if row is None else str(row[0])


def _reads_temporary_tables(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether this connection has table views of its own (a remote warehouse's, whose parts it reads in
    place): it then gets its own objects too, made over them."""
    row = connection.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'documents' AND temporary"
    ).fetchone()
    return row != (0,)


def _install_stopwords(connection: duckdb.DuckDBPyConnection, temporary: bool) -> None:
    words = {language: sorted(stopwordsiso.stopwords(language)) for language in sorted(stopwordsiso.langs())}
    kind = "TEMPORARY TABLE" if temporary else "TABLE"
    connection.execute(
        f"CREATE OR REPLACE {kind} {STOPWORDS_TABLE} "
        "(language VARCHAR NOT NULL, word VARCHAR NOT NULL, PRIMARY KEY (language, word))"
    )
    literal = "'" + json.dumps(words, ensure_ascii=False).replace("'", "''") + "'"
    connection.execute(
        f"INSERT INTO {STOPWORDS_TABLE} SELECT language, unnest(words) "
        "FROM (SELECT unnest(map_keys(m)) AS language, unnest(map_values(m)) AS words "
        f"FROM (SELECT {literal}::JSON::MAP(VARCHAR, VARCHAR[]) AS m))"
    )


def _prepare_search(connection: duckdb.DuckDBPyConnection, temporary: bool) -> None:
    row = connection.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'search' "
        "AND function_type = 'table_macro'"
    ).fetchone()
    if row != (0,):
        from warehouse.catalog import load_search_extension  # catalog imports this module

        load_search_extension(connection)  # binding `mentions` binds `search`, which needs the extension
        return
    connection.execute(_statement(_SEARCH_STAND_IN, temporary))
