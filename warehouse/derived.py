"""What the warehouse derives from all its documents after a run: duplicate marks and the search index.

Both are recomputed over the whole warehouse, so copies are found across runs, and a run that changed
nothing leaves them as they are. Nothing is deleted: a duplicate is marked, and stays queryable.

* exact duplicates share the SHA-256 of their normalised text; each copy's `duplicate_of` is the
  `doc_id` of the first copy, in load order (earliest run first, then file, member and record);
* near-duplicates are clusters of documents whose MinHash signatures estimate a Jaccard similarity of
  at least the threshold to another member (`transforms.dedup`); `near_duplicate_cluster` is the
  smallest `doc_id` of the cluster;
* `search(query)` ranks documents by BM25 over their title and text (DuckDB's fts extension).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from transforms.dedup import DEFAULT_THRESHOLD, near_duplicate_clusters
from warehouse.catalog import connect_for_writing, document_files, load_search_extension, stored_documents

SEARCH_TABLE = "_search_documents"
# BM25's length normalisation. The usual 0.75 lets a one-line headline that merely contains the words
# outrank the stories about them; the warehouse mixes both, so documents are normalised less.
BM25_B = 0.3


def refresh_derived(root: Path, threshold: float = DEFAULT_THRESHOLD) -> None:
    connection = load_search_extension(connect_for_writing(root))
    try:
        stored = stored_documents(document_files(connection))
        signatures = connection.execute(f"SELECT doc_id, minhash FROM {stored} ORDER BY doc_id").arrow()
        # Clustering is Python and the index is DuckDB, which lets go of the GIL: both at once.
        with ThreadPoolExecutor(max_workers=1) as background:
            clustering = background.submit(_clusters, signatures.read_all(), threshold)
            connection.begin()
            _create_search_index(connection, stored)
            clusters = clustering.result()
        near = pa.table(
            {"doc_id": list(clusters), "cluster": list(clusters.values())},
            schema=pa.schema([("doc_id", pa.string()), ("cluster", pa.string())]),
        )
        connection.register("_near", near)
        connection.execute("DELETE FROM _dedup")
        connection.execute(
            f"""
            INSERT INTO _dedup
            WITH ranked AS (
                SELECT doc_id, first_value(doc_id) OVER (
                    PARTITION BY content_hash
                    ORDER BY ingested_at, source_file, source_member NULLS FIRST, record_index
                ) AS first_copy
                FROM {stored}
            )
            SELECT ranked.doc_id, nullif(first_copy, ranked.doc_id), _near.cluster
            FROM ranked LEFT JOIN _near USING (doc_id)
            WHERE first_copy <> ranked.doc_id OR _near.cluster IS NOT NULL
            """
        )
        connection.execute("INSERT OR REPLACE INTO _meta VALUES ('derived', 'fresh')")
        connection.commit()
    finally:
        connection.close()


def _clusters(signatures: pa.Table, threshold: float) -> dict[str, str]:
    doc_ids = signatures.column("doc_id").to_pylist()
    if not doc_ids:
        return {}
    values = pc.list_flatten(signatures.column("minhash")).to_numpy().reshape(len(doc_ids), -1)
    return near_duplicate_clusters(zip(doc_ids, values, strict=True), threshold)


def _create_search_index(connection: duckdb.DuckDBPyConnection, stored: str) -> None:
    connection.execute(
        f"CREATE OR REPLACE TABLE {SEARCH_TABLE} AS "
        f"SELECT doc_id, coalesce(title, '') AS title, text FROM {stored}"
    )
    connection.execute(f"PRAGMA create_fts_index('{SEARCH_TABLE}', 'doc_id', 'title', 'text', overwrite=1)")
    connection.execute(
        f"""
        CREATE OR REPLACE MACRO search(query_text, b := {BM25_B}) AS TABLE
        SELECT documents.*, hits.score
        FROM (
            SELECT doc_id, fts_main_{SEARCH_TABLE}.match_bm25(doc_id, query_text, b := b) AS score
            FROM {SEARCH_TABLE}
        ) AS hits
        JOIN documents USING (doc_id)
        WHERE hits.score IS NOT NULL
        ORDER BY hits.score DESC, documents.doc_id
        """
    )
