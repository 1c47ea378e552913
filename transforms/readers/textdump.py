"""The crawler's text dump: one document per file, `key value` header tokens at the very start, then the body.

    " date 2019-03-05 US-backed militants prepared on Tuesday ...\n\nThe mass outpouring ..."

Only known keys with a value of the expected shape are header tokens, so a body that merely starts
with the word "date" stays body.
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
    yield RawRecord(locator=locator, source_format=FORMAT, headers=headers, body=body, encoding=encoding)


def looks_like(head: bytes) -> bool:
    """A stream that starts with a header token (any other text is read as a text dump too, as a fallback)."""
    headers, _ = split_header(decode_text(head[:256])[0])
    return bool(headers)
