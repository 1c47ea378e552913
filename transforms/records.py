"""The record types that flow from readers through normalisation to the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

Headers = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Locator:
    """Where a record's bytes are: the file, the archive member if any, and the position in it."""

    source_file: str
    record_index: int
    byte_offset: int
    source_member: str | None = None


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as a reader found it: its headers as written, and its body decoded to text."""

    locator: Locator
    source_format: str
    headers: Headers
    body: str
    encoding: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record (or file) that could not be loaded, with the reason and the bytes that caused it."""

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
    language: str | None = None
    language_score: float | None = None
    duplicate_of: str | None = None
    near_duplicate_cluster: str | None = None
