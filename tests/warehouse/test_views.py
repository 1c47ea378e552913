"""The ready-made views and macros of `warehouse/sql/views/`, against all of ../shared/corpora: each
result is compared with a count made another way (the raw SGML, plain queries, Python)."""

import re
import shutil
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import stopwordsiso

from tests.conftest import CORPORA, SEEDS
from warehouse.catalog import CATALOG_FILE, TABLES_DIR, commit, connect, connect_for_writing, create_views
from warehouse.load import InputFile, load_shard
from warehouse.schema import Load
from warehouse.views import STOPWORDS_TABLE, view_files

_OBJECT = re.compile(r"\bCREATE\s+OR\s+REPLACE\s+(VIEW|MACRO)\s+(\w+)", re.IGNORECASE)
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_LETTER = r"[^\W\d_]"

Story = tuple[date, str, str]  # published_date, language, what the term macros tokenise (lower-cased)


@pytest.fixture(scope="module")
def warehouse(corpora_warehouse: Path) -> Path:
    return corpora_warehouse


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(warehouse) as connection:
        yield connection


@pytest.fixture(scope="module")
def stories_of_1987(con: duckdb.DuckDBPyConnection) -> list[Story]:
    """Every document dated 1987 (all of them Reuters stories), in every language."""
    rows = con.sql(
        "SELECT published_date, language, title, text FROM documents "
        "WHERE published_date >= '1987-01-01' AND published_date < '1988-01-01'"
    ).fetchall()
    return [(published, language, _body(title, text)) for published, language, title, text in rows]


def _objects() -> dict[str, str]:
    """Every object of `sql/views/`, by name: its kind."""
    objects = {}
    for file in view_files():
        ((kind, name),) = _OBJECT.findall(file.read_text(encoding="utf-8"))
        objects[name] = kind.upper()
    return objects


def _body(title: str | None, text: str) -> str:
    """What the term macros tokenise: the text, and the title unless the text holds it already."""
    return (text if title is None or title in text else f"{title}\n{text}").lower().replace("’", "'")


def _term_stats(stories: Iterable[Story], term: str) -> tuple[int, int]:
    """How many of `stories` hold `term` as a whole token (letters, with inner apostrophes), and how
    many times in all."""
    pattern = re.compile(rf"(?<!{_LETTER})(?<!{_LETTER}'){term}(?!{_LETTER}|'{_LETTER})")
    counts = [len(pattern.findall(body)) for _, _, body in stories if term in body]
    return sum(count > 0 for count in counts), sum(counts)


def _english(stories: list[Story], start: date, end: date) -> list[Story]:
    return [story for story in stories if story[1] == "en" and start <= story[0] < end]


def test_every_file_is_one_object_named_after_it_and_tested() -> None:
    tests = Path(__file__).read_text(encoding="utf-8")
    files = view_files()
    assert [file.name for file in files] == [
        "10_daily_volume.sql",
        "11_monthly_volume.sql",
        "20_source_summary.sql",
        "30__term_counts.sql",
        "31_top_terms.sql",
        "32_rising_terms.sql",
        "40_duplicate_clusters.sql",
        "50_mentions.sql",
        "60_rejects_by_reason.sql",
    ]
    for file in files:
        sql = file.read_text(encoding="utf-8")
        ((_, name),) = _OBJECT.findall(sql)
        assert re.fullmatch(rf"\d\d_{name}\.sql", file.name)
        assert sql.startswith(f"-- {name}: ")  # what it answers
        assert "-- Columns: " in sql and "-- Example: " in sql
        code = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
        assert ";" not in code  # one statement
        # Each is queried by a test below (the names above are not whole words).
        assert re.search(rf"\b{name}\b", tests), name


def test_reuters_volume_per_month_and_day_matches_the_raw_sgml(con: duckdb.DuckDBPyConnection) -> None:
    days: Counter[date] = Counter()
    for path in sorted((CORPORA / "reuters21578").glob("*.sgm")):
        for day, month, year in re.findall(rb"<DATE>\s*(\d+)-([A-Z]{3})-(\d{4})", path.read_bytes()):
            days[date(int(year), _MONTHS.index(month.decode()) + 1, int(day))] += 1
    months: Counter[date] = Counter()
    for day, count in days.items():
        months[day.replace(day=1)] += count
    assert months == {date(1987, 2, 1): 229, date(1987, 3, 1): 9_771}
    assert len(days) == 25
    monthly = con.sql(
        "SELECT month, sum(documents) FROM monthly_volume WHERE source = 'reuters21578' GROUP BY month"
    ).fetchall()
    assert dict(monthly) == months
    daily = con.sql(
        "SELECT day, sum(documents) FROM daily_volume WHERE source = 'reuters21578' GROUP BY day"
    ).fetchall()
    assert dict(daily) == days
    english = con.sql(
        "SELECT documents FROM monthly_volume "
        "WHERE source = 'reuters21578' AND language = 'en' AND month = DATE '1987-03-01'"
    ).fetchall()
    assert english == [(9_708,)]


