import io
import re
from collections import Counter
from pathlib import Path

import pytest

from transforms.fields import FieldMapping
from transforms.normalise import normalise
from transforms.readers.csv_table import FORMAT, looks_like, read_csv, read_csv_at, sniff_delimiter
from transforms.records import Document, Origin, RawRecord, Rejection

CNBC = Path("csv_financial_headlines") / "cnbc_headlines.csv"
GUARDIAN = Path("csv_financial_headlines") / "guardian_headlines.csv"


def _read(data: bytes, mapping: FieldMapping | None = None) -> list[RawRecord | Rejection]:
    return list(read_csv(io.BytesIO(data), Origin("memory.csv"), mapping))


def _records(data: bytes, mapping: FieldMapping | None = None) -> list[RawRecord]:
    records = _read(data, mapping)
    assert all(isinstance(record, RawRecord) for record in records)
    return records  # type: ignore[return-value]


def _read_path(path: Path) -> list[RawRecord | Rejection]:
    with path.open("rb") as stream:
        return list(read_csv(stream, Origin(str(path))))


def _reread(path: Path, record: RawRecord | Rejection) -> RawRecord | Rejection:
    with path.open("rb") as stream:
        locator = record.locator
        return next(iter(read_csv_at(stream, Origin(str(path)), locator.byte_offset, locator.record_index)))


@pytest.fixture
def cnbc(corpora: Path) -> list[RawRecord]:
    records = _read_path(corpora / CNBC)
    assert all(isinstance(record, RawRecord) for record in records)
    return records  # type: ignore[return-value]


@pytest.fixture
def guardian(corpora: Path) -> list[RawRecord]:
    records = _read_path(corpora / GUARDIAN)
    assert all(isinstance(record, RawRecord) for record in records)
    return records  # type: ignore[return-value]


def test_cnbc_rows_and_empty_rows(cnbc: list[RawRecord]) -> None:
    assert len(cnbc) == 3080
    assert [record.locator.record_index for record in cnbc] == list(range(3080))
    empty = [record for record in cnbc if not any(v for values in record.headers.values() for v in values)]
    assert len(empty) == 280
    assert all((record.body, record.title, record.date) == ("", "", "") for record in empty)
    assert {record.source_format for record in cnbc} == {FORMAT}
    assert {record.encoding for record in cnbc} == {"utf-8"}


def test_cnbc_columns_mapped(cnbc: list[RawRecord]) -> None:
    first = cnbc[0]
    assert list(first.headers) == ["Headlines", "Time", "Description"]
    assert first.title == "Jim Cramer: A better way to invest in the Covid-19 vaccine gold rush"
    assert first.date == " 7:51  PM ET Fri, 17 July 2020"
    assert first.body == (
        '"Mad Money" host Jim Cramer recommended buying four companies'
        " that are supporting vaccine developers."
    )
    assert (first.url, first.authors) == (None, None)
    assert first.locator.byte_offset == len(b"Headlines,Time,Description\r\n")
    assert cnbc[2].headers == {"Headlines": [""], "Time": [""], "Description": [""]}


def test_cnbc_multi_line_fields_nbsp_and_quotes(cnbc: list[RawRecord]) -> None:
    multi_line = [record for record in cnbc if "\n" in record.body]
    assert [record.locator.record_index for record in multi_line] == [2397, 2435]
    assert "Jim Cramer sits down with\xa0Stephen\nDilly, the founding" in multi_line[0].body
    assert multi_line[1].body.endswith("Evan Newmark.\r\n")
    assert multi_line[1].body.startswith('The "Closing Bell" team discusses')
    assert sum("\xa0" in record.body + (record.title or "") for record in cnbc) == 56


def test_cnbc_offsets_point_at_row_starts(corpora: Path, cnbc: list[RawRecord]) -> None:
    data = (corpora / CNBC).read_bytes()
    assert all(
        data[record.locator.byte_offset - 2 : record.locator.byte_offset] == b"\r\n" for record in cnbc
    )
    after_multi_line = cnbc[2398]
    assert data[after_multi_line.locator.byte_offset :].startswith(after_multi_line.title.encode())  # type: ignore[union-attr]


