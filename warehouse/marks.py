"""Duplicate marks beside the documents: one small part per month partition, with a row per document
(`duplicate_of`, `near_duplicate_cluster`) in the order in which the partition's documents parts,
read in turn, hold them. The `documents` view lines the two up by position (DuckDB's POSITIONAL
JOIN), which costs a query next to nothing, where joining `_dedup` on doc_id cost most of a count.

A marks part is listed in `_parts` (table MARKS_PARTS) with the documents parts it follows, in order,
as its `source_files`; the view uses it only while its partition holds exactly those parts. It is
named by a digest of those parts and of its marks, so that a refresh that changed none of a
partition's marks leaves its part be, and a changed one is a new file that the commit swaps in:
readers of the former listing keep theirs until the next run's `collect_garbage` removes it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.catalog import MARKS_PARTS, TABLES_DIR, document_partitions, parquet_listing
from warehouse.parts import PartWriter, partition_directory
from warehouse.schema import PARTITION_COLUMN

MARKS = pa.schema([("duplicate_of", pa.string()), ("near_duplicate_cluster", pa.string())])
MARKS_FORMAT = "1"
_BATCH_ROWS = 100_000
_MARKS = "x.duplicate_of, x.near_duplicate_cluster"


def write_marks(connection: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Bring each partition's marks part up to `_dedup` and the documents parts, in the connection's
    transaction."""
    partitions = document_partitions(connection)
    listed = dict(
        connection.execute(
            "SELECT partition, file FROM _parts WHERE table_name = ?", [MARKS_PARTS]
        ).fetchall()
    )
    for partition, files in partitions.items():
        # Read in the order listed, which is that of the parts' names, each in the order of its rows.
        joined = (
            f"read_parquet({parquet_listing(files)}, hive_partitioning = false, filename = true, "
            "file_row_number = true) AS d LEFT JOIN _dedup AS x USING (doc_id)"
        )
        digest = connection.execute(
            f"SELECT count(*), bit_xor(hash(d.doc_id, {_MARKS})) FROM {joined}"
        ).fetchone()
        name = f"marks-{hashlib.sha256(repr((files, digest)).encode()).hexdigest()[:32]}.parquet"
        directory = partition_directory(root / TABLES_DIR / MARKS_PARTS, PARTITION_COLUMN, partition)
        file = (directory / name).relative_to(root).as_posix()
        if listed.get(partition) == file:
            continue
        marks = connection.execute(
            f"SELECT {_MARKS} FROM {joined} ORDER BY d.filename, d.file_row_number"
        ).to_arrow_reader(_BATCH_ROWS)
        with PartWriter(directory, MARKS, name) as writer:
            for batch in marks:
                writer.write(batch.cast(MARKS))
            writer.close()
        connection.execute(
            "DELETE FROM _parts WHERE table_name = ? AND partition = ?", [MARKS_PARTS, partition]
        )
        connection.execute("INSERT INTO _parts VALUES (?, ?, ?, ?)", [MARKS_PARTS, partition, file, files])
    connection.execute(
        "DELETE FROM _parts WHERE table_name = ? AND NOT list_contains(?::VARCHAR[], partition)",
        [MARKS_PARTS, list(partitions)],
    )
    connection.execute("INSERT OR REPLACE INTO _meta VALUES ('marks_format', ?)", [MARKS_FORMAT])
