"""Parquet parts: written under a temporary name, made durable, then renamed into place."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

COMPRESSION = "zstd"


def fsync_path(path: Path) -> None:
    """Make a file's (or a folder's) content durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PartWriter:
    """Streams record batches into one new Parquet part of a table.

    The part appears under its final name only when `close()` succeeds; until a catalog commit lists it,
    no query sees it.
    """

    def __init__(self, directory: Path, schema: pa.Schema, name: str | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        name = name or f"part-{uuid.uuid4().hex}.parquet"
        self.path = directory / name
        self.rows = 0
        self._schema = schema
        self._temporary = directory / f".{name}.tmp"
        self._writer: pq.ParquetWriter | None = None

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        if batch.num_rows == 0:
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._temporary, self._schema, compression=COMPRESSION)
        self._writer.write(batch)
        self.rows += batch.num_rows

    def close(self) -> Path | None:
        """The finished part's path, or None when nothing was written."""
        if self._writer is None:
            return None
        self._writer.close()
        self._writer = None
        fsync_path(self._temporary)
        os.replace(self._temporary, self.path)
        fsync_path(self.path.parent)
        return self.path

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.abort()


def partition_directory(table_directory: Path, column: str, value: str) -> Path:
    """The Hive-style folder of one partition: `documents/published_month=2019-03`."""
    return table_directory / f"{column}={value}"


def write_empty_part(path: Path, schema: pa.Schema) -> None:
    """A zero-row part that carries the schema, so that a table with no data still has its columns."""
    if not path.exists() or not pq.read_schema(path).equals(schema, check_metadata=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        pq.write_table(schema.empty_table(), temporary, compression=COMPRESSION)
        os.replace(temporary, path)


def rewrite_without_sources(part: Path, schema: pa.Schema, source_files: list[str]) -> Path | None:
    """A new part holding the rows of `part` that do not come from `source_files` (None if none remain)."""
    keep = ~pc.field("source_file").isin(source_files)
    table = pq.read_table(part, schema=schema, filters=keep)
    with PartWriter(part.parent, schema) as writer:
        writer.write(table)
        return writer.close()
