import io
import re
from pathlib import Path

import pytest

from transforms.readers.message import looks_like, message_record, read_message
from transforms.records import Locator, Origin, RawRecord, Rejection

NON_UTF8_ARTICLES = [
    "sci.space/61534",
    "sci.space/61293",
    "comp.windows.x/67305",
    "comp.graphics/38489",
    "rec.sport.hockey/54000",
    "rec.sport.baseball/104352",
]
ALWAYS_PRESENT = ["Path", "From", "Newsgroups", "Subject", "Message-ID", "Date"]


def _read(data: bytes) -> RawRecord:
    (record,) = read_message(io.BytesIO(data), Origin("memory"))
    assert isinstance(record, RawRecord)
    return record


def _articles(corpora: Path) -> dict[str, Path]:
    folder = corpora / "20news_mini" / "mini_newsgroups"
    return {path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*")) if path.is_file()}


def _header_block(data: bytes) -> bytes:
    return re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0]


NEWS_ARTICLE = b"""\
Path: cantaloupe.srv.cs.cmu.edu!crabapple.srv.cs.cmu.edu!strom
From: strom@Watson.Ibm.Com (Rob Strom)
Newsgroups: alt.atheism,soc.motss
Subject: Re: [soc.motss, et al.] "Princeton axes
\tmatching funds for Boy Scouts"
Message-ID: <1993Apr05.180116.43346@watson.ibm.com>
Date: Mon, 05 Apr 93 18:01:16 GMT\x20\x20
X-Newsreader: TIN [version 1.1 PL8]
X-Newsreader: second value
Summary:
nntp-posting-host: watson.ibm.com
Lines: dog

In article <N4HY.93Apr5120934@harder.ccr-p.ida.org>, n4hy writes:

Can somebody reconcile the apparent contradiction?
"""


def test_news_article_headers_and_mapped_fields() -> None:
    record = _read(NEWS_ARTICLE)
    assert record.headers == {
        "Path": ["cantaloupe.srv.cs.cmu.edu!crabapple.srv.cs.cmu.edu!strom"],
        "From": ["strom@Watson.Ibm.Com (Rob Strom)"],
        "Newsgroups": ["alt.atheism,soc.motss"],
        "Subject": ['Re: [soc.motss, et al.] "Princeton axes\tmatching funds for Boy Scouts"'],
        "Message-ID": ["<1993Apr05.180116.43346@watson.ibm.com>"],
        "Date": ["Mon, 05 Apr 93 18:01:16 GMT  "],
        "X-Newsreader": ["TIN [version 1.1 PL8]", "second value"],
        "Summary": [""],
        "nntp-posting-host": ["watson.ibm.com"],
        "Lines": ["dog"],
    }
    assert record.title == 'Re: [soc.motss, et al.] "Princeton axes\tmatching funds for Boy Scouts"'
    assert record.date == "Mon, 05 Apr 93 18:01:16 GMT"
    assert record.authors == "strom@Watson.Ibm.Com (Rob Strom)"
    assert record.url is None
    assert record.body == (
        "In article <N4HY.93Apr5120934@harder.ccr-p.ida.org>, n4hy writes:\n\n"
        "Can somebody reconcile the apparent contradiction?\n"
    )
    assert (record.source_format, record.encoding) == ("rfc822", "utf-8")
    assert record.locator == Locator("memory", record_index=0, byte_offset=0)


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        pytest.param(
            b"bjourne at gmail.com (=?ISO-8859-1?Q?BJ=F6rn_Lindqvist?=)",
            "bjourne at gmail.com (BJörn Lindqvist)",
            id="q-latin1",
        ),
        pytest.param(
            b"martin at v.loewis.de (=?UTF-8?B?Ik1hcnRpbiB2LiBMw7Z3aXMi?=)",
            'martin at v.loewis.de ("Martin v. Löwis")',
            id="b-utf8",
        ),
        pytest.param(
            b"=?utf-8?q?caf=C3=A9?= =?utf-8?q?_au_lait?=", "café au lait", id="adjacent-words-joined"
        ),
        pytest.param(b"=?utf-8?q?caf=C3?=\n =?utf-8?q?=A9?= ok", "café ok", id="split-character-folded"),
        pytest.param(b"word =?iso-8859-1?q?=E9t=E9?= word", "word été word", id="spaces-kept-around"),
        pytest.param(b"=?ISO-8859-1*fr?Q?=E9t=E9?=", "été", id="rfc2231-language"),
        pytest.param(b"=?x-nonsense?Q?caf=C3=A9?=", "café", id="unknown-charset-as-utf8"),
        pytest.param(b"=?us-ascii?Q?caf=E9?=", "café", id="wrong-charset-falls-back"),
        pytest.param(b"=?utf-8?B?Y2FmZQ?=", "cafe", id="b-missing-padding"),
        pytest.param(b"=?utf-8?B?Y?= =?utf-8?q?ok?=", "=?utf-8?B?Y?=ok", id="broken-word-in-a-run"),
        pytest.param(b"=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=", "éé", id="charsets-change-in-a-run"),
        pytest.param(b"=?utf-8?B?Y?=", "=?utf-8?B?Y?=", id="broken-b-left-as-written"),
        pytest.param(b"no = ? encoded words", "no = ? encoded words", id="plain"),
        pytest.param(b"Andr\xe9 <andre at example.org>", "André <andre at example.org>", id="raw-latin1"),
        pytest.param("Andr\u00e9".encode(), "André", id="raw-utf8"),
    ],
)
def test_header_values_are_decoded(raw: bytes, decoded: str) -> None:
    record = _read(b"From: " + raw + b"\nSubject: s\n\nbody\n")
    assert record.headers["From"] == [decoded]
    assert record.authors == decoded


