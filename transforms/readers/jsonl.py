"""JSON Lines: one JSON object per line, its fields mapped to ours by `transforms.fields`.

    {"category": "CRIME", "headline": "There Were 2 Mass Shootings ...", "authors": "Melissa Jeltsen", ...}

Whatever the file is called (the HuffPost dump is a `.json`). Blank lines are skipped and not counted;
CRLF line ends and a UTF-8 BOM at the start are fine. A line that is not JSON, or JSON that is not an
object, is a rejection and reading goes on. Every field goes into `headers` by its name: strings as
they are, anything else (numbers, booleans, null, lists, objects) as its JSON text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, BinaryIO

from transforms.encoding import decode_text
from transforms.fields import FieldMapping, resolve_fields
from transforms.records import EXCERPT_BYTES, Headers, Keep, Locator, Origin, RawRecord, Rejection, skipped

FORMAT = "jsonl"
MAX_RECORD_BYTES = 64 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_DRAIN_BYTES = 1024 * 1024
# `\ud83d` without its pair decodes to a lone surrogate, which no UTF-8 writer accepts.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# How a list of strings under one of our fields becomes one string; other lists stay JSON text.
_LIST_JOINERS = {"authors": ", ", "body": "\n\n"}


def _text(value: Any) -> str:
    """A JSON value as text: a string as it is, anything else as its JSON text."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if text.isascii() else _LONE_SURROGATE.sub("\ufffd", text)


def _field(ours: str, value: Any) -> str | None:
    """A JSON value for one of our fields: null is no value; a list of strings is joined."""
    if value is None:
        return None
    joiner = _LIST_JOINERS.get(ours)
    if joiner is not None and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _text(joiner.join(value))
    return _text(value)


@lru_cache(maxsize=256)
def _resolved(keys: tuple[str, ...], mapping: FieldMapping | None) -> tuple[tuple[str, str], ...]:
    """`resolve_fields` for one set of keys (the objects of one file mostly share theirs)."""
    return tuple(resolve_fields(keys, mapping).items())


def object_record(
    obj: dict[str, Any], locator: Locator, encoding: str, mapping: FieldMapping | None
) -> RawRecord:
    """One JSON object as a record, its fields mapped to ours."""
    headers: Headers = {_text(key): [_text(value)] for key, value in obj.items()}
    mapped = {ours: _field(ours, obj[source]) for ours, source in _resolved(tuple(obj), mapping)}
    return RawRecord(
        locator=locator,
        source_format=FORMAT,
        headers=headers,
        body=mapped.get("body") or "",
        encoding=encoding,
        title=mapped.get("title"),
        url=mapped.get("url"),
        date=mapped.get("date"),
        authors=mapped.get("authors"),
    )


def _rejection(locator: Locator, reason: str, message: str, raw: bytes) -> Rejection:
    return Rejection(locator, FORMAT, reason, message, raw[:EXCERPT_BYTES])


def _line_record(line: bytes, locator: Locator, mapping: FieldMapping | None) -> RawRecord | Rejection:
    text, encoding = decode_text(line)
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as error:
        return _rejection(locator, "invalid_json", f"the line is not valid JSON: {error}", line)
    if not isinstance(obj, dict):
        kind = type(obj).__name__ if obj is not None else "null"
        return _rejection(locator, "not_an_object", f"the line is JSON but not an object ({kind})", line)
    return object_record(obj, locator, encoding, mapping)


def _drain_line(stream: BinaryIO) -> int:
    """Skip the rest of the current line; the number of bytes skipped."""
    skipped = 0
    while True:
        chunk = stream.readline(_DRAIN_BYTES)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def read_jsonl(
    stream: BinaryIO,
    origin: Origin,
    mapping: FieldMapping | None = None,
    *,
    byte_offset: int = 0,
    record_index: int = 0,
    keep: Keep | None = None,
) -> Iterator[RawRecord | Rejection]:
    """Every line of `stream` as a record. `byte_offset` and `record_index` say where in its file the
    stream starts (a stream positioned at a record's locator, to read that record again); lines
    `keep` rules out are not parsed."""
    offset, index = byte_offset, record_index
    while True:
        line = stream.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        start, size = offset, len(line)
        if start == 0 and line.startswith(_BOM):
            line, start = line[len(_BOM) :], len(_BOM)
        if size > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            size += _drain_line(stream)
            message = f"the line is longer than {MAX_RECORD_BYTES} bytes"
            yield _rejection(origin.at(index, start), "too_large", message, line)
            index += 1
        elif line.strip():
            if keep is None or keep(index):
                yield _line_record(line.rstrip(b"\r\n"), origin.at(index, start), mapping)
            else:
                yield skipped(origin.at(index, start), FORMAT)
            index += 1
        offset += size


def looks_like(head: bytes) -> bool:
    """The first non-blank line is a JSON object, and so is the second if the head holds all of it.

    A first line longer than the head counts when it starts like an object with a string key.
    """
    *complete, partial = head.removeprefix(_BOM).split(b"\n")
    complete = [line for line in complete if line.strip()]
    if not complete:
        return _is_object(partial) or partial.lstrip().startswith(b'{"')
    return all(_is_object(line) for line in complete[:2])


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(decode_text(line)[0]), dict)
    except (ValueError, RecursionError):
        return False
