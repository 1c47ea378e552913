"""The baseline: DuckDB's plain copy of a JSON Lines file into one zstd Parquet file.

    python bench/peers/duckdb_copy.py INPUT.jsonl OUTPUT.parquet

Prints one JSON object: the COPY's own seconds (the process's start-up excluded), the rows copied,
DuckDB's version and threads.
"""

from __future__ import annotations

import json
import sys
import time

import duckdb


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    connection = duckdb.connect()
    started = time.perf_counter()
    rows = connection.execute(
        "COPY (SELECT * FROM read_json(?, format = 'newline_delimited')) TO "
        f"'{target.replace(chr(39), chr(39) * 2)}' (FORMAT parquet, COMPRESSION zstd)",
        [source],
    ).fetchone()
    seconds = time.perf_counter() - started
    threads = connection.execute("SELECT current_setting('threads')").fetchone()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": rows[0] if rows else None,
                "version": duckdb.__version__,
                "threads": threads[0] if threads else None,
            }
        )
    )


if __name__ == "__main__":
    main()
