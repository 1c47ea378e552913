"""Broken and hostile inputs, written by code: each case is one file (or archive) and what loading it
must give, the documents and the rejects by reason.

`write_suite(folder)` writes every case under `folder/<source>/`, one source per kind of input, and
returns them. Nothing here is checked in as a binary: a generator says what each file is.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import os
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

SEED = 20261124


@dataclass(frozen=True)
class Case:
    """One input file, and what a load of it gives: `documents` loaded (a number, or a range where a
    cut falls inside a compressed block) and `rejects` by reason."""

    name: str
    path: str  # relative to the suite's folder: `<source>/<file>`
    write: Callable[[Path], None]
    documents: int | range = 0
    rejects: dict[str, int] = field(default_factory=dict)


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _good_jsonl(count: int, start: int = 0) -> bytes:
    lines = [
        json.dumps(
            {
                "title": f"Story {n}",
                "body": f"Story number {n} tells of harbour cranes and tides {n}.",
                "date": "2019-03-05",
                "url": f"https://example.org/{n}",
            }
        )
        for n in range(start, start + count)
    ]
    return ("\n".join(lines) + "\n").encode()


def _gzip_truncated(path: Path) -> None:
    whole = gzip.compress(_good_jsonl(2000))
    path.write_bytes(whole[: len(whole) // 2])


def _bz2_truncated(path: Path) -> None:
    whole = bz2.compress(_good_jsonl(2000))
    path.write_bytes(whole[: len(whole) // 2])


def _zstd_truncated(path: Path) -> None:
    whole = zstandard.ZstdCompressor().compress(_good_jsonl(2000))
    path.write_bytes(whole[: len(whole) // 2])


def _zip_truncated(path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.jsonl", _good_jsonl(50))
        archive.writestr("b.jsonl", _good_jsonl(50, 50))
    whole = buffer.getvalue()
    path.write_bytes(whole[: len(whole) * 2 // 3])


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(64 * 1024))


def _long_line(path: Path) -> None:
    body = "word " * (10 * 1024 * 1024)  # 50 MiB
    with path.open("w", encoding="utf-8") as stream:
        stream.write(json.dumps({"title": "Huge", "body": body}))
        stream.write("\n")
        stream.write(_good_jsonl(1).decode())


def _text_dump(text: str) -> str:
    return f" date 2019-03-05 \n{text}"


_DUMP_TEXT = (
    "Harbour cranes stood idle on Tuesday as dock workers walked out over pay, the union said.\n\n"
    "The strike is the third this year at the port, which handles most of the region's grain exports."
)
_CP1252_TEXT = (
    "Caf\u00e9 owners in the old town said the \u201cnew rules\u201d would cost them \u20ac2,000 a month "
    "\u2013 more than they earn in a good week.\n\nThe council meets again in March."
)


def _sgml_unclosed(path: Path) -> None:
    path.write_bytes(
        b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n'
        b'<REUTERS TOPICS="YES" NEWID="1"><DATE>26-FEB-1987 15:01:01.79</DATE>'
        b"<TEXT><TITLE>COCOA EXPORTS RISE</TITLE><BODY>Cocoa exports rose in February, traders said."
        b"</BODY></TEXT></REUTERS>\n"
        b'<REUTERS TOPICS="YES" NEWID="2"><DATE>26-FEB-1987 15:02:20.00</DATE>'
        b"<TEXT><TITLE>GRAIN SHIPMENTS<BODY>Grain shipments fell in the week, the ministry said.\n"
    )


def _message(headers: list[str], body: str) -> bytes:
    return ("\n".join(headers) + "\n\n" + body + "\n").encode()


def _many_headers(path: Path) -> None:
    headers = [f"X-Trace-{n}: hop {n}" for n in range(10_000)]
    headers += ["From: a@example.org", "Subject: Many hops", "Date: Tue, 5 Mar 2019 10:00:00 +0000"]
    path.write_bytes(_message(headers, "The message that came through ten thousand hops arrived intact."))


def _warc_record(kind: str, uri: str, payload: bytes, length: int | None = None) -> bytes:
    block = payload
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n"
        f"WARC-Date: 2019-03-05T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri)) % 10**12:012d}>\r\n"
        f"Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block) if length is None else length}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def _http_response(html: str) -> bytes:
    body = html.encode()
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


_PAGE = (
    "<html><head><title>Port strike</title></head><body><article><h1>Port strike</h1>"
    "<p>Harbour cranes stood idle on Tuesday as dock workers walked out over pay, the union said. "
    "The strike is the third this year at the port, which handles most of the region's grain exports, "
    "and shipping lines said they would divert vessels to other ports until it ends.</p>"
    "</article></body></html>"
)


def _warc_wrong_length(path: Path) -> None:
    first = _warc_record("response", "https://example.org/a", _http_response(_PAGE))
    payload = _http_response(_PAGE.replace("Port strike", "Second page"))
    second = _warc_record("response", "https://example.org/b", payload, length=len(payload) + 5000)
    path.write_bytes(first + second)


def _warc_deep(path: Path) -> None:
    depth = 100_000
    html = "<html><body>" + "<div>" * depth + "Deep text at the bottom of the page." + "</div>" * depth
    path.write_bytes(
        _warc_record("response", "https://example.org/deep", _http_response(html + "</body></html>"))
    )


def _warc_huge(path: Path) -> None:
    paragraph = "<p>" + "Filler words about nothing in particular. " * 20 + "</p>"
    html = (
        "<html><body><article>"
        + paragraph * (20 * 1024 * 1024 // len(paragraph))
        + "</article></body></html>"
    )
    path.write_bytes(_warc_record("response", "https://example.org/huge", _http_response(html)))


def _dates(path: Path) -> None:
    rows = [
        {"title": "Impossible day", "body": "A story dated on a day that never was.", "date": "31-FEB-1987"},
        {"title": "Year zero", "body": "A story dated in year zero.", "date": "0000-01-01"},
        {"title": "Far future", "body": "A story dated in year 99999.", "date": "99999-01-01"},
        {
            "title": "Epoch milliseconds",
            "body": "A story dated in epoch milliseconds.",
            "date": "1551780000000",
        },
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar(members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                archive.addfile(info, io.BytesIO(member[1]))
    return buffer.getvalue()


def _link(name: str, kind: bytes, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _nested(path: Path) -> None:
    deepest = _tar([("deepest/doc.jsonl", _good_jsonl(1, 300))])
    deeper = _zip([("deepest.tar", deepest)])
    inner = _tar([("inner/doc.jsonl", _good_jsonl(1, 200)), ("deeper.zip", deeper)], mode="w:gz")
    path.write_bytes(_zip([("outer/doc.jsonl", _good_jsonl(1, 100)), ("inner.tar.gz", inner)]))


def _gzip_bomb(path: Path) -> None:
    """A tar.gz of about 250 kB holding a good member and then 256 MiB of zeros, never all in memory."""
    good = _good_jsonl(2, 400)
    with gzip.open(path, "wb", compresslevel=9) as stream, tarfile.open(fileobj=stream, mode="w|") as archive:
        info = tarfile.TarInfo("good.jsonl")
        info.size = len(good)
        archive.addfile(info, io.BytesIO(good))
        info = tarfile.TarInfo("zeros.bin")
        info.size = 256 << 20
        archive.addfile(info, _Zeros(info.size))


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        count = self.left if size < 0 else min(size, self.left)
        self.left -= count
        return bytes(count)


def cases() -> list[Case]:
    good = _good_jsonl(3)
    broken = good + b'{"title": "cut", "body": "no end\n' + b"not json at all\n" + _good_jsonl(2, 3)
    return [
        Case("empty file", "empty/empty.txt", _bytes(b""), rejects={"empty_file": 1}),
        Case("zero-byte gzip", "empty/nothing.jsonl.gz", _bytes(b""), rejects={"empty_file": 1}),
        # Records before the cut are loaded: all but the last few, except bz2's single 900 kB block.
        Case("truncated gzip", "compressed/cut.jsonl.gz", _gzip_truncated, range(1, 2000), {"truncated": 1}),
        Case("truncated bz2", "compressed/cut.jsonl.bz2", _bz2_truncated, 0, {"truncated": 1}),
        Case("truncated zstd", "compressed/cut.jsonl.zst", _zstd_truncated, range(1, 2000), {"truncated": 1}),
        Case("truncated zip", "compressed/cut.zip", _zip_truncated, range(1, 100), {"truncated": 1}),
        Case(
            "random bytes named .jsonl",
            "jsonl/random.jsonl",
            _random_bytes,
            rejects={"unsupported_format": 1},
        ),
        Case(
            "JSON Lines with broken lines",
            "jsonl/broken.jsonl",
            _bytes(broken),
            documents=5,
            rejects={"invalid_json": 2},
        ),
        Case("a 50 MB line", "jsonl/long_line.jsonl", _long_line, documents=1, rejects={"too_large": 1}),
        Case(
            "a top-level array",
            "jsonl/array.jsonl",
            _bytes(b'[{"title": "a", "body": "b"}, {"title": "c"}]\n'),
            rejects={"not_an_object": 1},
        ),
        Case(
            "NUL bytes",
            "jsonl/nul.jsonl",
            _bytes(_good_jsonl(2) + b'{"title": "n\x00l", "body": "x\x00y"}\n'),
            documents=2,
            rejects={"invalid_json": 1},
        ),
        Case(
            "CSV, ragged rows",
            "csv/ragged.csv",
            _bytes(
                b"title,body,date\nOne,First story body,2019-03-05\nTwo,Second,2019-03-05,extra,more\nThree\n"
            ),
            documents=2,
            rejects={"malformed_row": 1},
        ),
        Case(
            "CSV, an unclosed quote",
            "csv/unclosed.csv",
            _bytes(
                b'title,body,date\nOne,First story body,2019-03-05\nTwo,"Second story never ends,2019-03-05\n'
                b"Three,Third,2019-03-05\n"
            ),
            documents=1,
            rejects={"truncated": 1},
        ),
        Case(
            "UTF-16 text dump with a BOM",
            "textdump/utf16.txt",
            _bytes(codecs.BOM_UTF16_LE + _text_dump(_DUMP_TEXT).encode("utf-16-le")),
            documents=1,
        ),
        Case(
            "cp1252 text dump",
            "textdump/cp1252.txt",
            _bytes(_text_dump(_CP1252_TEXT).encode("cp1252")),
            documents=1,
        ),
        Case(
            "SGML, unclosed elements",
            "sgml/unclosed.sgm",
            _sgml_unclosed,
            documents=1,
            rejects={"truncated": 1},
        ),
        Case(
            "RFC 822, no blank line after the headers",
            "mail/no_blank.eml",
            _bytes(
                b"From: a@example.org\nSubject: No gap\nDate: Tue, 5 Mar 2019 10:00:00 +0000\n"
                b"The body starts right after the headers without a blank line.\n"
            ),
            documents=1,
        ),
        Case("RFC 822, 10,000 header lines", "mail/many_headers.eml", _many_headers, documents=1),
        Case(
            "WARC, a wrong Content-Length",
            "warc/wrong_length.warc",
            _warc_wrong_length,
            documents=1,
            rejects={"truncated": 1},
        ),
        Case("HTML nested 100,000 deep", "warc/deep.warc", _warc_deep, documents=1),
        Case("a 20 MB HTML page", "warc/huge.warc", _warc_huge, documents=1),
        Case("dates out of range", "dates/dates.jsonl", _dates, documents=4),
        Case(
            "zip members named ../ and /",
            "archives/slip.zip",
            _bytes(
                _zip(
                    [
                        ("../evil.jsonl", _good_jsonl(1)),
                        ("/etc/evil.jsonl", _good_jsonl(1)),
                        ("ok.jsonl", _good_jsonl(2)),
                    ]
                )
            ),
            documents=2,
            rejects={"unsafe_member_path": 2},
        ),
        Case(
            "tar links",
            "archives/links.tar",
            _bytes(
                _tar(
                    [
                        _link("passwd", tarfile.SYMTYPE, "/etc/passwd"),
                        _link("hard", tarfile.LNKTYPE, "ok.jsonl"),
                        ("ok.jsonl", _good_jsonl(2)),
                    ]
                )
            ),
            documents=2,
            rejects={"archive_link": 2},
        ),
        Case(
            "archives nested four deep",
            "archives/nested.zip",
            _nested,
            documents=2,
            rejects={"archive_too_deep": 1},
        ),
        Case(
            "a decompression bomb",
            "archives/bomb.tar.gz",
            _gzip_bomb,
            documents=2,
            # The zeros are no format; reading past them trips the ratio limit.
            rejects={"unsupported_format": 1, "decompression_bomb": 1},
        ),
    ]


def write_suite(folder: Path) -> list[Case]:
    written = cases()
    for case in written:
        path = folder / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        case.write(path)
    return written
