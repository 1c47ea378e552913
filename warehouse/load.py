"""Stream input files through the readers and normalisers into new, not yet committed, table parts."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.boilerplate import RepeatCounter, split_repeated
from transforms.dedup import minhash_signatures
from transforms.formats import read_path
from transforms.normalise import TextColumns, normalise
from transforms.records import EXCERPT_BYTES, Document, Locator, Origin, RawRecord, Rejection
from warehouse.inputs import InputFile
from warehouse.parts import PartWriter, partition_directory
from warehouse.schema import (
    DOCUMENTS,
    FILES,
    PARTITION_COLUMN,
    REJECTS,
    Load,
    document_partition,
    documents_batch,
    rejects_batch,
)
from warehouse.storage import download

BATCH_ROWS = 2000
# A documents part's row groups: large enough to compress and skip well, small enough to hold.
ROW_GROUP_ROWS = 20_000
PENDING_ROWS = 20_000
# A documents part is closed, and the next rows of its month go to a new one, once it holds this many
# rows: what reads a part whole (the search index of the refresh, the repeated paragraphs' rewrite)
# then takes memory in proportion to this, not to the input.
PART_ROWS = ROW_GROUP_ROWS
FINGERPRINT_CHUNK = 1 << 20
# A document's text at most: normalising, language id and MinHash take memory in proportion to it, and
# no article, message or page is longer (a longer record is one `too_large` rejection).
MAX_TEXT_CHARS = 16 * 1024 * 1024


def fingerprint(path: Path) -> str:
    """A hash of the file's bytes: a file whose fingerprint did not change need not be loaded again."""
    digest = hashlib.blake2b(digest_size=20)
    with path.open("rb") as stream:
        while chunk := stream.read(FINGERPRINT_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class NewPart:
    """A written part, not yet committed: its table, partition (or None) and path under the warehouse."""

    table: str
    partition: str | None
    file: str


@dataclass(slots=True)
class FileTally:
    documents: int = 0
    rejects: int = 0
    formats: Counter[str] = field(default_factory=Counter)

    def add(self, other: FileTally) -> None:
        self.documents += other.documents
        self.rejects += other.rejects
        self.formats.update(other.formats)


@dataclass(slots=True)
class ShardReport:
    """What loading one shard of input files produced: small enough to pass between processes. The
    shard's manifest part (in `parts`) lists its whole files; slices of a file only have a tally."""

    source_files: list[str]
    parts: list[NewPart] = field(default_factory=list)
    documents: Counter[str] = field(default_factory=Counter)
    rejects: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    tallies: dict[str, FileTally] = field(default_factory=dict)

    @classmethod
    def merged(cls, reports: Sequence[ShardReport]) -> ShardReport:
        """The reports of a file's slices as one."""
        merged = cls(source_files=sorted({name for report in reports for name in report.source_files}))
        for report in reports:
            merged.parts += report.parts
            merged.documents.update(report.documents)
            merged.rejects.update(report.rejects)
            merged.formats.update(report.formats)
            for name, tally in report.tallies.items():
                merged.tallies.setdefault(name, FileTally()).add(tally)
        return merged


class _DocumentParts:
    """The parts of each month partition of `documents`, one after the other, each closed once it holds
    PART_ROWS rows. Rows wait in memory, per partition, until there are ROW_GROUP_ROWS of them (when
    PENDING_ROWS wait in all, the fullest partitions go), so that each row group is large and in time
    order."""

    def __init__(self, directory: Path, load: Load) -> None:
        self.directory = directory
        self.load = load
        self.writers: dict[str, PartWriter] = {}
        self.closed: list[tuple[str, Path]] = []
        self.pending: defaultdict[str, list[pa.RecordBatch]] = defaultdict(list)
        self.pending_rows = 0

    def write(self, documents: list[Document]) -> None:
        if not documents:
            return
        signatures = minhash_signatures([document.text for document in documents])
        batch = documents_batch(documents, self.load, signatures)
        rows_of: defaultdict[str, list[int]] = defaultdict(list)
        for row, document in enumerate(documents):
            rows_of[document_partition(document.published_date)].append(row)
        for partition, rows in rows_of.items():
            self.pending[partition].append(batch.take(rows))
            if self._rows(partition) >= ROW_GROUP_ROWS:
                self._flush(partition)
        self.pending_rows = sum(self._rows(partition) for partition in self.pending)
        if self.pending_rows >= PENDING_ROWS:
            # The fullest partitions go first, down to half: the rows of a month that few documents fall
            # in keep waiting, so that they too make one large row group rather than many small ones.
            for partition in sorted(self.pending, key=self._rows, reverse=True):
                if self.pending_rows <= PENDING_ROWS // 2:
                    break
                self.pending_rows -= self._rows(partition)
                self._flush(partition)

    def _rows(self, partition: str) -> int:
        return sum(len(batch) for batch in self.pending[partition])

    def flush(self) -> None:
        for partition in list(self.pending):
            self._flush(partition)
        self.pending_rows = 0

    def _flush(self, partition: str) -> None:
        batches = self.pending.pop(partition)
        if partition not in self.writers:
            self.writers[partition] = PartWriter(
                partition_directory(self.directory, PARTITION_COLUMN, partition), DOCUMENTS
            )
        writer = self.writers[partition]
        writer.write(_sorted(pa.Table.from_batches(batches, schema=DOCUMENTS)))
        if writer.rows >= PART_ROWS:
            self._close(partition)

    def _close(self, partition: str) -> None:
        if (path := self.writers.pop(partition).close()) is not None:
            self.closed.append((partition, path))

    def close(self) -> list[tuple[str, Path]]:
        """Each part written, and its partition, in partition order."""
        self.flush()
        for partition in list(self.writers):
            self._close(partition)
        return sorted(self.closed)

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()
        for _, path in self.closed:
            path.unlink(missing_ok=True)


def _sorted(table: pa.Table) -> pa.Table:
    """Rows in time order, so that each row group covers a narrow span of `published_at`."""
    return table.take(pc.sort_indices(table, [("published_at", "ascending"), ("doc_id", "ascending")]))


def load_shard(files: Sequence[InputFile], tables_dir: Path, load: Load) -> ShardReport:
    """Write the documents (one part per month), rejects and manifest rows of `files` to new parts, in
    batches. Paragraphs that repeat across the documents of a source are then moved to their
    `boilerplate`."""
    report = ShardReport(source_files=[item.name for item in files])
    repeats: defaultdict[str, RepeatCounter] = defaultdict(RepeatCounter)
    tallies = report.tallies
    documents: list[Document] = []
    rejections: list[tuple[str, Rejection]] = []
    document_parts = _DocumentParts(tables_dir / "documents", load)
    try:
        _copy_remote_files(files)
        with PartWriter(tables_dir / "rejects", REJECTS) as rejects_part:
            for item in files:
                tally = tallies.setdefault(item.name, FileTally())
                for result in _normalised(item):
                    report.formats[result.source_format] += 1
                    tally.formats[result.source_format] += 1
                    if isinstance(result, Document):
                        documents.append(result)
                        report.documents[item.source] += 1
                        tally.documents += 1
                        repeats[item.source].add(result.text.split("\n\n"))
                    else:
                        rejections.append((item.source, result))
                        report.rejects[result.reason] += 1
                        tally.rejects += 1
                    if len(documents) >= BATCH_ROWS:
                        document_parts.write(documents)
                        documents.clear()
                    if len(rejections) >= BATCH_ROWS:
                        rejects_part.write(rejects_batch(rejections, load))
                        rejections.clear()
            document_parts.write(documents)
            rejects_part.write(rejects_batch(rejections, load))
            rejects_path = rejects_part.close()
    except BaseException:
        document_parts.abort()
        raise
    finally:
        for item in files:
            if item.url is not None:
                item.path.unlink(missing_ok=True)
    document_paths = document_parts.close()
    repeated = {source: counter.repeated() for source, counter in repeats.items()}
    if any(repeated.values()):
        document_paths = [(p, _move_repeated_paragraphs(path, repeated)) for p, path in document_paths]
    root = tables_dir.parent
    for partition, path in document_paths:
        report.parts.append(NewPart("documents", partition, str(path.relative_to(root))))
    if rejects_path is not None:
        report.parts.append(NewPart("rejects", None, str(rejects_path.relative_to(root))))
    whole_files = [item for item in files if item.file_slice is None]
    if whole_files:
        files_path = write_manifest(whole_files, tallies, tables_dir / "files", load)
        report.parts.append(NewPart("files", None, str(files_path.relative_to(root))))
    return report


def write_manifest(
    files: Sequence[InputFile], tallies: Mapping[str, FileTally], directory: Path, load: Load
) -> Path:
    """A part of the `files` table: each file's fingerprint and what loading it gave."""
    rows = []
    for item in files:
        tally = tallies[item.name]
        formats = tally.formats.most_common(1)
        rows.append(
            {
                "source": item.source,
                "source_file": item.name,
                "fingerprint": item.fingerprint or fingerprint(item.path),
                "size_bytes": item.size,
                "source_format": formats[0][0] if formats else None,
                "documents": tally.documents,
                "rejects": tally.rejects,
            }
            | asdict(load)
        )
    with PartWriter(directory, FILES) as writer:
        writer.write(pa.RecordBatch.from_pylist(rows, schema=FILES))
        path = writer.close()
    assert path is not None
    return path


def _move_repeated_paragraphs(part: Path, repeated: Mapping[str, frozenset[bytes]]) -> Path:
    """`part`, or a new part in its place with each source's repeated paragraphs moved from the text to
    the boilerplate. Only the rows that change are taken apart; a part where none does stays."""
    source = pq.ParquetFile(part)
    changes = [
        _changed_rows(source.read_row_group(group, COLUMNS_READ_FOR_REPEATS), repeated)
        for group in range(source.num_row_groups)
    ]
    if not any(changes):
        return part
    with PartWriter(part.parent, DOCUMENTS) as writer:
        for group, changed in enumerate(changes):
            table = source.read_row_group(group)
            writer.write(_with_changes(table, changed) if changed else table)
        new_part = writer.close()
    part.unlink()
    assert new_part is not None
    return new_part


# The columns that tell whether a row loses paragraphs, and those a lost paragraph changes.
COLUMNS_READ_FOR_REPEATS = ["source", "text", "boilerplate"]
_CHANGED_COLUMNS = ["text", "paragraph_count", "word_count", "char_count", "content_hash", "boilerplate"]


def _changed_rows(rows: pa.Table, repeated: Mapping[str, frozenset[bytes]]) -> dict[int, dict[str, Any]]:
    """The new values of the changed columns of each row that loses paragraphs."""
    changed = {}
    columns = zip(*(rows.column(name).to_pylist() for name in COLUMNS_READ_FOR_REPEATS), strict=True)
    for row, (source, text, boilerplate) in enumerate(columns):
        kept, removed = split_repeated(text.split("\n\n"), repeated[source])
        if removed:
            changed[row] = TextColumns.of(kept).columns() | {"boilerplate": [*(boilerplate or []), *removed]}
    return changed


def _with_changes(table: pa.Table, changed: Mapping[int, Mapping[str, Any]]) -> pa.Table:
    for name in _CHANGED_COLUMNS:
        values = table.column(name).to_pylist()
        for row, new in changed.items():
            values[row] = new[name]
        index = table.schema.get_field_index(name)
        table = table.set_column(
            index, table.schema.field(index), pa.array(values, table.schema.field(index).type)
        )
    return table


def _normalised(item: InputFile) -> Iterator[Document | Rejection]:
    """Every record of one file, normalised. A file that fails while being read keeps the records read
    before the failure and adds one rejection that says why; a file that gives no record at all is a
    `no_records` rejection, so that every input file is accounted for."""
    if item.excluded_by is not None:
        yield _excluded(item)
        return
    index = 0
    keep = item.keeps if item.file_slice is not None else None
    try:
        for record in read_path(item.path, item.source_format, item.mapping, item.url, keep):
            if item.keeps(record.locator.record_index):
                if isinstance(record, RawRecord) and len(record.body) > MAX_TEXT_CHARS:
                    yield _too_large(record)
                elif isinstance(record, RawRecord):
                    yield normalise(record, item.source, with_minhash=False)
                else:
                    yield record
            index += 1
        if index == 0 and item.file_slice is None:
            yield _file_rejection(item, "no_records", "the file holds no record (only blank lines?)")
    except Exception as error:  # a reader bug or an I/O error must not stop the other files
        if not item.keeps(index):
            return
        yield Rejection(
            locator=Locator(source_file=item.name, record_index=index, byte_offset=-1),
            source_format=item.source_format or "unknown",
            reason="read_error",
            message=f"{type(error).__name__}: {error}",
            raw_excerpt=b"",
        )


def _too_large(record: RawRecord) -> Rejection:
    return Rejection(
        locator=record.locator,
        source_format=record.source_format,
        reason="too_large",
        message=(
            f"the record's text is {len(record.body):,} characters, "
            f"over the {MAX_TEXT_CHARS:,} a document may have"
        ),
        raw_excerpt=record.body[:EXCERPT_BYTES].encode()[:EXCERPT_BYTES],
    )


def _file_rejection(item: InputFile, reason: str, message: str) -> Rejection:
    with item.path.open("rb") as stream:
        excerpt = stream.read(EXCERPT_BYTES)
    return Rejection(Origin(item.name).at(0, 0), item.source_format or "unknown", reason, message, excerpt)


def _copy_remote_files(files: Sequence[InputFile]) -> None:
    """Local copies of the shard's remote files, removed when the shard is loaded."""
    remote = [item for item in files if item.url is not None]
    download([item.url for item in remote if item.url is not None], [item.path for item in remote])


def _excluded(item: InputFile) -> Rejection:
    message = f"the file matches the exclude pattern {item.excluded_by!r}"
    return _file_rejection(item, "skipped_excluded", message)
