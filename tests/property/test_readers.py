"""Every reader, given any bytes, yields records or rejections and never raises, and accounts for its
input: each item is located inside the file, indexes count up from 0, offsets only go forward, a
file with anything but whitespace in it yields something (where the format has nothing but records),
and each format's own units (JSON lines, mbox messages, `<REUTERS>` elements, feed items, WARC records,
CSV rows) are all there, one item each, that the locator alone finds again."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from tests.property.fragments import DOCUMENTS, damaged
from transforms.containers import HEAD_BYTES, decompress, is_tar, is_zip
from transforms.encoding import decode_text
from transforms.formats import FORMATS, detect_format, read_path, reread
from transforms.readers import csv_table, feed, reuters_sgml
from transforms.records import EXCERPT_BYTES, Locator, Origin, RawRecord, Rejection

Item = RawRecord | Rejection

# The reasons each reader gives (README, "reject reason").
REASONS: dict[str, frozenset[str]] = {
    "jsonl": frozenset({"invalid_json", "not_an_object", "too_large"}),
    "csv": frozenset({"malformed_header", "malformed_row", "too_large", "truncated"}),
    "feed": frozenset({"malformed_xml", "not_a_feed", "truncated"}),
    "rfc822": frozenset({"invalid_message", "too_large"}),
    "mbox": frozenset({"invalid_message", "too_large"}),
    "reuters_sgml": frozenset({"truncated", "too_large"}),
    "textdump": frozenset({"too_large"}),
    "warc": frozenset(
        {
            "truncated",
            "malformed_record",
            "too_large",
            "unsupported_content_encoding",
            "extraction_failed",
            "skipped_non_text",
            # a record of any type but those that hold documents, or of none (`unknown`)
            *(f"skipped_warc_{kind}" for kind in ("warcinfo", "request", "metadata", "revisit", "resource")),
            *(f"skipped_warc_{kind}" for kind in ("continuation", "unknown")),
        }
    ),
}
# Rejections of a whole file or stream by read_path itself, whose source_format is `unknown`.
READ_PATH_REASONS = frozenset(
    {"empty_file", "unsupported_format", "truncated", "corrupt_file", "decompression_bomb"}
    | {"unsafe_member_path", "archive_link", "archive_special_file", "archive_too_deep"}
)
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_BLANK = b" \t\n\r\x0b\x0c"  # what bytes.strip() strips, and what the readers call blank
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16 and UTF-32 (whose LE mark starts so)
MEMORY = "memory"


def read(scratch: Path, data: bytes, source_format: str | None) -> tuple[Path, list[Item]]:
    """The items of `data` in a file, through read_path."""
    path = scratch / "input"
    path.write_bytes(data)
    return path, list(read_path(path, source_format))


def read_directly(data: bytes, source_format: str) -> list[Item]:
    """The items the format's reader makes of exactly these bytes."""
    return list(FORMATS[source_format].read(io.BytesIO(data), Origin(MEMORY)))


def has_text(data: bytes) -> bool:
    """Anything but whitespace and a UTF-8 byte order mark."""
    return bool(data.removeprefix(b"\xef\xbb\xbf").strip(_BLANK))


def is_plain(data: bytes) -> bool:
    """read_path hands these very bytes to the reader: not empty, compressed, archived, or UTF-16 or
    UTF-32 (which it reads as UTF-8)."""
    compression, _, _ = decompress(io.BytesIO(data))
    return not (
        not data or compression is not None or is_zip(data) or is_tar(data) or data.startswith(_WIDE_BOMS)
    )