def test_a_header_needing_the_cp1252_fallback_shows_in_the_encoding() -> None:
    record = _read(b"From: Andr\xe9\nSubject: s\n\nascii body\n")
    assert record.encoding == "utf-8+cp1252"


@pytest.mark.parametrize(
    ("headers", "body", "text", "encoding"),
    [
        pytest.param(b"", b"caf\xc3\xa9\n", "café\n", "utf-8", id="undeclared-utf8"),
        pytest.param(b"", b"caf\xe9\n", "café\n", "utf-8+cp1252", id="undeclared-latin1"),
        pytest.param(
            b"Content-Type: text/plain; charset=iso-8859-1\n",
            b"caf\xe9\n",
            "café\n",
            "iso8859-1",
            id="latin1",
        ),
        pytest.param(
            b"Content-Type: text/plain; charset=koi8-r\n",
            b"\xd3\xcc\xcf\xd7\xcf\n",
            "слово\n",
            "koi8-r",
            id="koi8r",
        ),
        pytest.param(
            b"Content-Type: text/plain; charset=US-ASCII\n",
            b"caf\xe9\n",
            "café\n",
            "utf-8+cp1252",
            id="ascii-lies",
        ),
        pytest.param(
            b"Content-Type: text/plain; charset=ascii_827\n",
            b"plain\n",
            "plain\n",
            "utf-8",
            id="bogus-charset",
        ),
        pytest.param(
            b"Content-Type: text/plain; charset=windows-1252\n",
            b"x\x81y\n",
            "x\x81y\n",
            "utf-8+cp1252",
            id="undecodable",
        ),
        pytest.param(
            b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n",
            b"caf=C3=A9 soft=\nbreak\n",
            "café softbreak\n",
            "utf-8",
            id="quoted-printable",
        ),
        pytest.param(
            b"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n",
            b"Y2Fm6Qo=\n",
            "café\n",
            "iso8859-1",
            id="base64",
        ),
        pytest.param(
            b"Content-Type: setext/plain\n", b"setext body\n", "setext body\n", "utf-8", id="odd-type"
        ),
        pytest.param(
            b"", b"ESC\x1b BS\x08 FF\x0c\r\n", "ESC\x1b BS\x08 FF\x0c\r\n", "utf-8", id="controls-kept"
        ),
        pytest.param(b"", "had \ufffd".encode(), "had \ufffd", "utf-8", id="source-replacement-char"),
    ],
)
def test_single_part_body_is_decoded(headers: bytes, body: bytes, text: str, encoding: str) -> None:
    record = _read(b"From: a@b\nSubject: s\n" + headers + b"\n" + body)
    assert (record.body, record.encoding) == (text, encoding)


def _multipart(*parts: bytes) -> bytes:
    boundary = b"--XyZ"
    joined = b"".join(boundary + b"\n" + part + b"\n" for part in parts)
    return (
        b'From: a@b\nSubject: multi\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XyZ"\n\n'
        b"preamble\n" + joined + boundary + b"--\nepilogue\n"
    )


PLAIN = b"Content-Type: text/plain; charset=utf-8\n\nfirst caf\xc3\xa9\n"
PLAIN_LATIN1 = (
    b"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nsecond \xe9t\xe9\n"
)
HTML = b"Content-Type: text/html; charset=utf-8\n\n<p>html <b>only</b></p>\n"
ATTACHED_TEXT = (
    b'Content-Type: text/plain\nContent-Disposition: attachment; filename="patch.txt"\n\n--- a/x\n'
)
ZIP = b"Content-Type: application/zip\nContent-Transfer-Encoding: base64\n\nUEsDBAoAAAAAAA==\n"


