"""The duplicate marks parts, which `documents` lines up with its rows by position."""

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warehouse.catalog import MARKS_PARTS, TABLES_DIR, commit, connect, connect_for_writing, derived_are_stale
from warehouse.derived import refresh_derived
from warehouse.load import InputFile, load_shard
from warehouse.schema import DOCUMENTS, Load

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Every document with the marks `_dedup` holds for it, however the view gets them.
MARKS_OF_DEDUP = (
    "SELECT d.doc_id, x.duplicate_of, x.near_duplicate_cluster FROM documents AS d "
    "LEFT JOIN _dedup AS x USING (doc_id) ORDER BY 1"
)
MONTH = "coalesce(strftime(published_date, '%Y-%m'), 'none')"  # the partition
MARKS_OF_VIEW = "SELECT doc_id, duplicate_of, near_duplicate_cluster FROM documents ORDER BY 1"


def _commit(root: Path, folder: Path, source: str, run: int) -> None:
    files = [InputFile(path, source) for path in sorted(folder.rglob("*.txt"))]
    report = load_shard(files, root / TABLES_DIR, Load(f"run-{run}", EPOCH + timedelta(minutes=run)))
    commit(root, report.parts, replaced=report.source_files)


def _view_sql(root: Path) -> str:
    with connect(root) as connection:
        row = connection.sql("SELECT sql FROM duckdb_views() WHERE view_name = 'documents' AND NOT temporary")
        return str(row.fetchone()[0])  # type: ignore[index]


def _marks_parts(root: Path) -> dict[str, str]:
    with connect(root) as connection:
        rows = connection.execute("SELECT partition, file FROM _parts WHERE table_name = ?", [MARKS_PARTS])
        return dict(rows.fetchall())


def _rows(root: Path, sql: str) -> list[tuple]:
    with connect(root) as connection:
        return connection.sql(sql).fetchall()


def test_documents_take_their_marks_by_position_and_a_changed_partition_joins(
    corpora: Path, tmp_path: Path
) -> None:
    news = corpora / "bbc_zitros" / "news"
    root = tmp_path / "warehouse"
    for run, topic in enumerate(["politics", "business"], start=1):
        shutil.copytree(news / topic, tmp_path / topic)
        _commit(root, tmp_path / topic, topic, run)
    shutil.copytree(news / "politics", tmp_path / "politics_again")  # every story copied: all marked
    _commit(root, tmp_path / "politics_again", "politics_again", 3)
    refresh_derived(root)

    parts = _marks_parts(root)
    assert set(parts) == {row[0] for row in _rows(root, f"SELECT DISTINCT {MONTH} FROM documents")}
    assert "POSITIONAL JOIN" in _view_sql(root) and "_dedup" not in _view_sql(root)
    columns = [name for name, *_ in _rows(root, "DESCRIBE documents")]
    assert columns == [
        *(n for n in DOCUMENTS.names if n != "minhash"),
        "duplicate_of",
        "near_duplicate_cluster",
    ]
    marks = _rows(root, MARKS_OF_VIEW)
    assert marks == _rows(root, MARKS_OF_DEDUP)
    (marked,) = _rows(
        root, "SELECT count(*) FROM documents WHERE source = 'politics_again' AND duplicate_of IS NULL"
    )
    assert marked == (0,)
    assert sum(1 for _, duplicate_of, _ in marks if duplicate_of) >= 397

    # A new part of one partition: until the refresh, that partition joins `_dedup`, the others do not.
    folder = tmp_path / "one_more"
    folder.mkdir()
    shutil.copy(sorted((news / "business").glob("*.txt"))[0], folder / "story.txt")
    _commit(root, folder, "one_more", 4)
    assert _view_sql(root).count("_dedup") == 1
    assert _rows(root, MARKS_OF_VIEW) == _rows(root, MARKS_OF_DEDUP)
    ((month,),) = _rows(root, f"SELECT {MONTH} FROM documents WHERE source = 'one_more'")

    refresh_derived(root)
    after = _marks_parts(root)
    assert after[month] != parts[month]
    assert {p: f for p, f in after.items() if p != month} == {p: f for p, f in parts.items() if p != month}
    assert "_dedup" not in _view_sql(root)
    assert _rows(root, MARKS_OF_VIEW) == _rows(root, MARKS_OF_DEDUP)
    (copy,) = _rows(root, "SELECT duplicate_of IS NOT NULL FROM documents WHERE source = 'one_more'")
    assert copy == (True,)


def test_a_catalog_without_marks_parts_is_refreshed_by_the_next_run(corpora: Path, tmp_path: Path) -> None:
    shutil.copytree(corpora / "bbc_zitros" / "news" / "politics", tmp_path / "politics")
    root = tmp_path / "warehouse"
    _commit(root, tmp_path / "politics", "politics", 1)
    refresh_derived(root)
    assert not derived_are_stale(root)
    connection = connect_for_writing(root)
    connection.execute("DELETE FROM _meta WHERE key = 'marks_format'")
    connection.close()
    assert derived_are_stale(root)
