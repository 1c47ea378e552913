import io
import re
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from transforms.readers import reuters_sgml
from transforms.readers.reuters_sgml import clean_body, looks_like, read_reuters_sgml, unescape
from transforms.records import EXCERPT_BYTES, Locator, Origin, RawRecord, Rejection
from transforms.text import split_paragraphs

FILES = [f"reut2-{number:03d}.sgm" for number in range(10)]
# Whatever a reader hands on must not hold these: entity references left undecoded, control characters.
_LEFTOVERS = re.compile(r"&#|&lt;|&gt;|&amp;|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _read(data: bytes, name: str = "memory.sgm") -> list[RawRecord | Rejection]:
    return list(read_reuters_sgml(io.BytesIO(data), Origin(name)))


def _records(data: bytes) -> list[RawRecord]:
    records = _read(data)
    assert all(isinstance(record, RawRecord) for record in records)
    return records  # type: ignore[return-value]


def _corpus_file(corpora: Path, name: str) -> Path:
    return corpora / "reuters21578" / name


def _read_file(path: Path) -> list[RawRecord]:
    with path.open("rb") as stream:
        records = list(read_reuters_sgml(stream, Origin(str(path))))
    assert all(isinstance(record, RawRecord) for record in records)
    return records  # type: ignore[return-value]


def _newid(record: RawRecord) -> int:
    return int(record.headers["@NEWID"][0])


# ---------------------------------------------------------------------------------------------------
# Small hand-written files, shaped like the real ones

STORY = b"""\
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" CSECS="539010540" OLDID="16316" NEWID="7">
<DATE> 5-MAR-1987 09:15:05.40</DATE>
<MKNOTE>Moved TOPICS closure - SPF</MKNOTE>
<TOPICS><D>acq</D><D>earn</D></TOPICS>
<PLACES><D>usa</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES><D>nyse</D></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN>\x20
&#5;&#5;&#5;F
&#22;&#22;&#1;f0284&#31;reute
b f BC-/NATIONAL-AMUSEMENTS   03-03 0073</UNKNOWN>
<TEXT>&#2;
<TITLE>VIACOM &lt;VIA> SAYS "BID" &amp; MORE</TITLE>
<AUTHOR>    By Cal Mankowski, Reuters</AUTHOR>
<DATELINE>    NEW YORK, March 3 - </DATELINE><BODY>Viacom International Inc said &lt;National
Amusements Inc> has again raised its offer.
    The special committee plans
to meet later today.
    Prices:&#127; up&#31; 5 > 4.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
"""

BRIEF = b"""\
<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5573" NEWID="30">
<DATE>26-FEB-1987 15:41:56.54</DATE>
<TOPICS></TOPICS>
<UNKNOWN>&#5;</UNKNOWN>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS
</TITLE>Blah blah blah.
&#3;

</TEXT>
</REUTERS>
"""

UNPROC = b"""\
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5642" NEWID="99">
<DATE>26-FEB-1987 16:34:34.40</DATE>
<TEXT TYPE="UNPROC">&#2;
FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26
    Two weeks ended Feb 25      daily avgs-mlns
 Net free reserves.............644 vs.....1,337
 Bank borrowings...............680 vs.......425
 Reuter
&#3;

</TEXT>
</REUTERS>
"""

FILE = b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n' + STORY + BRIEF + UNPROC


def test_a_story_headers_and_mapped_fields() -> None:
    (record,) = _records(STORY)
    assert record.headers == {
        "@TOPICS": ["YES"],
        "@LEWISSPLIT": ["TRAIN"],
        "@CGISPLIT": ["TRAINING-SET"],
        "@CSECS": ["539010540"],
        "@OLDID": ["16316"],
        "@NEWID": ["7"],
        "DATE": [" 5-MAR-1987 09:15:05.40"],
        "MKNOTE": ["Moved TOPICS closure - SPF"],
        "TOPICS": ["acq", "earn"],
        "PLACES": ["usa"],
        "PEOPLE": [],
        "ORGS": [],
        "EXCHANGES": ["nyse"],
        "COMPANIES": [],
        "UNKNOWN": [
            " \n&#5;&#5;&#5;F\n&#22;&#22;&#1;f0284&#31;reute\nb f BC-/NATIONAL-AMUSEMENTS   03-03 0073"
        ],
        "TITLE": ['VIACOM <VIA> SAYS "BID" & MORE'],
        "AUTHOR": ["    By Cal Mankowski, Reuters"],
        "DATELINE": ["    NEW YORK, March 3 - "],
    }
    assert record.title == 'VIACOM <VIA> SAYS "BID" & MORE'
    assert record.date == "5-MAR-1987 09:15:05.40"
    assert record.authors == "By Cal Mankowski, Reuters"
    assert record.url is None
    assert record.body == (
        "Viacom International Inc said <National\nAmusements Inc> has again raised its offer.\n\n"
        "    The special committee plans\nto meet later today.\n\n"
        "    Prices: up 5 > 4.\n\nReuter"
    )
    assert split_paragraphs(record.body) == [
        "Viacom International Inc said <National Amusements Inc> has again raised its offer.",
        "The special committee plans to meet later today.",
        "Prices: up 5 > 4.",
        "Reuter",
    ]
    assert (record.source_format, record.encoding) == ("reuters_sgml", "utf-8")
    assert record.locator == Locator("memory.sgm", record_index=0, byte_offset=0)


def test_a_brief_has_its_title_and_an_empty_body() -> None:
    (record,) = _records(BRIEF)
    assert record.body == ""
    assert record.title == "ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS"
    assert record.headers["TEXT@TYPE"] == ["BRIEF"]
    assert record.headers["TOPICS"] == []
    assert "PLACES" not in record.headers  # an absent element is an absent key; an empty one is []
    assert "DATELINE" not in record.headers


def test_an_unprocessed_story_is_its_text() -> None:
    (record,) = _records(UNPROC)
    assert record.title is None
    assert record.headers["TEXT@TYPE"] == ["UNPROC"]
    assert record.body == (
        "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26\n\n"
        "    Two weeks ended Feb 25      daily avgs-mlns\n\n"
        " Net free reserves.............644 vs.....1,337\n\n"
        " Bank borrowings...............680 vs.......425\n\n"
        "Reuter"
    )


def test_records_of_a_file_with_offsets_and_indexes() -> None:
    records = _records(FILE)
    assert [_newid(record) for record in records] == [7, 30, 99]
    assert [record.locator.record_index for record in records] == [0, 1, 2]
    assert [record.locator.byte_offset for record in records] == [
        FILE.index(b'<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" CSECS'),
        FILE.index(BRIEF),
        FILE.index(UNPROC),
    ]


def test_offsets_count_bytes_not_characters_and_decoding_falls_back() -> None:
    first = STORY.replace(b"has again", "h\u00e4s again".encode())  # two bytes, one character
    second = BRIEF.replace(b"ASSETS", b"ASS\xc9TS")  # a Latin-1 byte
    records = _records(b"\xef\xbb\xbf" + first + b"\n\n" + second)
    assert [record.locator.byte_offset for record in records] == [3, 3 + len(first) + 2]
    assert "h\u00e4s again" in records[0].body
    assert records[0].encoding == "utf-8"
    assert records[1].title is not None and records[1].title.startswith("ASS\u00c9TS")
    assert records[1].encoding == "utf-8+cp1252"


@pytest.mark.parametrize(
    ("data", "count"),
    [
        pytest.param(b"", 0, id="empty"),
        pytest.param(b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n', 0, id="doctype-only"),
        pytest.param(b"\n\n" + BRIEF + b"junk between\n" + BRIEF + b"\n", 2, id="junk-between-elements"),
        pytest.param(b"</REUTERS>\n" + BRIEF, 1, id="stray-end-tag"),
        pytest.param(BRIEF.replace(b"<REUTERS TOPICS", b"<REUTERS\n  TOPICS"), 1, id="tag-broken-over-lines"),
        pytest.param(BRIEF.lower(), 1, id="lower-case-reuters-tags"),
    ],
)
def test_what_is_an_element(data: bytes, count: int) -> None:
    assert len(_records(data)) == count


@pytest.mark.parametrize(
    ("raw", "date"),
    [
        pytest.param("26-FEB-1987 15:01:01.79", "26-FEB-1987 15:01:01.79", id="clean"),
        pytest.param(" 5-MAR-1987 09:15:05.40", "5-MAR-1987 09:15:05.40", id="one-leading-space"),
        pytest.param("  3-MAR-1987 00:43:42.82", "3-MAR-1987 00:43:42.82", id="two-leading-spaces"),
        pytest.param("1-MAR-1987 01:30:29.50", "1-MAR-1987 01:30:29.50", id="no-leading-space"),
        pytest.param("3-MAR-1987  09:15:05.40", "3-MAR-1987  09:15:05.40", id="double-space-kept-inside"),
        pytest.param("  ", None, id="blank"),
    ],
)
def test_dates_are_kept_as_written_but_stripped(raw: str, date: str | None) -> None:
    (record,) = _records(BRIEF.replace(b"26-FEB-1987 15:41:56.54", raw.encode()))
    assert record.headers["DATE"] == [raw]
    assert record.date == date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("&lt;OXY> &amp; &gt; &quot;x&quot; &apos;", '<OXY> & > "x" \'', id="named"),
        pytest.param("caf&#233; caf&#xE9; caf&#XE9;", "café café café", id="numeric"),
        pytest.param("&#2;a&#3;b&#5;&#22;&#31;&#127;&#1;c", "abc", id="wire-controls-dropped"),
        pytest.param("a&#9;b&#10;c&#13;d&#0;e", "a\tb\ncde", id="tab-and-newline-kept"),
        pytest.param("x&#128;&#159;&#x85;y", "xy", id="c1-controls-dropped"),
        pytest.param("&#xD800;&#1114112;&#99999999999999999999;&#x0000000041;", "A", id="no-such-character"),
        pytest.param("&amp;lt; stays &lt; once", "&lt; stays < once", id="decoded-once"),
        pytest.param("AT&T &eacute; &#; &#x; &lt", "AT&T &eacute; &#; &#x; &lt", id="not-references"),
        pytest.param("plain text", "plain text", id="plain"),
    ],
)
def test_unescape(text: str, expected: str) -> None:
    assert unescape(text) == expected


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        pytest.param("Said.\n Reuter\n&#3;", "Said.\n\nReuter", id="reuter"),
        pytest.param("Said.\n REUTER\n&#3;", "Said.\n\nREUTER", id="upper-case"),
        pytest.param(
            "Said.\n    REUTER\n&#3;\n\n", "Said.\n\nREUTER", id="indented-and-trailing-blank-lines"
        ),
        pytest.param("Said.\nREUTER...^M\n&#3;", "Said.\n\nREUTER...^M", id="continued-mark"),
        pytest.param("Said.\n REUTERS\n&#3;", "Said.\n\nREUTERS", id="reuters"),
        pytest.param("Said.\nREUTER\n Reuter\n&#3;", "Said.\n\nREUTER\n\nReuter", id="signed-twice"),
        pytest.param("he said. REUTER\n&#3;", "he said.\n\nREUTER", id="after-the-last-sentence"),
        pytest.param(
            "a spokesman told Reuters.\n&#3;", "a spokesman told Reuters.", id="reuters-in-a-sentence"
        ),
        pytest.param("owned by Reuter\n&#3;", "owned by Reuter", id="name-ending-a-line-kept"),
        pytest.param("no signature\n&#3;", "no signature", id="none"),
        pytest.param(" Reuter\n&#3;", "Reuter", id="signature-only"),
        pytest.param(
            "First line\ngoes on.\n    Second\nparagraph.\n\n    Third.",
            "First line\ngoes on.\n\n    Second\nparagraph.\n\n    Third.",
            id="indented-lines-start-paragraphs",
        ),
        pytest.param(
            "    Indented first line.\nmore", "Indented first line.\nmore", id="first-line-indented"
        ),
    ],
)
def test_clean_body(raw: str, body: str) -> None:
    assert clean_body(raw) == body