@pytest.mark.parametrize(
    ("parts", "body", "encoding"),
    [
        pytest.param(
            [PLAIN, ZIP, PLAIN_LATIN1, ATTACHED_TEXT],
            "first café\n\nsecond été",
            "utf-8,iso8859-1",
            id="plain-parts-joined-attachments-skipped",
        ),
        pytest.param(
            [
                b'Content-Type: multipart/alternative; boundary="alt"\n\n--alt\n'
                + PLAIN
                + b"\n--alt\n"
                + HTML
                + b"\n--alt--\n"
            ],
            "first café",
            "utf-8",
            id="alternative-prefers-plain",
        ),
        pytest.param([HTML, ZIP], "<p>html <b>only</b></p>", "utf-8", id="html-only-kept-raw"),
        pytest.param([ZIP], "", "utf-8", id="no-text-part"),
        pytest.param(
            [b"Content-Type: message/rfc822\n\nFrom: c@d\nSubject: inner\n\ninner body\n", PLAIN],
            "inner body\n\nfirst café",
            "utf-8",
            id="forwarded-message-text",
        ),
    ],
)
def test_multipart_body_is_its_text_parts(parts: list[bytes], body: str, encoding: str) -> None:
    record = _read(_multipart(*parts))
    assert (record.body, record.encoding) == (body, encoding)
    assert record.title == "multi"


def test_multipart_without_its_boundary_keeps_the_whole_payload() -> None:
    data = b'From: a@b\nSubject: s\nContent-Type: multipart/mixed; boundary="gone"\n\nJust text.\n'
    assert _read(data).body == "Just text.\n"


@pytest.mark.parametrize(
    ("data", "headers", "body"),
    [
        pytest.param(
            b"Just a note.\nNo headers here.\n", {}, "Just a note.\nNo headers here.\n", id="no-headers"
        ),
        pytest.param(b"", {}, "", id="empty"),
        pytest.param(
            b"\nBody after a blank line.\n", {}, "Body after a blank line.\n", id="blank-first-line"
        ),
        pytest.param(b"Subject: only\n", {"Subject": ["only"]}, "", id="headers-only"),
        pytest.param(
            b"From someone  Tue Nov  1 00:55:41 2016\nSubject: s\n\nb\n",
            {"From_": ["From someone  Tue Nov  1 00:55:41 2016"], "Subject": ["s"]},
            "b\n",
            id="unix-from-line",
        ),
        pytest.param(
            b"Subject: s\r\nFrom: a@b\r\n\r\nline one\r\nline two\r\n",
            {"Subject": ["s"], "From": ["a@b"]},
            "line one\r\nline two\r\n",
            id="crlf",
        ),
    ],
)
def test_odd_shapes_are_still_records(data: bytes, headers: dict[str, list[str]], body: str) -> None:
    record = _read(data)
    assert (record.headers, record.body) == (headers, body)


def test_missing_headers_map_to_none() -> None:
    record = _read(b"X-Foo: bar\nSubject:   \n\nbody\n")
    assert (record.title, record.date, record.authors, record.url) == (None, None, None, None)


def test_too_large_message_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("transforms.readers.message.MAX_MESSAGE_BYTES", 20)
    monkeypatch.setattr("transforms.readers.message.READ_CHUNK_BYTES", 7)
    stream = io.BytesIO(b"Subject: twenty bytes and then some more\n\nbody\n")
    (result,) = read_message(stream, Origin("big"))
    assert isinstance(result, Rejection)
    assert (result.reason, result.source_format) == ("too_large", "rfc822")
    assert result.raw_excerpt == b"Subject: twenty bytes"
    assert stream.tell() == 21  # read no further than the cap and one byte