def _utf8(text: str | None) -> bool:
    """Text that can be written out (a lone surrogate cannot)."""
    try:
        (text or "").encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_items(data: bytes, source_format: str, items: list[Item]) -> None:
    """What holds for every reader's output."""
    assert [item.locator.record_index for item in items] == list(range(len(items)))
    offsets = [item.locator.byte_offset for item in items if item.locator.byte_offset != -1]
    assert offsets == sorted(set(offsets)), "offsets go backwards or repeat"
    assert all(0 <= offset < max(len(data), 1) for offset in offsets), (offsets, len(data))
    for item in items:
        assert item.locator == Locator(MEMORY, item.locator.record_index, item.locator.byte_offset)
        assert item.source_format == source_format
        if isinstance(item, Rejection):
            assert _SNAKE_CASE.fullmatch(item.reason)
            assert item.reason in REASONS[source_format], item
            assert item.message
            assert isinstance(item.raw_excerpt, bytes)
            assert len(item.raw_excerpt) <= EXCERPT_BYTES
        else:
            texts = [item.body, item.title, item.url, item.date, item.authors, item.encoding]
            texts += [name for name in item.headers] + [v for vs in item.headers.values() for v in vs]
            assert all(_utf8(text) for text in texts), item
    # A table's header, a feed's channel and what lies between Reuters elements are not records: a
    # file with nothing else gives no item (and the loader one `no_records` rejection for the file).
    if has_text(data) and source_format not in ("csv", "feed", "reuters_sgml"):
        assert items, "a file with text in it gave nothing"


def check_read_path(path: Path, data: bytes, items: list[Item], direct: list[Item]) -> None:
    """read_path gives what the reader gives, located in the file; the locator alone finds each
    record again. Its own rejections (of the whole file, or of a compressed stream that breaks) say
    so by their `unknown` format."""
    for member in {item.locator.source_member for item in items}:  # an archive's members count apart
        indexes = [item.locator.record_index for item in items if item.locator.source_member == member]
        assert indexes == list(range(len(indexes)))
    for item in items:
        assert item.locator.source_file == str(path)
        if item.source_format == "unknown":
            assert isinstance(item, Rejection) and item.reason in READ_PATH_REASONS, item
    if not is_plain(data):
        return
    assert [_relocated(item, MEMORY) for item in items] == direct
    for item in items:
        if isinstance(item, RawRecord):
            assert reread(item.locator, item.source_format) == item


def _relocated(item: Item, source_file: str) -> Item:
    return dataclasses.replace(item, locator=dataclasses.replace(item.locator, source_file=source_file))


# ---------------------------------------------------------------------------------------------------
# What each format's items are, worked out from the bytes without the reader


def _line_starts(data: bytes) -> list[tuple[int, bytes]]:
    """Each line (split at b"\n", as readline splits) and where it starts."""
    starts, position = [], 0
    for line in data.split(b"\n"):
        starts.append((position, line))
        position += len(line) + 1
    return [(start, line) for start, line in starts if start < len(data)]


def check_jsonl(data: bytes, items: list[Item]) -> None:
    """One item per non-blank line, at the line's start (after a BOM)."""
    lines = _line_starts(data)
    if data.startswith(b"\xef\xbb\xbf"):
        lines[0] = (3, lines[0][1][3:])
    assert [item.locator.byte_offset for item in items] == [
        start for start, line in lines if line.strip(_BLANK)
    ]


def check_mbox(data: bytes, items: list[Item]) -> None:
    """A message starts at each `From ` line that begins the file or follows an empty line; whatever
    precedes the first is a message too unless it is blank."""
    starts, previous = [], None
    for start, line in _line_starts(data):
        if line.startswith(b"From ") and (start == 0 or previous in (b"", b"\r")):
            starts.append(start)
        previous = line
    if data[: starts[0] if starts else len(data)].strip(_BLANK) and starts[:1] != [0]:
        starts.insert(0, 0)
    assert [item.locator.byte_offset for item in items] == starts


def check_whole_file(data: bytes, items: list[Item]) -> None:
    """The file is the record."""
    assert [item.locator.byte_offset for item in items] == [0]


_REUTERS_TAG = re.compile(rb"<REUTERS(?=[\s>])", re.IGNORECASE)


def check_reuters_sgml(data: bytes, items: list[Item]) -> None:
    """One item per `<REUTERS` start tag."""
    assert [item.locator.byte_offset for item in items] == [
        match.start() for match in _REUTERS_TAG.finditer(data)
    ]


