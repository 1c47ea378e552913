import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import SEED_ARTICLE, SEEDS, VARIANTS
from transforms.formats import read_path
from transforms.normalise import normalise
from warehouse import load
from warehouse.catalog import (
    HIDDEN_DOCUMENT_COLUMNS,
    TABLES_DIR,
    WarehouseError,
    collect_garbage,
    commit,
    connect,
    connect_for_writing,
    run_lock,
)
from warehouse.load import InputFile, load_shard
from warehouse.parts import PartWriter
from warehouse.schema import DOCUMENTS, TABLES, Load, documents_batch


def _ingest(root: Path, files: list[InputFile], run_id: str = "run") -> None:
    load = Load(run_id=run_id, ingested_at=datetime.now(UTC))
    report = load_shard(files, root / TABLES_DIR, load)
    commit(root, report.parts, replaced=report.source_files)


def _files(folder: Path, source: str) -> list[InputFile]:
    return [InputFile(path, source) for path in sorted(folder.iterdir())]


def _count(root: Path, sql: str) -> int:
    with connect(root) as connection:
        return connection.sql(sql).fetchone()[0]


def test_documents_land_and_are_queryable(tmp_path: Path) -> None:
    _ingest(tmp_path, _files(VARIANTS, "variants"))
    with connect(tmp_path) as connection:
        rows = connection.sql(
            "SELECT regexp_extract(source_file, '[^/]+$'), published_date::VARCHAR, date_precision "
            "FROM documents ORDER BY 1"
        ).fetchall()
    assert rows == [
        ("001_month_only_header.txt", "2019-12-01", "month"),
        ("002_no_header.txt", None, None),
        ("003_crlf_line_endings.txt", "2019-03-07", "day"),
        ("004_latin1_byte.txt", "2019-03-08", "day"),
    ]


def test_loading_again_replaces_instead_of_doubling(tmp_path: Path) -> None:
    files = _files(VARIANTS, "variants")
    _ingest(tmp_path, files, "first")
    _ingest(tmp_path, files, "second")
    assert _count(tmp_path, "SELECT count(*) FROM documents") == 4
    assert _count(tmp_path, "SELECT count(DISTINCT run_id) FROM documents") == 1
    parts = sorted((tmp_path / TABLES_DIR / "documents").rglob("part-*.parquet"))
    # one part per month partition; the superseded parts are deleted
    assert [part.parent.name for part in parts] == [
        "published_month=2019-03",
        "published_month=2019-12",
        "published_month=none",
    ]


def test_reloading_one_file_keeps_the_others(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    shutil.copytree(VARIANTS, dump)
    root = tmp_path / "warehouse"
    _ingest(root, _files(dump, "variants"))
    changed = dump / "002_no_header.txt"
    changed.write_bytes(b" date 2021-06-01 Rewritten body.")
    _ingest(root, [InputFile(changed, "variants")])
    assert _count(root, "SELECT count(*) FROM documents") == 4
    assert _count(root, "SELECT count(*) FROM documents WHERE text = 'Rewritten body.'") == 1
    assert _count(root, "SELECT count(*) FROM documents WHERE text LIKE 'Volkswagen%'") == 0


def test_rejects_are_rows_with_reason_and_excerpt(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "blank.txt").write_bytes(b" date 2019-03-05 \n\n  \n")
    (dump / "image.bin").write_bytes(b"\x89PNG\x00\x00")
    shutil.copy(VARIANTS / "002_no_header.txt", dump)
    _ingest(tmp_path / "wh", _files(dump, "mixed"))
    with connect(tmp_path / "wh") as connection:
        rejects = connection.sql(
            "SELECT regexp_extract(source_file, '[^/]+$'), reason, raw_excerpt FROM rejects ORDER BY 1"
        ).fetchall()
        documents = connection.sql("SELECT count(*) FROM documents").fetchone()[0]
    assert rejects == [
        ("blank.txt", "empty_text", b"\n\n  \n"),
        ("image.bin", "unsupported_format", b"\x89PNG\x00\x00"),
    ]
    assert documents == 1


def test_empty_warehouse_has_every_column(tmp_path: Path) -> None:
    commit(tmp_path, [], replaced=[])
    with connect(tmp_path) as connection:
        relation = connection.sql("SELECT * FROM documents")
        stored = [name for name in DOCUMENTS.names if name not in HIDDEN_DOCUMENT_COLUMNS]
        assert relation.columns == [*stored, "duplicate_of", "near_duplicate_cluster"]
        assert relation.fetchall() == []
        for table in ("rejects", "files", "runs"):
            assert connection.sql(f"SELECT * FROM {table}").columns == TABLES[table].names


def test_views_follow_the_folder_when_it_moves(tmp_path: Path) -> None:
    _ingest(tmp_path / "old", _files(VARIANTS, "variants"))
    shutil.move(tmp_path / "old", tmp_path / "new")
    assert _count(tmp_path / "new", "SELECT count(*) FROM documents") == 4


def test_connection_is_read_only(tmp_path: Path) -> None:
    commit(tmp_path, [], replaced=[])
    with connect(tmp_path) as connection, pytest.raises(duckdb.Error, match="read-only"):
        connection.execute("CREATE TABLE x (i INTEGER)")


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match=r"no warehouse at .*dumpling ingest"):
        connect(tmp_path / "nowhere")


