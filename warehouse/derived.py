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

import ctypes
import ctypes.util
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from transforms.dedup import DEFAULT_THRESHOLD, NUM_PERM, near_duplicate_clusters
from warehouse.catalog import (
    DEDUP_COLUMNS,
    SEARCH_PARTS,
    connect_for_writing,
    create_views,
    document_files,
    load_search_extension,
    stored_documents,
)
from warehouse.marks import write_marks
from warehouse.search_index import POSTINGS_FORMAT, index_parts, postings_part, search_macro
from warehouse.signature_file import SignatureFile

SEARCH_TABLE = "_search_documents"
# BM25's length normalisation. The usual 0.75 lets a one-line headline that merely contains the words
# outrank the stories about them; the warehouse mixes both, so documents are normalised less.
BM25_B = 0.3
# Rows of signatures read at once (16 MB).
_SIGNATURE_ROWS = 1 << 16
# What DuckDB may hold while the refresh's queries run; beyond it they spill to the catalog's
# temporary folder. Its default, most of the machine's memory, lets it grow with the warehouse.
DUCKDB_MEMORY_LIMIT = "128MB"


def refresh_derived(root: Path, threshold: float = DEFAULT_THRESHOLD) -> None:
    _map_large_allocations()
    connection = load_search_extension(connect_for_writing(root))
    try:
        # DuckDB would keep in memory all the Parquet it reads, as much as the warehouse; each part
        # is read once a query.
        connection.execute("SET enable_external_file_cache = false")
        connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        stored = stored_documents(document_files(connection))
        # The index, then the clusters, one after the other so that their memory does not add up (the
        # clusters are kept until their marks are written).
        connection.begin()
        _create_search_index(connection, root)
        _give_back_freed_memory()
        near = _clusters(connection, stored, threshold, scratch=root)
        _give_back_freed_memory()
        connection.register("_near", near)
        # Without the primary key of catalogs written before: its index stays in memory (about 120 MB
        # at 1,000,000 documents), and nothing needs it.
        connection.execute(f"CREATE OR REPLACE TABLE _dedup ({DEDUP_COLUMNS})")
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
        write_marks(connection, root)
        create_views(connection)  # `documents` over the marks parts now listed
        connection.execute("INSERT OR REPLACE INTO _meta VALUES ('derived', 'fresh')")
        connection.commit()
    finally:
        connection.close()


def _give_back_freed_memory() -> None:
    """What the allocators keep of the memory a stage freed, given back to the system: Arrow's pool,
    and glibc's heaps, where numpy's arrays of a few MB live and which it rarely shrinks by itself."""
    pa.default_memory_pool().release_unused()
    if (libc := _glibc()) is not None:
        libc.malloc_trim(0)


def _map_large_allocations() -> None:
    """glibc maps each allocation past M_MMAP_THRESHOLD on its own and unmaps it when freed. By
    default the threshold rises with each such block freed, up to 32 MB, and the refresh's arrays of
    a few MB then stay in its heaps once freed. Fixed, and with few heaps for the index's threads."""
    if (libc := _glibc()) is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
        libc.mallopt(_M_ARENA_MAX, 2)


_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def _clusters(
    connection: duckdb.DuckDBPyConnection, stored: str, threshold: float, scratch: Path
) -> pa.Table:
    """The near-duplicate clusters of the stored documents. Their signatures are read a batch at a
    time into a scratch file in the folder `scratch` (`warehouse.signature_file`), in the order of the
    parts (the clusters do not depend on it): memory holds their doc_ids, not their signatures."""
    doc_ids = []
    with SignatureFile(scratch, NUM_PERM) as signatures:
        query = connection.execute(f"SELECT doc_id, minhash FROM {stored}")
        for batch in query.to_arrow_reader(_SIGNATURE_ROWS):
            signatures.append(batch.column("minhash").flatten().to_numpy().reshape(len(batch), NUM_PERM))
            # A copy: the batch's columns are freed together, so keeping one would keep the minhashes.
            doc_ids.append(pa.concat_arrays([batch.column("doc_id")]))
        return near_duplicate_clusters(pa.chunked_array(doc_ids, pa.string()), signatures, threshold)


def _create_search_index(connection: duckdb.DuckDBPyConnection, root: Path) -> None:
    """The search index brought up to the documents parts (`warehouse.search_index`): a postings part
    for each documents part that has none yet (the parts this run added), none for the parts that are
    gone; then `search()` over them. Postings parts no longer listed are removed with the other
    unlisted files at the start of the next run."""
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
