"""RFC 822 messages, one per file: newsgroup articles, single mail files, maildir files.

    Path: cantaloupe.srv.cs.cmu.edu!...
    From: strom@Watson.Ibm.Com (Rob Strom)
    Subject: Re: "Princeton axes matching funds for Boy Scouts"

    In article <N4HY.93Apr5120934@harder.ccr-p.ida.org>, ...

The stdlib `email` parser does the splitting, with the `compat32` policy: it never raises on a malformed
header and keeps every header as written (`default` parses address and date headers into objects and
writes them back reformatted: `strom@Watson.Ibm.Com (Rob Strom)` loses its comment, `6 Apr 1993 15:36
EST` becomes `Tue, 06 Apr 1993 15:36:00 -0500`). Decoding the header values is done here: raw bytes as
UTF-8 with the cp1252 fallback, folded lines unfolded, RFC 2047 encoded words decoded.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Iterator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import BinaryIO

from transforms.encoding import UTF8, UTF8_WITH_CP1252_FALLBACK, decode_text
from transforms.records import EXCERPT_BYTES, Headers, Locator, Origin, RawRecord, Rejection

FORMAT = "rfc822"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
READ_CHUNK_BYTES = 1024 * 1024
UNIX_FROM = "From_"

# A header line `Name: value`: the name is printable US-ASCII except the colon (RFC 5322 section 2.2).
HEADER_LINE = re.compile(rb"([!-9;-~]+):")
# Headers that news articles and mail carry; two of them in the header block make a message.
MESSAGE_HEADERS = frozenset(
    b"from date subject newsgroups path message-id received to return-path xref".split()
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# `=?charset(*language)?Q|B?text?=`; the text holds printable ASCII except `?` (RFC 2047, RFC 2231).
_WORD = r"=\?[!->@-~]+?\?[QqBb]\?[!->@-~]*\?="
_ENCODED_WORD = re.compile(r"=\?([!->@-~]+?)\?([QqBb])\?([!->@-~]*)\?=")
# Encoded words separated only by whitespace: the whitespace goes (RFC 2047 section 6.2).
_ENCODED_WORD_RUN = re.compile(rf"{_WORD}(?:[ \t]*{_WORD})*")


def is_header_line(line: bytes) -> bool:
    return HEADER_LINE.match(line) is not None


def looks_like(head: bytes) -> bool:
    """The stream starts with an RFC 822 header block naming at least two of MESSAGE_HEADERS."""
    if head.startswith(b"WARC/") or not is_header_line(head):
        return False
    names = set()
    for line in head.splitlines():
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue
        match = HEADER_LINE.match(line)
        if match is None:
            break
        names.add(match.group(1).lower())
    return len(names & MESSAGE_HEADERS) >= 2


def too_large(locator: Locator, source_format: str, excerpt: bytes) -> Rejection:
    return Rejection(
        locator=locator,
        source_format=source_format,
        reason="too_large",
        message=f"message is larger than {MAX_MESSAGE_BYTES} bytes",
        raw_excerpt=excerpt[:EXCERPT_BYTES],
    )


def decode_charset(data: bytes, charset: str | None) -> tuple[str, str]:
    """`data` in its declared charset when that decodes it cleanly, else `decode_text`; and the decoding used.

    Undeclared, unknown, ASCII and UTF-8 text goes to `decode_text` (UTF-8 is a superset of ASCII, and
    mail that declares us-ascii often holds UTF-8 or Latin-1 bytes). A charset is named by its Python
    codec name (`iso8859-1`, `cp1252`), so that its aliases come out alike.
    """
    codec = _codec(charset)
    if codec not in (None, UTF8, "ascii"):
        try:
            return data.decode(codec), codec
        except (LookupError, UnicodeError):  # LookupError: a codec that is not a text encoding
            pass
    return decode_text(data)


def _codec(charset: str | None) -> str | None:
    try:
        return codecs.lookup(charset).name if charset else None
    except (LookupError, ValueError):
        return None


def _encoded_word_bytes(match: re.Match[str]) -> tuple[str, bytes | None]:
    """The charset (without an RFC 2231 language) and the bytes of an encoded word; None if broken."""
    charset, kind, encoded = match.groups()
    raw = encoded.encode("ascii")
    try:
        if kind in "Qq":
            return charset.split("*", 1)[0], binascii.a2b_qp(raw, header=True)
        return charset.split("*", 1)[0], base64.b64decode(raw + b"=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        return charset, None


def _decode_encoded_word_run(run: re.Match[str]) -> str:
    """A run of encoded words as text. The bytes of neighbours in the same charset are decoded together,
    since writers split multibyte characters across words; a broken word stays as written."""
    pieces: list[str] = []
    charset, data = "", b""
    for match in _ENCODED_WORD.finditer(run.group(0)):
        word_charset, word_data = _encoded_word_bytes(match)
        if word_data is not None and word_charset.lower() == charset.lower():
            data += word_data
            continue
        if charset:
            pieces.append(decode_charset(data, charset)[0])
        if word_data is None:
            pieces.append(match.group(0))
            charset, data = "", b""
        else:
            charset, data = word_charset, word_data
    if charset:
        pieces.append(decode_charset(data, charset)[0])
    return "".join(pieces)


def decode_header_value(raw: str) -> tuple[str, str]:
    """A header value as the parser stored it (bytes as surrogate escapes), as text; and its raw decoding."""
    text, encoding = decode_text(raw.encode("ascii", "surrogateescape"))
    return _ENCODED_WORD_RUN.sub(_decode_encoded_word_run, _LINE_BREAK.sub("", text)), encoding


def _headers(message: Message) -> tuple[Headers, bool]:
    """Every header by its name as written, and whether any needed the cp1252 fallback."""
    headers: Headers = {}
    fallback = False
    unix_from = message.get_unixfrom()
    raw_items = [(UNIX_FROM, unix_from)] if unix_from else []
    for name, value in [*raw_items, *message.raw_items()]:
        text, encoding = decode_header_value(str(value))
        fallback = fallback or encoding == UTF8_WITH_CP1252_FALLBACK
        headers.setdefault(name, []).append(text)
    return headers, fallback


def _first(headers: Headers, name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name:
            return values[0].strip() or None
    return None


def _part_text(part: Message) -> tuple[str, str]:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return decode_charset(data, part.get_content_charset())


def _subparts(part: Message) -> list[Message]:
    return [subpart for subpart in part.get_payload() if isinstance(subpart, Message)]


def _text_leaves(part: Message) -> Iterator[Message]:
    """The non-multipart parts under `part`, attachments (and everything inside them) left out."""
    if part.get_content_disposition() == "attachment":
        return
    if part.is_multipart():
        for subpart in _subparts(part):
            yield from _text_leaves(subpart)
    else:
        yield part


def _body(message: Message) -> tuple[str, list[str]]:
    """The message's text and the decodings used.

    A single-part message gives its payload whatever its declared type (`setext/plain` occurs). A
    multipart one gives its text/plain parts joined by a blank line, or its text/html parts (raw) when
    it has no text/plain part.
    """
    if not message.is_multipart():
        text, encoding = _part_text(message)
        return text, [encoding]
    leaves = [leaf for subpart in _subparts(message) for leaf in _text_leaves(subpart)]
    chosen = [leaf for leaf in leaves if leaf.get_content_type() == "text/plain"] or [
        leaf for leaf in leaves if leaf.get_content_type() == "text/html"
    ]
    decoded = [_part_text(leaf) for leaf in chosen]
    texts = [text.strip("\r\n") for text, _ in decoded]
    return "\n\n".join(text for text in texts if text), [encoding for _, encoding in decoded]


def _encoding(body_encodings: list[str], header_fallback: bool) -> str:
    """The decodings used, distinct and in order; `utf-8` is subsumed by `utf-8+cp1252`."""
    used = dict.fromkeys(body_encodings or [UTF8])
    if header_fallback:
        used[UTF8_WITH_CP1252_FALLBACK] = None
    if UTF8_WITH_CP1252_FALLBACK in used:
        used.pop(UTF8, None)
    return ",".join(used)


def message_record(data: bytes, locator: Locator, source_format: str) -> RawRecord | Rejection:
    """The bytes of one message as a record (a leading `From ` line goes into the headers as `From_`)."""
    if len(data) > MAX_MESSAGE_BYTES:
        return too_large(locator, source_format, data)
    try:
        message = BytesParser(policy=compat32).parsebytes(data)
        headers, header_fallback = _headers(message)
        body, body_encodings = _body(message)
    except Exception as error:  # a reader keeps going past one broken message
        return Rejection(
            locator=locator,
            source_format=source_format,
            reason="invalid_message",
            message=f"the message cannot be parsed: {type(error).__name__}: {error}",
            raw_excerpt=data[:EXCERPT_BYTES],
        )
    return RawRecord(
        locator=locator,
        source_format=source_format,
        headers=headers,
        body=body,
        encoding=_encoding(body_encodings, header_fallback),
        title=_first(headers, "subject"),
        date=_first(headers, "date"),
        authors=_first(headers, "from"),
    )


def read_capped(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit + 1` bytes of `stream`, read in chunks: one byte more than `limit` means too large."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(READ_CHUNK_BYTES, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO, origin: Origin) -> Iterator[RawRecord | Rejection]:
    yield message_record(read_capped(stream, MAX_MESSAGE_BYTES), origin.at(0, 0), FORMAT)
