import io
import json
from pathlib import Path

import pytest

from transforms.fields import FieldMapping
from transforms.normalise import normalise
from transforms.readers.jsonl import FORMAT, looks_like, read_jsonl
from transforms.records import Document, Origin, RawRecord, Rejection

HUFFPOST = Path("jsonl_huffpost") / "News_Category_Dataset_v2.json"


def _read(data: bytes, mapping: FieldMapping | None = None) -> list[RawRecord | Rejection]:
    return list(read_jsonl(io.BytesIO(data), Origin("memory.jsonl"), mapping))


def _one(data: bytes, mapping: FieldMapping | None = None) -> RawRecord:
    (record,) = _read(data, mapping)
    assert isinstance(record, RawRecord)
    return record


@pytest.fixture
def huffpost(corpora: Path) -> list[RawRecord | Rejection]:
    path = corpora / HUFFPOST
    with path.open("rb") as stream:
        return list(read_jsonl(stream, Origin(str(path))))


def test_huffpost_every_line_is_a_record(huffpost: list[RawRecord | Rejection]) -> None:
    assert len(huffpost) == 4782
    assert all(isinstance(record, RawRecord) for record in huffpost)
    assert [record.locator.record_index for record in huffpost] == list(range(4782))
    assert {record.source_format for record in huffpost} == {FORMAT}
    assert {record.encoding for record in huffpost} == {"utf-8"}


def test_huffpost_first_record_mapped_by_aliases(huffpost: list[RawRecord | Rejection]) -> None:
    first = huffpost[0]
    assert isinstance(first, RawRecord)
    assert first.body == "She left her husband. He killed their children. Just another day in America."
    assert first.title == "There Were 2 Mass Shootings In Texas Last Week, But Only 1 On TV"
    assert first.url == (
        "https://www.huffingtonpost.com/entry/texas-amanda-painter-mass-shooting_us_5b081ab4e4b0802d69caad89"
    )
    assert (first.date, first.authors) == ("2018-05-26", "Melissa Jeltsen")
    assert list(first.headers) == ["category", "headline", "authors", "link", "short_description", "date"]
    assert first.headers["category"] == ["CRIME"]
    assert (first.locator.byte_offset, first.locator.record_index) == (0, 0)


def test_huffpost_escapes_decoded_and_empty_authors_kept(huffpost: list[RawRecord | Rejection]) -> None:
    records = [record for record in huffpost if isinstance(record, RawRecord)]
    assert sum(record.authors == "" for record in records) == 102
    assert not any("\\u" in record.body + (record.title or "") for record in records)
    assert sum("\u2019" in record.body + (record.title or "") for record in records) == 828
    assert {(record.date or "")[:4] for record in records} == {"2018"}


def test_huffpost_offsets_lead_back_to_each_line(
    corpora: Path, huffpost: list[RawRecord | Rejection]
) -> None:
    data = (corpora / HUFFPOST).read_bytes()
    for record in huffpost:
        offset = record.locator.byte_offset
        assert offset == 0 or data[offset - 1 : offset] == b"\n"
        line = data[offset : data.index(b"\n", offset)]
        assert json.loads(line)["headline"] == record.headers["headline"][0]


def test_huffpost_reread_from_a_locator(corpora: Path, huffpost: list[RawRecord | Rejection]) -> None:
    path = corpora / HUFFPOST
    record = huffpost[3000]
    with path.open("rb") as stream:
        stream.seek(record.locator.byte_offset)
        again = read_jsonl(
            stream,
            Origin(str(path)),
            byte_offset=record.locator.byte_offset,
            record_index=record.locator.record_index,
        )
        assert next(again) == record


def test_huffpost_all_normalise_to_documents(huffpost: list[RawRecord | Rejection]) -> None:
    results = [normalise(record, "huffpost") for record in huffpost if isinstance(record, RawRecord)]
    assert all(isinstance(result, Document) for result in results)
    assert len(results) == 4782


def test_blank_lines_are_skipped_and_not_counted() -> None:
    data = b'\n{"text": "a"}\n\n  \r\n{"text": "b"}\n\n'
    records = _read(data)
    assert [(r.locator.record_index, r.locator.byte_offset) for r in records] == [(0, 1), (1, 20)]
    assert data[20:].startswith(b'{"text": "b"}')
    assert [r.body for r in records if isinstance(r, RawRecord)] == ["a", "b"]


def test_crlf_bom_and_no_final_newline() -> None:
    data = b'\xef\xbb\xbf{"text": "caf\xc3\xa9"}\r\n{"text": "two"}'
    first, second = _read(data)
    assert isinstance(first, RawRecord) and isinstance(second, RawRecord)
    assert (first.body, first.locator.byte_offset) == ("café", 3)
    assert (second.body, second.locator.byte_offset) == ("two", data.index(b'{"text": "two"}'))


def test_broken_lines_are_rejected_and_reading_goes_on() -> None:
    data = b'{"text": "a"}\n{"text": \n[1, 2]\n"just a string"\nnull\n{"text": "b"}\n'
    records = _read(data)
    assert [getattr(r, "reason", "record") for r in records] == [
        "record",
        "invalid_json",
        "not_an_object",
        "not_an_object",
        "not_an_object",
        "record",
    ]
    assert [r.locator.record_index for r in records] == list(range(6))
    broken = records[1]
    assert isinstance(broken, Rejection)
    assert (broken.raw_excerpt, broken.locator.byte_offset, broken.source_format) == (
        b'{"text": ',
        14,
        FORMAT,
    )
    assert "not an object (list)" in records[2].message  # type: ignore[union-attr]


