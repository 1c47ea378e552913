import dataclasses
import gzip
import io
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest

from transforms.readers import warc
from transforms.readers.warc import FORMAT, looks_like, read_warc
from transforms.records import EXCERPT_BYTES, Origin, RawRecord, Rejection

Record = RawRecord | Rejection
WARC_DIR = Path("warc")
CLIPPED = WARC_DIR / "chatnoir-resiliparse/tests/data/clipped.warc.gz"
RESILIPARSE = WARC_DIR / "chatnoir-resiliparse/tests/data/warcfile.warc.gz"
WHIRLWIND = WARC_DIR / "commoncrawl-whirlwind/whirlwind.warc.gz"
WHIRLWIND_WET = WARC_DIR / "commoncrawl-whirlwind/whirlwind.warc.wet.gz"
WHIRLWIND_WAT = WARC_DIR / "commoncrawl-whirlwind/whirlwind.warc.wat.gz"
EXAMPLE = WARC_DIR / "webrecorder-warcio/test/data/example.warc.gz"
IANA_CHUNKED = WARC_DIR / "webrecorder-warcio/test/data/example-iana.org-chunked.warc"

# file: (documents, rejections by reason); documents + rejections = the WARC records in the file.
EXPECTED = {
    RESILIPARSE: (16, {"skipped_warc_warcinfo": 1, "skipped_warc_request": 17, "skipped_warc_metadata": 16}),
    WHIRLWIND: (1, {"skipped_warc_warcinfo": 1, "skipped_warc_request": 1, "skipped_warc_metadata": 1}),
    WHIRLWIND_WET: (1, {"skipped_warc_warcinfo": 1}),
    WHIRLWIND_WAT: (0, {"skipped_warc_warcinfo": 1, "skipped_warc_metadata": 1}),
    EXAMPLE: (1, {"skipped_warc_warcinfo": 2, "skipped_warc_request": 2, "skipped_warc_revisit": 1}),
    IANA_CHUNKED: (1, {"skipped_warc_warcinfo": 1, "skipped_warc_request": 1}),
    CLIPPED: (0, {"truncated": 1}),
}
RECORD_COUNTS = {
    RESILIPARSE: 50,
    WHIRLWIND: 4,
    WHIRLWIND_WET: 2,
    WHIRLWIND_WAT: 2,
    EXAMPLE: 6,
    IANA_CHUNKED: 3,
    CLIPPED: 1,
}


class NonSeekable:
    """A stream with nothing but read(), that hands out at most `chunk` bytes a call."""

    def __init__(self, stream: io.BufferedIOBase | gzip.GzipFile, chunk: int = 1000) -> None:
        self._stream = stream
        self._chunk = chunk

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(self._chunk if size < 0 else min(size, self._chunk))


def _open(path: Path) -> gzip.GzipFile | io.BufferedReader:
    """The decompressed stream, as the caller hands it to the reader."""
    return gzip.open(path) if path.suffix == ".gz" else path.open("rb")


def _plain_bytes(path: Path) -> bytes:
    with _open(path) as stream:
        return stream.read()


def _read_path(path: Path) -> list[Record]:
    with _open(path) as stream:
        return list(read_warc(stream, Origin(str(path))))


def _read(data: bytes) -> list[Record]:
    return list(read_warc(io.BytesIO(data), Origin("memory.warc")))


def _documents(records: list[Record]) -> list[RawRecord]:
    return [record for record in records if isinstance(record, RawRecord)]


# --- synthetic records --------------------------------------------------------------------------------


def warc_record(
    warc_type: str,
    block: bytes,
    *,
    version: str = "1.0",
    uri: str | None = "http://example.org/page",
    headers: tuple[str, ...] = (),
) -> bytes:
    lines = [
        f"WARC/{version}",
        f"WARC-Type: {warc_type}",
        "WARC-Record-ID: <urn:uuid:6d058047-ede2-4a13-be79-90c17c631dd4>",
        "WARC-Date: 2024-05-18T01:58:10Z",
    ]
    if uri:
        lines.append(f"WARC-Target-URI: {uri}")
    if warc_type in ("response", "request", "revisit") and uri and uri.startswith("http"):
        lines.append(f"Content-Type: application/http; msgtype={warc_type}")
    lines += [*headers, f"Content-Length: {len(block)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def http_response(
    body: bytes, *headers: str, content_type: str | None = "text/html; charset=utf-8", status: str = "200 OK"
) -> bytes:
    all_headers = ([f"Content-Type: {content_type}"] if content_type else []) + list(headers)
    return f"HTTP/1.1 {status}\r\n{''.join(h + chr(13) + chr(10) for h in all_headers)}\r\n".encode() + body


PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><title>A test page</title></head><body><article>"
    b"<p>The first paragraph of a page that is long enough to count as its main text.</p>"
    b"<p>The second paragraph follows it, and says a little more about the same thing.</p>"
    b"</article></body></html>"
)
PAGE_TEXT = (
    "The first paragraph of a page that is long enough to count as its main text.\n\n"
    "The second paragraph follows it, and says a little more about the same thing."
)


# --- recognising WARC ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", True, id="1.0-crlf"),
        pytest.param(b"WARC/1.1\r\n", True, id="1.1"),
        pytest.param(b"WARC/0.17\r\n", True, id="0.17"),
        pytest.param(b"WARC/0.18\n", True, id="0.18-lf"),
        pytest.param(b"WARC/1.0 ", False, id="no-line-end"),
        pytest.param(b"WARC/\r\n", False, id="no-version"),
        pytest.param(b"warc/1.0\r\n", False, id="lower-case"),
        pytest.param(b" WARC/1.0\r\n", False, id="leading-space"),
        pytest.param(b"filedesc://IA-001102.arc 0 19960923142103 text/plain 76\n", False, id="arc"),
        pytest.param(b"\x1f\x8b\x08\x00", False, id="still-gzipped"),
    ],
)
def test_looks_like(head: bytes, expected: bool) -> None:
    assert looks_like(head) is expected


# --- the corpus -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXPECTED), ids=[path.name for path in EXPECTED])
def test_corpus_file_counts(corpora: Path, name: Path) -> None:
    records = _read_path(corpora / name)
    documents, rejections = EXPECTED[name]
    assert len(_documents(records)) == documents
    assert Counter(r.reason for r in records if isinstance(r, Rejection)) == rejections
    assert len(records) == RECORD_COUNTS[name]
    assert [record.locator.record_index for record in records] == list(range(len(records)))
    assert {record.source_format for record in records} == {FORMAT}


def test_corpus_has_twenty_documents_with_text_and_no_replacement_characters(corpora: Path) -> None:
    documents = [document for name in EXPECTED for document in _documents(_read_path(corpora / name))]
    assert len(documents) == 20
    for document in documents:
        assert document.body.strip(), document.url
        assert "\ufffd" not in document.body + (document.title or ""), document.url
        assert document.url == document.headers["WARC-Target-URI"][0]
    # The dates are the pages' own; the crawl dates (WARC-Date) are 2020-08-08, 2024-05-18, 2017-03-06.
    # Four listing pages show other articles' dates on their rows (2020-04-09, 2020-08-04, 2020-06-19,
    # and 2020-08-08 on a job listing crawled that day): none of them is the page's.
    assert Counter(document.date for document in documents) == {None: 19, "2008-07-04": 1}


def test_skipped_records_say_what_they_are(corpora: Path) -> None:
    warcinfo, request = _read_path(corpora / IANA_CHUNKED)[0::2]
    assert isinstance(warcinfo, Rejection) and isinstance(request, Rejection)
    assert warcinfo.reason == "skipped_warc_warcinfo"
    data = (corpora / IANA_CHUNKED).read_bytes()
    assert warcinfo.raw_excerpt == data[:EXCERPT_BYTES]  # the header block as written
    assert request.raw_excerpt == data[8379 : 8379 + len(request.raw_excerpt)]
    assert request.reason == "skipped_warc_request"
    assert request.message == "a WARC request record holds no document"
    assert len(request.raw_excerpt) <= EXCERPT_BYTES