_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def check_feed(data: bytes, items: list[Item]) -> None:
    """Found by index, not offset. A well-formed feed gives each of its items (in the places the reader
    looks: under the root or its channel) and nothing else; anything else ends in one rejection."""
    assert all(item.locator.byte_offset == -1 for item in items)
    rejections = [item for item in items if isinstance(item, Rejection)]
    if [item.reason for item in rejections] == ["not_a_feed"]:
        assert len(items) == 1
        recovered = etree.fromstring(
            data, etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
        )
        assert recovered is not None and recovered.tag not in feed.FEED_ROOTS
        return
    try:
        root = etree.fromstring(data, _STRICT)
    except etree.XMLSyntaxError:
        assert len(rejections) == 1 and items[-1] is rejections[0], items
        assert rejections[0].reason in ("truncated", "malformed_xml")
        return
    assert not rejections, rejections
    tags = feed.ITEM_TAGS[root.tag]
    placed = [child for child in root.iter() if child.tag in tags]
    assert len(items) == sum(
        1 for child in placed if root in (child.getparent(), child.getparent().getparent())
    )


def check_csv(data: bytes, items: list[Item]) -> None:
    """Rows start at line starts; a table yields nothing only when all it holds is its header row."""
    for item in items:
        offset = item.locator.byte_offset
        assert offset == 0 or data[offset - 1 : offset] == b"\n"
    if not items:
        text = decode_text(data)[0]
        first = next((line for line in text.split("\n") if line.strip()), "")
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=csv_table.sniff_delimiter(first))
        try:
            non_blank = [row for row in rows if "".join(row).strip() or len(row) > 1]
        except csv.Error:
            non_blank = []
        assert len(non_blank) <= 1, non_blank


