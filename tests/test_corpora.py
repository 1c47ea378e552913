"""Every real corpus, loaded in one go with formats detected: counts, accounting, quarantine, lineage."""

import csv
import json
import mailbox
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import CORPORA, load_without_prefect
from transforms.formats import reread
from transforms.normalise import TextColumns, normalise
from transforms.records import Locator, RawRecord
from warehouse.catalog import MARKS_PARTS, TABLES_DIR, connect
from warehouse.checks import check_files, offending_rows
from warehouse.schema import LOAD_COLUMNS


@pytest.fixture(scope="module")
def warehouse(corpora_warehouse: Path) -> Path:
    return corpora_warehouse


def test_loading_is_deterministic(warehouse: Path, tmp_path: Path) -> None:
    """A second load into a fresh warehouse gives the same rows, byte for byte, but for the run columns."""
    again = load_without_prefect(tmp_path / "again", [str(CORPORA)], "corpora-again")
    query = f"SELECT * EXCLUDE ({', '.join(LOAD_COLUMNS)}) FROM documents ORDER BY doc_id"
    with connect(warehouse) as first, connect(again) as second:
        rows, rows_again = first.sql(query).arrow().read_all(), second.sql(query).arrow().read_all()
    assert rows.num_rows == 39_143
    assert rows.equals(rows_again)


def _rows(root: Path, sql: str) -> list[tuple]:
    with connect(root) as connection:
        return connection.sql(sql).fetchall()


def test_documents_per_corpus_and_format(warehouse: Path) -> None:
    counts = dict(
        ((source, fmt), n)
        for source, fmt, n in _rows(
            warehouse, "SELECT source, source_format, count(*) FROM documents GROUP BY ALL"
        )
    )
    assert counts[("reuters21578", "reuters_sgml")] == 10_000
    assert counts[("20news_mini", "rfc822")] == 2_000
    assert counts[("bbc_zitros", "textdump")] == 1_262
    assert counts[("jsonl_huffpost", "jsonl")] == 4_782
    assert counts[("mbox_python_dev", "mbox")] == 440
    assert counts[("rss_nyt_2016", "feed")] == 33
    assert counts[("warc", "warc")] == 20  # 19 complete responses and the WET conversion


@pytest.mark.parametrize("check", check_files(), ids=lambda path: path.stem)
def test_check_finds_no_offending_rows(warehouse: Path, check: Path) -> None:
    with connect(warehouse) as connection:
        assert offending_rows(connection, check) == []


def test_csv_rows(warehouse: Path) -> None:
    per_file = dict(
        _rows(
            warehouse,
            "SELECT regexp_extract(source_file, '[^/]+$'), count(*) FROM documents "
            "WHERE source_format = 'csv' GROUP BY ALL",
        )
    )
    assert per_file == {"cnbc_headlines.csv": 2_800, "guardian_headlines.csv": 17_800}
    empty = _rows(
        warehouse,
        "SELECT reason, count(*) FROM rejects WHERE source_file LIKE '%cnbc_headlines.csv' GROUP BY ALL",
    )
    assert empty == [("empty_text", 280)]


def _records_in(path: Path) -> int:
    """The number of records in a corpus file, counted independently of dumpling's readers."""
    data = path.read_bytes()
    if path.suffix == ".sgm":
        return data.count(b"<REUTERS ")
    if path.parent.name == "mbox_python_dev":
        return len(mailbox.mbox(path))
    if path.name == "HomePage.xml":
        return data.count(b"<item>")
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as stream:
            return sum(1 for row in csv.reader(stream) if row) - 1
    if path.suffix == ".json":
        return sum(1 for line in data.splitlines() if line.strip())
    if "warc" in path.parts:
        if path.name == "clipped.warc.gz":
            return 1
        with path.open("rb") as stream:
            return sum(1 for _ in ArchiveIterator(stream))
    return 1


def test_every_record_of_every_file_is_accounted_for(warehouse: Path, corpora: Path) -> None:
    loaded = Counter(
        dict(
            _rows(
                warehouse,
                "SELECT source_file, count(*) FROM (SELECT source_file FROM documents "
                "UNION ALL SELECT source_file FROM rejects) GROUP BY ALL",
            )
        )
    )
    files = [path for path in sorted(corpora.rglob("*")) if path.is_file()]
    assert len(files) == 3_296 + 2  # MANIFEST.sha256 and SOURCES.md
    expected = {str(path.resolve()): _records_in(path) for path in files}
    assert {file: loaded[file] for file in expected} == expected
    assert set(loaded) == set(expected)


def test_excluded_files_are_counted_rejects(warehouse: Path) -> None:
    excluded = {
        name
        for (name,) in _rows(
            warehouse,
            "SELECT regexp_extract(source_file, '[^/]+$') FROM rejects WHERE reason = 'skipped_excluded'",
        )
    }
    assert excluded == {"MANIFEST.sha256", "SOURCES.md", "README.txt", "lewis.dtd", "readme.md", "license"}