def test_cnbc_normalised_empty_rows_are_rejected(cnbc: list[RawRecord]) -> None:
    results = Counter(
        getattr(result, "reason", "document") for result in (normalise(record, "cnbc") for record in cnbc)
    )
    assert results == {"document": 2800, "empty_text": 280}


def test_cnbc_reread_by_locator(corpora: Path, cnbc: list[RawRecord]) -> None:
    for record in [cnbc[0], cnbc[2], cnbc[2397], cnbc[2435], cnbc[2436], cnbc[-1]]:
        assert _reread(corpora / CNBC, record) == record


def test_guardian_rows_titles_only(guardian: list[RawRecord]) -> None:
    assert len(guardian) == 17800
    assert list(guardian[0].headers) == ["Time", "Headlines"]
    assert all(record.body == "" for record in guardian)
    assert (guardian[0].title, guardian[0].date) == (
        "Johnson is asking Santa for a Christmas recovery",
        "18-Jul-20",
    )
    assert sum("\n" in (record.title or "") for record in guardian) == 1246
    assert (
        sum(re.fullmatch(r"[A-Z][a-z]{2}-\d\d", record.date or "") is not None for record in guardian) == 40
    )
    assert guardian[4].title == (
        "The Week in Patriarchy  \n\n\n  "
        "Bacardi's 'lady vodka': the latest in a long line of depressing gendered products"
    )


def test_guardian_normalises_headlines_to_text(guardian: list[RawRecord]) -> None:
    document = normalise(guardian[4], "guardian")
    assert isinstance(document, Document)
    assert document.text.startswith("The Week in Patriarchy\n\nBacardi's 'lady vodka'")
    assert all(isinstance(normalise(record, "guardian"), Document) for record in guardian[:500])


def test_guardian_reread_by_locator(corpora: Path, guardian: list[RawRecord]) -> None:
    for record in [guardian[4], guardian[5], guardian[9999], guardian[-1]]:
        assert _reread(corpora / GUARDIAN, record) == record


def test_read_csv_at_goes_on_from_the_offset() -> None:
    data = b"title,text\r\na,one\r\nb,two\r\nc,three\r\n"
    records = _records(data)
    with io.BytesIO(data) as stream:
        rest = list(read_csv_at(stream, Origin("memory.csv"), records[1].locator.byte_offset, 1))
    assert rest == records[1:]


def test_read_csv_at_uses_the_mapping() -> None:
    data = b"a,b\r\nx,y\r\n"
    (record,) = _records(data, FieldMapping(body="b", title="a"))
    with io.BytesIO(data) as stream:
        again = next(read_csv_at(stream, Origin("memory.csv"), 5, 0, FieldMapping(body="b", title="a")))
    assert again == record
    assert (record.body, record.title) == ("y", "x")


def test_read_csv_at_refuses_an_offset_inside_the_header() -> None:
    with pytest.raises(ValueError, match="inside the header"):
        next(read_csv_at(io.BytesIO(b"a,b\nx,y\n"), Origin("memory.csv"), 2, 0))


def test_read_csv_at_past_the_end() -> None:
    with pytest.raises(EOFError):
        next(read_csv_at(io.BytesIO(b"a,b\nx,y\n"), Origin("memory.csv"), 100, 0))


def test_multi_line_fields_and_offsets() -> None:
    data = 'title,text\r\n"Zwei\r\nZeilen","über ""drei""\nZeilen\n"\r\nnext,row\r\n'.encode()
    first, second = _records(data)
    assert (first.title, first.body) == ("Zwei\r\nZeilen", 'über "drei"\nZeilen\n')
    assert first.locator.byte_offset == 12
    assert second.locator.byte_offset == data.index(b"next,row")
    assert (second.locator.record_index, second.title) == (1, "next")


def test_empty_rows_are_records_blank_lines_are_not() -> None:
    data = b"title,text\n\n,\n\n  \nt,b\n"
    empty, full = _records(data)
    assert (empty.body, empty.title, empty.locator.record_index, empty.locator.byte_offset) == ("", "", 0, 12)
    assert (full.body, full.locator.record_index, full.locator.byte_offset) == ("b", 1, data.index(b"t,b"))


