"""A raw record into a document: header metadata and text normalised, identity and counts computed."""

from __future__ import annotations

import hashlib

from transforms.dates import parse_date
from transforms.records import Document, Locator, RawRecord, Rejection
from transforms.text import split_paragraphs
from transforms.urls import canonical_url, registered_domain

EXCERPT_CHARS = 200


def document_id(locator: Locator) -> str:
    """Stable identity of the record at `locator`: the same bytes position always gets the same id."""
    key = "\x1f".join([locator.source_file, locator.source_member or "", str(locator.record_index)])
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _one_line(value: str | None) -> str | None:
    """A header value with its whitespace collapsed; None when nothing is left."""
    return " ".join(value.split()) or None if value else None


def normalise(record: RawRecord, source: str) -> Document | Rejection:
    """A record without a body (a headline-only row, a brief) takes its title as its text."""
    paragraphs = split_paragraphs(record.body) or split_paragraphs(record.title or "")
    if not paragraphs:
        return Rejection(
            locator=record.locator,
            source_format=record.source_format,
            reason="empty_text",
            message="the record has no text once normalised",
            raw_excerpt=record.body[:EXCERPT_CHARS].encode(),
        )
    text = "\n\n".join(paragraphs)
    date_raw = record.date if record.date is not None else next(iter(record.headers.get("date", [])), None)
    parsed = parse_date(date_raw) if date_raw else None
    authors = _one_line(record.authors)
    url = _one_line(record.url)
    canonical = canonical_url(url) if url else None
    return Document(
        doc_id=document_id(record.locator),
        source=source,
        source_file=record.locator.source_file,
        source_member=record.locator.source_member,
        record_index=record.locator.record_index,
        byte_offset=record.locator.byte_offset,
        source_format=record.source_format,
        encoding=record.encoding,
        text=text,
        paragraph_count=len(paragraphs),
        word_count=len(text.split()),
        char_count=len(text),
        content_hash=content_hash(text),
        headers=record.headers,
        published_at=parsed.published_at if parsed else None,
        published_date=parsed.published_date if parsed else None,
        date_precision=parsed.precision if parsed else None,
        date_source="header" if parsed else None,
        date_raw=date_raw,
        url=url,
        canonical_url=canonical,
        domain=registered_domain(canonical) if canonical else None,
        title=_one_line(record.title),
        authors=[authors] if authors else [],
    )
