"""Stream input files through the readers and normalisers into new, not yet committed, table parts."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from transforms.boilerplate import RepeatCounter, split_repeated
from transforms.fields import FieldMapping
from transforms.formats import read_path
from transforms.normalise import TextColumns, normalise
from transforms.records import EXCERPT_BYTES, Document, Locator, Origin, RawRecord, Rejection
from warehouse.parts import PartWriter
from warehouse.schema import DOCUMENTS, REJECTS, Load, documents_batch, rejects_batch

BATCH_ROWS = 2000


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to load; `excluded_by` names the pattern that keeps it out, as a counted rejection."""

    path: Path
    source: str
    source_format: str | None = None
    mapping: FieldMapping | None = None
    excluded_by: str | None = None


@dataclass(slots=True)
class ShardReport:
    """What loading one shard of input files produced: small enough to pass between processes."""

    source_files: list[str]
    parts: dict[str, str] = field(default_factory=dict)
    documents: Counter[str] = field(default_factory=Counter)
    rejects: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)


def load_shard(files: Sequence[InputFile], tables_dir: Path, load: Load) -> ShardReport:
    """Write the documents and rejects of `files` to one new part per table, in batches. Paragraphs
    that repeat across the documents of a source are then moved to their `boilerplate`."""
    report = ShardReport(source_files=[str(item.path) for item in files])
    repeats: defaultdict[str, RepeatCounter] = defaultdict(RepeatCounter)
    documents: list[Document] = []
    rejections: list[tuple[str, Rejection]] = []
    with (
        PartWriter(tables_dir / "documents", DOCUMENTS) as documents_part,
        PartWriter(tables_dir / "rejects", REJECTS) as rejects_part,
    ):
        for item in files:
            for result in _normalised(item):
                report.formats[result.source_format] += 1
                if isinstance(result, Document):
                    documents.append(result)
                    repeats[item.source].add(result.text.split("\n\n"))
                    report.documents[item.source] += 1
                else:
                    rejections.append((item.source, result))
                    report.rejects[result.reason] += 1
                if len(documents) >= BATCH_ROWS:
                    documents_part.write(documents_batch(documents, load))
                    documents.clear()
                if len(rejections) >= BATCH_ROWS:
                    rejects_part.write(rejects_batch(rejections, load))
                    rejections.clear()
        documents_part.write(documents_batch(documents, load))
        rejects_part.write(rejects_batch(rejections, load))
        paths = {"documents": documents_part.close(), "rejects": rejects_part.close()}
    repeated = {source: counter.repeated() for source, counter in repeats.items()}
    if paths["documents"] is not None and any(repeated.values()):
        paths["documents"] = _move_repeated_paragraphs(paths["documents"], repeated)
    for table, path in paths.items():
        if path is not None:
            report.parts[table] = str(path.relative_to(tables_dir.parent))
    return report


def _move_repeated_paragraphs(part: Path, repeated: Mapping[str, frozenset[bytes]]) -> Path:
    """A new documents part in place of `part`, with each source's repeated paragraphs moved from the
    text to the boilerplate."""
    with PartWriter(part.parent, DOCUMENTS) as writer:
        for batch in pq.ParquetFile(part).iter_batches(batch_size=BATCH_ROWS):
            rows = batch.to_pylist()
            for row in rows:
                _move_paragraphs(row, repeated[row["source"]])
            writer.write(pa.RecordBatch.from_pylist(rows, schema=DOCUMENTS))
        new_part = writer.close()
    part.unlink()
    assert new_part is not None
    return new_part


def _move_paragraphs(row: dict[str, Any], repeated: frozenset[bytes]) -> None:
    kept, removed = split_repeated(row["text"].split("\n\n"), repeated)
    if removed:
        row.update(asdict(TextColumns.of(kept)), boilerplate=[*(row["boilerplate"] or []), *removed])


def _normalised(item: InputFile) -> Iterator[Document | Rejection]:
    """Every record of one file, normalised. A file that fails while being read keeps the records read
    before the failure and adds one rejection that says why."""
    if item.excluded_by is not None:
        yield _excluded(item)
        return
    index = 0
    try:
        for record in read_path(item.path, item.source_format, item.mapping):
            yield normalise(record, item.source) if isinstance(record, RawRecord) else record
            index += 1
    except Exception as error:  # a reader bug or an I/O error must not stop the other files
        yield Rejection(
            locator=Locator(source_file=str(item.path), record_index=index, byte_offset=-1),
            source_format=item.source_format or "unknown",
            reason="read_error",
            message=f"{type(error).__name__}: {error}",
            raw_excerpt=b"",
        )


def _excluded(item: InputFile) -> Rejection:
    with item.path.open("rb") as stream:
        excerpt = stream.read(EXCERPT_BYTES)
    return Rejection(
        locator=Origin(str(item.path)).at(0, 0),
        source_format="unknown",
        reason="skipped_excluded",
        message=f"the file matches the exclude pattern {item.excluded_by!r}",
        raw_excerpt=excerpt,
    )
