"""WARC files (WARC/1.0 and 1.1, and the drafts 0.17 and 0.18), Common Crawl WET files among them.

    WARC/1.0
    WARC-Type: response
    WARC-Target-URI: https://an.wikipedia.org/wiki/Escopete
    WARC-Date: 2024-05-18T01:58:10Z
    Content-Type: application/http; msgtype=response
    Content-Length: 74581

    HTTP/1.1 200 OK
    content-type: text/html; charset=UTF-8
    ...

warcio parses the records. The stream is plain WARC: a `.warc.gz` is decompressed before it gets
here, so `byte_offset` is the record's offset in the decompressed stream, and reading the stream
from that offset gives the record again. `record_index` counts every WARC record.

- `response` (and `resource`) records with an HTML payload (`text/html`, `application/xhtml+xml`,
  or no type and a payload that starts like HTML) become documents through `transforms.html`: the
  main text, title, authors and the page's own date. The WARC-Date is when the page was fetched, not
  when it was written, so it stays in the headers only. The payload is the one the server meant:
  chunked transfer encoding and gzip/deflate content encoding are undone. A `text/plain` payload is
  its decoded text.
- `conversion` records (WET) are text already: each line (one block of the page) becomes a paragraph.
- Every other record (`warcinfo`, `request`, `metadata`, `revisit`, ...) and every response whose
  payload is not text is a `skipped_*` rejection: counted, not an error.
- `headers` holds the WARC headers, the HTTP headers as `http:<name>` (and the status line as
  `http:Status-Line`), and what extraction found besides the named fields: `sitename`, the page's
  declared `language`, its `canonical_url` when it differs from the target URI, and `extraction`
  (`resiliparse`, `trafilatura` where resiliparse found little, or `visible_text` when the page had no
  main text and all its visible text was kept), and for a page that reached one of `transforms.html`'s
  limits, `extraction_cut` (`html_size`, `html_depth`, `html_elements`, `time_limit`) and `html_chars`
  (the page's length in characters before any cut).
- Damage (the stream ends inside a record, a gzip stream that breaks off, a record that is not WARC)
  ends the stream with one `truncated` or `malformed_record` rejection, after every complete record
  before it: there is no resynchronising inside a broken stream. A record followed by a line of
  content where the blank lines that end it belong (its Content-Length is too small; warcio skips
  that line) is a `malformed_record` rejection, and reading goes on.
"""

from __future__ import annotations

import lzma
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from backports import zstd
from warcio.archiveiterator import WARCIterator  # type: ignore[import-untyped]
from warcio.bufferedreaders import BufferedReader  # type: ignore[import-untyped]
from warcio.exceptions import ArchiveLoadFailed  # type: ignore[import-untyped]
from warcio.recordloader import ArcWarcRecord  # type: ignore[import-untyped]
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException  # type: ignore[import-untyped]

from transforms.encoding import decode_text
from transforms.html import decode_html, extract_html
from transforms.records import EXCERPT_BYTES, Headers, Keep, Locator, Origin, RawRecord, Rejection, skipped

FORMAT = "warc"
MAX_PAYLOAD_BYTES = 64 * 1024 * 1024
# warcio offers br when the brotli package is installed (resiliparse brings it), but its decompressor
# sets an attribute that brotli's does not take, so every br payload would raise: br is not undone.
BufferedReader.DECOMPRESSORS.pop("br", None)

