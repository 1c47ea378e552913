"""The crawler's text dump: one document per file, `key value` header tokens at the very start, then the body.

    " date 2019-03-05 US-backed militants prepared on Tuesday ...\n\nThe mass outpouring ..."

Only known keys with a value of the expected shape are header tokens, so a body that merely starts
with the word "date" stays body.

A first line that stands alone as a headline (one line of at most TITLE_MAX_CHARS, not ending like a
sentence, a blank line after it and more text below) is the title, as in the BBC dumps:

    "Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant TimeWarner jumped ..."
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from transforms.encoding import decode_text
from transforms.records import EXCERPT_BYTES, Headers, Origin, RawRecord, Rejection

FORMAT = "textdump"
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

HEADER_VALUE_PATTERNS: dict[str, str] = {
    "date": r"\d{4}-\d{1,2}(?:-\d{1,2})?",
}
_HEADER_TOKENS = [
    (key, re.compile(rf"\s*{re.escape(key)}[^\S\n]+({pattern})(?=\s|$)[^\S\n]*"))
    for key, pattern in HEADER_VALUE_PATTERNS.items()
]


TITLE_MAX_CHARS = 150
_TITLE_LINE = re.compile(rf"[^\S\n]*([^\n]{{1,{TITLE_MAX_CHARS}}}?)[^\S\n]*\r?\n[^\S\n]*\r?\n(?=\s*\S)")
_SENTENCE_END = (".", ",", ";", ":")


def split_title(body: str) -> tuple[str | None, str]:
    """The headline line at the start of `body`, if there is one, and the body after it."""
    match = _TITLE_LINE.match(body)
    if match is None or match[1].endswith(_SENTENCE_END):
        return None, body
    return match[1], body[match.end() :]


def split_header(text: str) -> tuple[Headers, str]:
    """The header tokens at the start of `text`, and the body after them."""
    headers: Headers = {}
    position = 0
    while True:
        for key, token in _HEADER_TOKENS:
            match = token.match(text, position)
            if match:
                headers.setdefault(key, []).append(match.group(1))
                position = match.end()
                break
        else:
            return headers, text[position:]


def read_textdump(stream: BinaryIO, origin: Origin) -> Iterator[RawRecord | Rejection]:
    locator = origin.at(record_index=0, byte_offset=0)
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        yield Rejection(
            locator=locator,
            source_format=FORMAT,
            reason="too_large",
            message=f"document is larger than {MAX_DOCUMENT_BYTES} bytes",
            raw_excerpt=data[:EXCERPT_BYTES],
        )
        return
    text, encoding = decode_text(data)
    headers, body = split_header(text)
    title, body = split_title(body)
    yield RawRecord(
        locator=locator, source_format=FORMAT, headers=headers, body=body, encoding=encoding, title=title
    )


def looks_like(head: bytes) -> bool:
    """A stream that starts with a header token (any other text is read as a text dump too, as a fallback)."""
    headers, _ = split_header(decode_text(head[:256])[0])
    return bool(headers)
