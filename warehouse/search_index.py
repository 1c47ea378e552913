"""The full-text index behind `search()`: BM25 over title and text, one postings part per documents part.

A postings part has a row per term of its documents part, in alphabetical order, with the documents
that have the term (`docs`, their row numbers in the part), how often each has it (`tfs`) and each one's
length in terms (`lengths`); the first row, of the empty term, lists every document's `doc_id`
(`doc_ids`) and length (`tfs`), and holds their number (`documents`) and total length. A postings
part is written once, when its documents part is new (by the next `refresh_derived`), and dropped with
it: a run pays only for the documents it added. A query reads only the row groups of its terms, sums
over the parts how many documents have each, takes the collection's size from `_meta` (summed by the
refresh), and then reads the rows of the documents it keeps.

Terms are those of DuckDB's fts extension with its defaults, which `search()` used before: the title
and the text split at ASCII digits, punctuation and whitespace, lower-cased, accents stripped, English
stop words (the extension's list) dropped, Porter-stemmed; scores are those of its `match_bm25`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from warehouse.catalog import SEARCH_PARTS, TABLES_DIR, load_search_extension
from warehouse.parts import fsync_path

POSTINGS = pa.schema(
    [
        pa.field("term", pa.string(), nullable=False),
        pa.field("docs", pa.list_(pa.int32())),
        pa.field("tfs", pa.list_(pa.int32()), nullable=False),
        pa.field("doc_ids", pa.list_(pa.string())),
        pa.field("lengths", pa.list_(pa.int32())),
        pa.field("documents", pa.int64()),
        pa.field("total_length", pa.int64()),
    ]
)
# Written to `_meta` (key `search_format`): postings parts of another format are written again.
POSTINGS_FORMAT = "2"
# Terms per row group: a query reads the row groups of its terms only.
ROW_GROUP_ROWS = 512
# Documents split into words at once: their words take some tens of MB, whatever the size of the part.
BATCH_ROWS = 4096
# fts's tokenizer replaces runs of `[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/\|'"`-]` by a space, then splits
# at `\s+`: tokens are the runs of bytes that are none of these, all ASCII, so never inside a character.
# (`\s` leaves out the vertical tab, which normalised text no longer has.)
_SEPARATORS = b"0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\t\n\f\r "
_TO_SPACE = bytes(ord(" ") if byte in _SEPARATORS else byte for byte in range(256))
_TOKENIZE = r"""string_split_regex(regexp_replace(lower(strip_accents(CAST({} AS VARCHAR))),
    '[0-9!@#$%^&*()_+={{}}\[\]:;<>,.?~\\/\|''''"`-]+', ' ', 'g'), '\s+')"""
# The documents `search()` returns by default, a page of results: reading a hit's row (its part's row
# group) costs far more than scoring it.
SEARCH_TOP = 10
_local = threading.local()
_stemmer_lock = threading.Lock()


def postings_part(documents_part: str) -> str:
    """The postings part of a documents part, both relative to the warehouse folder."""
    prefix = f"{TABLES_DIR}/documents/"
    assert documents_part.startswith(prefix), documents_part
    return f"{TABLES_DIR}/{SEARCH_PARTS}/{documents_part.removeprefix(prefix)}"


def index_part(documents_part: Path, root: Path) -> str:
    """Write the postings part of `documents_part`, a part of `documents` under the warehouse folder
    `root` (written, not necessarily committed yet), and return its path relative to `root`: the file
    of a part of table SEARCH_PARTS, in the documents part's partition, from the same source files."""
    relative = postings_part(documents_part.relative_to(root).as_posix())
    # One thread a part: the parts are indexed on every core already.
    batches = pq.ParquetFile(documents_part).iter_batches(
        BATCH_ROWS, columns=["doc_id", "title", "text"], use_threads=False
    )
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(postings(batches), temporary, compression="zstd", row_group_size=ROW_GROUP_ROWS)
    fsync_path(temporary)
    os.replace(temporary, path)
    return relative


def index_parts(documents_parts: list[Path], root: Path) -> list[str]:
    """`index_part` of each part, on every core."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(lambda part: index_part(part, root), documents_parts))


def postings(documents: pa.Table | Iterable[pa.RecordBatch]) -> pa.Table:
    """The postings of `documents` (columns `doc_id`, `title`, `text`; a table, or its batches in
    order): a row per term, in order, with the numbers (row positions) of the documents that have it
    and how often each has it; first, the row of the empty term, with every document's `doc_id` and
    length.

    The words of a batch of documents at a time are counted, and only their (term, document) pairs
    kept: the memory taken is about that of the postings, not of all the words of the part."""
    batches = documents.to_batches(BATCH_ROWS) if isinstance(documents, pa.Table) else documents
    doc_ids, batch_lengths, batch_terms, pairs = [], [], [], []
    start = 0
    for batch in batches:
        words, document = _words(pa.Table.from_batches([batch]))
        term_of_word, terms = _terms(
            words.chunk(0).dictionary if words.num_chunks else pa.array([], pa.string())
        )
        term = term_of_word[_concatenate([chunk.indices.to_numpy() for chunk in words.chunks], np.int32)]
        kept = np.flatnonzero(term >= 0)
        # The titles' words, then the texts': merged into document order (two sorted runs, merged by
        # timsort), then put in order of term (the batch's terms, numbered in alphabetical order).
        kept = kept[np.argsort(document[kept], kind="stable")]
        kept = kept[np.argsort(_narrow(term[kept], len(terms)), kind="stable")]
        term, document = term[kept], document[kept]
        batch_lengths.append(np.bincount(document, minlength=len(batch)))
        # A (term, document) pair for each run of both, and how often the document has the term.
        first = np.flatnonzero(np.diff(term, prepend=-1) | np.diff(document, prepend=-1))
        pairs.append((term[first], document[first] + start, np.diff(first, append=len(term))))
        batch_terms.append(terms)
        doc_ids.append(batch.column("doc_id"))
        start += len(batch)
    terms = pc.unique(pa.chunked_array(batch_terms, pa.string())).sort()
    # The pairs, each with the number of its term among all terms (alphabetical): the pairs of a term
    # are in document order, batch after batch.
    term = _concatenate(
        [
            pc.index_in(local, terms).to_numpy()[of]
            for (of, _, _), local in zip(pairs, batch_terms, strict=True)
        ],
        np.int32,
    )
    document = _concatenate([numbers for _, numbers, _ in pairs], np.int32)
    tf = _concatenate([counts for _, _, counts in pairs], np.int32)
    del pairs
    lengths = _concatenate(batch_lengths, np.int32)
    # Each term's documents, in document order.
    by_term = np.argsort(_narrow(term, len(terms)), kind="stable")
    document, tf = document[by_term], tf[by_term]
    term_offsets = np.concatenate([[0], np.cumsum(np.bincount(term, minlength=len(terms)))]).astype(np.int32)
    ids = pa.concat_arrays(doc_ids) if doc_ids else pa.array([], pa.string())
    return pa.table(
        {
            "term": pa.concat_arrays([pa.array([""]), terms]),
            "docs": pa.concat_arrays(
                [pa.nulls(1, pa.list_(pa.int32())), pa.ListArray.from_arrays(term_offsets, document)]
            ),
            "tfs": pa.concat_arrays(
                [pa.array([lengths], pa.list_(pa.int32())), pa.ListArray.from_arrays(term_offsets, tf)]
            ),
            "doc_ids": pa.concat_arrays(
                [
                    pa.ListArray.from_arrays(pa.array([0, len(ids)], pa.int32()), ids),
                    pa.nulls(len(terms), pa.list_(pa.string())),
                ]
            ),
            "lengths": pa.concat_arrays(
                [pa.nulls(1, pa.list_(pa.int32())), pa.ListArray.from_arrays(term_offsets, lengths[document])]
            ),
            "documents": pa.array([start] + [None] * len(terms), pa.int64()),
            "total_length": pa.array([int(lengths.sum())] + [None] * len(terms), pa.int64()),
        },
        schema=POSTINGS,
    )


def _narrow(term: npt.NDArray[np.int32], terms: int) -> npt.NDArray[np.integer[Any]]:
    """Numbers of terms as 16-bit integers when they fit: numpy sorts those fastest (by radix)."""
    return term.astype(np.uint16) if terms <= 1 << 16 else term


def _concatenate(arrays: list[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    """The arrays one after the other, as `dtype` (none: an empty array)."""
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


def _words(documents: pa.Table) -> tuple[pa.ChunkedArray, npt.NDArray[np.int32]]:
    """The words of the documents' titles and texts, dictionary-encoded, and the document of each."""
    chunks, document = [], []
    for column in (pc.fill_null(documents["title"], ""), documents["text"]):
        start = 0
        for chunk in column.chunks:
            _, offsets, data = chunk.buffers()
            spaced = pa.StringArray.from_buffers(
                len(chunk),
                offsets,
                pa.py_buffer(data.to_pybytes().translate(_TO_SPACE) if data is not None else b""),
                offset=chunk.offset,
            )
            tokens = pc.ascii_split_whitespace(spaced)
            chunks.append(tokens.flatten())
            document.append(
                np.repeat(np.arange(start, start + len(chunk), dtype=np.int32), pc.list_value_length(tokens))
            )
            start += len(chunk)
    return pc.dictionary_encode(pa.chunked_array(chunks, pa.string())), np.concatenate(
        document or [np.zeros(0, np.int32)]
    )


def _terms(words: pa.Array) -> tuple[npt.NDArray[np.int32], pa.Array]:
    """The terms, sorted, and for each word the number of its term (-1: a stop word or empty)."""
    connection = _connection()
    connection.register("_words", pa.table({"word": words}))
    try:
        stems = connection.execute(
            "SELECT CASE WHEN w <> '' AND w NOT IN (SELECT sw FROM _stopwords) THEN stem(w, 'porter') END "
            "FROM (SELECT lower(strip_accents(word)) AS w FROM _words)"
        ).to_arrow_table()
    finally:
        connection.unregister("_words")
    stem = stems.column(0).combine_chunks()
    terms = pc.unique(stem.drop_null()).sort()
    return pc.fill_null(pc.index_in(stem, terms), -1).to_numpy(zero_copy_only=False), terms


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's connection to the in-memory DuckDB that has fts's stemmer and stop words."""
    connection: duckdb.DuckDBPyConnection | None = getattr(_local, "connection", None)
    if connection is None:
        with _stemmer_lock:
            connection = _local.connection = _stemmer().cursor()
    return connection


@cache
def _stemmer() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for every thread (each one's own would cost some 60 MB), with fts loaded
    and its stop words in a table."""
    connection = load_search_extension(duckdb.connect())
    connection.execute("SET threads = 1")
    connection.register("_fts_stopwords", pa.table({"sw": list(_fts_stopwords())}))
    connection.execute("CREATE TABLE _stopwords AS SELECT sw FROM _fts_stopwords")
    connection.unregister("_fts_stopwords")
    return connection


@cache
def _fts_stopwords() -> tuple[str, ...]:
    """The fts extension's English stop words, as an index it creates lists them."""
    connection = load_search_extension(duckdb.connect())
    try:
        connection.execute("CREATE TABLE t (id INTEGER, body VARCHAR)")
        connection.execute("PRAGMA create_fts_index('t', 'id', 'body')")
        return tuple(row[0] for row in connection.execute("SELECT sw FROM fts_main_t.stopwords").fetchall())
    finally:
        connection.close()


def search_macro(b: float, top: int = SEARCH_TOP) -> str:
    """`search(query_text, b, top)`: the `top` documents (all, when `top` is NULL) with the most BM25 for
    the query's terms (k1 1.2, length normalisation `b`, as fts's `match_bm25` computes it), best first,
    over the postings parts that `_search_postings` lists. Scores come from the postings alone; only
    the rows kept are read from the documents parts, by their part and row number."""
    return f"""
        CREATE OR REPLACE MACRO search(query_text, b := {b}, top := {top}) AS TABLE
        WITH
        query_terms AS (SELECT DISTINCT stem(unnest({_TOKENIZE.format("query_text")}), 'porter') AS term),
        -- How many documents there are, and their average length, as the index's refresh summed them.
        collection AS (
            SELECT
                max(value::BIGINT) FILTER (WHERE key = 'search_documents') AS documents,
                max(value::BIGINT) FILTER (WHERE key = 'search_total_length') / documents AS average_length
            FROM _meta
            WHERE key IN ('search_documents', 'search_total_length')
        ),
        -- The documents that have a term of the query, how often, their length, and how many have it.
        matches AS (
            SELECT part, document, tf, length, count(*) OVER (PARTITION BY term) AS df
            FROM (
                SELECT part, term, unnest(docs) AS document, unnest(tfs) AS tf, unnest(lengths) AS length
                FROM _search_postings
                WHERE term IN (SELECT term FROM query_terms WHERE term <> '')
            )
        ),
        hits AS (
            SELECT part, document, sum(
                log((documents - df + 0.5) / (df + 0.5) + 1) * tf * (1.2 + 1)
                / (tf + 1.2 * (1 - b + b * length / average_length))
            ) AS score
            FROM matches, collection
            GROUP BY ALL
            ORDER BY score DESC, part, document
            LIMIT top  -- NULL: no limit
        ),
        -- A postings part is named as its documents part, in the folder of SEARCH_PARTS.
        located AS (
            SELECT regexp_replace(part, '/{TABLES_DIR}/{SEARCH_PARTS}/([^/]+/[^/]+)$',
                '/{TABLES_DIR}/documents/\\1') AS filename, document AS file_row_number, score
            FROM hits
        )
        -- `documents`, with the duplicate marks joined to the hits only.
        SELECT
            d.* EXCLUDE (filename, file_row_number), x.duplicate_of, x.near_duplicate_cluster, located.score
        FROM located JOIN _documents_located AS d USING (filename, file_row_number)
        LEFT JOIN _dedup AS x USING (doc_id)
        ORDER BY located.score DESC, d.doc_id
        """
