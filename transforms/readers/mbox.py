"""mbox mail archives (mboxo and mboxrd): messages one after the other, each behind a `From ` line.

    From nad at python.org  Tue Nov  1 00:55:41 2016
    From: nad at python.org (Ned Deily)
    Subject: [Python-Dev] ...

    body, where a line starting with `From ` was written as `>From `

A message starts at a line beginning with `From ` that begins the stream or follows an empty line;
that empty line belongs to the separator, not to the message before it. `>From ` lines (any number of
`>`) lose one `>`. The stream is read line by line and only the current message is held in memory
(`mailbox.mbox` needs a file path and indexes the whole file first, so it cannot read a stream).
Each message is parsed by the RFC 822 reader; its `From ` line becomes the header `From_`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from transforms.readers import message
from transforms.records import EXCERPT_BYTES, Locator, Origin, RawRecord, Rejection

FORMAT = "mbox"
LINE_CHUNK_BYTES = 64 * 1024

_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# `From <sender> <asctime>`, e.g. `From nad at python.org  Tue Nov  1 00:55:41 2016`.
FROM_LINE = re.compile(
    rb"From \S.{0,1000}?[ \t]" + _DAY + rb"[ \t]+" + _MONTH + rb"[ \t]+\d{1,2}[ \t]+\d{1,2}:\d\d"
)
_ESCAPED_FROM = re.compile(rb">+From ")
_EMPTY_LINES = (b"\n", b"\r\n")


def looks_like(head: bytes) -> bool:
    """The first line is a `From ` line with an asctime-like date, and a header line follows it."""
    first, _, rest = head.partition(b"\n")
    return FROM_LINE.match(first) is not None and message.is_header_line(rest)


class _Message:
    """The bytes of the message being read, up to the size cap; past it, only the first EXCERPT_BYTES."""

    def __init__(self, byte_offset: int) -> None:
        self.byte_offset = byte_offset
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        previous_size = self.size
        self.size += len(chunk)
        if self.size <= message.MAX_MESSAGE_BYTES:
            self.chunks.append(chunk)
        elif previous_size <= message.MAX_MESSAGE_BYTES:
            self.chunks = [b"".join([*self.chunks, chunk])[:EXCERPT_BYTES]]

    def is_blank(self) -> bool:
        return all(not chunk.strip() for chunk in self.chunks)

    def record(self, locator: Locator) -> RawRecord | Rejection:
        data = b"".join(self.chunks)
        if self.size > message.MAX_MESSAGE_BYTES:
            return message.too_large(locator, FORMAT, data)
        return message.message_record(data, locator, FORMAT)


def read_mbox(stream: BinaryIO, origin: Origin) -> Iterator[RawRecord | Rejection]:
    record_index = 0
    offset = 0
    current = _Message(0)  # what precedes the first `From ` line: a message unless it is blank
    held_empty_line = b""  # the separator if a `From ` line follows it, else part of the message
    at_line_start = True  # False while reading the rest of a line longer than LINE_CHUNK_BYTES
    while line := stream.readline(LINE_CHUNK_BYTES):
        if at_line_start and line.startswith(b"From ") and (offset == 0 or held_empty_line):
            if not current.is_blank():
                yield current.record(origin.at(record_index, current.byte_offset))
                record_index += 1
            current = _Message(offset)
            current.add(line)
            held_empty_line = b""
        elif at_line_start and line in _EMPTY_LINES:
            current.add(held_empty_line)
            held_empty_line = line
        else:
            current.add(held_empty_line)
            held_empty_line = b""
            current.add(line[1:] if at_line_start and _ESCAPED_FROM.match(line) else line)
        at_line_start = line.endswith(b"\n")
        offset += len(line)
    if not current.is_blank():
        yield current.record(origin.at(record_index, current.byte_offset))