def test_failed_part_leaves_nothing_behind(tmp_path: Path) -> None:
    (record,) = read_path(SEED_ARTICLE)
    batch = documents_batch([normalise(record, "seed")], Load("run", datetime.now(UTC)))
    with pytest.raises(RuntimeError), PartWriter(tmp_path, DOCUMENTS) as writer:
        writer.write(batch)
        assert [path.name.endswith(".tmp") for path in tmp_path.iterdir()] == [True]
        raise RuntimeError("killed mid-write")
    assert list(tmp_path.iterdir()) == []


def test_every_seed_loads(tmp_path: Path) -> None:
    files = [InputFile(path, "seeds") for path in sorted(SEEDS.rglob("*.txt"))]
    _ingest(tmp_path, files)
    assert _count(tmp_path, "SELECT count(*) FROM documents") == len(files) == 5
    assert _count(tmp_path, "SELECT count(*) FROM rejects") == 0


def test_a_month_of_many_documents_is_split_into_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "BATCH_ROWS", 2)
    monkeypatch.setattr(load, "ROW_GROUP_ROWS", 2)
    monkeypatch.setattr(load, "PART_ROWS", 2)
    source = tmp_path / "news.jsonl"
    records = [{"text": f"Story {n} about the harbour.", "date": f"2019-03-{n + 1:02d}"} for n in range(7)]
    records.append({"text": "A story of April.", "date": "2019-04-02"})
    source.write_text("".join(json.dumps(record) + "\n" for record in records))
    root = tmp_path / "warehouse"
    _ingest(root, [InputFile(source, "news")])
    with connect(root) as connection:
        parts = connection.sql(
            "SELECT partition, count(*) FROM _parts WHERE table_name = 'documents' GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        march = connection.sql("SELECT file FROM _parts WHERE partition = '2019-03'").fetchall()
        days = connection.sql("SELECT day(published_date) FROM documents ORDER BY published_date").fetchall()
    assert parts == [("2019-03", 4), ("2019-04", 1)]
    assert sorted(pq.ParquetFile(root / file).metadata.num_rows for (file,) in march) == [1, 2, 2, 2]
    assert days == [(day,) for day in [1, 2, 3, 4, 5, 6, 7, 2]]


def test_parts_no_commit_lists_are_collected(tmp_path: Path) -> None:
    _ingest(tmp_path, _files(VARIANTS, "variants"))
    listed = sorted(path for path in (tmp_path / TABLES_DIR).rglob("part-*.parquet"))
    orphan = tmp_path / TABLES_DIR / "documents" / "published_month=2001-01" / "part-orphan.parquet"
    orphan.parent.mkdir()
    shutil.copy(listed[0], orphan)
    unfinished = tmp_path / TABLES_DIR / "rejects" / ".part-unfinished.parquet.tmp"
    unfinished.write_bytes(b"PAR1")
    assert collect_garbage(tmp_path) == 2
    assert not orphan.exists() and not unfinished.exists()
    assert sorted(path for path in (tmp_path / TABLES_DIR).rglob("part-*.parquet")) == listed
    assert _count(tmp_path, "SELECT count(*) FROM documents") == 4


def test_one_run_at_a_time(tmp_path: Path) -> None:
    with (
        run_lock(tmp_path),
        pytest.raises(WarehouseError, match=r"being loaded by another run \(pid \d+ since"),
        run_lock(tmp_path),
    ):
        pass
    with run_lock(tmp_path):  # released when the first run ends
        pass


def test_a_warehouse_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    _ingest(tmp_path, _files(VARIANTS, "variants"))
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("UPDATE _meta SET value = '0' WHERE key = 'schema_version'")
    connection.close()
    with pytest.raises(WarehouseError, match="schema version 0"):
        _ingest(tmp_path, _files(VARIANTS, "variants"))


def test_a_new_catalog_appears_whole(tmp_path: Path) -> None:
    """Built aside and renamed into place: a run killed while creating it leaves no catalog, or one
    with every view, never one that later runs cannot open."""
    (tmp_path / ".warehouse.duckdb.new").write_bytes(b"left by a killed run")
    connect_for_writing(tmp_path).close()
    assert not (tmp_path / ".warehouse.duckdb.new").exists()
    with connect(tmp_path) as connection:
        for table in ("documents", "rejects", "files", "runs"):
            assert connection.sql(f"SELECT count(*) FROM {table}").fetchone() == (0,)