HEADS = {
    "rss": ("rss_nyt_2016", "HomePage.xml"),
    "warc": ("warc", "webrecorder-warcio/test/data/example-iana.org-chunked.warc"),
    "mbox": ("mbox_python_dev", "2016-11.txt"),
    "news-article": ("20news_mini", "mini_newsgroups/alt.atheism/51121"),
    "csv": ("csv_financial_headlines", "cnbc_headlines.csv"),
    "jsonl": ("jsonl_huffpost", "News_Category_Dataset_v2.json"),
    "text": ("bbc_zitros", "news/business/1m-payoff-for-former-shell-boss.txt"),
    "reuters-readme": ("reuters21578", "README.txt"),
    "reuters-dtd": ("reuters21578", "lewis.dtd"),
}


@pytest.mark.parametrize("name", HEADS)
def test_looks_like_says_no_to_other_formats(corpora: Path, name: str) -> None:
    folder, path = HEADS[name]
    assert not looks_like((corpora / folder / path).read_bytes()[: 64 * 1024])


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(FILE, True, id="doctype"),
        pytest.param(STORY, True, id="reuters-first"),
        pytest.param(b"\xef\xbb\xbf\r\n<!doctype LEWIS>\n" + STORY, True, id="bom-and-case"),
        pytest.param(b'<?xml version="1.0"?>\n<!-- a -->\n' + STORY, True, id="declaration-and-comment"),
        pytest.param(b"Subject: files\n\n<!DOCTYPE lewis SYSTEM>", False, id="quoted-in-a-mail"),
        pytest.param(b'<?xml version="1.0"?><rss><item>', False, id="xml"),
        pytest.param(b"<REUTERSX>", False, id="other-tag"),
        pytest.param(b"<!--" * 16000, False, id="unclosed-comments"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_looks_like(head: bytes, expected: bool) -> None:
    assert looks_like(head) is expected


# ---------------------------------------------------------------------------------------------------
# Broken files


def test_a_stream_that_ends_inside_an_element() -> None:
    cut = FILE[: FILE.index(b"Blah blah")]
    records = _read(cut)
    assert [type(record) for record in records] == [RawRecord, Rejection]
    rejection = records[1]
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "truncated"
    assert rejection.source_format == "reuters_sgml"
    assert rejection.locator == Locator("memory.sgm", 1, FILE.index(BRIEF))
    assert rejection.raw_excerpt == BRIEF[:EXCERPT_BYTES]


def test_an_element_the_next_one_interrupts() -> None:
    broken = BRIEF[: BRIEF.index(b"</TEXT>")]
    data = STORY + broken + UNPROC
    records = _read(data)
    assert [type(record) for record in records] == [RawRecord, Rejection, RawRecord]
    rejection, after = records[1], records[2]
    assert isinstance(rejection, Rejection) and isinstance(after, RawRecord)
    assert (rejection.reason, rejection.locator.byte_offset) == ("truncated", len(STORY))
    assert rejection.raw_excerpt == broken[:EXCERPT_BYTES]
    assert after.locator == Locator("memory.sgm", 2, len(STORY) + len(broken))
    assert _newid(after) == 99


def test_a_too_large_element_is_rejected_and_reading_resumes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reuters_sgml, "MAX_ELEMENT_BYTES", 1000)
    big = STORY.replace(b"to meet later today.", b"to meet later today.\n" + b"x" * 3000)
    data = BRIEF + big + UNPROC + BRIEF
    for chunk_bytes in (64, 1 << 20):  # found unclosed while reading, or whole in one read: the same
        monkeypatch.setattr(reuters_sgml, "READ_CHUNK_BYTES", chunk_bytes)
        records = _read(data)
        assert [getattr(record, "reason", "ok") for record in records] == ["ok", "too_large", "ok", "ok"]
        rejection = records[1]
        assert isinstance(rejection, Rejection)
        assert rejection.locator == Locator("memory.sgm", 1, len(BRIEF))
        assert rejection.raw_excerpt == big[:EXCERPT_BYTES]
        assert [record.locator.byte_offset for record in records[2:]] == [
            len(BRIEF + big),
            len(BRIEF + big + UNPROC),
        ]
        assert [record.locator.record_index for record in records] == [0, 1, 2, 3]