def test_truncated_warc_is_one_clear_reject(warehouse: Path) -> None:
    rejects = _rows(
        warehouse,
        "SELECT reason, message FROM rejects WHERE source_file LIKE '%clipped.warc.gz'",
    )
    assert len(rejects) == 1
    reason, message = rejects[0]
    assert reason == "truncated"
    assert message


def test_skipped_warc_records_are_counted_by_type(warehouse: Path) -> None:
    reasons = dict(
        _rows(warehouse, "SELECT reason, count(*) FROM rejects WHERE source_format = 'warc' GROUP BY ALL")
    )
    assert reasons == {
        "skipped_warc_request": 21,
        "skipped_warc_warcinfo": 7,
        "skipped_warc_metadata": 18,
        "skipped_warc_revisit": 1,
        "truncated": 1,
    }
    assert sum(reasons.values()) + 20 == 68


def test_documents_can_be_read_again_from_their_locator(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        "SELECT source_format, source_file, source_member, record_index, byte_offset, content_hash, "
        "boilerplate FROM documents",
    )
    by_format: dict[str, list[tuple]] = {}
    for row in rows:
        by_format.setdefault(row[0], []).append(row)
    assert set(by_format) == {"reuters_sgml", "rfc822", "textdump", "jsonl", "mbox", "feed", "csv", "warc"}
    chooser = random.Random(20190305)
    for source_format, candidates in by_format.items():
        for _, file, member, index, offset, content_hash, boilerplate in chooser.sample(
            candidates, min(5, len(candidates))
        ):
            record = reread(Locator(file, index, offset, member), source_format)
            assert isinstance(record, RawRecord), (file, index)
            document = normalise(record, "reread")
            # The load moved the paragraphs that repeat across the source to the boilerplate.
            paragraphs = document.text.split("\n\n")
            kept = [paragraph for paragraph in paragraphs if paragraph not in boilerplate] or paragraphs
            assert TextColumns.of(kept).content_hash == content_hash, (source_format, file, index, offset)


def test_no_text_has_replacement_characters_the_source_lacks(warehouse: Path) -> None:
    with_fffd = _rows(warehouse, "SELECT source_file FROM documents WHERE contains(text, '\ufffd')")
    assert {re.sub(r".*/", "", file) for (file,) in with_fffd} <= {"104474", "104984"}  # U+FFFD in the bytes


def test_rejects_have_reasons_and_excerpts(warehouse: Path) -> None:
    bad = _rows(warehouse, "SELECT * FROM rejects WHERE reason = '' OR message = ''")
    assert bad == []
    summary = json.dumps(dict(_rows(warehouse, "SELECT reason, count(*) FROM rejects GROUP BY ALL")))
    assert "read_error" not in summary, summary


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("source_format = 'reuters_sgml'", id="reuters"),
        pytest.param("source_format = 'rfc822'", id="newsgroups"),
        pytest.param("source_format = 'mbox'", id="mbox"),
        pytest.param("source_format = 'feed'", id="rss"),
        pytest.param("source_format = 'jsonl'", id="huffpost"),
        pytest.param("source_file LIKE '%cnbc_headlines.csv'", id="cnbc"),
        pytest.param("source_file LIKE '%guardian_headlines.csv'", id="guardian"),
    ],
)
def test_every_dated_corpus_document_has_its_date(warehouse: Path, where: str) -> None:
    ((total, dated),) = _rows(warehouse, f"SELECT count(*), count(published_at) FROM documents WHERE {where}")
    assert total > 0
    assert dated == total


def test_guardian_month_only_rows_have_month_precision(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        "SELECT date_raw, date_precision, published_date::VARCHAR, count(*) FROM documents "
        "WHERE source_file LIKE '%guardian_headlines.csv' AND date_precision = 'month' GROUP BY ALL",
    )
    assert sorted(rows) == [("Apr-18", "month", "2018-04-01", 20), ("Jul-18", "month", "2018-07-01", 20)]


def test_dates_fall_in_each_corpus_period(warehouse: Path) -> None:
    ranges = dict(
        (fmt, (low, high))
        for fmt, low, high in _rows(
            warehouse,
            "SELECT source_format, min(published_date)::VARCHAR, max(published_date)::VARCHAR "
            "FROM documents WHERE source_format IN ('reuters_sgml', 'jsonl', 'feed') GROUP BY ALL",
        )
    )
    assert ranges["reuters_sgml"][0] >= "1987-02-26" and ranges["reuters_sgml"][1] <= "1987-03-31"
    assert ranges["jsonl"] == ("2018-02-28", "2018-05-26")
    assert ranges["feed"] == ("2016-02-25", "2016-12-08")  # one item is from February


def test_rss_links_lose_their_tracking_parameters(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        "SELECT url, canonical_url, headers['guid'][1], domain FROM documents WHERE source_format = 'feed'",
    )
    assert len(rows) == 33
    assert all("partner=rss" in url and "emc=rss" in url for url, _, _, _ in rows)
    assert [canonical for _, canonical, _, _ in rows] == [guid for _, _, guid, _ in rows]
    assert {domain for _, _, _, domain in rows} == {"nytimes.com"}


