"""`dumpling status`: what a warehouse holds, in a few lines a person reads at a glance."""

from __future__ import annotations

from pathlib import Path

import duckdb

RECENT_RUNS = 5


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return connection.execute(sql).fetchall()


def describe(connection: duckdb.DuckDBPyConnection, root: Path | str) -> str:
    ((documents, sources, first, last, undated, duplicates, clustered),) = _rows(
        connection,
        "SELECT count(*), count(DISTINCT source), min(published_date), max(published_date), "
        "count(*) FILTER (WHERE published_date IS NULL), count(duplicate_of), "
        "count(near_duplicate_cluster) FROM documents",
    )
    ((files, rejects),) = _rows(
        connection, "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM rejects)"
    )
    lines = [
        f"warehouse {root}",
        f"  {documents} documents from {sources} sources in {files} files; {rejects or 0} rejects",
        f"  published {first} .. {last}; {undated} without a date",
        f"  {duplicates} exact duplicates marked; {clustered} documents in near-duplicate clusters",
        "sources:",
    ]
    for source, count, languages in _rows(
        connection,
        "SELECT source, count(*), string_agg(DISTINCT language, ',' ORDER BY language) "
        "FROM documents GROUP BY source ORDER BY source",
    ):
        lines.append(f"  {source}: {count} documents ({languages})")
    lines.append("rejects by reason:")
    for reason, count in _rows(
        connection, "SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY count(*) DESC, reason"
    ):
        lines.append(f"  {reason}: {count}")
    lines.append("last runs:")
    for run_id, finished, seconds, loaded, unchanged, count in _rows(
        connection,
        "SELECT run_id, finished_at, seconds, files_loaded, files_unchanged, documents FROM runs "
        f"ORDER BY finished_at DESC LIMIT {RECENT_RUNS}",
    ):
        lines.append(
            f"  {finished:%Y-%m-%d %H:%M:%S} UTC  {run_id}  {loaded} files loaded, {unchanged} unchanged, "
            f"{count} documents, {seconds:.1f} s"
        )
    return "\n".join(lines)