class _Trickle(io.RawIOBase):
    """A stream that cannot seek or tell and gives at most `size` bytes a read."""

    def __init__(self, chunks: Iterator[bytes], size: int) -> None:
        self._chunks = chunks
        self._pending = b""
        self._size = size
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        count = min(len(buffer), self._size, len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        self.reads += 1
        return count


def test_memory_stays_bounded_on_a_huge_unclosed_element(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reuters_sgml, "MAX_ELEMENT_BYTES", 1 << 20)
    monkeypatch.setattr(reuters_sgml, "READ_CHUNK_BYTES", 64 * 1024)

    def chunks() -> Iterator[bytes]:
        yield b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n<REUTERS NEWID="1">\n<TEXT><BODY>'
        for _ in range(512):  # 32 MiB of body that never closes
            yield b"0123456789abcdef\n" * 3855
        yield b"</BODY></TEXT>\n</REUTERS>\n" + BRIEF

    stream = _Trickle(chunks(), size=64 * 1024)
    tracemalloc.start()
    try:
        records = list(read_reuters_sgml(stream, Origin("huge.sgm")))  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [getattr(record, "reason", "ok") for record in records] == ["too_large", "ok"]
    assert records[0].locator.byte_offset == 36
    assert peak < 4 * (1 << 20)  # about 1.3 MiB: one element of at most MAX_ELEMENT_BYTES, one chunk


# ---------------------------------------------------------------------------------------------------
# The developer corpus: reut2-000.sgm ... reut2-009.sgm, 1,000 stories each


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[RawRecord]]:
    """Every story of the ten files, read once for the module."""
    if not CORPORA.is_dir():
        pytest.skip(f"the developer corpora are not at {CORPORA}")
    return {name: _read_file(_corpus_file(CORPORA, name)) for name in FILES}


