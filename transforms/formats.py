"""Every dump format dumpling reads: recognised by content, read as a stream of records.

Adding a format: a module in `transforms/readers/` with `FORMAT`, `looks_like(head) -> bool` and a generator
`read_<format>(stream, origin)`, registered in FORMATS below (the order is the order of detection).
"""

from __future__ import annotations

import dataclasses
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from backports import zstd

from transforms.containers import DecompressionBomb, open_streams, peekable
from transforms.encoding import utf8_stream
from transforms.fields import FieldMapping
from transforms.readers import csv_table, feed, jsonl, mbox, message, reuters_sgml, textdump, warc
from transforms.records import EXCERPT_BYTES, Keep, Locator, Origin, RawRecord, Rejection

Record = RawRecord | Rejection
Reader = Callable[[BinaryIO, Origin], Iterator[Record]]


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    read: Callable[..., Iterator[Record]]
    looks_like: Callable[[bytes], bool]
    mapped: bool = False
    # Its reader takes `keep`, and makes only the records it keeps in full.
    selective: bool = False
    # Re-reads the record at a locator from the start of the stream, where seeking to its byte offset
    # is not enough (a CSV row needs the header; a feed item needs the document around it).
    read_one: Callable[[BinaryIO, Origin, Locator, FieldMapping | None], Record] | None = None


def _csv_row(stream: BinaryIO, origin: Origin, locator: Locator, mapping: FieldMapping | None) -> Record:
    rows = csv_table.read_csv_at(stream, origin, locator.byte_offset, locator.record_index, mapping)
    return next(iter(rows))


def _feed_item(stream: BinaryIO, origin: Origin, locator: Locator, mapping: FieldMapping | None) -> Record:
    return feed.read_feed_item(stream, origin, locator.record_index)


FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in [
        Format(warc.FORMAT, warc.read_warc, warc.looks_like, selective=True),
        Format(reuters_sgml.FORMAT, reuters_sgml.read_reuters_sgml, reuters_sgml.looks_like),
        Format(feed.FORMAT, feed.read_feed, feed.looks_like, read_one=_feed_item),
        Format(mbox.FORMAT, mbox.read_mbox, mbox.looks_like),
        Format(message.FORMAT, message.read_message, message.looks_like),
        Format(jsonl.FORMAT, jsonl.read_jsonl, jsonl.looks_like, mapped=True, selective=True),
        Format(csv_table.FORMAT, csv_table.read_csv, csv_table.looks_like, mapped=True, read_one=_csv_row),
        Format(textdump.FORMAT, textdump.read_textdump, textdump.looks_like),
    ]
}
# Damage found while a stream is read, rather than a reader's own verdict on one record.
_DAMAGE: tuple[type[BaseException], ...] = (
    OSError,
    zlib.error,
    lzma.LZMAError,
    zstd.ZstdError,
    tarfile.TarError,
    zipfile.BadZipFile,
)


# What a file's name says it holds, for text whose first bytes match no format's (a table with a
# ragged row, JSON Lines that start with an array): read as that format, its bad records rejected,
# rather than as one text dump.
_FORMAT_OF_SUFFIX = {
    ".jsonl": jsonl.FORMAT,
    ".ndjson": jsonl.FORMAT,
    ".json": jsonl.FORMAT,
    ".csv": csv_table.FORMAT,
    ".tsv": csv_table.FORMAT,
    ".warc": warc.FORMAT,
    ".mbox": mbox.FORMAT,
    ".eml": message.FORMAT,
    ".sgm": reuters_sgml.FORMAT,
    ".rss": feed.FORMAT,
    ".atom": feed.FORMAT,
}
_COMPRESSION_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".zst", ".zstd"})


def detect_format(head: bytes, name: str | None = None) -> str | None:
    """The format of a stream from its first bytes, else from its file `name`'s suffix; any other text
    is a text dump; binary is None."""
    for fmt in FORMATS.values():
        if fmt.looks_like(head):
            return fmt.name
    if b"\x00" in head:
        return None
    return _format_of_name(name) or textdump.FORMAT