def test_long_row_rejected_short_row_padded() -> None:
    data = b"title,text,date\na,b,c\na,b,c,d\nonly title\n"
    ok, long_row, short_row = _read(data)
    assert isinstance(long_row, Rejection)
    assert (long_row.reason, long_row.locator.record_index, long_row.raw_excerpt) == (
        "malformed_row",
        1,
        b"a,b,c,d\n",
    )
    assert long_row.locator.byte_offset == data.index(b"a,b,c,d")
    assert "4 fields, the header 3" in long_row.message
    assert isinstance(short_row, RawRecord) and isinstance(ok, RawRecord)
    assert short_row.headers == {"title": ["only title"], "text": [""], "date": [""]}
    assert (short_row.title, short_row.body, short_row.date, short_row.locator.record_index) == (
        "only title",
        "",
        "",
        2,
    )


def test_unparseable_row_rejected_and_reading_goes_on() -> None:
    data = b"title,text\na,b\rc\nd,e\n"
    bad, good = _read(data)
    assert isinstance(bad, Rejection) and isinstance(good, RawRecord)
    assert (bad.reason, bad.locator.byte_offset) == ("malformed_row", 11)
    assert (good.title, good.locator.record_index, good.locator.byte_offset) == ("d", 1, 17)


def test_unclosed_quote_beyond_the_limit_ends_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("transforms.readers.csv_table.MAX_RECORD_BYTES", 40)
    data = b'title,text\na,b\nc,"never closed\n' + b"more text\n" * 10
    good, big = _read(data)
    assert isinstance(good, RawRecord) and isinstance(big, Rejection)
    assert (big.reason, big.locator.record_index, big.locator.byte_offset) == ("too_large", 1, 15)
    assert big.raw_excerpt.startswith(b'c,"never closed\n')


def test_field_longer_than_the_csv_module_default() -> None:
    text = "word " * 60_000  # 300 kB, over the csv module's 128 KiB default
    (record,) = _records(f'title,text\nt,"{text}"\n'.encode())
    assert record.body == text


