"""Query times on a loaded warehouse: each query run ROUNDS times on one read-only connection.

    .venv/bin/python -m bench.queries WAREHOUSE [MONTH]
    .venv/bin/python -m bench.queries WAREHOUSE --stats

Prints one JSON object: the seconds to connect (`warehouse.connect`: views and the fts extension),
and for each query every round's seconds (all rows fetched), their median and the rows returned.
With `--stats`, what the warehouse holds instead: documents, duplicates, rejects, languages, bytes.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date

ROUNDS = 5
DEFAULT_MONTH = "1987-03"  # Reuters-21578's busiest month, in every JSONL corpus


def queries(month: str) -> dict[str, str]:
    first = date.fromisoformat(f"{month}-01")
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return {
        "monthly count by source": (
            "SELECT source, date_trunc('month', published_date) AS month, count(*) AS documents "
            "FROM documents GROUP BY ALL ORDER BY ALL"
        ),
        "BM25 search": "SELECT * FROM search('oil prices') LIMIT 10",
        "one-month filtered count": (
            f"SELECT count(*) FROM documents WHERE published_date >= DATE '{first}' "
            f"AND published_date < DATE '{after}'"
        ),
    }


def warehouse_stats(root: str) -> dict[str, object]:
    from pathlib import Path

    from warehouse import connect

    with connect(root) as connection:
        row = connection.execute(
            "SELECT count(*), count(duplicate_of), count(near_duplicate_cluster), "
            "count(DISTINCT near_duplicate_cluster), count(*) FILTER (WHERE published_date IS NULL), "
            "count(DISTINCT language) FROM documents"
        ).fetchone()
        rejects = connection.execute("SELECT count(*) FROM rejects").fetchone()
    assert row is not None and rejects is not None
    tables = Path(root) / "tables"
    return {
        "documents": row[0],
        "exact_duplicates": row[1],
        "near_duplicate_documents": row[2],
        "near_duplicate_clusters": row[3],
        "undated": row[4],
        "languages": row[5],
        "rejects": rejects[0],
        "tables_bytes": sum(f.stat().st_size for f in tables.rglob("*") if f.is_file()),
    }


def main() -> None:
    from warehouse import connect

    root = sys.argv[1]
    if sys.argv[2:] == ["--stats"]:
        print(json.dumps(warehouse_stats(root)))
        return
    month = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_MONTH
    started = time.perf_counter()
    connection = connect(root)
    connected = time.perf_counter() - started
    results = {}
    for name, sql in queries(month).items():
        rounds, rows = [], 0
        for _ in range(ROUNDS):
            started = time.perf_counter()
            rows = len(connection.execute(sql).fetchall())
            rounds.append(time.perf_counter() - started)
        results[name] = {"sql": sql, "seconds": rounds, "median": statistics.median(rounds), "rows": rows}
    print(json.dumps({"connect_seconds": connected, "queries": results}))


if __name__ == "__main__":
    main()