def _format_of_name(name: str | None) -> str | None:
    suffixes = [suffix.lower() for suffix in PurePosixPath(name or "").suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES:
        suffixes.pop()
    return _FORMAT_OF_SUFFIX.get(suffixes[-1]) if suffixes else None


def _reader(source_format: str, mapping: FieldMapping | None, keep: Keep | None = None) -> Reader:
    fmt = FORMATS[source_format]
    options: dict[str, object] = {"mapping": mapping} if fmt.mapped else {}
    if fmt.selective and keep is not None:
        options["keep"] = keep
    return partial(fmt.read, **options) if options else fmt.read


def read_path(
    path: Path,
    source_format: str | None = None,
    mapping: FieldMapping | None = None,
    name: str | None = None,
    keep: Keep | None = None,
) -> Iterator[Record]:
    """Every record of the file at `path` (of each archive member, if it is an archive), located in
    the file `name` (the URL a local copy was made from) if given. Records whose index `keep` rules
    out may come as `skipped` stand-ins.

    A stream of no known format is one `unsupported_format` rejection, an empty one `empty_file`; an
    archive member the archive layer refuses comes as its rejection (see transforms.containers). A
    stream that breaks while it is read keeps the records read before the damage and ends with one
    `truncated`, `corrupt_file` or `decompression_bomb` rejection.
    """
    if source_format is not None and source_format not in FORMATS:
        raise ValueError(f"unknown format {source_format!r}; known: {', '.join(FORMATS)}")
    origin, count = Origin(name or str(path)), 0
    try:
        for item in open_streams(path, name):
            if isinstance(item, Rejection):  # a member the archive layer refuses to read
                yield item
                origin, count = Origin(item.locator.source_file, item.locator.source_member), 1
                continue
            origin, head, stream = item
            count = 0
            transcoded = utf8_stream(head, stream)
            if transcoded is not None:
                head, stream = peekable(transcoded)
            format_name = source_format or detect_format(head, origin.source_member or origin.source_file)
            records: Iterator[Record]
            if not head and not stream.read(1):  # the read raises the damage an empty head may hide
                what = "archive member" if origin.source_member else "file"
                records = iter([_refused(origin, "empty_file", f"the {what} holds no data", b"")])
            elif format_name is None:
                message = "not a format dumpling reads (binary content)"
                records = iter([_refused(origin, "unsupported_format", message, head[:EXCERPT_BYTES])])
            else:
                records = _reader(format_name, mapping, keep)(stream, origin)
            for record in records:
                yield record
                count += 1
    except DecompressionBomb as error:
        yield _damaged(origin, count, "decompression_bomb", f"decompression stopped: {error}")
    except EOFError as error:
        yield _damaged(origin, count, "truncated", f"the file ends early: {error}")
    except _DAMAGE as error:
        yield _damaged(origin, count, "corrupt_file", f"{type(error).__name__}: {error}")


def _refused(origin: Origin, reason: str, message: str, excerpt: bytes) -> Rejection:
    """The rejection of a whole stream, which no reader reads."""
    return Rejection(origin.at(0, 0), "unknown", reason, message, excerpt)


def _damaged(origin: Origin, index: int, reason: str, message: str) -> Rejection:
    return Rejection(origin.at(index, -1), "unknown", reason, message, b"")


def skip_bytes(stream: BinaryIO, count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, 1 << 20))
        if not chunk:
            raise EOFError("the stream ends before the record's offset")
        count -= len(chunk)


def reread(locator: Locator, source_format: str, mapping: FieldMapping | None = None) -> Record:
    """The record at `locator`, read again from its file using nothing but the locator."""
    for item in open_streams(Path(locator.source_file)):
        if isinstance(item, Rejection) or item[0].source_member != locator.source_member:
            continue
        origin, head, stream = item
        stream = utf8_stream(head, stream) or stream
        fmt = FORMATS[source_format]
        if fmt.read_one is not None:
            record = fmt.read_one(stream, origin, locator, mapping)
        else:
            skip_bytes(stream, locator.byte_offset)
            record = next(iter(_reader(source_format, mapping)(stream, origin)))
        return dataclasses.replace(record, locator=locator)
    raise LookupError(f"no member {locator.source_member!r} in {locator.source_file}")
