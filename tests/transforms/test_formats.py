import gzip
import io
import tarfile
from pathlib import Path

import pytest

from tests.conftest import SEED_ARTICLE
from transforms.containers import HEAD_BYTES
from transforms.formats import FORMATS, detect_format, read_path, reread
from transforms.records import RawRecord, Rejection

CORPUS_FORMATS = [
    ("reuters21578/reut2-000.sgm", "reuters_sgml"),
    ("20news_mini/mini_newsgroups/sci.space/61534", "rfc822"),
    ("20news_mini/mini_newsgroups/alt.atheism/51121", "rfc822"),
    ("bbc_zitros/news/business/lufthansa-flies-back-to-profit.txt", "textdump"),
    ("bbc_zitros/news/business/banker-loses-sexism-claim.txt", "textdump"),
    ("csv_financial_headlines/cnbc_headlines.csv", "csv"),
    ("csv_financial_headlines/guardian_headlines.csv", "csv"),
    ("jsonl_huffpost/News_Category_Dataset_v2.json", "jsonl"),
    ("mbox_python_dev/1999-10.txt", "mbox"),
    ("mbox_python_dev/2007-06.txt", "mbox"),
    ("rss_nyt_2016/HomePage.xml", "feed"),
    ("warc/webrecorder-warcio/test/data/example-iana.org-chunked.warc", "warc"),
]


@pytest.mark.parametrize(("relative", "expected"), CORPUS_FORMATS, ids=[f for _, f in CORPUS_FORMATS])
def test_detects_corpus_files_by_content(corpora: Path, relative: str, expected: str) -> None:
    with (corpora / relative).open("rb") as stream:
        assert detect_format(stream.read(HEAD_BYTES)) == expected


@pytest.mark.parametrize(("relative", "expected"), CORPUS_FORMATS, ids=[f for _, f in CORPUS_FORMATS])
def test_only_its_own_detector_claims_a_corpus_file(corpora: Path, relative: str, expected: str) -> None:
    """Every detector against every sample: no format claims another format's file. Plain text is
    claimed by none (it is read as a text dump by default)."""
    with (corpora / relative).open("rb") as stream:
        head = stream.read(HEAD_BYTES)
    claimed = {fmt.name for fmt in FORMATS.values() if fmt.looks_like(head)}
    assert claimed == (set() if expected == "textdump" else {expected})


def test_seed_and_binary() -> None:
    assert detect_format(SEED_ARTICLE.read_bytes()) == "textdump"
    assert detect_format(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ragged.csv", "csv"),
        ("ragged.tsv.gz", "csv"),
        ("dump/array.jsonl", "jsonl"),
        ("Array.JSON.zst", "jsonl"),
        ("notes.txt", "textdump"),
        ("no-suffix", "textdump"),
        (None, "textdump"),
    ],
)
def test_text_no_format_claims_is_read_as_its_name_says(name: str | None, expected: str) -> None:
    ragged = b"title,body\nOne,first\nTwo,second,extra,fields\n"
    assert detect_format(ragged, name) == expected
    assert detect_format(b"\x00\x01binary", name) is None  # binary stays binary, whatever its name


def test_utf16_and_utf32_streams_are_read_as_utf8(tmp_path: Path) -> None:
    text = (
        " date 2019-03-05 Caf\u00e9 owners said \u201cno\u201d to the rules.\n\nThe council meets in March.\n"
    )
    (tmp_path / "utf-8.txt").write_text(text, encoding="utf-8")
    (expected,) = read_path(tmp_path / "utf-8.txt")
    assert isinstance(expected, RawRecord) and expected.body.startswith(
        "Caf\u00e9 owners said \u201cno\u201d"
    )
    for codec, bom in (
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
    ):
        path = tmp_path / f"{codec}.txt"
        path.write_bytes(bom + text.encode(codec))
        (record,) = read_path(path)
        assert isinstance(record, RawRecord), codec
        assert (record.headers, record.body) == (expected.headers, expected.body), codec
        assert reread(record.locator, "textdump").body == record.body


def test_gzipped_jsonl_cut_short_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    lines = b"".join(b'{"title": "headline %d", "text": "body %d"}\n' % (i, i) for i in range(2000))
    data = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    records = list(read_path(path))
    *documents, last = records
    assert documents and all(isinstance(record, RawRecord) for record in documents)
    assert [record.title for record in documents[:2]] == ["headline 0", "headline 1"]
    assert isinstance(last, Rejection)
    assert last.reason == "truncated"
    assert last.locator.record_index == len(documents)


def test_corrupt_compression_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 64)
    (result,) = read_path(path)
    assert isinstance(result, Rejection)
    assert result.reason in {"corrupt_file", "truncated"}


def test_forced_format_and_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_bytes(b'{"headline": "Forced", "short_description": "As JSON lines."}\n')
    (detected,) = read_path(path)
    assert isinstance(detected, RawRecord)
    assert (detected.source_format, detected.title, detected.body) == ("jsonl", "Forced", "As JSON lines.")
    (forced,) = read_path(path, "textdump")
    assert isinstance(forced, RawRecord)
    assert (forced.source_format, forced.title) == ("textdump", None)
    assert forced.body.startswith('{"headline": "Forced"')
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        list(read_path(path, "xml"))


def test_archive_members_are_traced_and_read_again(tmp_path: Path, corpora: Path) -> None:
    path = tmp_path / "dump.tar.gz"
    mbox = corpora / "mbox_python_dev" / "2016-11.txt"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(mbox, arcname="lists/2016-11.txt")
        archive.add(SEED_ARTICLE, arcname="seed.txt")
    records = list(read_path(path))
    assert len(records) == 110 + 1
    assert {record.locator.source_member for record in records} == {"lists/2016-11.txt", "seed.txt"}
    tenth = records[9]
    assert isinstance(tenth, RawRecord)
    again = reread(tenth.locator, tenth.source_format)
    assert again == tenth


def test_every_format_is_registered_with_a_detector() -> None:
    assert list(FORMATS) == ["warc", "reuters_sgml", "feed", "mbox", "rfc822", "jsonl", "csv", "textdump"]
    for fmt in FORMATS.values():
        assert fmt.looks_like(io.BytesIO(b"").read()) is False