def test_wikipedia_page(corpora: Path) -> None:
    [page] = _documents(_read_path(corpora / WHIRLWIND))
    assert page.title == "Escopete - Biquipedia, a enciclopedia libre"
    assert "Escopete ye un municipio d'a provincia de Guadalachara" in page.body
    assert page.url == "https://an.wikipedia.org/wiki/Escopete"
    assert page.date == "2008-07-04"  # the page's datePublished; the crawl was on 2024-05-18
    assert page.headers["WARC-Date"] == ["2024-05-18T01:58:10Z"]
    assert page.headers["WARC-Type"] == ["response"]
    assert page.headers["http:content-type"] == ["text/html; charset=UTF-8"]
    assert page.headers["http:Status-Line"] == ["HTTP/1.1 200 OK"]
    assert page.headers["sitename"] == ["Wikimedia Foundation, Inc."]
    assert page.headers["language"] == ["an"]
    assert page.headers["extraction"] == ["resiliparse"]
    assert page.encoding == "utf-8"
    assert page.locator.byte_offset == 1551


def test_wet_conversion_is_text_already(corpora: Path) -> None:
    [text] = _documents(_read_path(corpora / WHIRLWIND_WET))
    assert text.url == "https://an.wikipedia.org/wiki/Escopete"
    assert text.headers["WARC-Identified-Content-Language"] == ["spa"]
    assert text.headers["WARC-Refers-To"] == ["<urn:uuid:2aabeff2-67f5-4608-8466-e87c6296e2b6>"]
    assert text.body.startswith("Escopete - Biquipedia, a enciclopedia libre\n\nIr al contenido\n\n")
    assert "Escopete ye un municipio d'a provincia de Guadalachara" in text.body
    assert text.title is None and text.date is None
    assert text.encoding == "utf-8"


def test_chunked_transfer_encoding_is_undone(corpora: Path) -> None:
    raw = (corpora / IANA_CHUNKED).read_bytes()
    assert b"Transfer-Encoding: chunked\r\n" in raw
    assert b"\r\n\r\n001c37\r\n<!doctype html>" in raw  # the first chunk's size, then the page
    [page] = _documents(_read_path(corpora / IANA_CHUNKED))
    assert page.title == "Internet Assigned Numbers Authority"
    assert page.body.startswith("Internet Assigned Numbers Authority\n\nThe global coordination")
    assert "Domain Names\n\nManagement of the DNS Root Zone" in page.body
    assert "Coordination of the global IP and AS number spaces" in page.body
    assert "001c37" not in page.body
    assert page.headers["http:Transfer-Encoding"] == ["chunked"]
    assert page.headers["canonical_url"] == ["http://iana.org/"]


def test_gzip_content_encoding_is_undone(corpora: Path) -> None:
    [page] = _documents(_read_path(corpora / EXAMPLE))
    assert page.headers["http:Content-Encoding"] == ["gzip"]
    assert page.title == "Example Domain"
    assert page.body.startswith("Example Domain\n\nThis domain is established to be used for")


def test_charsets_of_real_pages(corpora: Path) -> None:
    encodings = Counter(document.encoding for document in _documents(_read_path(corpora / RESILIPARSE)))
    assert encodings == {"utf-8": 7, "gb18030": 6, "cp1251": 1, "cp1252": 2}
    russian = _documents(_read_path(corpora / RESILIPARSE))[1]
    assert russian.title == "О компании - Стратегия пожарной безопасности"


@pytest.mark.parametrize("name", [n for n in EXPECTED if n != CLIPPED], ids=lambda n: n.name)
def test_every_offset_is_where_its_record_starts_and_rereads_it(corpora: Path, name: Path) -> None:
    data = _plain_bytes(corpora / name)
    records = _read_path(corpora / name)
    for record in records:
        offset = record.locator.byte_offset
        assert data[offset : offset + 5] == b"WARC/"
        stream = io.BytesIO(data)
        stream.seek(offset)
        again = next(read_warc(stream, Origin(record.locator.source_file)))
        assert again.locator.byte_offset == offset
        assert dataclasses.replace(again, locator=record.locator) == record


def test_offsets_of_an_uncompressed_file_are_file_positions(corpora: Path) -> None:
    records = _read_path(corpora / IANA_CHUNKED)
    assert [record.locator.byte_offset for record in records] == [0, 405, 8379]
    data = (corpora / IANA_CHUNKED).read_bytes()
    assert all(data[offset : offset + 10] == b"WARC/1.0\r\n" for offset in (0, 405, 8379))


