"""SQL safety: values from dumps, paths and configuration files never become SQL text, and `dumpling
sql` cannot change the warehouse."""

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from flows.config import load_config
from flows.discover import discover
from tests.conftest import SEED_ARTICLE, VARIANTS
from warehouse.catalog import (
    CATALOG_FILE,
    TABLES_DIR,
    WarehouseError,
    commit,
    connect,
    connect_for_writing,
    sql_string,
)
from warehouse.derived import refresh_derived
from warehouse.load import InputFile, load_shard
from warehouse.remote import loading
from warehouse.schema import Load

HOSTILE = "x'); drop table documents; --"
HOSTILE_FOLDER = 'it\'s -- a "warehouse"; drop table _parts; é 中'


def _load(root: Path, files: list[InputFile]) -> None:
    """`files` loaded and committed by the loader itself, then duplicates and search, without Prefect."""
    report = load_shard(files, root / TABLES_DIR, Load("run", datetime.now(UTC)))
    commit(root, report.parts, replaced=report.source_files)
    refresh_derived(root)


def _rows(capsys: pytest.CaptureFixture[str], query: str, root: Path) -> list[dict[str, object]]:
    code = main(["sql", query, "--warehouse", str(root), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return [json.loads(line) for line in captured.out.splitlines()]


def _hostile_dump(folder: Path) -> list[InputFile]:
    """The variants seeds in a folder, and under file names, full of SQL."""
    folder.mkdir(parents=True)
    files = []
    for index, seed in enumerate(sorted(VARIANTS.iterdir())):
        copy = folder / f"{index}'; delete from _parts; -- \"{seed.name}"
        shutil.copyfile(seed, copy)
        files.append(InputFile(copy, HOSTILE))
    return files


@pytest.fixture(scope="module")
def hostile_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse in a folder named with SQL, holding a source and files named with SQL, beside an
    ordinary source."""
    base = tmp_path_factory.mktemp("safety")
    root = base / HOSTILE_FOLDER
    dump = _hostile_dump(base / "dump's -- ; folder")
    _load(root, [*dump, InputFile(SEED_ARTICLE, "plain")])
    return root


def test_a_source_named_with_sql_is_a_literal_value(
    hostile_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows(
        capsys,
        "SELECT source, count(*) AS documents, count(DISTINCT source_file) AS files "
        "FROM documents GROUP BY source ORDER BY source",
        hostile_warehouse,
    )
    assert rows == [
        {"source": "plain", "documents": 1, "files": 1},
        {"source": HOSTILE, "documents": 4, "files": 4},
    ]
    files = _rows(capsys, "SELECT source_file FROM files ORDER BY source_file", hostile_warehouse)
    names = sorted(Path(str(row["source_file"])).name for row in files)
    hostile = [
        f"{index}'; delete from _parts; -- \"{seed.name}"
        for index, seed in enumerate(sorted(VARIANTS.iterdir()))
    ]
    assert names == sorted([*hostile, SEED_ARTICLE.name])
    with connect(hostile_warehouse) as connection:
        listed = connection.sql("SELECT count(*) FROM _parts WHERE table_name = 'documents'").fetchone()
    assert listed is not None and listed[0] >= 2


def test_a_warehouse_folder_named_with_sql_is_read_in_place(
    hostile_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hostile_warehouse.name == HOSTILE_FOLDER
    (row,) = _rows(
        capsys,
        "SELECT current_setting('file_search_path') AS folder, "
        "(SELECT count(*) FROM documents) AS documents, "
        "(SELECT count(*) FROM search('rewritten OR payments OR march')) AS found",
        hostile_warehouse,
    )
    assert row["folder"] == str(hostile_warehouse.resolve())
    assert row["documents"] == 5
    assert isinstance(row["found"], int) and row["found"] > 0
    assert main(["status", "--warehouse", str(hostile_warehouse)]) == 0
    status = capsys.readouterr().out
    assert f"warehouse {hostile_warehouse}" in status
    assert f"  {HOSTILE}: 4 documents" in status


def test_a_warehouse_folder_with_a_comma_is_refused_before_anything_is_loaded(tmp_path: Path) -> None:
    """DuckDB's file_search_path is a list separated by commas: such a folder would read as two."""
    root = tmp_path / "a,b"
    with pytest.raises(WarehouseError, match="has a comma in its path"), loading(root):
        pass
    with pytest.raises(WarehouseError, match="has a comma in its path"):
        connect_for_writing(root)
    assert not (root / CATALOG_FILE).exists()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "'",
        "''",
        HOSTILE,
        HOSTILE_FOLDER,
        "a\\'b",  # a backslash escapes nothing in SQL
        "line\nbreak\r\n-- comment\n/* block */",
        "$$dollar$$",
        "s3://bucket/it's/part-1.parquet",
        "é 中 \u2028 \U0001f600",
    ],
)
def test_sql_string_reads_back_as_the_same_text(text: str) -> None:
    connection = duckdb.connect()
    assert connection.sql(f"SELECT {sql_string(text)}").fetchall() == [(text,)]
    assert connection.sql(f"SELECT len([{sql_string(text)}, {sql_string(text)}])").fetchall() == [(2,)]