def test_volumes_leave_out_undated_documents(con: duckdb.DuckDBPyConnection) -> None:
    ((daily, monthly, days, dated, undated),) = con.sql(
        "SELECT (SELECT sum(documents) FROM daily_volume), (SELECT sum(documents) FROM monthly_volume), "
        "(SELECT count(*) FROM daily_volume), "
        "count(published_date), count(*) FILTER (WHERE published_date IS NULL) FROM documents"
    ).fetchall()
    assert daily == monthly == dated == 39_143 - 1_287
    assert undated == 1_287  # the BBC's 1,262 stories, web pages and a few others
    assert days == 1_181
    daily_columns, monthly_columns = (
        [(name, kind) for name, kind, *_ in con.sql(f"DESCRIBE {view}").fetchall()]
        for view in ("daily_volume", "monthly_volume")
    )
    rest = [("source", "VARCHAR"), ("language", "VARCHAR"), ("documents", "BIGINT")]
    assert (daily_columns, monthly_columns) == ([("day", "DATE"), *rest], [("month", "DATE"), *rest])


def test_source_summary_matches_counts_per_source(con: duckdb.DuckDBPyConnection) -> None:
    summary = {row[0]: row for row in con.sql("SELECT * FROM source_summary").fetchall()}
    documents = con.sql(
        "SELECT source, list(word_count), min(published_date), max(published_date), "
        "count(duplicate_of), count(near_duplicate_cluster) FROM documents GROUP BY source"
    ).fetchall()
    rejects = dict(con.sql("SELECT source, count(*) FROM rejects GROUP BY source").fetchall())
    for source, words, first, last, duplicates, clustered in documents:
        refused = rejects.get(source, 0)
        assert summary[source] == (
            source,
            len(words),
            first,
            last,
            statistics.median(words),
            refused,
            pytest.approx(refused / (len(words) + refused)),
            duplicates,
            pytest.approx(duplicates / len(words)),
            clustered,
        )
    # The two files at the top of the corpora (MANIFEST.sha256, SOURCES.md) are its only rows.
    assert summary["corpora"] == ("corpora", 0, None, None, None, 2, 1.0, 0, None, 0)
    assert set(summary) == {source for source, *_ in documents} | set(rejects)
    assert summary["reuters21578"][:6] == (
        "reuters21578",
        10_006,
        date(1987, 2, 26),
        date(1987, 3, 26),
        83,
        2,
    )
    assert summary["warc"][5:7] == (48, pytest.approx(48 / 68))
    assert list(summary) == sorted(summary, key=lambda source: (-summary[source][1], source))


def test_top_terms_of_reuters_1987(con: duckdb.DuckDBPyConnection, stories_of_1987: list[Story]) -> None:
    top = con.sql("SELECT * FROM top_terms('1987-01-01', '1988-01-01', n := 60)").fetchall()
    assert top[0] == ("mln", 4_257, 13_473)  # Reuters' abbreviation for million
    assert [documents for _, documents, _ in top] == sorted((d for _, d, _ in top), reverse=True)
    terms = {term: (documents, occurrences) for term, documents, occurrences in top}
    english = _english(stories_of_1987, date(1987, 1, 1), date(1988, 1, 1))
    for term in ("mln", "oil", "trade"):
        assert terms[term] == _term_stats(english, term)
    assert (terms["oil"], terms["trade"]) == ((694, 2_085), (854, 2_042))
    # 20 by default: the first 20 of the longer list.
    one_day = "'1987-03-02', '1987-03-03'"
    short, longer = (con.sql(f"SELECT * FROM top_terms({one_day}{n})").fetchall() for n in ("", ", n := 100"))
    assert len(short) == 20 and short == longer[:20]