@pytest.mark.parametrize(
    ("name", "chunk"),
    [
        *((name, chunk) for name in (EXAMPLE, IANA_CHUNKED, CLIPPED) for chunk in (1, 997, 1 << 20)),
        (RESILIPARSE, 997),  # a byte a read through 600 KB would be slow and prove nothing more
        (RESILIPARSE, 1 << 20),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else str(value),
)
def test_non_seekable_streams_read_the_same(corpora: Path, name: Path, chunk: int) -> None:
    with _open(corpora / name) as stream:
        records = list(read_warc(NonSeekable(stream, chunk), Origin(str(corpora / name))))  # type: ignore[arg-type]
    expected = _read_path(corpora / name)
    if name == CLIPPED:
        # gzip's read() drops what it decompressed in the call that fails, so how many bytes the
        # record is said to have depends on how the stream is read; the rest does not.
        [rejection], [clipped] = records, expected
        assert isinstance(rejection, Rejection) and isinstance(clipped, Rejection)
        assert rejection.message.startswith("the stream ends inside the WARC response record, which has ")
        records, expected = (
            [dataclasses.replace(rejection, message="")],
            [dataclasses.replace(clipped, message="")],
        )
    assert records == expected


@pytest.mark.parametrize("name", [RESILIPARSE, WHIRLWIND_WET, CLIPPED], ids=lambda n: n.name)
def test_gzip_read_from_a_pipe_reads_the_same(corpora: Path, name: Path) -> None:
    with (corpora / name).open("rb") as raw, gzip.GzipFile(fileobj=NonSeekable(raw, 4096)) as stream:  # type: ignore[arg-type]
        records = list(read_warc(stream, Origin(str(corpora / name))))
    assert records == _read_path(corpora / name)


def test_clipped_gzip_stream_is_one_truncated_rejection(corpora: Path) -> None:
    [rejection] = _read_path(corpora / CLIPPED)
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "truncated"
    assert rejection.message == (
        "the stream ends inside the WARC response record, which has 75207 of the 88275 bytes its "
        "Content-Length declares (EOFError: Compressed file ended before the end-of-stream marker was "
        "reached)"
    )
    assert rejection.raw_excerpt.startswith(b"WARC/1.0\r\nWARC-Record-ID: <urn:uuid:f3dfa8fa")
    assert (rejection.locator.record_index, rejection.locator.byte_offset) == (0, 0)


def test_reading_all_corpus_files_is_quick(corpora: Path) -> None:
    started = time.perf_counter()
    for name in EXPECTED:
        _read_path(corpora / name)
    assert time.perf_counter() - started < 30  # about 0.7 s on the 2-core machine


# --- damage -------------------------------------------------------------------------------------------


def _two_records() -> tuple[bytes, int]:
    first = warc_record("warcinfo", b"software: test\r\n", uri=None)
    return first + warc_record("response", http_response(PAGE)), len(first)


def test_a_stream_cut_anywhere_never_raises_and_says_where_it_ends() -> None:
    data, second_start = _two_records()
    first_end, second_end = second_start - 4, len(data) - 4  # each record's content ends before CRLF CRLF
    cuts = {*range(1, len(data) + 1, 7), *range(1, 40), *range(second_start - 6, second_start + 40)}
    for cut in sorted(cuts | {second_end - 1, second_end, len(data)}):
        records = _read(data[:cut])
        reasons = [record.reason if isinstance(record, Rejection) else "document" for record in records]
        if cut < first_end:
            assert reasons == ["truncated"], cut
        elif cut <= second_start:
            assert reasons == ["skipped_warc_warcinfo"], cut
        elif cut < second_end:
            assert reasons == ["skipped_warc_warcinfo", "truncated"], cut
        else:
            assert reasons == ["skipped_warc_warcinfo", "document"], cut
        if reasons[-1] == "truncated":
            assert records[-1].locator.byte_offset == (0 if cut < first_end else second_start), cut


def test_a_cut_inside_the_payload_tells_how_many_bytes_are_there() -> None:
    data, second_start = _two_records()
    records = _read(data[: second_start + 400])
    assert isinstance(records[0], Rejection) and records[0].reason == "skipped_warc_warcinfo"
    rejection = records[1]
    assert isinstance(rejection, Rejection)
    header_length = data.index(b"\r\n\r\n", second_start) + 4 - second_start
    assert (rejection.reason, rejection.message) == (
        "truncated",
        f"the stream ends inside the WARC response record, which has {400 - header_length} of the "
        f"{len(http_response(PAGE))} bytes its Content-Length declares",
    )
    assert rejection.locator.byte_offset == second_start
    assert rejection.raw_excerpt.startswith(b"WARC/1.0\r\nWARC-Type: response\r\n")


@pytest.mark.parametrize("cut_back", [1, 20, 200, 400, 700])
def test_a_gzip_stream_that_breaks_keeps_the_records_before_it(corpora: Path, cut_back: int) -> None:
    compressed = (corpora / EXAMPLE).read_bytes()
    origin = Origin("example.warc.gz")
    broken = list(read_warc(gzip.GzipFile(fileobj=io.BytesIO(compressed[:-cut_back])), origin))
    with gzip.open(corpora / EXAMPLE) as stream:
        intact = list(read_warc(stream, origin))
    *whole, last = broken
    assert whole == intact[: len(whole)]
    assert isinstance(last, Rejection) and last.reason == "truncated"
    assert last.locator.record_index == len(whole)
    assert last.message.endswith(
        "(EOFError: Compressed file ended before the end-of-stream marker was reached)"
    )


@pytest.mark.parametrize(
    ("position", "reasons", "message"),
    [
        pytest.param(
            5000,  # at the start of the response's gzip member, read right after the request record
            ["skipped_warc_warcinfo", "malformed_record"],
            "the stream breaks at the end of the WARC request record, which may be damaged too (error: ",
            id="member-start",
        ),
        pytest.param(
            15000,
            ["skipped_warc_warcinfo", "skipped_warc_request", "malformed_record"],
            "the stream breaks inside the WARC response record (BadGzipFile: CRC check failed",
            id="member-middle",
        ),
    ],
)
def test_corrupt_gzip_data_is_a_malformed_record(
    corpora: Path, position: int, reasons: list[str], message: str
) -> None:
    compressed = bytearray((corpora / WHIRLWIND).read_bytes())
    compressed[position : position + 40] = bytes(40)
    records = list(read_warc(gzip.GzipFile(fileobj=io.BytesIO(bytes(compressed))), Origin("x.warc.gz")))
    assert [r.reason if isinstance(r, Rejection) else "document" for r in records] == reasons
    assert isinstance(records[-1], Rejection) and records[-1].message.startswith(message)


def test_garbage_after_a_record_is_a_malformed_record() -> None:
    data = warc_record("warcinfo", b"a: b\r\n", uri=None) + b"this is not a WARC record\r\n\r\n"
    first, second = _read(data)
    assert isinstance(first, Rejection) and first.reason == "skipped_warc_warcinfo"
    assert isinstance(second, Rejection) and second.reason == "malformed_record"
    assert "this is not a WARC record" in second.message
    assert second.locator.record_index == 1


def test_a_record_without_content_length_is_malformed() -> None:
    data = b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: file:///a.txt\r\n\r\nhello\r\n\r\n"
    [rejection] = _read(data)
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "malformed_record"
    assert "Content-Length" in rejection.message


def test_an_unsupported_warc_version_is_a_malformed_record() -> None:
    [rejection] = _read(b"WARC/0.9 1234 response http://x/ 20080101000000\r\n\r\n")
    assert isinstance(rejection, Rejection) and rejection.reason == "malformed_record"


# --- record types and payloads -----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.0", "1.1", "0.17", "0.18"])
def test_every_supported_version_reads(version: str) -> None:
    [page] = _read(warc_record("response", http_response(PAGE), version=version))
    assert isinstance(page, RawRecord)
    assert page.body == PAGE_TEXT
    assert page.title == "A test page"


def test_records_are_counted_and_located_in_the_stream() -> None:
    parts = [
        warc_record("warcinfo", b"software: test\r\n", uri=None),
        warc_record("request", b"GET /page HTTP/1.1\r\nHost: example.org\r\n\r\n"),
        warc_record("response", http_response(PAGE)),
        warc_record("metadata", b"fetchTimeMs: 12\r\n"),
        warc_record(
            "revisit",
            b"",
            headers=("WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",),
        ),
        warc_record("continuation", b"more bytes"),
    ]
    records = _read(b"".join(parts))
    assert [r.reason if isinstance(r, Rejection) else "document" for r in records] == [
        "skipped_warc_warcinfo",
        "skipped_warc_request",
        "document",
        "skipped_warc_metadata",
        "skipped_warc_revisit",
        "skipped_warc_continuation",
    ]
    offsets = [sum(len(part) for part in parts[:i]) for i in range(len(parts))]
    assert [r.locator.byte_offset for r in records] == offsets
    assert [r.locator.record_index for r in records] == list(range(6))


def test_a_response_keeps_warc_and_http_headers_and_not_the_crawl_date_as_its_date() -> None:
    [page] = _read(
        warc_record(
            "response",
            http_response(
                PAGE,
                "Date: Sat, 18 May 2024 01:58:10 GMT",
                "Last-Modified: Sat, 04 May 2024 01:58:10 GMT",
                "Set-Cookie: a=1",
                "Set-Cookie: b=2",
            ),
        )
    )
    assert isinstance(page, RawRecord)
    assert page.date is None  # neither the crawl's WARC-Date nor the server's Date or Last-Modified
    assert page.headers["WARC-Date"] == ["2024-05-18T01:58:10Z"]
    assert page.headers["http:Last-Modified"] == ["Sat, 04 May 2024 01:58:10 GMT"]
    assert page.headers["http:Content-Type"] == ["text/html; charset=utf-8"]
    assert page.headers["http:Set-Cookie"] == ["a=1", "b=2"]
    assert page.headers["http:Status-Line"] == ["HTTP/1.1 200 OK"]
    assert page.headers["language"] == ["en"]
    assert page.url == "http://example.org/page"


def test_chunks_are_joined_before_the_page_is_read() -> None:
    body = b"<html><body><p>Hello wo" + b"rld, says a page sent in two chunks of its body.</p></body></html>"
    split = body.index(b"rld")
    chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (split, body[:split], len(body) - split, body[split:])
    [page] = _read(warc_record("response", http_response(chunked, "Transfer-Encoding: chunked")))
    assert isinstance(page, RawRecord)
    assert page.body == "Hello world, says a page sent in two chunks of its body."


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_content_encoding_is_undone(encoding: str) -> None:
    compressor = zlib.compressobj(wbits=31 if encoding == "gzip" else 15)
    body = compressor.compress(PAGE) + compressor.flush()
    [page] = _read(warc_record("response", http_response(body, f"Content-Encoding: {encoding}")))
    assert isinstance(page, RawRecord) and page.body == PAGE_TEXT


def test_an_encoding_that_cannot_be_undone_is_rejected() -> None:
    [rejection] = _read(warc_record("response", http_response(b"\x8b\x00garbage", "Content-Encoding: br")))
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "unsupported_content_encoding"


def test_charset_from_the_http_header() -> None:
    page_bytes = "<html><body><p>Стратегия пожарной безопасности в Петербурге</p></body></html>".encode(
        "cp1251"
    )
    [page] = _read(
        warc_record("response", http_response(page_bytes, content_type="text/html; charset=windows-1251"))
    )
    assert isinstance(page, RawRecord)
    assert (page.body, page.encoding) == ("Стратегия пожарной безопасности в Петербурге", "cp1251")


@pytest.mark.parametrize(
    "content_type",
    ["image/png", "application/pdf", "application/json", "text/css", "application/octet-stream"],
)
def test_non_text_responses_are_skipped(content_type: str) -> None:
    [rejection] = _read(
        warc_record("response", http_response(b"\x89PNG\r\n\x1a\n", content_type=content_type))
    )
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "skipped_non_text"
    assert rejection.message == f"the payload is {content_type}, not text"
    assert rejection.raw_excerpt.startswith(b"WARC/1.0\r\nWARC-Type: response\r\n")


def test_html_without_a_content_type_is_sniffed() -> None:
    [page, other] = _read(
        warc_record("response", http_response(PAGE, content_type=None))
        + warc_record("response", http_response(b"%PDF-1.4 ...", content_type=None))
    )
    assert isinstance(page, RawRecord) and page.body == PAGE_TEXT
    assert isinstance(other, Rejection) and other.reason == "skipped_non_text"
    assert other.raw_excerpt == b"%PDF-1.4 ..."


def test_xhtml_is_html() -> None:
    [page] = _read(warc_record("response", http_response(PAGE, content_type="application/xhtml+xml")))
    assert isinstance(page, RawRecord) and page.body == PAGE_TEXT


def test_a_plain_text_response_is_its_decoded_text() -> None:
    text = "Grüße aus Köln.\n\nZweiter Absatz."
    [page] = _read(
        warc_record(
            "response", http_response(text.encode("cp1252"), content_type="text/plain; charset=iso-8859-1")
        )
    )
    assert isinstance(page, RawRecord)
    assert (page.body, page.encoding, page.title) == (text, "cp1252", None)


def test_resource_records_of_text_are_read_and_others_skipped() -> None:
    records = _read(
        warc_record("resource", PAGE, uri="file:///site/index.html", headers=("Content-Type: text/html",))
        + warc_record("resource", b"plain words", uri="file:///a.txt", headers=("Content-Type: text/plain",))
        + warc_record("resource", b"\x89PNG", uri="file:///a.png", headers=("Content-Type: image/png",))
    )
    html, plain, image = records
    assert isinstance(html, RawRecord) and html.body == PAGE_TEXT and html.url == "file:///site/index.html"
    assert isinstance(plain, RawRecord) and plain.body == "plain words"
    assert isinstance(image, Rejection) and image.reason == "skipped_warc_resource"


def test_a_page_with_no_text_is_an_empty_document() -> None:
    [page] = _read(warc_record("response", http_response(b"<html><body><script>x()</script></body></html>")))
    assert isinstance(page, RawRecord)
    assert page.body == "" and page.title is None


def test_a_page_with_only_a_title_keeps_it() -> None:
    [page] = _read(
        warc_record(
            "response",
            http_response(
                b"<html><head><title>Moved</title></head><body></body></html>", status="301 Moved Permanently"
            ),
        )
    )
    assert isinstance(page, RawRecord)
    assert (page.body, page.title) == ("", "Moved")
    assert page.headers["http:Status-Line"] == ["HTTP/1.1 301 Moved Permanently"]


def test_an_oversized_payload_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warc, "MAX_PAYLOAD_BYTES", 100)
    records = _read(
        warc_record("response", http_response(PAGE))
        + warc_record("conversion", b"x" * 101, headers=("Content-Type: text/plain",))
        + warc_record("conversion", b"short text", headers=("Content-Type: text/plain",))
    )
    assert [r.reason if isinstance(r, Rejection) else r.body for r in records] == [
        "too_large",
        "too_large",
        "short text",
    ]
    assert isinstance(records[0], Rejection) and records[0].raw_excerpt == PAGE[:101]


def test_an_extractor_failure_rejects_the_page_and_reading_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(warc, "extract_html", broken)
    first, second = _read(
        warc_record("response", http_response(PAGE))
        + warc_record("conversion", b"text", headers=("Content-Type: text/plain",))
    )
    assert isinstance(first, Rejection) and (first.reason, first.message) == (
        "extraction_failed",
        "RuntimeError: boom",
    )
    assert isinstance(second, RawRecord) and second.body == "text"


def test_wet_lines_become_paragraphs() -> None:
    [text] = _read(
        warc_record(
            "conversion",
            b"Title line\nFirst block of text.\n\n  Second block.  \r\nThird, with a Latin-1 byte: caf\xe9",
            headers=("WARC-Identified-Content-Language: eng", "Content-Type: text/plain"),
        )
    )
    assert isinstance(text, RawRecord)
    assert (
        text.body == "Title line\n\nFirst block of text.\n\nSecond block.\n\nThird, with a Latin-1 byte: café"
    )
    assert text.encoding == "utf-8+cp1252"
    assert text.headers["WARC-Identified-Content-Language"] == ["eng"]