def test_every_file_has_its_thousand_stories(corpus: dict[str, list[RawRecord]]) -> None:
    for number, name in enumerate(FILES):
        records = corpus[name]
        assert len(records) == 1000, name
        assert [_newid(record) for record in records] == list(range(number * 1000 + 1, number * 1000 + 1001))
        assert [record.locator.record_index for record in records] == list(range(1000))
    assert sum(len(records) for records in corpus.values()) == 10_000


def test_offsets_point_at_the_reuters_tags(corpora: Path, corpus: dict[str, list[RawRecord]]) -> None:
    for name in FILES:
        data = _corpus_file(corpora, name).read_bytes()
        offsets = [match.start() for match in re.finditer(rb"<REUTERS ", data)]
        assert [record.locator.byte_offset for record in corpus[name]] == offsets
        assert looks_like(data[: 64 * 1024])


def test_the_first_story(corpus: dict[str, list[RawRecord]]) -> None:
    record = corpus["reut2-000.sgm"][0]
    assert record.locator.byte_offset == len(b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n')
    assert record.headers == {
        "@TOPICS": ["YES"],
        "@LEWISSPLIT": ["TRAIN"],
        "@CGISPLIT": ["TRAINING-SET"],
        "@OLDID": ["5544"],
        "@NEWID": ["1"],
        "DATE": ["26-FEB-1987 15:01:01.79"],
        "TOPICS": ["cocoa"],
        "PLACES": ["el-salvador", "usa", "uruguay"],
        "PEOPLE": [],
        "ORGS": [],
        "EXCHANGES": [],
        "COMPANIES": [],
        "UNKNOWN": [
            " \n&#5;&#5;&#5;C T\n&#22;&#22;&#1;f0704&#31;reute\nu f BC-BAHIA-COCOA-REVIEW   02-26 0105"
        ],
        "TITLE": ["BAHIA COCOA REVIEW"],
        "DATELINE": ["    SALVADOR, Feb 26 - "],
    }
    assert (record.title, record.date, record.url, record.authors) == (
        "BAHIA COCOA REVIEW",
        "26-FEB-1987 15:01:01.79",
        None,
        None,
    )
    assert record.body.startswith(
        "Showers continued throughout the week in\n"
        "the Bahia cocoa zone, alleviating the drought since early\n"
    )
    assert record.body.endswith(
        "\n\n    Final figures for the period to February 28 are expected to\n"
        "be published by the Brazilian Cocoa Trade Commission after\n"
        "carnival which ends midday on February 27.\n\nReuter"
    )
    paragraphs = split_paragraphs(record.body)
    assert len(paragraphs) == 18
    assert paragraphs[0].endswith("Comissaria Smith said in its weekly review.")
    assert paragraphs[1] == "The dry period means the temporao will be late this year."


def test_the_last_story_of_a_file(corpus: dict[str, list[RawRecord]]) -> None:
    record = corpus["reut2-000.sgm"][-1]
    assert _newid(record) == 1000
    assert record.headers["DATE"] == [" 3-MAR-1987 09:17:32.30"]
    assert record.date == "3-MAR-1987 09:17:32.30"
    assert record.title == "NATIONAL AMUSEMENTS AGAIN UPS VIACOM <VIA> BID"
    assert record.body.startswith("Viacom International Inc said <National\nAmusements Inc> has again")
    assert record.body.endswith("National Amusements already owns 19.6 pct of Viacom's stock.\n\nReuter")


def test_stories_without_a_body(corpus: dict[str, list[RawRecord]]) -> None:
    records = [record for records in corpus.values() for record in records]
    types = Counter(record.headers.get("TEXT@TYPE", ["(none)"])[0] for record in records)
    assert types == {"(none)": 9140, "BRIEF": 809, "UNPROC": 51}
    briefs = [record for record in records if record.headers.get("TEXT@TYPE") == ["BRIEF"]]
    assert all(record.body == "" and record.title for record in briefs)
    unprocessed = [record for record in records if record.headers.get("TEXT@TYPE") == ["UNPROC"]]
    assert all(record.body.strip() and record.title is None for record in unprocessed)
    assert unprocessed[0].body.startswith(
        "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26\n\n    Two weeks ended Feb 25      daily avgs-mlns\n\n"
    )
    assert sum(record.body == "" for record in records) == 809
    assert sum(record.title is None for record in records) == 51
    stories = [record for record in records if "TEXT@TYPE" not in record.headers]
    assert all(record.body.strip() and record.title for record in stories)


_SIGNATURE_PARAGRAPHS = re.compile(r"(?:\n\n|\A)(?i:reuters?)(?:\.\.\.)?(?:\^M)?(?=\n\n|\Z)")


def test_no_entity_control_character_or_signature_is_left(corpus: dict[str, list[RawRecord]]) -> None:
    records = [record for records in corpus.values() for record in records]
    for record in records:
        for text in (record.body, record.title or "", record.headers.get("DATELINE", [""])[0]):
            assert not _LEFTOVERS.search(text), (_newid(record), text)
    # The signature is a paragraph of its own, for the normaliser to move to the boilerplate. What is
    # left in the story near its end: a mistyped signature (`REUTER E`) and two stories about a firm
    # called Reuter; `REUTE`, `REUETER` and `NIL. REUTER11:43/VB` stay too (no word `Reuter` in them).
    stories = [_SIGNATURE_PARAGRAPHS.sub("", record.body) for record in records]
    assert sum(bool(re.search(r"(?i)\breuter\b", story[-200:])) for story in stories) == 3
    assert sum(story != record.body for story, record in zip(stories, records, strict=True)) > 9000


def test_dates_headers_and_authors(corpus: dict[str, list[RawRecord]]) -> None:
    records = [record for records in corpus.values() for record in records]
    shapes = Counter(re.sub(r"\d", "9", record.headers["DATE"][0]) for record in records)
    assert shapes == {
        "99-MAR-9999 99:99:99.99": 6555,
        " 9-MAR-9999 99:99:99.99": 3192,
        "99-FEB-9999 99:99:99.99": 229,
        "  9-MAR-9999 99:99:99.99": 15,
        " 99-MAR-9999 99:99:99.99": 5,
        "9-MAR-9999  99:99:99.99": 3,
        "9-MAR-9999 99:99:99.99": 1,
    }
    assert all(re.fullmatch(r"\d\d?-(FEB|MAR)-1987  ?\d\d:\d\d:\d\d\.\d\d", str(r.date)) for r in records)
    topics = Counter(record.headers["@TOPICS"][0] for record in records)
    assert topics == {"YES": 7047, "NO": 2947, "BYPASS": 6}
    assert all(record.headers["@LEWISSPLIT"] == ["TRAIN"] for record in records)
    assert all(record.headers["COMPANIES"] == [] for record in records)
    assert sum("@CSECS" in record.headers for record in records) == 3
    assert sum(record.authors is not None for record in records) == 419
    assert all(str(record.authors).lower().startswith("by ") for record in records if record.authors)
    assert all(record.url is None and record.encoding == "utf-8" for record in records)
    by_id = {_newid(record): record for record in records}
    assert by_id[996].date == "3-MAR-1987  09:15:05.40"
    assert by_id[884].headers["DATE"] == ["  3-MAR-1987 00:43:42.82"]
    assert by_id[884].date == "3-MAR-1987 00:43:42.82"
    assert by_id[327].headers["MKNOTE"] == [
        'Moved TOPICS closure to end of "rape-meal" from "cornglutenfeed" - SPF'
    ]


@pytest.mark.parametrize("name", FILES)
def test_reading_from_a_byte_offset_gives_that_story_first(
    corpora: Path, corpus: dict[str, list[RawRecord]], name: str
) -> None:
    data = _corpus_file(corpora, name).read_bytes()
    records = corpus[name]
    chosen = records if name == FILES[0] else [records[0], records[1], records[500], records[-1]]
    for record in chosen:
        again = next(read_reuters_sgml(io.BytesIO(data[record.locator.byte_offset :]), Origin("memory.sgm")))
        assert isinstance(again, RawRecord)
        assert again.locator == Locator("memory.sgm", 0, 0)
        assert (again.headers, again.body, again.title, again.date, again.encoding) == (
            record.headers,
            record.body,
            record.title,
            record.date,
            record.encoding,
        )


def test_a_file_cut_inside_a_story(corpora: Path, corpus: dict[str, list[RawRecord]]) -> None:
    path = _corpus_file(corpora, "reut2-000.sgm")
    data = path.read_bytes()
    whole = corpus["reut2-000.sgm"]
    cut_story, next_story = whole[700], whole[701]
    cut = data[: (cut_story.locator.byte_offset + next_story.locator.byte_offset) // 2]
    records = _read(cut, str(path))
    assert len(records) == 701
    assert all(isinstance(record, RawRecord) for record in records[:700])
    assert records[:700] == whole[:700]
    rejection = records[-1]
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "truncated"
    assert rejection.locator == cut_story.locator
    assert rejection.raw_excerpt == data[cut_story.locator.byte_offset :][:EXCERPT_BYTES]


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_a_non_seekable_stream_read_in_small_pieces(
    corpora: Path, corpus: dict[str, list[RawRecord]], monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(reuters_sgml, "READ_CHUNK_BYTES", size)
    path = _corpus_file(corpora, "reut2-001.sgm")
    data = path.read_bytes()
    length = 200_000 if size < 4096 else len(data)  # a byte a read is slow: a prefix of the file
    stream = _Trickle(iter([data[:length]]), size=size)
    with pytest.raises(OSError):
        stream.seek(0)
    records = list(read_reuters_sgml(stream, Origin(str(path))))  # type: ignore[arg-type]
    complete = [record for record in corpus["reut2-001.sgm"] if record.locator.byte_offset < length]
    assert stream.reads >= length // size
    assert records[: len(complete) - 1] == complete[:-1]
    if length == len(data):
        assert records == corpus["reut2-001.sgm"]
    else:
        assert isinstance(records[-1], Rejection) and records[-1].reason == "truncated"


def test_the_whole_corpus_reads_fast(corpora: Path) -> None:
    started = time.perf_counter()
    total = sum(len(_read_file(_corpus_file(corpora, name))) for name in FILES)
    assert total == 10_000
    assert time.perf_counter() - started < 5  # about 0.7 s here: the splitter is linear in the bytes