def test_non_string_values_become_json_text() -> None:
    record = _one(
        b'{"text": "t", "id": 42, "score": 0.5, "ok": true, "none": null, '
        b'"tags": ["a", "b"], "meta": {"k": [1, "\\u00e9"]}}\n'
    )
    assert record.headers == {
        "text": ["t"],
        "id": ["42"],
        "score": ["0.5"],
        "ok": ["true"],
        "none": ["null"],
        "tags": ['["a", "b"]'],
        "meta": ['{"k": [1, "é"]}'],
    }


@pytest.mark.parametrize(
    ("line", "field", "expected"),
    [
        pytest.param(
            b'{"authors": ["Ann Lee", "Bo Chan"]}', "authors", "Ann Lee, Bo Chan", id="authors-list"
        ),
        pytest.param(b'{"authors": []}', "authors", "", id="authors-empty-list"),
        pytest.param(b'{"authors": [{"name": "Ann"}]}', "authors", '[{"name": "Ann"}]', id="authors-objects"),
        pytest.param(b'{"author": null}', "authors", None, id="null-is-no-value"),
        pytest.param(b'{"text": ["one", "two"]}', "body", "one\n\ntwo", id="body-paragraph-list"),
        pytest.param(b'{"timestamp": 1527292800}', "date", "1527292800", id="number-as-text"),
        pytest.param(b'{"title": ["a", "b"]}', "title", '["a", "b"]', id="other-lists-as-json"),
        pytest.param(b'{"url": "\\ud83d"}', "url", "\ufffd", id="lone-surrogate"),
        pytest.param(b'{"title": "\\ud83d\\ude00"}', "title", "😀", id="surrogate-pair"),
    ],
)
def test_mapped_values(line: bytes, field: str, expected: str | None) -> None:
    record = _one(line)
    assert getattr(record, field) == expected


def test_no_body_field_gives_empty_body() -> None:
    record = _one(b'{"headline": "Only a headline"}')
    assert (record.body, record.title) == ("", "Only a headline")


def test_explicit_mapping() -> None:
    line = b'{"headline": "H", "short_description": "S", "teaser": "T"}'
    record = _one(line, FieldMapping(body="teaser", title="short_description"))
    assert (record.body, record.title) == ("T", "S")


def test_keys_differ_between_lines() -> None:
    first, second = _read(b'{"text": "a"}\n{"content": "b", "link": "u"}\n')
    assert isinstance(first, RawRecord) and isinstance(second, RawRecord)
    assert (first.body, first.url, second.body, second.url) == ("a", None, "b", "u")


def test_stray_latin1_byte() -> None:
    record = _one(b'{"text": "Mo\xebt"}')
    assert (record.body, record.encoding) == ("Moët", "utf-8+cp1252")


def test_deep_nesting_is_invalid_json() -> None:
    (record,) = _read(b"[" * 100_000 + b"]" * 100_000 + b"\n")
    assert isinstance(record, Rejection)
    assert record.reason in {"invalid_json", "not_an_object"}


def test_too_long_line_is_rejected_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("transforms.readers.jsonl.MAX_RECORD_BYTES", 20)
    monkeypatch.setattr("transforms.readers.jsonl._DRAIN_BYTES", 7)
    data = b'{"text": "' + b"x" * 100 + b'"}\n{"text": "ok"}\n'
    big, ok = _read(data)
    assert isinstance(big, Rejection) and isinstance(ok, RawRecord)
    assert (big.reason, big.locator.record_index, big.raw_excerpt[:10]) == ("too_large", 0, b'{"text": "')
    assert (ok.body, ok.locator.record_index, ok.locator.byte_offset) == (
        "ok",
        1,
        data.index(b'{"text": "ok"}'),
    )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(b'{"a": 1}\n{"a": 2}\n', True, id="two-objects"),
        pytest.param(b'\xef\xbb\xbf{"a": 1}\r\n{"a": 2}\r\n', True, id="bom-crlf"),
        pytest.param(b'\n\n{"a": 1}\n', True, id="blank-lines-first"),
        pytest.param(b'{"a": 1}\n{"a": 2', True, id="second-line-cut-by-the-head"),
        pytest.param(b'{"a": 1}', True, id="one-object-no-newline"),
        pytest.param(b'{"text": "' + b"x" * 1000, True, id="first-line-longer-than-the-head"),
        pytest.param(b'{"a": 1}\nnot json\n', False, id="second-line-broken"),
        pytest.param(b'{"a": 1}\n[1]\n', False, id="second-line-not-object"),
        pytest.param(b'[{"a": 1}, {"a": 2}]\n', False, id="json-array"),
        pytest.param(b'{\n  "a": 1\n}\n', False, id="pretty-printed-json"),
        pytest.param(b"Headlines,Time,Description\r\nA,B,C\r\n", False, id="csv"),
        pytest.param(b" date 2019-03-05 Body text.\n", False, id="textdump"),
        pytest.param(b"From: a@b.c\nSubject: hi\n\nbody\n", False, id="message"),
        pytest.param(b"<?xml version='1.0'?>\n<rss></rss>\n", False, id="xml"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_looks_like(head: bytes, expected: bool) -> None:
    assert looks_like(head) is expected


def test_looks_like_huffpost(corpora: Path) -> None:
    # that no other format's file looks like this one is checked for every detector in test_formats.py
    assert looks_like((corpora / HUFFPOST).read_bytes()[: 64 * 1024])
