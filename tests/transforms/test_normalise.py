from datetime import date

import pytest

from tests.conftest import SEED_ARTICLE, VARIANTS
from transforms.dedup import NUM_PERM, minhash_signature
from transforms.formats import read_path
from transforms.normalise import normalise
from transforms.records import Document, Locator, RawRecord, Rejection


def _document(path) -> Document:
    (record,) = read_path(path)
    assert isinstance(record, RawRecord)
    document = normalise(record, "test")
    assert isinstance(document, Document)
    return document


def _raw(body: str, headers: dict[str, list[str]] | None = None) -> RawRecord:
    return RawRecord(Locator("memory.txt", 0, 0), "textdump", headers or {}, body, "utf-8")


def test_seed_article() -> None:
    document = _document(SEED_ARTICLE)
    assert document.published_date == date(2019, 3, 5)
    assert (document.date_precision, document.date_source, document.date_raw) == (
        "day",
        "header",
        "2019-03-05",
    )
    assert document.text.startswith("US-backed militants prepared on Tuesday to pluck more people")
    assert document.text.endswith("OCHA said on Monday.")
    assert "TRT World's Sara Firth has more." in document.text
    assert "date 2019" not in document.text
    assert document.paragraph_count == 14 == len(document.text.split("\n\n"))
    assert document.char_count == len(document.text)
    assert document.word_count == 318
    assert document.headers == {"date": ["2019-03-05"]}


def test_month_only_header() -> None:
    document = _document(VARIANTS / "001_month_only_header.txt")
    assert (document.published_date, document.date_precision) == (date(2019, 12, 1), "month")


def test_no_header_has_no_date() -> None:
    document = _document(VARIANTS / "002_no_header.txt")
    assert document.published_date is None
    assert document.published_at is None
    assert document.date_raw is None


def test_crlf_text_is_clean() -> None:
    document = _document(VARIANTS / "003_crlf_line_endings.txt")
    assert "\r" not in document.text
    assert document.paragraph_count == 2
    assert "(£26m)" in document.text


def test_impossible_header_date_stays_null_but_raw_is_kept() -> None:
    document = normalise(_raw("Body.", {"date": ["2019-02-30"]}), "test")
    assert isinstance(document, Document)
    assert (document.published_date, document.date_raw) == (None, "2019-02-30")


def test_same_locator_same_id_and_same_text_same_hash() -> None:
    first = normalise(_raw("Same text."), "a")
    again = normalise(_raw("Same  text.\n"), "b")
    assert isinstance(first, Document) and isinstance(again, Document)
    assert first.doc_id == again.doc_id
    assert first.content_hash == again.content_hash


@pytest.mark.parametrize("body", ["", "   \n\n\t  ", "\x00\x07"])
def test_empty_text_is_rejected(body: str) -> None:
    result = normalise(_raw(body), "test")
    assert isinstance(result, Rejection)
    assert result.reason == "empty_text"


def test_the_minhash_is_of_the_normalised_text_unless_a_batch_computes_it() -> None:
    record = _raw("Oil  prices rose\non Monday in heavy trading.")
    document = normalise(record, "test")
    assert isinstance(document, Document)
    assert document.minhash == minhash_signature("Oil prices rose on Monday in heavy trading.")
    assert len(document.minhash) == NUM_PERM
    without = normalise(record, "test", with_minhash=False)
    assert isinstance(without, Document) and without.minhash == []
