"""CSV (and `;`, tab or `|` separated) tables: a header row of column names, then one record per row.

    Headlines,Time,Description
    IQ Capital CEO Keith Bliss says...," 4:24  PM ET Fri, 17 July 2020","Bliss joins ""Closing Bell"" to..."

The columns are mapped to our fields by `transforms.fields`; every column also goes into `headers` by
its name. The stdlib `csv` module parses rows from physical lines fed to it one at a time, each decoded
on its own, so the byte offset at which every row starts is known even when quoted fields hold line
breaks. The delimiter is the one `csv.Sniffer` finds in the header line (`,` when it finds none).

A row of empty fields (`,,`) is a record with no text, left for the normaliser to reject; a blank line
is no record. A row with more fields than the header is a `malformed_row` rejection; a shorter row is
padded with empty fields. A quote left open runs to the end of the file, as in any CSV reader: that
last row is a `truncated` rejection, its excerpt showing where it starts. Re-reading one row needs the
header: `read_csv_at`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import BinaryIO

from transforms.encoding import UTF8, UTF8_WITH_CP1252_FALLBACK, decode_text
from transforms.fields import FieldMapping, resolve_fields
from transforms.records import EXCERPT_BYTES, Headers, Origin, RawRecord, Rejection

FORMAT = "csv"
DELIMITERS = ",;\t|"
DEFAULT_DELIMITER = ","
MAX_RECORD_BYTES = 64 * 1024 * 1024
_SNIFF_CHARS = 16 * 1024
_SKIP_CHUNK_BYTES = 1024 * 1024
# looks_like: how many rows after the header it checks, and how long a column name may be.
_ROWS_CHECKED = 5
_MAX_NAME_CHARS = 64
_NOT_IN_NAMES = frozenset('"{}[]<>')
_SENTENCE_ENDS = (".", "!", "?")
# First lines of other formats: an mbox `From ` line, a WARC version line, a `Name: value` header line.
_NOT_A_HEADER = re.compile(r"From |WARC/|[A-Za-z][A-Za-z0-9-]*:[ \t]")


class _RowTooLarge(Exception):
    pass


class _Lines:
    """The physical lines of a binary stream, decoded one at a time, for `csv.reader` to pull from.

    It counts the bytes handed out, so that the offset at which each row starts is known (the reader
    pulls exactly the lines of one row), and keeps the first bytes and the decoding of the current row.
    """

    def __init__(self, stream: BinaryIO, offset: int = 0) -> None:
        self._stream = stream
        self._pending: bytes | None = None
        self.offset = offset
        self.row_start = offset
        self.excerpt = b""
        self.fallback = False
        self.quotes = 0

    def peek(self) -> bytes:
        """The next line, without handing it out."""
        if self._pending is None:
            self._pending = self._stream.readline(MAX_RECORD_BYTES + 1)
        return self._pending

    def skip(self) -> None:
        """Drop the next line unread."""
        self.offset += len(self.peek())
        self._pending = None

    def start_row(self) -> None:
        self.row_start = self.offset
        self.excerpt = b""
        self.fallback = False
        self.quotes = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        limit = MAX_RECORD_BYTES - (self.offset - self.row_start)
        line = self._pending if self._pending is not None else self._stream.readline(limit + 1)
        self._pending = None
        if not line:
            raise StopIteration
        if len(self.excerpt) < EXCERPT_BYTES:
            self.excerpt = (self.excerpt + line)[:EXCERPT_BYTES]
        self.offset += len(line)
        self.quotes += line.count(b'"')
        if self.offset - self.row_start > MAX_RECORD_BYTES:
            raise _RowTooLarge
        text, encoding = decode_text(line)
        self.fallback = self.fallback or encoding == UTF8_WITH_CP1252_FALLBACK
        return text


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a header line, among DELIMITERS; DEFAULT_DELIMITER when none is clear."""
    try:
        return csv.Sniffer().sniff(header_line[:_SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return DEFAULT_DELIMITER


def _is_blank(row: list[str]) -> bool:
    """A blank physical line: no delimiter and nothing but spaces."""
    return not row or (len(row) == 1 and not row[0].strip())


class _Table:
    """A CSV stream whose header has been read: its columns, and which feeds each field of ours."""

    def __init__(self, stream: BinaryIO, origin: Origin, mapping: FieldMapping | None) -> None:
        self.origin = origin
        self.lines = _Lines(stream)
        # The csv module stops at fields over 128 KiB by default, one process-wide setting: raised (never
        # lowered) to the record limit, which _Lines enforces itself.
        if csv.field_size_limit() < MAX_RECORD_BYTES:
            csv.field_size_limit(MAX_RECORD_BYTES)
        while (first := self.lines.peek()) and not first.strip():
            self.lines.skip()
        self.delimiter = sniff_delimiter(decode_text(first[: 4 * _SNIFF_CHARS])[0])
        self.rows = csv.reader(self.lines, delimiter=self.delimiter)
        self.columns: list[str] = []
        self.problem: tuple[str, str] | None = None
        try:
            self.columns = next(self.rows, [])
        except _RowTooLarge:
            self.problem = ("too_large", f"the header is longer than {MAX_RECORD_BYTES} bytes")
        except csv.Error as error:
            self.problem = ("malformed_header", f"the header row cannot be parsed: {error}")
        self.header_end = self.lines.offset
        resolved = resolve_fields(self.columns, mapping)
        self.feeds = {ours: self.columns.index(source) for ours, source in resolved.items()}

    def records(self, record_index: int) -> Iterator[RawRecord | Rejection]:
        if self.problem is not None:
            yield self._rejection(record_index, *self.problem)
            return
        index = record_index
        while self.columns:
            self.lines.start_row()
            try:
                row = next(self.rows, None)
            except _RowTooLarge:
                message = f"the row is longer than {MAX_RECORD_BYTES} bytes (an unclosed quote?)"
                yield self._rejection(index, "too_large", message)
                return
            except csv.Error as error:
                yield self._rejection(index, "malformed_row", f"the row cannot be parsed: {error}")
                index += 1
                continue
            if row is None:
                return
            if _is_blank(row):
                continue
            if self.lines.quotes % 2 and not self.lines.peek():
                message = "the file ends inside a quoted field (an unclosed quote): the rest is this row"
                yield self._rejection(index, "truncated", message)
                return
            yield self._record(index, row)
            index += 1

    def _record(self, index: int, row: list[str]) -> RawRecord | Rejection:
        if len(row) > len(self.columns):
            message = f"the row has {len(row)} fields, the header {len(self.columns)}"
            return self._rejection(index, "malformed_row", message)
        row = row + [""] * (len(self.columns) - len(row))
        headers: Headers = {}
        for name, value in zip(self.columns, row, strict=True):
            headers.setdefault(name, []).append(value)
        mapped = {ours: row[column] for ours, column in self.feeds.items()}
        return RawRecord(
            locator=self.origin.at(index, self.lines.row_start),
            source_format=FORMAT,
            headers=headers,
            body=mapped.get("body", ""),
            encoding=UTF8_WITH_CP1252_FALLBACK if self.lines.fallback else UTF8,
            title=mapped.get("title"),
            url=mapped.get("url"),
            date=mapped.get("date"),
            authors=mapped.get("authors"),
        )

    def _rejection(self, index: int, reason: str, message: str) -> Rejection:
        locator = self.origin.at(index, self.lines.row_start)
        return Rejection(locator, FORMAT, reason, message, self.lines.excerpt)


def read_csv(
    stream: BinaryIO, origin: Origin, mapping: FieldMapping | None = None
) -> Iterator[RawRecord | Rejection]:
    """Every row after the header as a record (a stream with no header row has none)."""
    yield from _Table(stream, origin, mapping).records(record_index=0)


def read_csv_at(
    stream: BinaryIO,
    origin: Origin,
    byte_offset: int,
    record_index: int,
    mapping: FieldMapping | None = None,
) -> Iterator[RawRecord | Rejection]:
    """The records from `byte_offset` on, numbered from `record_index`: `stream` is read from its start,
    for the header, and then skipped to the offset. Re-reads one record by its locator."""
    table = _Table(stream, origin, mapping)
    if byte_offset < table.header_end:
        raise ValueError(f"byte offset {byte_offset} is inside the header (it ends at {table.header_end})")
    remaining = byte_offset - table.header_end
    while remaining > 0:
        chunk = stream.read(min(remaining, _SKIP_CHUNK_BYTES))
        if not chunk:
            raise EOFError("the stream ends before the record's offset")
        remaining -= len(chunk)
    table.lines.offset = byte_offset
    yield from table.records(record_index)


def looks_like(head: bytes) -> bool:
    """A header line of at least two column names, and the next few complete rows of as many fields.

    Strict, so that prose, messages, JSON lines and markup are not taken for tables: the column names
    are short, none holds a quote or a bracket or ends a sentence, the header is not a `Name: value`
    header line, and no blank line follows it.
    """
    pieces = decode_text(head)[0].split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]] + [piece for piece in pieces[-1:] if piece]
    while lines and not lines[0].strip():
        lines.pop(0)
    if len(lines) < 2 or _NOT_A_HEADER.match(lines[0]) or not lines[1].strip():
        return False
    header = lines[0]
    delimiter = sniff_delimiter(header)
    try:
        names = next(csv.reader([header], delimiter=delimiter), [])
        if len(names) < 2 or not all(_is_name(name) for name in names):
            return False
        rows = _complete_rows(lines[1:], delimiter)
    except csv.Error:
        return False
    return bool(rows) and all(len(row) == len(names) for row in rows)


def _is_name(name: str) -> bool:
    name = name.strip()
    return (
        0 < len(name) <= _MAX_NAME_CHARS
        and not _NOT_IN_NAMES.intersection(name)
        and not name.endswith(_SENTENCE_ENDS)
    )


def _complete_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """Up to _ROWS_CHECKED non-blank rows that end within `lines`. A last line without its line end may
    have been cut short by the head: a row that reaches it counts only when it is the only row."""
    consumed, exhausted = 0, False

    def feed() -> Iterator[str]:
        nonlocal consumed, exhausted
        for line in lines:
            consumed += 1
            yield line
        exhausted = True

    complete: list[list[str]] = []
    for row in csv.reader(feed(), delimiter=delimiter):
        if exhausted:  # the row runs on past the head, inside a quoted field
            break
        if _is_blank(row):
            continue
        if consumed == len(lines) and not lines[-1].endswith("\n"):
            return complete or [row]
        complete.append(row)
        if len(complete) == _ROWS_CHECKED:
            break
    return complete