@pytest.mark.parametrize(
    ("data", "title", "body"),
    [
        pytest.param(b"title;text\r\nA, B;C\r\n", "A, B", "C", id="semicolon"),
        pytest.param(b"title\ttext\nA, B\tC\n", "A, B", "C", id="tab"),
        pytest.param(b"title|text\nA;B|C\n", "A;B", "C", id="pipe"),
        pytest.param(b'"title","text"\n"A|B","C"\n', "A|B", "C", id="quoted-header"),
        pytest.param(b"\xef\xbb\xbftitle,text\nA,C\n", "A", "C", id="bom"),
        pytest.param(b"\n\ntitle,text\nA,C\n", "A", "C", id="blank-lines-before-header"),
    ],
)
def test_delimiters_and_header_shapes(data: bytes, title: str, body: str) -> None:
    (record,) = _records(data)
    assert (record.title, record.body) == (title, body)
    assert list(record.headers) == ["title", "text"]


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        pytest.param("Headlines,Time,Description\r\n", ",", id="comma"),
        pytest.param("a;b;c\n", ";", id="semicolon"),
        pytest.param("a\tb\n", "\t", id="tab"),
        pytest.param("a|b|c\n", "|", id="pipe"),
        pytest.param("Headlines\n", ",", id="one-column-default"),
        pytest.param("", ",", id="empty-default"),
    ],
)
def test_sniff_delimiter(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


def test_stray_latin1_byte_marks_only_its_row() -> None:
    clean, latin1 = _records(b"title,text\nt,plain\nt,Mo\xebt\n")
    assert (clean.encoding, latin1.encoding, latin1.body) == ("utf-8", "utf-8+cp1252", "Moët")


def test_explicit_mapping_and_duplicate_column_names() -> None:
    (record,) = _records(b"id,note,note,teaser\n1,n1,n2,T\n", FieldMapping(body="teaser", title="note"))
    assert record.headers == {"id": ["1"], "note": ["n1", "n2"], "teaser": ["T"]}
    assert (record.body, record.title) == ("T", "n1")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\r\n\r\n", id="blank"),
        pytest.param(b"title,text\r\n", id="header-only"),
    ],
)
def test_no_records(data: bytes) -> None:
    assert _read(data) == []


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(b"Headlines,Time,Description\r\nA,B,C\r\n,,\r\nD,E,F\r\n", True, id="cnbc-shape"),
        pytest.param(
            b'Time,Headlines\r\n18-Jul-20,"Kicker  \n\n\n  Headline"\r\n9-Jul-20,H\r\n', True, id="multi-line"
        ),
        pytest.param(b"a;b\n1;2\n", True, id="semicolon"),
        pytest.param(b"id,text\n1,one\n2,tw", True, id="last-row-cut-by-the-head"),
        pytest.param(b'id,text\n1,"cut by the head\n\nstill quoted', False, id="only-row-cut-inside-quotes"),
        pytest.param(b'id,text\n1,"cut by the head\n\nx,y', False, id="cut-inside-quotes-looking-like-a-row"),
        pytest.param(b'id,text\n1,one\n2,"cut by\nthe head', True, id="later-row-cut-inside-quotes"),
        pytest.param(b"id,text\n1,one", True, id="small-file-no-final-newline"),
        pytest.param(b"id,text\n", False, id="header-only"),
        pytest.param(b"id,text\n1,2,3\n", False, id="row-too-long"),
        pytest.param(b"id,text\n1\n", False, id="row-too-short"),
        pytest.param(b"Headlines\nOne\nTwo\n", False, id="one-column"),
        pytest.param(b"a,,c\n1,2,3\n", False, id="empty-column-name"),
        pytest.param(
            b"Oil, gas prices rise\n\nPrices rose on Monday, traders said.\n", False, id="title-and-prose"
        ),
        pytest.param(b"Hello, world.\nGoodbye, moon.\n", False, id="prose-sentences"),
        pytest.param(
            b"The company, which is based in Paris, said profits rose by a third in the year to March.\n"
            b"Analysts had expected a smaller rise, given weak sales, in its home market.\n",
            False,
            id="prose-paragraphs",
        ),
        pytest.param(b'{"a": 1, "b": 2}\n{"a": 3, "b": 4}\n', False, id="json-lines"),
        pytest.param(b"From: a@b.c, d@e.f\nTo: x, y\n\nbody\n", False, id="message"),
        pytest.param(b"From alice Mon, 1 Jul 2002 10:00:00\nDate: Mon, 1 Jul 2002\n", False, id="mbox"),
        pytest.param(b'<?xml version="1.0"?>\n<rss version="2.0", a="b">\n', False, id="xml"),
        pytest.param(b"WARC/1.0\r\nWARC-Type: response\r\n", False, id="warc"),
        pytest.param(b" date 2019-03-05 US-backed militants, prepared on Tuesday\n", False, id="textdump"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_looks_like(head: bytes, expected: bool) -> None:
    assert looks_like(head) is expected


def test_looks_like_the_csv_corpora(corpora: Path) -> None:
    # that no other format's file looks like this one is checked for every detector in test_formats.py
    assert looks_like((corpora / CNBC).read_bytes()[: 64 * 1024])
    assert looks_like((corpora / GUARDIAN).read_bytes()[: 64 * 1024])


def test_a_quote_left_open_makes_the_last_row_a_truncated_rejection() -> None:
    data = b'title,body\nOne,"First, quoted ""twice"""\nTwo,"never closed\nThree,third\n'
    records = list(read_csv(io.BytesIO(data), Origin("t.csv")))
    first, last = records
    assert isinstance(first, RawRecord) and first.body == 'First, quoted "twice"'
    assert isinstance(last, Rejection) and last.reason == "truncated"
    assert (last.locator.record_index, last.locator.byte_offset) == (1, data.index(b"Two"))
    assert last.raw_excerpt == b'Two,"never closed\nThree,third\n'
