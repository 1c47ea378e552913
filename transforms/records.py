"""The record types that flow from readers through normalisation to the warehouse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

Headers = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Locator:
    """Where a record's bytes are: the file, the archive member if any, and the position in it.

    `byte_offset` counts bytes of the decompressed stream of the file (or of the archive member) at
    which the record starts; -1 where a position cannot be known. `record_index` counts the records
    the reader produced from that stream before this one (skipped and broken ones included).
    """

    source_file: str
    record_index: int
    byte_offset: int
    source_member: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """The stream a reader reads: a file, or one member of an archive file."""

    source_file: str
    source_member: str | None = None

    def at(self, record_index: int, byte_offset: int) -> Locator:
        return Locator(self.source_file, record_index, byte_offset, self.source_member)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as a reader found it.

    `headers` keeps every original header or field, by its original name, as text. The named fields
    are what the reader mapped from them, still raw (normalisation happens later): `body` the main
    text, `title`, `url`, `date` (the date string as written) and `authors` (as written).
    """

    locator: Locator
    source_format: str
    headers: Headers
    body: str
    encoding: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    authors: str | None = None


EXCERPT_BYTES = 200


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record (or file) that could not be loaded, or that a reader skips on purpose.

    `reason` is a short snake_case code (`truncated`, `invalid_json`, `skipped_warc_request`, ...);
    `message` says what is wrong in words; `raw_excerpt` holds at most EXCERPT_BYTES of the raw bytes.
    """

    locator: Locator
    source_format: str
    reason: str
    message: str
    raw_excerpt: bytes


@dataclass(frozen=True, slots=True)
class Document:
    """One normalised document: one row of the `documents` table."""

    doc_id: str
    source: str
    source_file: str
    source_member: str | None
    record_index: int
    byte_offset: int
    source_format: str
    encoding: str
    text: str
    paragraph_count: int
    word_count: int
    char_count: int
    content_hash: str
    headers: Headers
    published_at: datetime | None = None
    published_date: date | None = None
    date_precision: str | None = None
    date_source: str | None = None
    date_raw: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    domain: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    language: str | None = None
    language_score: float | None = None
    boilerplate: list[str] = field(default_factory=list)
    quoted_text: str | None = None
    signature: str | None = None
    minhash: list[int] = field(default_factory=list)


# Which records a reader should make in full: given a record's index, true for the records one slice
# of a big file loads. Readers whose records are costly to make (WARC pages to extract, JSON to parse)
# stand `skipped` in for the others; any reader may ignore it, since the loader drops those records.
Keep = Callable[[int], bool]


def skipped(locator: Locator, source_format: str) -> Rejection:
    """The stand-in for a record another slice of the file loads."""
    return Rejection(locator, source_format, "other_slice", "loaded by another slice of the file", b"")
