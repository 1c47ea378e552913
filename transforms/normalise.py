"""A raw record into a document: header metadata and text normalised, identity and counts computed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from transforms.authors import parse_byline
from transforms.boilerplate import split_known_lines
from transforms.dates import ParsedDate, date_from_dateline, date_from_url, parse_date
from transforms.dedup import minhash_signature
from transforms.language import identify_language
from transforms.mail import split_mail_body
from transforms.records import Document, Headers, Locator, RawRecord, Rejection
from transforms.text import normalise_line, split_paragraphs
from transforms.urls import canonical_url, registered_domain

EXCERPT_CHARS = 200
# Formats whose body is a message: quoted replies and signatures are split from what the author wrote.
MAIL_FORMATS = frozenset({"rfc822", "mbox"})
# A dateline is looked for only in the first paragraphs, where a page states its own date.
DATELINE_PARAGRAPHS = 2


def document_id(locator: Locator) -> str:
    """Stable identity of the record at `locator`: the same bytes position always gets the same id."""
    key = "\x1f".join([locator.source_file, locator.source_member or "", str(locator.record_index)])
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TextColumns:
    """The text and what is computed from it."""

    text: str
    paragraph_count: int
    word_count: int
    char_count: int
    content_hash: str

    @classmethod
    def of(cls, paragraphs: list[str]) -> TextColumns:
        text = "\n\n".join(paragraphs)
        return cls(text, len(paragraphs), len(text.split()), len(text), content_hash(text))

    def columns(self) -> dict[str, str | int]:
        # As `dataclasses.asdict` would give, without its deep copy, which costs more than the rest.
        return {
            "text": self.text,
            "paragraph_count": self.paragraph_count,
            "word_count": self.word_count,
            "char_count": self.char_count,
            "content_hash": self.content_hash,
        }


def lower_case_keys(headers: Headers) -> Headers:
    """Header names in lower case; the values of names that differ only in case are kept together."""
    merged: Headers = {}
    for name, values in headers.items():
        merged.setdefault(name.lower(), []).extend(values)
    return merged


def _published(
    record: RawRecord, url: str | None, paragraphs: list[str]
) -> tuple[ParsedDate | None, str | None, str | None]:
    """The document's date, where it came from (`header`, `url`, `text`) and its raw string. A header
    date that cannot be read stays null with its raw string kept: a guess from elsewhere could be an
    event's date, not the document's."""
    raw = record.date if record.date is not None else next(iter(record.headers.get("date", [])), None)
    if raw:
        parsed = parse_date(raw)
        return parsed, "header" if parsed else None, raw
    if url and (parsed := date_from_url(url)):
        return parsed, "url", url
    for paragraph in paragraphs[:DATELINE_PARAGRAPHS]:
        if parsed := date_from_dateline(paragraph):
            return parsed, "text", paragraph
    return None, None, None


def normalise(record: RawRecord, source: str, *, with_minhash: bool = True) -> Document | Rejection:
    """A record without a body (a headline-only row, a brief) takes its title as its text. Without
    `with_minhash` the MinHash is left empty, for a caller that computes a batch's at once."""
    body, quoted, signature = record.body, None, None
    if record.source_format in MAIL_FORMATS:
        parts = split_mail_body(body)
        body, quoted, signature = parts.body, parts.quoted, parts.signature
    body, boilerplate = split_known_lines(body)
    title = normalise_line(record.title)
    paragraphs = split_paragraphs(body)
    text_is_title = not paragraphs
    if text_is_title:
        paragraphs = split_paragraphs(record.title or "")
    if not paragraphs and boilerplate:  # nothing but boilerplate: keep it as the text
        paragraphs, boilerplate = split_paragraphs(record.body), []
    if not paragraphs:
        return Rejection(
            locator=record.locator,
            source_format=record.source_format,
            reason="empty_text",
            message="the record has no text once normalised",
            raw_excerpt=record.body[:EXCERPT_CHARS].encode(),
        )
    columns = TextColumns.of(paragraphs)
    text = columns.text
    url = normalise_line(record.url)
    canonical = canonical_url(url) if url else None
    parsed, date_source, date_raw = _published(record, url, paragraphs)
    byline = parse_byline(record.authors, mailbox=record.source_format in MAIL_FORMATS)
    language = identify_language(text if text_is_title or title is None else f"{title}\n{text}")
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
        paragraph_count=columns.paragraph_count,
        word_count=columns.word_count,
        char_count=columns.char_count,
        content_hash=columns.content_hash,
        headers=lower_case_keys(record.headers),
        published_at=parsed.published_at if parsed else None,
        published_date=parsed.published_date if parsed else None,
        date_precision=parsed.precision if parsed else None,
        date_source=date_source,
        date_raw=date_raw,
        url=url,
        canonical_url=canonical,
        domain=registered_domain(canonical) if canonical else None,
        title=title,
        authors=list(byline.authors),
        agencies=list(byline.agencies),
        language=language.code if language else None,
        language_score=language.score if language else None,
        boilerplate=boilerplate,
        quoted_text=quoted,
        signature=signature,
        minhash=minhash_signature(text) if with_minhash else [],
    )
