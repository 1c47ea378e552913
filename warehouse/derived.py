"""What the warehouse derives from all its documents after a run: duplicate marks and the search index.

Both are recomputed over the whole warehouse, so copies are found across runs, and a run that changed
nothing leaves them as they are. Nothing is deleted: a duplicate is marked, and stays queryable.

* exact duplicates share the SHA-256 of their normalised text; each copy's `duplicate_of` is the
  `doc_id` of the first copy, in load order (earliest run first, then file, member and record);
* near-duplicates are clusters of documents whose MinHash signatures estimate a Jaccard similarity of
  at least the threshold to another member (`transforms.dedup`); `near_duplicate_cluster` is the
  smallest `doc_id` of the cluster;
* `search(query)` ranks documents by BM25 over their title and text, from postings parts that follow
  the documents parts (`warehouse.search_index`): only the new ones are indexed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from transforms.dedup import DEFAULT_THRESHOLD, NUM_PERM, near_duplicate_clusters
from warehouse.catalog import (
    SEARCH_PARTS,
    connect_for_writing,
    create_views,
    document_files,
    load_search_extension,
    stored_documents,
)
from warehouse.search_index import POSTINGS_FORMAT, index_parts, postings_part, search_macro

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
    values = pc.list_flatten(signatures.column("minhash")).to_numpy().reshape(len(signatures), NUM_PERM)
    return near_duplicate_clusters(signatures.column("doc_id"), values, threshold)


def _create_search_index(connection: duckdb.DuckDBPyConnection, stored: str) -> None:
    """The search index brought up to the documents parts (`warehouse.search_index`): a postings part
    for each documents part that has none yet (the loader writes most of them), none for the parts that
    are gone; then `search()` over them. Postings parts no longer listed are removed with the other
    unlisted files at the start of the next run."""
    row = connection.execute("SELECT current_setting('file_search_path')").fetchone()
    assert row is not None
    root = Path(row[0])
    documents = [file for (file,) in connection.execute(_PARTS_OF, ["documents"]).fetchall()]
    indexed = {file for (file,) in connection.execute(_PARTS_OF, [SEARCH_PARTS]).fetchall()}
    format_row = connection.execute("SELECT value FROM _meta WHERE key = 'search_format'").fetchone()
    if format_row != (POSTINGS_FORMAT,):  # parts of an earlier format: all written again
        connection.execute("DELETE FROM _parts WHERE table_name = ?", [SEARCH_PARTS])
        indexed = set()
    wanted = {postings_part(file): file for file in documents}
    missing = [wanted[file] for file in sorted(wanted.keys() - indexed)]
    written = index_parts([root / part for part in missing], root)
    for documents_part, file in zip(missing, written, strict=True):
        connection.execute(
            "INSERT INTO _parts SELECT ?, partition, ?, source_files FROM _parts "
            "WHERE table_name = 'documents' AND file = ?",
            [SEARCH_PARTS, file, documents_part],
        )
    for file in sorted(indexed - wanted.keys()):
        connection.execute("DELETE FROM _parts WHERE table_name = ? AND file = ?", [SEARCH_PARTS, file])
    connection.execute("INSERT OR REPLACE INTO _meta VALUES ('search_format', ?)", [POSTINGS_FORMAT])
    create_views(connection)  # `_search_postings` over the parts now listed
    # The collection's size, which every query needs, summed once here rather than over every part.
    connection.execute(
        "INSERT OR REPLACE INTO _meta SELECT unnest(['search_documents', 'search_total_length']), "
        "unnest([coalesce(sum(documents), 0)::VARCHAR, coalesce(sum(total_length), 0)::VARCHAR]) "
        "FROM _search_postings WHERE term = ''"
    )
    # What fts's index left in catalogs written before.
    connection.execute(f"DROP SCHEMA IF EXISTS fts_main_{SEARCH_TABLE} CASCADE")
    if connection.execute(f"SELECT 1 FROM duckdb_tables() WHERE table_name = '{SEARCH_TABLE}'").fetchone():
        connection.execute(f"DROP TABLE {SEARCH_TABLE}")
    connection.execute(
        f"CREATE OR REPLACE VIEW {SEARCH_TABLE} AS "
        "SELECT unnest(doc_ids) AS doc_id, unnest(tfs) AS len FROM _search_postings WHERE term = ''"
    )
    connection.execute(search_macro(BM25_B))


_PARTS_OF = "SELECT file FROM _parts WHERE table_name = ?"