def test_sql_string_refuses_a_nul_character() -> None:
    with pytest.raises(ValueError, match="NUL character"):
        sql_string("part\0'); drop table _parts; --")


def test_a_configuration_with_quotes_is_read_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.schedule import source_parameters

    for variable in ("DUMPLING_WAREHOUSE", "DUMPLING_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    dump = tmp_path / 'dump\'s -- "folder"'
    dump.mkdir()
    shutil.copyfile(SEED_ARTICLE, dump / "it's.txt")
    shutil.copyfile(SEED_ARTICLE, dump / "skip'd.md")
    path = tmp_path / "dumpling.toml"
    path.write_text(
        """
[warehouse]
location = "warehouse'; drop table _parts; --"

[sources."x'); drop table documents; --"]
location = "dump's -- \\"folder\\""
map = { body = "it's", title = "a\\"b" }
exclude = ["*'d.md"]
""",
        encoding="utf-8",
    )
    config = load_config(path)
    (name,) = config.sources
    assert name == HOSTILE
    source = config.sources[name]
    assert source.location == 'dump\'s -- "folder"'
    assert source.field_mapping == "body=it's,title=a\"b"
    parameters = source_parameters(config, tmp_path, name, source)
    assert parameters["paths"] == [str(dump)]
    assert parameters["warehouse"] == str(tmp_path / "warehouse'; drop table _parts; --")
    assert parameters["source"] == HOSTILE

    files = discover(parameters["paths"], parameters["source"], excludes=source.exclude)
    assert [(item.path.name, item.excluded_by) for item in files] == [
        ("it's.txt", None),
        ("skip'd.md", "*'d.md"),
    ]
    root = Path(parameters["warehouse"])
    _load(root, [item for item in files if item.excluded_by is None])
    with connect(root) as connection:
        rows = connection.sql("SELECT source, source_file FROM documents").fetchall()
    assert rows == [(HOSTILE, str(dump / "it's.txt"))]


WRITES = [
    "drop table _parts",
    "create table x as select 1",
    "insert into _meta values ('schema_version', '0')",
    "delete from _parts",
    "update _meta set value = 'stale' where key = 'derived'",
    "alter table _parts rename to parts",
    "drop view documents",
    "create or replace view documents as select 1 as doc_id",
]


def _state(root: Path) -> tuple[str, list[str], list[tuple[object, ...]], int]:
    catalog = hashlib.sha256((root / CATALOG_FILE).read_bytes()).hexdigest()
    files = sorted(str(path.relative_to(root)) for path in root.rglob("*"))
    with connect(root) as connection:
        parts = connection.sql("SELECT * FROM _parts ORDER BY file").fetchall()
        count = connection.sql("SELECT count(*) FROM documents").fetchone()
    assert count is not None
    return catalog, files, parts, count[0]


@pytest.mark.parametrize("statement", WRITES)
def test_a_write_is_refused_and_changes_nothing(
    hostile_warehouse: Path, capsys: pytest.CaptureFixture[str], statement: str
) -> None:
    before = _state(hostile_warehouse)
    assert main(["sql", f"{statement}; SELECT 1", "--warehouse", str(hostile_warehouse)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dumpling: ") and err.count("\n") == 1
    assert "read-only mode" in err and "(statement 1 of 2, line 1)" in err
    assert _state(hostile_warehouse) == before == (before[0], before[1], before[2], 5)


def test_the_catalog_cannot_be_attached_again_for_writing(
    hostile_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(hostile_warehouse)
    catalog = sql_string(str(hostile_warehouse / ".." / hostile_warehouse.name / CATALOG_FILE))
    query = f"ATTACH {catalog} AS w (READ_WRITE); DROP TABLE w._parts; SELECT 1"
    assert main(["sql", query, "--warehouse", str(hostile_warehouse)]) == 1
    assert "already attached" in capsys.readouterr().err
    assert _state(hostile_warehouse) == before
