import io
import mailbox
import re
from pathlib import Path

import pytest

from transforms.readers import message
from transforms.readers.mbox import looks_like, read_mbox
from transforms.records import Locator, Origin, RawRecord, Rejection

ARCHIVES = {"1999-10.txt": 124, "2007-06.txt": 206, "2016-11.txt": 110}


def _read(data: bytes) -> list[RawRecord | Rejection]:
    return list(read_mbox(io.BytesIO(data), Origin("memory.mbox")))


def _records(data: bytes) -> list[RawRecord]:
    records = _read(data)
    assert all(isinstance(record, RawRecord) for record in records)
    return records  # type: ignore[return-value]


MBOX = b"""\
From nad at python.org  Tue Nov  1 00:55:41 2016
From: nad at python.org (Ned Deily)
Date: Tue, 1 Nov 2016 00:55:41 -0400
Subject: [Python-Dev] [RELEASE] Python 3.6.0b3 is now available
Message-ID: <A534CD7D@python.org>

On behalf of the Python development community,
>From the release team:
>>From a quote
 >From stays
From a line that does not follow an empty line
From here neither.

From bjourne at gmail.com  Fri Jun  1 04:10:30 2007
From: bjourne at gmail.com (=?ISO-8859-1?Q?BJ=F6rn_Lindqvist?=)
Subject: second

Body two.

"""


def test_messages_split_on_from_lines_after_an_empty_line() -> None:
    first, second = _records(MBOX)
    assert first.headers == {
        "From_": ["From nad at python.org  Tue Nov  1 00:55:41 2016"],
        "From": ["nad at python.org (Ned Deily)"],
        "Date": ["Tue, 1 Nov 2016 00:55:41 -0400"],
        "Subject": ["[Python-Dev] [RELEASE] Python 3.6.0b3 is now available"],
        "Message-ID": ["<A534CD7D@python.org>"],
    }
    assert first.body == (
        "On behalf of the Python development community,\n"
        "From the release team:\n"
        ">From a quote\n"
        " >From stays\n"
        "From a line that does not follow an empty line\n"
        "From here neither.\n"
    )
    assert (first.title, first.date, first.authors, first.url) == (
        "[Python-Dev] [RELEASE] Python 3.6.0b3 is now available",
        "Tue, 1 Nov 2016 00:55:41 -0400",
        "nad at python.org (Ned Deily)",
        None,
    )
    assert first.locator == Locator("memory.mbox", record_index=0, byte_offset=0)
    assert (first.source_format, first.encoding) == ("mbox", "utf-8")
    assert second.authors == "bjourne at gmail.com (BJörn Lindqvist)"
    assert second.body == "Body two.\n"
    assert second.locator == Locator("memory.mbox", record_index=1, byte_offset=MBOX.index(b"From bjourne"))


def test_crlf_mbox() -> None:
    data = MBOX.replace(b"\n", b"\r\n")
    first, second = _records(data)
    assert first.body.startswith(
        "On behalf of the Python development community,\r\nFrom the release team:\r\n"
    )
    assert first.headers["From_"] == ["From nad at python.org  Tue Nov  1 00:55:41 2016"]
    assert second.locator.byte_offset == data.index(b"From bjourne")
    assert second.body == "Body two.\r\n"


@pytest.mark.parametrize(
    ("data", "bodies", "offsets"),
    [
        pytest.param(b"", [], [], id="empty"),
        pytest.param(b"\n\n", [], [], id="blank"),
        pytest.param(
            b"\n\nFrom a Mon Jan  1 00:00:00 2001\nSubject: s\n\nb\n", ["b\n"], [2], id="blank-lead"
        ),
        pytest.param(
            b"Subject: stray\n\nno From line\n\nFrom a Mon Jan  1 00:00:00 2001\nSubject: s\n\nb\n",
            ["no From line\n", "b\n"],
            [0, 30],
            id="stray-lead-is-a-message",
        ),
        pytest.param(b"From a Mon Jan  1 00:00:00 2001\nSubject: s", [""], [0], id="no-body-no-newline"),
        pytest.param(
            b"From a Mon Jan  1 00:00:00 2001\n\nkeep\n\n\n\nFrom b Mon Jan  1 00:00:00 2001\n\nx",
            ["keep\n\n\n", "x"],
            [0, 41],
            id="only-the-last-empty-line-separates",
        ),
    ],
)
def test_stream_shapes(data: bytes, bodies: list[str], offsets: list[int]) -> None:
    records = _records(data)
    assert [record.body for record in records] == bodies
    assert [record.locator.byte_offset for record in records] == offsets
    assert [record.locator.record_index for record in records] == list(range(len(records)))


@pytest.mark.parametrize("chunk_bytes", [7, 8, 1024])
def test_lines_longer_than_a_read_chunk(monkeypatch: pytest.MonkeyPatch, chunk_bytes: int) -> None:
    """Only a whole line can be empty, a separator or escaped, however `readline` cuts it (at 7 bytes:
    `xxxxxxx|\n` and `yyyyyyy|>From m|id-line\n`)."""
    monkeypatch.setattr("transforms.readers.mbox.LINE_CHUNK_BYTES", chunk_bytes)
    body = b"xxxxxxx\nFrom the line after a full line\nyyyyyyy>From mid-line\n"
    data = b"From a Mon Jan  1 00:00:00 2001\nSubject: s\n\n" + body + b"\n>From escaped\n"
    (record,) = _records(data)
    assert record.body == body.decode() + "\nFrom escaped\n"