def test_domains_of_web_and_json_documents(warehouse: Path) -> None:
    domains = dict(
        _rows(
            warehouse,
            "SELECT source_format, list_sort(list(DISTINCT domain)) FROM documents "
            "WHERE source_format IN ('jsonl', 'warc') GROUP BY ALL",
        )
    )
    # one HuffPost link is broken at the source: https://www.huffingtonpost.comhttps://www.outsports.com/...
    assert domains["jsonl"] == ["huffingtonpost.com", None]
    broken = _rows(warehouse, "SELECT url FROM documents WHERE source_format = 'jsonl' AND domain IS NULL")
    assert [url[:46] for (url,) in broken] == ["https://www.huffingtonpost.comhttps://www.outs"]
    assert "wikipedia.org" in domains["warc"] and "iana.org" in domains["warc"]


def _partitions_read(root: Path, query: str, profile: Path) -> int:
    """How many month partitions of `documents` a query reads: each that it reads is one positional
    scan of the partition's parts beside its marks part; a branch ruled out is not in the plan."""
    with connect(root) as connection:
        connection.execute("PRAGMA enable_profiling = 'json'")
        connection.execute(f"PRAGMA profiling_output = '{profile}'")
        connection.sql(query).fetchall()

    def scans(node: dict[str, Any]) -> int:
        own = node.get("operator_type") == "POSITIONAL_SCAN"
        return own + sum(scans(child) for child in node.get("children", []))

    return scans(json.loads(profile.read_text()))


@pytest.mark.parametrize(
    ("month", "where"),
    [
        pytest.param(
            "1987-03", "published_date >= DATE '1987-03-01' AND published_date < DATE '1987-04-01'", id="date"
        ),
        pytest.param(
            "1993-04",
            "published_at >= TIMESTAMPTZ '1993-04-01 00:00:00+00' "
            "AND published_at < TIMESTAMPTZ '1993-05-01 00:00:00+00'",
            id="timestamp",
        ),
        pytest.param(
            "2018-05", "published_date BETWEEN DATE '2018-05-10' AND DATE '2018-05-20'", id="part-of-a-month"
        ),
    ],
)
def test_a_date_range_reads_only_its_month(warehouse: Path, month: str, where: str, tmp_path: Path) -> None:
    partition = warehouse / TABLES_DIR / "documents" / f"published_month={month}"
    files = list(partition.glob("part-*.parquet"))
    assert files
    assert (warehouse / TABLES_DIR / MARKS_PARTS / f"published_month={month}").is_dir()
    partitions = len(list((warehouse / TABLES_DIR / "documents").glob("published_month=*")))
    profile = tmp_path / "profile.json"
    assert _partitions_read(warehouse, "SELECT count(*) FROM documents", profile) == partitions > 1
    assert _partitions_read(warehouse, f"SELECT count(*) FROM documents WHERE {where}", profile) == 1
    ((count,),) = _rows(warehouse, f"SELECT count(*) FROM documents WHERE {where}")
    ((in_files,),) = _rows(
        warehouse, f"SELECT count(*) FROM read_parquet({[str(f) for f in files]}) WHERE {where}"
    )
    assert count == in_files > 0


def _columns_read(root: Path, query: str, profile: Path) -> set[str]:
    """The columns that a query's Parquet scans read, from DuckDB's profile."""
    with connect(root) as connection:
        connection.execute("PRAGMA enable_profiling = 'json'")
        connection.execute(f"PRAGMA profiling_output = '{profile}'")
        connection.sql(query).fetchall()

    def columns(node: dict[str, Any]) -> set[str]:
        projected = (
            node.get("extra_info", {}).get("Projections") if node.get("operator_type") == "TABLE_SCAN" else []
        )
        own = {projected} if isinstance(projected, str) else set(projected or [])
        return own.union(*(columns(child) for child in node.get("children", []))) - {""}

    return columns(json.loads(profile.read_text()))


def test_a_count_reads_only_the_dates(warehouse: Path, tmp_path: Path) -> None:
    """Not `doc_id`, which a UNION ALL of the partitions would read for a `count(*)` as its first column."""
    profile = tmp_path / "profile.json"
    dates = {"published_date", "published_at"}  # each branch's bounds are on both
    assert _columns_read(warehouse, "SELECT count(*) FROM documents", profile) == dates
    where = "published_date >= DATE '1987-03-01' AND published_date < DATE '1987-04-01'"
    assert _columns_read(warehouse, f"SELECT count(*) FROM documents WHERE {where}", profile) == dates
    assert _columns_read(warehouse, "SELECT doc_id FROM documents", profile) == {"doc_id"} | dates


def test_every_month_has_its_partition(warehouse: Path) -> None:
    months = _rows(
        warehouse,
        "SELECT coalesce(strftime(published_date, '%Y-%m'), 'none') AS month, count(*) FROM documents "
        "GROUP BY ALL ORDER BY month",
    )
    folders = sorted(
        p.name.split("=")[1] for p in (warehouse / TABLES_DIR / "documents").glob("published_month=*")
    )
    assert [month for month, _ in months] == folders
    assert sum(count for _, count in months) == 39_143