def test_top_terms_leave_out_the_stop_words_of_stopwords_iso(con: duckdb.DuckDBPyConnection) -> None:
    english = stopwordsiso.stopwords("en")
    assert "said" in english and "oil" not in english
    march = "'1987-03-01', '1987-04-01'"
    terms = {term for (term,) in con.sql(f"SELECT term FROM top_terms({march}, n := 1000000)").fetchall()}
    assert len(terms) > 10_000
    assert "said" not in terms and not terms & english
    assert all(len(term) >= 3 and re.fullmatch(rf"{_LETTER}+('{_LETTER}+)*", term) for term in terms)
    # Without the list, `said` would lead: it is in most stories.
    ((said,),) = con.sql(
        "SELECT count(*) FROM documents WHERE year(published_date) = 1987 AND text LIKE '% said %'"
    ).fetchall()
    assert said > 5_000 > 4_257
    ((stored,),) = con.sql(f"SELECT count(*) FROM {STOPWORDS_TABLE}").fetchall()
    assert stored == sum(len(stopwordsiso.stopwords(language)) for language in stopwordsiso.langs())
    # Other languages use their own list: French stop words are left out of French headlines.
    headlines = con.sql(
        "SELECT title, text FROM documents WHERE language = 'fr' AND year(published_date) > 2000"
    ).fetchall()
    words = {
        word
        for title, text in headlines
        for word in re.findall(rf"{_LETTER}+(?:'{_LETTER}+)*", _body(title, text))
    }
    french = {
        term
        for (term,) in con.sql(
            "SELECT term FROM top_terms('2000-01-01', '2030-01-01', lang := 'fr', n := 1000)"
        ).fetchall()
    }
    assert words & stopwordsiso.stopwords("fr") and len(french) > 30
    assert french <= words and not french & stopwordsiso.stopwords("fr")


def test_term_counts_behind_the_term_macros(
    con: duckdb.DuckDBPyConnection, stories_of_1987: list[Story]
) -> None:
    counts = con.sql(
        "SELECT documents, occurrences FROM _term_counts('1987-03-01', '1987-04-01', 'en') "
        "WHERE term = 'opec'"
    ).fetchall()
    assert counts == [_term_stats(_english(stories_of_1987, date(1987, 3, 1), date(1987, 4, 1)), "opec")]
    assert counts[0][0] == 78
    # Every term of one day, tokenised in Python.
    english = stopwordsiso.stopwords("en")
    documents: Counter[str] = Counter()
    occurrences: Counter[str] = Counter()
    for _, _, body in _english(stories_of_1987, date(1987, 3, 2), date(1987, 3, 3)):
        tokens = re.findall(rf"{_LETTER}+(?:'{_LETTER}+)*", body)
        terms = [token for token in tokens if len(token) >= 3 and token not in english]
        occurrences.update(terms)
        documents.update(set(terms))
    one_day = con.sql("SELECT * FROM _term_counts('1987-03-02', '1987-03-03', 'en')").fetchall()
    assert {term: (count, total) for term, count, total in one_day} == {
        term: (documents[term], occurrences[term]) for term in documents
    }
    assert len(one_day) == 6_779 and documents["mln"] == 255
    # Every language at once, each document with the list of its own language: `said` is left in the
    # one Spanish story that has it.
    said = con.sql(
        "SELECT documents FROM _term_counts('1987-03-18', '1987-03-19', NULL) WHERE term = 'said'"
    ).fetchall()
    others = [story for story in stories_of_1987 if story[1] != "en"]
    assert said == [(_term_stats(others, "said")[0],)] == [(1,)]


def test_rising_terms_find_the_ecuador_earthquake(
    con: duckdb.DuckDBPyConnection, stories_of_1987: list[Story]
) -> None:
    """On 5 March 1987 an earthquake in Ecuador broke its oil pipeline and stopped its oil exports."""
    rising = con.sql(
        "SELECT * FROM rising_terms('1987-02-01', '1987-03-06', '1987-03-06', '1987-03-13')"
    ).fetchall()
    assert len(rising) == 20
    by_term = {row[0]: row[1:] for row in rising}
    assert {"earthquake", "ecuador"} <= set(by_term)
    before = _english(stories_of_1987, date(1987, 2, 1), date(1987, 3, 6))
    after = _english(stories_of_1987, date(1987, 3, 6), date(1987, 3, 13))
    assert (len(before), len(after)) == (2_533, 2_067)
    for term in ("earthquake", "ecuador"):
        counts = (_term_stats(before, term)[0], _term_stats(after, term)[0])
        lift = (counts[1] + 1) / (len(after) + 1) / ((counts[0] + 1) / (len(before) + 1))
        assert by_term[term] == (
            *counts,
            pytest.approx(counts[0] / len(before)),
            pytest.approx(counts[1] / len(after)),
            pytest.approx(lift),
        )
    assert by_term["earthquake"][:2] == (4, 22)
    lifts = [row[5] for row in rising]
    assert lifts == sorted(lifts, reverse=True)
    assert all(after_documents >= 10 for _, _, after_documents, *_ in rising)
    absent_before = [row for row in rising if row[1] == 0]
    assert absent_before and all(row[3] == 0 and row[5] > 1 for row in absent_before)