def test_too_large_message_is_rejected_and_reading_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(message, "MAX_MESSAGE_BYTES", 300)
    big = b"From big Mon Jan  1 00:00:00 2001\nSubject: big\n\n" + b"line of text\n" * 50 + b"\n"
    small = b"From small Mon Jan  1 00:00:00 2001\nSubject: small\n\nfits\n"
    rejection, record = _read(big + small)
    assert isinstance(rejection, Rejection)
    assert (rejection.reason, rejection.source_format) == ("too_large", "mbox")
    assert rejection.locator == Locator("memory.mbox", 0, 0)
    assert rejection.raw_excerpt == big[:200]
    assert isinstance(record, RawRecord)
    assert (record.title, record.body, record.locator) == (
        "small",
        "fits\n",
        Locator("memory.mbox", 1, len(big)),
    )


def test_messages_are_read_as_the_stream_goes() -> None:
    one = b"From a Mon Jan  1 00:00:00 2001\nSubject: s\n\n" + b"body line\n" * 100 + b"\n"
    stream = io.BytesIO(one * 1000)
    records = read_mbox(stream, Origin("lazy"))
    first = next(records)
    assert isinstance(first, RawRecord)
    assert stream.tell() < 10 * len(one)
    assert sum(1 for _ in records) == 999


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(MBOX, True, id="pipermail"),
        pytest.param(
            b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nReturn-Path: <>\n", True, id="mailer-daemon"
        ),
        pytest.param(
            b"From - Tue Nov  1 00:55:41 2016\r\nX-Mozilla-Status: 0001\r\n", True, id="mozilla-crlf"
        ),
        pytest.param(
            b"From 1594@xxx Thu Nov 05 14:37:34 +0000 2020\nX-GM-THRID: 1\n", True, id="gmail-takeout"
        ),
        pytest.param(b"From a@b Sat Jan  3 01:05 1996\nSubject: s\n", True, id="no-seconds"),
        pytest.param(b"From a@b Tue Nov  1 00:55:41 2016\n\nbody\n", False, id="no-header-block"),
        pytest.param(b"From here on, the text is prose.\nSubject: s\n", False, id="prose"),
        pytest.param(b"From: a@b\nDate: Tue Nov  1 00:55:41 2016\n", False, id="rfc822-message"),
        pytest.param(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", False, id="warc"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_looks_like(head: bytes, expected: bool) -> None:
    assert looks_like(head) is expected


# The developer corpus: three python-dev archives, compared with what `mailbox.mbox` makes of them.


def _unfolded(value: str) -> str:
    return re.sub(r"\r?\n", "", value).strip()


@pytest.mark.parametrize(("name", "count"), ARCHIVES.items())
def test_archive_messages_match_the_stdlib_mailbox(corpora: Path, name: str, count: int) -> None:
    path = corpora / "mbox_python_dev" / name
    data = path.read_bytes()
    assert looks_like(data[: 64 * 1024])
    assert not message.looks_like(data[: 64 * 1024])
    with path.open("rb") as stream:
        records = list(read_mbox(stream, Origin(str(path))))
    reference = list(mailbox.mbox(str(path)))
    assert len(records) == len(reference) == count
    for index, (record, expected) in enumerate(zip(records, reference, strict=True)):
        assert isinstance(record, RawRecord)
        assert record.locator == Locator(str(path), index, record.locator.byte_offset)
        assert record.headers["From_"] == [f"From {expected.get_from()}"]
        assert record.body == expected.get_payload(decode=True).decode()
        assert record.body.strip()
        assert record.title == _unfolded(expected["Subject"])
        assert record.date == _unfolded(expected["Date"])
        assert list(record.headers) == ["From_", *expected.keys()]
        if "=?" not in expected["From"]:
            assert record.authors == _unfolded(expected["From"])
        assert "=?" not in str(record.authors)


def test_encoded_words_in_the_2007_archive_are_decoded(corpora: Path) -> None:
    path = corpora / "mbox_python_dev" / "2007-06.txt"
    assert path.read_bytes().count(b"=?") == 44
    with path.open("rb") as stream:
        authors = {record.authors for record in read_mbox(stream, Origin(str(path)))}  # type: ignore[union-attr]
    assert {
        "bjourne at gmail.com (BJörn Lindqvist)",
        'martin at v.loewis.de ("Martin v. Löwis")',
        "hrvoje.niksic at avl.com (Hrvoje Nikšić)",
        "walter at livinglogic.de (Walter Dörwald)",
    } <= authors


@pytest.mark.parametrize("name", ARCHIVES)
def test_reading_from_a_byte_offset_gives_that_message_first(corpora: Path, name: str) -> None:
    data = (corpora / "mbox_python_dev" / name).read_bytes()
    records = _records(data)
    for record in records:
        again = _records(data[record.locator.byte_offset :])[0]
        assert (again.headers, again.body, again.encoding) == (record.headers, record.body, record.encoding)
        assert again.locator == Locator("memory.mbox", 0, 0)