def test_a_message_the_parser_chokes_on_is_a_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(message: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("transforms.readers.message._body", explode)
    result = message_record(b"Subject: s\n\nbody\n", Locator("f", 3, 99), "mbox")
    assert isinstance(result, Rejection)
    assert (result.reason, result.source_format, result.locator) == (
        "invalid_message",
        "mbox",
        Locator("f", 3, 99),
    )
    assert "RecursionError" in result.message
    assert result.raw_excerpt == b"Subject: s\n\nbody\n"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(NEWS_ARTICLE, True, id="news-article"),
        pytest.param(
            b"Return-Path: <a@b>\r\nReceived: from x\r\n\tby y\r\nSubject: s\r\n\r\nbody", True, id="mail"
        ),
        pytest.param(b"from: a@b\nDATE: today\n", True, id="names-any-case"),
        pytest.param(b"X-Mailer: x\nX-Other: y\nSubject: s\nTo: t\n\nbody", True, id="known-names-later"),
        pytest.param(
            b"Subject: s\nX-Other: y\n\nFrom: not a header\nDate: neither\n", False, id="one-known-name"
        ),
        pytest.param(b"Subject: s\nthis is prose\nFrom: a@b\n", False, id="prose-ends-the-block"),
        pytest.param(
            b"From nad at python.org  Tue Nov  1 00:55:41 2016\nFrom: nad\nDate: d\n", False, id="mbox"
        ),
        pytest.param(b"From,Date,Subject\na,b,c\n", False, id="csv"),
        pytest.param(b'{"From": "a", "Date": "b"}\n{"Subject": "c"}\n', False, id="jsonl"),
        pytest.param(b'<?xml version="1.0"?>\n<rss xmlns:dc="x">\n', False, id="xml"),
        pytest.param(
            b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: x\r\n",
            False,
            id="warc",
        ),
        pytest.param(b"WARC/1.0: x\r\nFrom: a\r\nDate: b\r\n", False, id="warc-prefix"),
        pytest.param(b" date 2019-03-05 From: the crawler's text dump", False, id="textdump"),
        pytest.param(b"Hello,\n\nFrom: me\nDate: today\n", False, id="plain-text"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_looks_like(head: bytes, expected: bool) -> None:
    assert looks_like(head) is expected


# The developer corpus: 20 Newsgroups "mini", 2,000 articles, one per file.


def test_every_newsgroup_article_is_one_record(corpora: Path) -> None:
    articles = _articles(corpora)
    assert len(articles) == 2000
    folded, repeating, empty_value = set(), set(), set()
    for name, path in articles.items():
        data = path.read_bytes()
        assert looks_like(data[: 64 * 1024]), name
        with path.open("rb") as stream:
            (record,) = read_message(stream, Origin(str(path)))
        assert isinstance(record, RawRecord), name
        assert set(ALWAYS_PRESENT) <= set(record.headers), name
        assert record.body.strip() or record.title, name
        assert record.title == record.headers["Subject"][0].strip(), name
        assert record.authors == record.headers["From"][0].strip(), name
        assert record.body.count("\ufffd") == data.count("\ufffd".encode()), name
        header_block = _header_block(data)
        if re.search(rb"\n[ \t]", header_block):
            folded.add(name)
        if any(len(values) > 1 for values in record.headers.values()):
            repeating.add(name)
        if any(value == "" for values in record.headers.values() for value in values):
            empty_value.add(name)
        assert not any("\n" in value for values in record.headers.values() for value in values), name
        assert sum(map(len, record.headers.values())) == len(re.findall(rb"(?m)^[!-9;-~]+:", header_block))
    assert (len(folded), len(repeating), len(empty_value)) == (58, 6, 1)


def test_articles_that_are_not_utf8_fall_back_to_cp1252(corpora: Path) -> None:
    articles = _articles(corpora)
    for name in NON_UTF8_ARTICLES:
        record = _read(articles[name].read_bytes())
        assert record.encoding == "utf-8+cp1252", name
        assert "\ufffd" not in record.body, name
    assert "Chun-Hung Lin ( ªL«T§» )" in _read(articles["comp.windows.x/67305"].read_bytes()).body
    hockey = _read(articles["rec.sport.hockey/54000"].read_bytes())  # the odd bytes are in its headers
    assert hockey.authors == "duncan@\u20ac\x08\u20ac\x08 (Nicholas Duncan)"


def test_article_oddities_survive(corpora: Path) -> None:
    articles = _articles(corpora)
    dog = _read(articles["alt.atheism/51121"].read_bytes())
    assert dog.headers["Lines"] == ["dog"]
    assert dog.title == 'Re: [soc.motss, et al.] "Princeton axes matching funds for Boy Scouts"'
    assert dog.date == "Mon, 05 Apr 93 18:01:16 GMT"
    assert dog.authors == "strom@Watson.Ibm.Com (Rob Strom)"
    assert dog.body.startswith("In article <N4HY.93Apr5120934@harder.ccr-p.ida.org>")
    uuencoded = _read(articles["comp.os.ms-windows.misc/9704"].read_bytes())
    assert "\nbegin 666 ntreal.bmp\n" in uuencoded.body  # an inline uuencoded file is text of the post
    setext = _read(articles["comp.graphics/38753"].read_bytes())
    assert setext.headers["Content-Type"] == ["setext/plain; charset=ascii_827"]
    assert setext.headers["References"] == [
        "<a7d039f9@random.se> <C44AGD.Lwo@csn.org> <a7d32735@random.se>             "
        "<1omb6fINNm7s@lynx.unm.edu> <a7d56e52@random.se>"
    ]
    assert len(setext.body) > 1000
