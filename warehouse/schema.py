"""The explicit Arrow schema of every table: the single contract between records, Parquet and DuckDB."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from transforms.records import Document, Rejection

SCHEMA_VERSION = "3"

_HEADERS = pa.map_(pa.string(), pa.list_(pa.string()))
_UTC_MICROS = pa.timestamp("us", tz="UTC")
# Where a row came from: with these, any row of any table leads back to the bytes it was read from.
_LINEAGE = [
    pa.field("source", pa.string(), nullable=False),
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_member", pa.string()),
    pa.field("record_index", pa.int64(), nullable=False),
    pa.field("byte_offset", pa.int64(), nullable=False),
    pa.field("source_format", pa.string(), nullable=False),
]
# Which load wrote the row, and when.
_LOADED_BY = [pa.field("run_id", pa.string()), pa.field("ingested_at", _UTC_MICROS)]

DOCUMENTS = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        *_LINEAGE,
        pa.field("encoding", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("domain", pa.string()),
        pa.field("title", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("agencies", pa.list_(pa.string())),
        pa.field("published_at", _UTC_MICROS),
        pa.field("published_date", pa.date32()),
        pa.field("date_precision", pa.string()),
        pa.field("date_source", pa.string()),
        pa.field("date_raw", pa.string()),
        pa.field("language", pa.string()),
        pa.field("language_score", pa.float32()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("paragraph_count", pa.int32(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("char_count", pa.int32(), nullable=False),
        pa.field("boilerplate", pa.list_(pa.string())),
        pa.field("quoted_text", pa.string()),
        pa.field("signature", pa.string()),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("minhash", pa.list_(pa.uint32())),
        pa.field("headers", _HEADERS),
        *_LOADED_BY,
    ],
    metadata={"dumpling.table": "documents", "dumpling.schema_version": SCHEMA_VERSION},
)

REJECTS = pa.schema(
    [
        *_LINEAGE,
        pa.field("reason", pa.string(), nullable=False),
        pa.field("message", pa.string(), nullable=False),
        pa.field("raw_excerpt", pa.binary(), nullable=False),
        *_LOADED_BY,
    ],
    metadata={"dumpling.table": "rejects", "dumpling.schema_version": SCHEMA_VERSION},
)

# The manifest: what each input file was when it was loaded, and what it gave.
FILES = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("fingerprint", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("source_format", pa.string()),
        pa.field("documents", pa.int64(), nullable=False),
        pa.field("rejects", pa.int64(), nullable=False),
        *_LOADED_BY,
    ],
    metadata={"dumpling.table": "files", "dumpling.schema_version": SCHEMA_VERSION},
)

RUNS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("started_at", _UTC_MICROS, nullable=False),
        pa.field("finished_at", _UTC_MICROS, nullable=False),
        pa.field("seconds", pa.float64(), nullable=False),
        pa.field("paths", pa.list_(pa.string())),
        pa.field("files_seen", pa.int64(), nullable=False),
        pa.field("files_loaded", pa.int64(), nullable=False),
        pa.field("files_unchanged", pa.int64(), nullable=False),
        pa.field("files_pruned", pa.int64(), nullable=False),
        pa.field("documents", pa.int64(), nullable=False),
        pa.field("rejects", pa.int64(), nullable=False),
    ],
    metadata={"dumpling.table": "runs", "dumpling.schema_version": SCHEMA_VERSION},
)

TABLES: dict[str, pa.Schema] = {"documents": DOCUMENTS, "rejects": REJECTS, "files": FILES, "runs": RUNS}
# `documents` is stored in one Hive partition per month of `published_date`; undated ones in `none`.
PARTITION_COLUMN = "published_month"
UNDATED_PARTITION = "none"


def document_partition(published: date | None) -> str:
    return f"{published:%Y-%m}" if published else UNDATED_PARTITION


# Columns the load fills in, not the record.
LOAD_COLUMNS = tuple(field.name for field in _LOADED_BY)


@dataclasses.dataclass(frozen=True, slots=True)
class Load:
    run_id: str
    ingested_at: datetime


_DOCUMENT_FIELDS = [field.name for field in dataclasses.fields(Document)]


def documents_batch(
    documents: Sequence[Document], load: Load, signatures: np.ndarray | None = None
) -> pa.RecordBatch:
    """Rows for `documents`; their MinHash `signatures` (one row each), if given, in place of theirs."""
    # Column by column: `dataclasses.asdict` would deep-copy every list and map of every row.
    columns: dict[str, list[Any] | pa.Array] = {
        name: [getattr(document, name) for document in documents]
        for name in _DOCUMENT_FIELDS
        if not (name == "minhash" and signatures is not None)
    }
    columns["headers"] = [list(headers.items()) for headers in columns["headers"]]
    if signatures is not None:
        columns["minhash"] = _list_array(signatures)
    for name, value in dataclasses.asdict(load).items():
        columns[name] = [value] * len(documents)
    return pa.RecordBatch.from_pydict(columns, schema=DOCUMENTS)


def _list_array(rows: np.ndarray) -> pa.ListArray:
    """A 2-D array as a list array of its rows, without a Python object per value."""
    width = rows.shape[1]
    offsets = np.arange(0, (len(rows) + 1) * width, width, dtype=np.int32)
    values = np.ascontiguousarray(rows, dtype=np.uint32).reshape(-1)
    return pa.ListArray.from_arrays(
        pa.Array.from_buffers(pa.int32(), len(offsets), [None, pa.py_buffer(offsets)]),
        pa.Array.from_buffers(pa.uint32(), len(values), [None, pa.py_buffer(values)]),
    )


def rejects_batch(rejections: Sequence[tuple[str, Rejection]], load: Load) -> pa.RecordBatch:
    """Rows for `(source, rejection)` pairs."""
    rows = [
        {
            "source": source,
            **dataclasses.asdict(rejection.locator),
            "source_format": rejection.source_format,
            "reason": rejection.reason,
            "message": rejection.message,
            "raw_excerpt": rejection.raw_excerpt,
        }
        | dataclasses.asdict(load)
        for source, rejection in rejections
    ]
    return pa.RecordBatch.from_pylist(rows, schema=REJECTS)
