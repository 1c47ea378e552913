import io

import pytest

from tests.conftest import SEED_ARTICLE, VARIANTS
from transforms.formats import read_path
from transforms.readers.textdump import looks_like, read_textdump, split_header, split_title
from transforms.records import Origin, RawRecord, Rejection


def _read(data: bytes) -> RawRecord:
    (record,) = read_textdump(io.BytesIO(data), Origin("memory.txt"))
    assert isinstance(record, RawRecord)
    return record


def test_seed_article_header_and_body() -> None:
    (record,) = read_path(SEED_ARTICLE)
    assert isinstance(record, RawRecord)
    assert record.headers == {"date": ["2019-03-05"]}
    assert record.body.startswith("US-backed militants prepared on Tuesday")
    assert record.body.endswith("OCHA said on Monday.")
    assert record.source_format == "textdump"
    assert record.locator.source_file == str(SEED_ARTICLE)
    assert (record.locator.record_index, record.locator.byte_offset) == (0, 0)


@pytest.mark.parametrize(
    ("text", "headers", "body_start"),
    [
        pytest.param(" date 2019-03-05 Body", {"date": ["2019-03-05"]}, "Body", id="seed-shape"),
        pytest.param(" date 2019-12 Body", {"date": ["2019-12"]}, "Body", id="month-only"),
        pytest.param("date 2019-03-05\n\nBody", {"date": ["2019-03-05"]}, "\n\nBody", id="own-line"),
        pytest.param("Body only.", {}, "Body only.", id="no-header"),
        pytest.param("date night ideas", {}, "date night ideas", id="word-date-in-body"),
        pytest.param("date 2019 was good", {}, "date 2019 was good", id="year-is-not-a-header"),
        pytest.param(" date 2019-03-05", {"date": ["2019-03-05"]}, "", id="header-only"),
    ],
)
def test_split_header(text: str, headers: dict[str, list[str]], body_start: str) -> None:
    found, body = split_header(text)
    assert found == headers
    assert body.startswith(body_start)


def test_variants_survive() -> None:
    records = {path.name: _read(path.read_bytes()) for path in sorted(VARIANTS.iterdir())}
    assert records["001_month_only_header.txt"].headers == {"date": ["2019-12"]}
    assert records["002_no_header.txt"].headers == {}
    assert records["002_no_header.txt"].body.startswith("Volkswagen is considering")
    assert records["003_crlf_line_endings.txt"].headers == {"date": ["2019-03-07"]}
    assert "\r\n" in records["003_crlf_line_endings.txt"].body  # line endings are the normaliser's job
    latin1 = records["004_latin1_byte.txt"]
    assert latin1.encoding == "utf-8+cp1252"
    assert "Moët & Chandon" in latin1.body


def test_too_large_document_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("transforms.readers.textdump.MAX_DOCUMENT_BYTES", 10)
    (result,) = read_textdump(io.BytesIO(b" date 2019-03-05 twelve bytes and more"), Origin("big.txt"))
    assert isinstance(result, Rejection)
    assert result.reason == "too_large"
    assert result.raw_excerpt.startswith(b" date 2019")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(b" date 2019-03-05 Body", True, id="seed-shape"),
        pytest.param(b"date 2019-12\nBody", True, id="month-own-line"),
        pytest.param(b"Plain text without header", False, id="plain"),
        pytest.param(b"Date: Mon, 05 Apr 93 18:01:16 GMT\n", False, id="mail-header"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_looks_like(head: bytes, expected: bool) -> None:
    assert looks_like(head) is expected


@pytest.mark.parametrize(
    ("body", "title", "rest"),
    [
        pytest.param(
            "Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant TimeWarner jumped.",
            "Ad sales boost Time Warner profit",
            "Quarterly profits at US media giant TimeWarner jumped.",
            id="bbc-headline",
        ),
        pytest.param(
            "Card fraudsters 'targeting web'\r\n\r\nBody.",
            "Card fraudsters 'targeting web'",
            "Body.",
            id="crlf",
        ),
        pytest.param("Is this the end?\n\nBody.", "Is this the end?", "Body.", id="question"),
        pytest.param(
            "A first sentence.\n\nBody.", None, "A first sentence.\n\nBody.", id="sentence-is-not-a-title"
        ),
        pytest.param(
            "Two lines\nof a paragraph\n\nBody.", None, "Two lines\nof a paragraph\n\nBody.", id="two-lines"
        ),
        pytest.param("Only a headline\n\n", None, "Only a headline\n\n", id="nothing-after-it"),
        pytest.param("x" * 151 + "\n\nBody.", None, "x" * 151 + "\n\nBody.", id="too-long"),
    ],
)
def test_split_title(body: str, title: str | None, rest: str) -> None:
    assert split_title(body) == (title, rest)


def test_seed_article_has_no_title_line() -> None:
    (record,) = read_path(SEED_ARTICLE)
    assert isinstance(record, RawRecord)
    assert record.title is None


def test_bbc_files_have_their_first_line_as_title(corpora) -> None:
    folder = corpora / "bbc_zitros" / "news"
    files = sorted(folder.glob("*/*.txt"))
    titles = {}
    for path in files:
        (record,) = read_path(path)
        assert isinstance(record, RawRecord)
        titles[path.name] = record.title
        assert record.title == path.read_text(encoding="utf-8").split("\n", 1)[0].strip()
        assert not record.body.startswith(record.title)
    assert len(titles) == 1262
    assert titles["ad-sales-boost-time-warner-profit.txt"] == "Ad sales boost Time Warner profit"