def _header_text(line: bytes) -> str:
    """A header line as warcio decodes it."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def _warc_record_end(data: bytes, offset: int) -> int | None:
    """Where the record at `offset` ends, by its Content-Length, reading its header block as warcio
    does: lines up to the first blank one (blank by str.rstrip()), the first Content-Length."""
    position, length = data.find(b"\n", offset) + 1, None  # after the version line
    while 0 < position < len(data):
        end = data.find(b"\n", position) + 1 or len(data)
        line = _header_text(data[position:end]).rstrip()
        position = end
        if not line:
            return position + length if length is not None else None
        name, colon, value = line.partition(":")
        if colon and length is None and name.rstrip(" \t").lower() == "content-length":
            length = int(value.strip()) if value.strip().isdecimal() else None
    return None


_WARC_DAMAGE = ("truncated", "malformed_record")


def check_warc(data: bytes, items: list[Item]) -> None:
    """A record starts at its version line. Before the first record, between one record's end (by its
    Content-Length) and the next item, and after the last, there is only whitespace, unless the reading
    broke down there (`truncated`, `malformed_record`)."""
    for item in items:
        if item.locator.byte_offset == -1:  # a compressed stream cut after its last record
            assert isinstance(item, Rejection) and item.reason == "truncated" and item is items[-1]
    located = [item for item in items if item.locator.byte_offset >= 0]
    assert not data[: located[0].locator.byte_offset if located else len(data)].strip(_BLANK)
    for item, after in zip(located, [*located[1:], None], strict=False):
        if isinstance(item, Rejection) and item.reason in _WARC_DAMAGE:
            continue
        assert data.startswith(b"WARC/", item.locator.byte_offset), item
        end = _warc_record_end(data, item.locator.byte_offset)
        assert end is not None
        gap = data[end : after.locator.byte_offset if after is not None else len(data)]
        assert not gap.strip(_BLANK), (item, gap[:100])


FORMAT_CHECKS: dict[str, Callable[[bytes, list[Item]], None]] = {
    "jsonl": check_jsonl,
    "csv": check_csv,
    "feed": check_feed,
    "rfc822": check_whole_file,
    "mbox": check_mbox,
    "reuters_sgml": check_reuters_sgml,
    "textdump": check_whole_file,
    "warc": check_warc,
}


def check(scratch: Path, data: bytes, source_format: str) -> None:
    direct = read_directly(data, source_format)
    check_items(data, source_format, direct)
    FORMAT_CHECKS[source_format](data, direct)
    path, items = read(scratch, data, source_format)
    check_read_path(path, data, items, direct)


def test_every_reader_has_its_checks() -> None:
    assert set(FORMATS) == set(DOCUMENTS) == set(FORMAT_CHECKS) == set(REASONS)


@pytest.mark.parametrize("source_format", list(FORMATS))
@given(data=st.binary(max_size=600))
def test_any_bytes(scratch: Path, source_format: str, data: bytes) -> None:
    check(scratch, data, source_format)


@pytest.mark.parametrize("source_format", list(FORMATS))
@given(draw=st.data())
def test_damaged_documents(scratch: Path, source_format: str, draw: st.DataObject) -> None:
    check(scratch, draw.draw(damaged(DOCUMENTS[source_format]), label="data"), source_format)


@given(data=st.one_of(*(damaged(documents) for documents in DOCUMENTS.values()), st.binary(max_size=600)))
def test_detected_format(scratch: Path, data: bytes) -> None:
    """Unforced, a file is read by the reader its first bytes choose; binary is one rejection."""
    path, items = read(scratch, data, None)
    source_format = detect_format(data[:HEAD_BYTES])
    if not is_plain(data):
        check_read_path(path, data, items, [])
    elif source_format is None:
        (item,) = items
        assert isinstance(item, Rejection) and (item.reason, item.locator.byte_offset) == (
            "unsupported_format",
            0,
        )
    else:
        check_read_path(path, data, items, read_directly(data, source_format))


@given(data=damaged(DOCUMENTS["reuters_sgml"]), chunk=st.integers(1, 80))
def test_reuters_elements_do_not_depend_on_read_chunks(data: bytes, chunk: int) -> None:
    """Tags cut by a chunk boundary are found all the same."""
    expected = read_directly(data, "reuters_sgml")
    with mock.patch.object(reuters_sgml, "READ_CHUNK_BYTES", chunk):
        assert read_directly(data, "reuters_sgml") == expected


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_wide_feed_reads_alike_through_read_path(scratch: Path, encoding: str) -> None:
    """read_path hands the feed reader a UTF-16 or UTF-32 file as UTF-8, its declaration unchanged."""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>Wire</title>'
        "<item><title>Café crème</title><description>Prix en hausse</description></item></channel></rss>"
    )
    data = text.encode("utf-16" if encoding == "utf-16-le" else encoding)
    (item,) = read(scratch, data, None)[1]
    assert isinstance(item, RawRecord)
    assert (item.title, item.body, item.headers["channel_title"]) == (
        "Café crème",
        "Prix en hausse",
        ["Wire"],
    )


# ---------------------------------------------------------------------------------------------------
# What the properties found


def _warc(warc_type: str, block: bytes, length: int | None = None) -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Target-URI: http://example.org/\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {len(block) if length is None else length}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def test_a_warc_record_longer_than_its_content_length_is_rejected() -> None:
    """warcio skips the line after a record where the blank lines that end it belong: the record's
    content was cut short, and is rejected instead of loaded without its end."""
    first = _warc("conversion", b"Harbour cranes stand idle.\nThe strike goes on.", length=27)
    second = _warc("conversion", b"Second story.")
    data = first + second
    items = read_directly(data, "warc")
    assert [(type(item).__name__, item.locator.byte_offset) for item in items] == [
        ("Rejection", 0),
        ("RawRecord", len(first)),
    ]
    assert isinstance(items[0], Rejection) and items[0].reason == "malformed_record"
    assert "27 bytes its Content-Length declares" in items[0].message
    assert isinstance(items[1], RawRecord) and items[1].body == "Second story."
    check_warc(data, items)


@pytest.mark.parametrize("warc_type", ["\x00 response", "esponse", "Foo Bar!", ""])
def test_a_warc_record_of_an_unknown_type_has_a_reason_code(warc_type: str) -> None:
    (item,) = read_directly(_warc(warc_type, b"x"), "warc")
    assert isinstance(item, Rejection) and item.reason == "skipped_warc_unknown"


def test_an_undeclared_namespace_prefix_keeps_the_items() -> None:
    """libxml2 keeps `media:content` (no xmlns:media) as the tag, which lxml's QName refuses; the item
    is read, and the feed, not namespace-well-formed, ends with `malformed_xml`."""
    data = (
        b'<rss version="2.0"><channel><item><title>One</title><media:content url="https://x/y.jpg"/>'
        b"</item><item><title>Two</title></item></channel></rss>"
    )
    first, second, last = read_directly(data, "feed")
    assert isinstance(first, RawRecord) and first.headers["media:content"] == ['{"url": "https://x/y.jpg"}']
    assert isinstance(second, RawRecord) and second.title == "Two"
    assert isinstance(last, Rejection) and last.reason == "malformed_xml"