def test_duplicate_clusters_match_the_marks(con: duckdb.DuckDBPyConnection) -> None:
    marks = con.sql(
        "SELECT doc_id, duplicate_of, near_duplicate_cluster, title FROM documents "
        "WHERE duplicate_of IS NOT NULL OR near_duplicate_cluster IS NOT NULL "
        "OR doc_id IN (SELECT duplicate_of FROM documents)"
    ).fetchall()
    first_copies = {duplicate_of for _, duplicate_of, _, _ in marks if duplicate_of}
    expected = Counter(
        cluster or (duplicate_of or doc_id)
        for doc_id, duplicate_of, cluster, _ in marks
        if cluster or duplicate_of or doc_id in first_copies
    )
    clusters = con.sql("SELECT * FROM duplicate_clusters").fetchall()
    assert {cluster_id: size for cluster_id, _, size, *_ in clusters} == expected
    assert len(clusters) == 368 and sum(expected.values()) == 960
    assert [size for _, _, size, *_ in clusters] == sorted(expected.values(), reverse=True)
    ((largest, count),) = Counter(cluster for _, _, cluster, _ in marks if cluster).most_common(1)
    cluster_id, kind, size, exact, sources, title, first, last = clusters[0]
    assert (cluster_id, size) == (largest, count)
    assert (kind, size, exact, sources) == ("near", 148, 146, ["csv_financial_headlines"])
    assert title == {doc_id: title for doc_id, _, _, title in marks}[cluster_id]
    assert title.startswith("Cramer's lightning round")
    assert (first, last) == (date(2019, 8, 14), date(2020, 7, 17))