_VERSION_LINE = re.compile(rb"WARC/\d+\.\d+\r?\n")
# The record types WARC 1.1 defines; a skipped record of another type, or of none, is `skipped_warc_unknown`.
RECORD_TYPES = frozenset(
    {"warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation"}
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PLAIN_TYPES = frozenset({"text/plain"})
# A payload with no Content-Type is HTML when its start says so.
_HTML_START = re.compile(rb"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_SNIFF_BYTES = 1024
_IDENTITY_ENCODINGS = frozenset({"", "identity", "none"})
# Errors of a stream that breaks while it is read (bz2 raises OSError and EOFError): the file's damage.
_STREAM_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    zstd.ZstdError,
)


# What a stream that ends inside a record's first line leaves of it: `W`, `WAR`, `WARC/1.`, ...
_PARTIAL_VERSION_LINE = re.compile(rb"W(?:A(?:R(?:C(?:/(?:\d+(?:\.\d*\r?)?)?)?)?)?)?")
_TAIL_BYTES = 64
_READ_BYTES = 1024 * 1024


def looks_like(head: bytes) -> bool:
    """The stream starts with a WARC version line: `WARC/1.0`, `WARC/1.1`, `WARC/0.17`, ..."""
    return _VERSION_LINE.match(head) is not None


class _StreamBroke(Exception):
    """The underlying stream failed while warcio read it (kept apart from warcio's own EOFError)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error


class _GuardedStream:
    """The stream as warcio sees it: offsets counted from where it stands, reads filled, errors distinct.

    warcio takes an EOFError raised while it reads a record's headers for the clean end of the file,
    so a gzip stream that ends early would end the records silently; `_StreamBroke` cannot be
    mistaken for that. Every read returns as many bytes as asked for, up to the end of the stream:
    warcio cuts header lines that reach it in many short reads. The stream beneath is read with
    read1 where it has it, and bytes read before a failure are handed out before the failure is
    raised, so a gzip stream that breaks loses none of the bytes it did decompress (its read() drops
    what it gathered in the call that fails). After a failure the stream reads as empty.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        try:
            self._position = stream.tell()
        except (OSError, AttributeError, ValueError):
            self._position = 0
        self._read = getattr(stream, "read1", stream.read)
        self._pending: BaseException | None = None  # a failure to raise once the bytes before it are out
        self.broken: _StreamBroke | None = None
        self.at_end = False  # the stream has said it has no more bytes
        self.tail = b""  # the last bytes read

    def tell(self) -> int:
        return self._position

    def read(self, size: int = -1) -> bytes:
        if self._pending is not None:
            self.broken = _StreamBroke(self._pending)
            error, self._pending = self._pending, None
            raise self.broken from error
        if self.broken is not None:
            return b""
        chunks: list[bytes] = []
        count = 0
        while size < 0 or count < size:
            try:
                chunk = self._read(size - count if size >= 0 else _READ_BYTES)
            except _STREAM_ERRORS as error:
                if count:
                    self._pending = error
                    break
                self.broken = _StreamBroke(error)
                raise self.broken from error
            if not chunk:
                self.at_end = True
                break
            chunks.append(chunk)
            count += len(chunk)
        data = b"".join(chunks)
        self._position += count
        self.tail = (self.tail + data)[-_TAIL_BYTES:]
        return data

    def rest_since(self, offset: int) -> bytes | None:
        """The bytes read from `offset` on, if they are still in `tail`."""
        count = self._position - offset
        return self.tail[len(self.tail) - count :] if 0 <= count <= len(self.tail) else None


def _header_map(headers: StatusAndHeaders, prefix: str = "") -> Headers:
    result: Headers = {}
    for name, value in headers.headers:
        result.setdefault(prefix + name, []).append(value)
    return result


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    """`(media type, charset or None)` of a Content-Type value."""
    if not content_type:
        return "", None
    media_type, *parameters = content_type.split(";")
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").strip() or None
    return media_type.strip().lower(), charset


def _excerpt(record: ArcWarcRecord) -> bytes:
    """The record's first bytes: its WARC header block, as written."""
    return bytes(record.rec_headers.to_bytes()[:EXCERPT_BYTES])


class _Reader:
    """Turns one parsed record into a RawRecord or a Rejection, reading its payload as needed."""

    def __init__(self, record: ArcWarcRecord, locator: Locator) -> None:
        self.record = record
        self.locator = locator
        self.warc_type = str(record.rec_type or "unknown")
        self.target_uri: str | None = record.rec_headers.get_header("WARC-Target-URI")

    def reject(self, reason: str, message: str, excerpt: bytes | None = None) -> Rejection:
        if excerpt is None:
            excerpt = _excerpt(self.record)
        return Rejection(self.locator, FORMAT, reason, message, excerpt[:EXCERPT_BYTES])

    def skip(self, why: str) -> Rejection:
        kind = self.warc_type.lower()
        return self.reject(f"skipped_warc_{kind if kind in RECORD_TYPES else 'unknown'}", why)

    def headers(self) -> Headers:
        headers = _header_map(self.record.rec_headers)
        http = self.record.http_headers
        if http is not None:
            status_line = " ".join(part for part in (http.protocol, http.statusline) if part)
            if status_line:
                headers["http:Status-Line"] = [status_line]
            headers.update(_header_map(http, "http:"))
        return headers

    def payload(self, stream: Any) -> bytes | Rejection:
        data: bytes = stream.read(MAX_PAYLOAD_BYTES + 1)
        if len(data) > MAX_PAYLOAD_BYTES:
            return self.reject("too_large", f"the payload is larger than {MAX_PAYLOAD_BYTES} bytes", data)
        return data

    def read(self) -> RawRecord | Rejection:
        if self.warc_type == "conversion":
            return self.conversion()
        if self.warc_type in ("response", "resource"):
            return self.page()
        return self.skip(f"a WARC {self.warc_type} record holds no document")

    def conversion(self) -> RawRecord | Rejection:
        data = self.payload(self.record.raw_stream)
        if isinstance(data, Rejection):
            return data
        text, encoding = decode_text(data)
        body = "\n\n".join(line.strip() for line in text.splitlines() if line.strip())
        return RawRecord(self.locator, FORMAT, self.headers(), body, encoding, url=self.target_uri)

    def page(self) -> RawRecord | Rejection:
        http = self.record.http_headers
        if http is not None:
            content_type = http.get_header("Content-Type")
        elif self.warc_type == "response" and self.target_uri and self.target_uri.startswith("http"):
            return self.reject("malformed_record", "the response has no HTTP status line and headers")
        else:
            content_type = self.record.content_type
        if not content_type:
            content_type = self.record.rec_headers.get_header("WARC-Identified-Payload-Type")
        media_type, charset = _media_type(content_type)
        if media_type and media_type not in HTML_TYPES | PLAIN_TYPES:
            return self.not_text(f"the payload is {media_type}, not text")
        content_encoding = ((http.get_header("Content-Encoding") if http else None) or "").strip().lower()
        if content_encoding not in _IDENTITY_ENCODINGS | BufferedReader.get_supported_decompressors():
            return self.reject(
                "unsupported_content_encoding",
                f"the payload is {content_encoding}-encoded, which cannot be undone here",
            )
        data = self.payload(self.record.content_stream())
        if isinstance(data, Rejection):
            return data
        if not media_type:
            if not _HTML_START.search(data[:_SNIFF_BYTES]):
                return self.not_text("the payload has no Content-Type and does not look like HTML", data)
            media_type = "text/html"
        if media_type in PLAIN_TYPES:
            text, encoding = decode_html(data, charset, sniff=False)
            return RawRecord(self.locator, FORMAT, self.headers(), text, encoding, url=self.target_uri)
        return self.html(data, charset)

    def not_text(self, message: str, payload: bytes | None = None) -> Rejection:
        if self.warc_type == "resource":
            return self.skip(message)
        return self.reject("skipped_non_text", message, payload)

    def html(self, data: bytes, charset: str | None) -> RawRecord | Rejection:
        headers = self.headers()
        try:
            page = extract_html(data, self.target_uri, charset)
        except Exception as error:  # a heuristic extractor's failure on one page must not end the file
            return self.reject("extraction_failed", f"{type(error).__name__}: {error}", data)
        if page is None:  # no text at all: normalisation rejects it as empty
            _, encoding = decode_html(data, charset)
            return RawRecord(self.locator, FORMAT, headers, "", encoding, url=self.target_uri)
        headers["extraction"] = [page.extraction]
        if page.cut:
            headers["extraction_cut"] = list(page.cut)
            headers["html_chars"] = [str(page.html_chars)]
        if page.sitename:
            headers["sitename"] = [page.sitename]
        if page.language:
            headers["language"] = [page.language]
        if page.url and page.url != self.target_uri:
            headers["canonical_url"] = [page.url]
        return RawRecord(
            self.locator,
            FORMAT,
            headers,
            page.text,
            page.encoding or "utf-8",
            title=page.title,
            url=self.target_uri,
            date=page.date,
            authors=page.author,
        )


# What warcio raises for a header block it cannot make sense of: not WARC at all, or (AttributeError)
# a response record without a WARC-Target-URI.
_UNREADABLE = (ArchiveLoadFailed, StatusAndHeadersParserException, AttributeError, TypeError, ValueError)


def read_warc(stream: BinaryIO, origin: Origin, keep: Keep | None = None) -> Iterator[RawRecord | Rejection]:
    """Every WARC record of `stream`; records `keep` rules out are read past, not extracted."""
    guarded = _GuardedStream(stream)
    # WARCIterator is ArchiveIterator held to WARC: a first record that is not WARC fails instead of
    # being tried as ARC.
    records = WARCIterator(guarded)
    record_index = 0
    while True:
        # Where the next record starts: warcio's count of the bytes before it, in guarded.tell() terms.
        # Once the record is read to its end, get_record_offset() gives the same number.
        start = records.offset
        try:
            record: ArcWarcRecord | None = next(records, None)
        except _StreamBroke as error:
            yield _broken(origin.at(record_index, start), None, error, guarded.tell())
            return
        except _UNREADABLE as error:
            ran_out = _ran_out(guarded, records)
            yield _unreadable(origin.at(record_index, start), error, guarded.rest_since(start), ran_out)
            return
        if record is None:
            break
        locator = origin.at(record_index, start)
        if not _valid_length(record):
            yield _no_length(locator, record, _ran_out(guarded, records))
            return
        outcome: RawRecord | Rejection | None = None
        stray_lines = records.err_count
        try:
            kept = keep is None or keep(record_index)
            outcome = _Reader(record, locator).read() if kept else skipped(locator, FORMAT)
            records.get_record_offset()  # reads the rest of the record, so that its length is checked
        except _StreamBroke as error:
            if outcome is not None and not _missing_bytes(record) and isinstance(error.error, EOFError):
                # The record is whole, and a cut leaves the bytes before it as they were.
                yield outcome
                yield Rejection(
                    origin.at(record_index + 1, -1),
                    FORMAT,
                    "truncated",
                    f"the stream ends after the last complete WARC record ({error})",
                    b"",
                )
            else:
                yield _broken(locator, record, error, guarded.tell(), whole=not _missing_bytes(record))
            return
        if _missing_bytes(record):
            yield _truncated(locator, record, _missing_bytes(record))
            return
        if kept and records.err_count > stray_lines:
            # warcio skips (with a warning) a line after the record where the blank lines that end it belong.
            outcome = _overrun(locator, record)
        yield outcome
        record_index += 1
    if guarded.tell() > records.offset:
        # warcio ends quietly when the stream stops inside a record's HTTP headers.
        leftover = guarded.tell() - records.offset
        yield Rejection(
            origin.at(record_index, records.offset),
            FORMAT,
            "truncated",
            f"the stream ends inside a WARC record: the {leftover} bytes after the last complete record "
            "do not make a whole record",
            guarded.rest_since(records.offset) or b"",
        )


def _ran_out(guarded: _GuardedStream, records: WARCIterator) -> bool:
    """warcio has read every byte of the stream: what it could not parse was cut short."""
    return guarded.at_end and not records.reader.rem_length()


def _missing_bytes(record: ArcWarcRecord) -> int:
    """How many of the bytes the record's Content-Length declares have not been read (yet)."""
    remaining = getattr(record.raw_stream, "limit", 0)
    return remaining if isinstance(remaining, int) else 0


def _declared(record: ArcWarcRecord) -> int:
    return record.length if isinstance(record.length, int) else 0


def _truncated(locator: Locator, record: ArcWarcRecord, missing: int) -> Rejection:
    return Rejection(
        locator,
        FORMAT,
        "truncated",
        f"the stream ends inside the WARC {record.rec_type} record, which has "
        f"{_declared(record) - missing} of the {_declared(record)} bytes its Content-Length declares",
        _excerpt(record),
    )


def _overrun(locator: Locator, record: ArcWarcRecord) -> Rejection:
    return Rejection(
        locator,
        FORMAT,
        "malformed_record",
        f"the WARC {record.rec_type} record goes on past the {_declared(record)} bytes its Content-Length "
        "declares, so its content is cut short",
        _excerpt(record),
    )


def _valid_length(record: ArcWarcRecord) -> bool:
    """The record states its length as a number of bytes (warcio reads anything else as 0)."""
    value = record.rec_headers.get_header("Content-Length")
    return value is not None and value.strip().isdigit()


def _no_length(locator: Locator, record: ArcWarcRecord, ran_out: bool) -> Rejection:
    if ran_out:  # the header block was cut before its Content-Length line was whole
        reason, message = "truncated", "the stream ends inside a WARC record's header block"
    else:
        reason = "malformed_record"
        message = (
            f"the WARC {record.rec_type} record has no valid Content-Length, so where it ends is unknown"
        )
    return Rejection(locator, FORMAT, reason, message, _excerpt(record))


def _unreadable(locator: Locator, error: Exception, rest: bytes | None, ran_out: bool) -> Rejection:
    """Where a record should start, warcio cannot read one: `rest` is what is left, when known."""
    excerpt = (rest or b"")[:EXCERPT_BYTES]
    if ran_out and rest and _PARTIAL_VERSION_LINE.fullmatch(rest):
        return Rejection(
            locator,
            FORMAT,
            "truncated",
            f"the stream ends inside a WARC record's first line ({rest!r})",
            excerpt,
        )
    if ran_out and not isinstance(error, ArchiveLoadFailed):
        return Rejection(
            locator, FORMAT, "truncated", "the stream ends inside a WARC record's header block", excerpt
        )
    detail = str(error) if isinstance(error, ArchiveLoadFailed) else f"{type(error).__name__}: {error}"
    return Rejection(
        locator, FORMAT, "malformed_record", f"no WARC record can be read here: {detail}", excerpt
    )


def _broken(
    locator: Locator, record: ArcWarcRecord | None, error: _StreamBroke, end: int, *, whole: bool = False
) -> Rejection:
    """The stream beneath failed at `end` (bytes read so far) while `record` (or a header block) was read.

    `whole`: the record's content was all read before the failure (which, other than a cut, may
    still have garbled it: a gzip member's checksum is checked at its end).
    """
    ends = isinstance(error.error, EOFError)
    if record is None:
        what, excerpt = "inside a WARC record's header block", b""
    elif whole:
        what = f"at the end of the WARC {record.rec_type} record, which may be damaged too"
        excerpt = _excerpt(record)
    else:
        what, excerpt = f"inside the WARC {record.rec_type} record", _excerpt(record)
        if ends:  # every byte before `end` was delivered: those after the header block are the record's
            block_start = locator.byte_offset + int(record.rec_headers.total_len or 0)
            have = max(0, min(_declared(record), end - block_start))
            what += f", which has {have} of the {_declared(record)} bytes its Content-Length declares"
    if ends:
        return Rejection(locator, FORMAT, "truncated", f"the stream ends {what} ({error})", excerpt)
    return Rejection(locator, FORMAT, "malformed_record", f"the stream breaks {what} ({error})", excerpt)