def test_mentions_finds_every_document_with_the_phrase_and_no_other(con: duckdb.DuckDBPyConnection) -> None:
    phrase = re.compile(r"oil\s+prices", re.IGNORECASE)
    candidates = con.sql(
        "SELECT doc_id, title, text FROM documents WHERE (coalesce(title, '') || text) ILIKE '%oil%'"
    ).fetchall()
    expected = {
        doc_id for doc_id, title, text in candidates if phrase.search(text) or phrase.search(title or "")
    }
    assert len(expected) == 249
    everything = con.sql("SELECT doc_id FROM mentions('oil prices', n := 100000)").fetchall()
    assert {doc_id for (doc_id,) in everything} == expected and len(everything) == 249
    top = con.sql("SELECT * FROM mentions('Oil  Prices')")
    assert top.columns == ["score", "doc_id", "source", "published_date", "title", "snippet"]
    rows = top.fetchall()
    assert len(rows) == 100  # the default n
    scores = [score for score, *_ in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(doc_id in expected for _, doc_id, *_ in rows)
    for *_, snippet in rows:
        assert phrase.search(snippet) and len(snippet) <= len("oil prices") + 122


def test_rejects_by_reason_add_up_to_the_rejects(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.sql("SELECT * FROM rejects_by_reason").fetchall()
    ((total,),) = con.sql("SELECT count(*) FROM rejects").fetchall()
    assert sum(rejects for _, _, _, rejects, _ in rows) == total == 334
    expected = con.sql("SELECT source, source_format, reason, count(*) FROM rejects GROUP BY ALL").fetchall()
    assert sorted(row[:4] for row in rows) == sorted(expected)
    assert rows[0][:4] == ("csv_financial_headlines", "csv", "empty_text", 280)
    assert [row[3] for row in rows] == sorted((row[3] for row in rows), reverse=True)
    (truncated,) = [row for row in rows if row[2] == "truncated"]
    assert truncated[3] == 1 and truncated[4].startswith("the stream ends inside the WARC response record")


def test_the_objects_are_stored_in_the_catalog_and_read_only_connections_use_them(
    con: duckdb.DuckDBPyConnection,
) -> None:
    stored = con.sql(
        "SELECT view_name, temporary FROM duckdb_views() WHERE NOT internal "
        "UNION ALL SELECT DISTINCT function_name, database_name = 'temp' FROM duckdb_functions() "
        "WHERE function_type = 'table_macro' AND NOT internal"
    ).fetchall()
    kinds = dict(stored)
    assert {name: kinds.get(name) for name in _objects()} == dict.fromkeys(_objects(), False)
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("CREATE TABLE scratch (x INT)")


def _copy_catalog(warehouse: Path, folder: Path) -> Path:
    """The warehouse's catalog in `folder`, reading the same parts."""
    folder.mkdir()
    shutil.copy(warehouse / CATALOG_FILE, folder / CATALOG_FILE)
    (folder / TABLES_DIR).symlink_to(warehouse / TABLES_DIR)
    return folder


_EVERY_OBJECT = (
    "SELECT (SELECT sum(documents) FROM monthly_volume), (SELECT count(*) FROM daily_volume), "
    "(SELECT sum(rejects) FROM source_summary), (SELECT count(*) FROM duplicate_clusters), "
    "(SELECT sum(rejects) FROM rejects_by_reason), "
    "(SELECT documents FROM top_terms('1987-03-02', '1987-03-03', n := 1)), "
    "(SELECT count(*) FROM _term_counts('1987-03-02', '1987-03-03', 'en')), "
    "(SELECT count(*) FROM rising_terms('1987-03-02', '1987-03-03', '1987-03-03', '1987-03-04', "
    "min_documents := 3)), "
    "(SELECT count(*) FROM mentions('oil prices', n := 1000))"
)


def test_a_catalog_without_the_objects_gets_temporary_ones(warehouse: Path, tmp_path: Path) -> None:
    """A catalog written by a dumpling before these objects: each reading connection makes its own."""
    older = _copy_catalog(warehouse, tmp_path / "older")
    with duckdb.connect(str(older / CATALOG_FILE)) as connection:
        for name, kind in _objects().items():
            connection.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'MACRO TABLE'} {name}")
        connection.execute(f"DROP TABLE {STOPWORDS_TABLE}")
        connection.execute("DELETE FROM _meta WHERE key = 'views'")
    with connect(older) as connection:
        temporary = connection.sql(
            "SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = 'source_summary'"
        ).fetchall()
        assert temporary == [(1,)]
        again = connection.sql(_EVERY_OBJECT).fetchall()
    # What the stored objects give, as the tests above check.
    assert again == [(37_856, 1_181, 334, 368, 334, 255, 6_779, 20, 249)]


def test_views_install_before_the_search_extension_is_loaded(warehouse: Path, tmp_path: Path) -> None:
    """A remote warehouse's reader makes its table views and these before it loads the fts extension."""
    copy = _copy_catalog(warehouse, tmp_path / "copy")
    with duckdb.connect(str(copy / CATALOG_FILE), read_only=True) as connection:
        connection.execute(f"SET file_search_path = '{copy}'")
        loaded = "SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'"
        assert connection.sql(loaded).fetchall() == [(False,)]
        create_views(connection, temporary=True)
        assert connection.sql("SELECT count(*) FROM mentions('oil prices', n := 1000)").fetchall() == [(249,)]


def test_an_empty_warehouse_opens_and_every_object_is_empty(tmp_path: Path) -> None:
    connect_for_writing(tmp_path).close()
    with connect(tmp_path) as connection:
        for name, kind in _objects().items():
            if kind == "VIEW":
                assert connection.sql(f"SELECT count(*) FROM {name}").fetchall() == [(0,)], name
        for call in (
            "_term_counts('1987-01-01', '1988-01-01', 'en')",
            "top_terms('1987-01-01', '1988-01-01')",
            "rising_terms('1987-01-01', '1987-02-01', '1987-02-01', '1987-03-01')",
            "mentions('oil prices')",
        ):
            assert connection.sql(f"SELECT count(*) FROM {call}").fetchall() == [(0,)], call


def test_mentions_says_when_the_search_index_is_missing(tmp_path: Path) -> None:
    """Documents committed by a run that died before it built the index."""
    files = [InputFile(path, "seeds") for path in sorted((SEEDS / "textdump").iterdir())]
    report = load_shard(files, tmp_path / TABLES_DIR, Load("run", datetime.now(UTC)))
    commit(tmp_path, report.parts, replaced=report.source_files)
    with connect(tmp_path) as connection:
        assert connection.sql("SELECT documents FROM source_summary").fetchall() == [(len(files),)]
        with pytest.raises(duckdb.InvalidInputException, match="no search index yet"):
            connection.sql("SELECT * FROM mentions('oil prices')").fetchall()
