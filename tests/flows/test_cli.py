import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.cli import main
from tests.conftest import VARIANTS
from warehouse.catalog import TABLES_DIR, commit
from warehouse.load import InputFile, load_shard
from warehouse.schema import Load


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("warehouse")
    files = [InputFile(path, "variants") for path in sorted(VARIANTS.iterdir())]
    report = load_shard(files, root / TABLES_DIR, Load("run", datetime.now(UTC)))
    commit(root, report.parts, replaced=report.source_files)
    return root


QUERY = (
    "SELECT regexp_extract(source_file, '[^/]+$') AS file, published_date, paragraph_count, text "
    "FROM documents ORDER BY file"
)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table_cuts_long_text_and_counts_rows(warehouse: Path, capsys) -> None:
    code, out, _ = _run(capsys, "sql", QUERY, "--warehouse", str(warehouse))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["file", "published_date", "paragraph_count", "text"]
    month = next(line for line in lines if line.startswith("001_month_only_header.txt"))
    assert "2019-12-01" in month
    assert "German airline Lufthansa has returned to profit" in month
    assert month.rstrip().endswith("…")
    assert lines[-1] == "4 rows"


def test_csv(warehouse: Path, capsys) -> None:
    code, out, _ = _run(capsys, "sql", QUERY, "--warehouse", str(warehouse), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["published_date"] for row in rows] == ["2019-12-01", "", "2019-03-07", "2019-03-08"]
    assert "Moët & Chandon" in rows[3]["text"]
    assert rows[3]["text"].count("\n\n") == 1


def test_json_lines(warehouse: Path, capsys) -> None:
    code, out, _ = _run(capsys, "sql", QUERY, "--warehouse", str(warehouse), "--format", "json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(row["file"], row["published_date"], row["paragraph_count"]) for row in rows][:2] == [
        ("001_month_only_header.txt", "2019-12-01", 2),
        ("002_no_header.txt", None, 2),
    ]


def test_sql_error_is_reported_not_raised(warehouse: Path, capsys) -> None:
    code, out, err = _run(capsys, "sql", "SELECT nope FROM documents", "--warehouse", str(warehouse))
    assert code == 1
    assert out == ""
    assert 'Referenced column "nope" not found' in err


def test_writes_are_refused(warehouse: Path, capsys) -> None:
    code, _, err = _run(capsys, "sql", "DROP VIEW documents", "--warehouse", str(warehouse))
    assert code == 1
    assert "read-only" in err


def test_missing_warehouse(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, "sql", "SELECT 1", "--warehouse", str(tmp_path / "none"))
    assert code == 1
    assert "no warehouse at" in err


def test_ingest_of_a_missing_path_fails_before_any_flow_runs(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, "ingest", str(tmp_path / "missing"), "--warehouse", str(tmp_path))
    assert code == 2
    assert "missing: no such file or folder" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("option", "message"),
    [
        pytest.param(["--format", "xml"], "unknown format 'xml'; known: warc, reuters_sgml", id="format"),
        pytest.param(["--map", "bogus=x"], "unknown field 'bogus'", id="mapping"),
    ],
)
def test_ingest_refuses_bad_options_before_any_flow_runs(tmp_path: Path, capsys, option, message) -> None:
    code, _, err = _run(capsys, "ingest", str(VARIANTS), "--warehouse", str(tmp_path), *option)
    assert code == 2
    assert message in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        pytest.param(
            '[sources.news]\nlocation = "no/such/folder"\n',
            "source 'news': location 'no/such/folder' does not exist",
            id="missing-location",
        ),
        pytest.param(
            '[sources.news]\nlocation = "."\ncolour = "red"\n',
            "unknown key 'colour' in sources.news",
            id="unknown-key",
        ),
        pytest.param(
            '[warehose]\nlocation = "x"\n', "unknown key 'warehose' in (top level)", id="misspelt-table"
        ),
        pytest.param(
            '[sources.news]\nlocation = "."\nformat = "pdf"\n',
            "sources.news.format: Value error, unknown format 'pdf'",
            id="unknown-format",
        ),
        pytest.param(
            '[sources.news]\nlocation = "."\nschedule = { timezone = "UTC" }\n',
            "a schedule has either `cron` or `interval_seconds`",
            id="schedule-without-kind",
        ),
        pytest.param("[sources.news\n", "not valid TOML", id="broken-toml"),
    ],
)
def test_a_bad_configuration_is_one_line_and_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    config = tmp_path / "dumpling.toml"
    config.write_text(toml)
    assert main(["run", "--config", str(config)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"dumpling: {config}: ")
    assert message in error


def test_a_missing_configuration_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--config", str(tmp_path / "nowhere.toml")]) == 2
    assert capsys.readouterr().err == f"dumpling: {tmp_path / 'nowhere.toml'}: no such configuration file\n"


def test_the_progress_bar_counts_files_and_documents() -> None:
    from io import StringIO

    from rich.console import Console
    from rich.progress import Progress

    from flows.progress import ShardProgress

    with Progress(console=Console(file=StringIO(), force_terminal=True)) as progress:
        bar = ShardProgress(progress, files=3)
        bar.shard_done(files=2, documents=40)
        bar.shard_done(files=1, documents=2)
        (task,) = progress.tasks
    assert (task.completed, task.total, task.fields["documents"], bar.documents) == (3, 3, 42, 42)


def test_deploy_refuses_a_bad_configuration_before_reaching_any_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "dumpling.toml"
    config.write_text('[sources.news]\nlocation = "."\ncolour = "red"\n')
    assert main(["deploy", "--config", str(config)]) == 2
    assert capsys.readouterr().err == f"dumpling: {config}: unknown key 'colour' in sources.news\n"


@pytest.mark.parametrize(
    ("api_url", "message"),
    [
        pytest.param(None, "no Prefect server configured", id="unset"),
        pytest.param(
            "http://127.0.0.1:9/api", "no Prefect server answers at http://127.0.0.1:9/api", id="down"
        ),
    ],
)
def test_deploy_without_a_server_is_one_line_and_exit_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], api_url: str | None, message: str
) -> None:
    # Prefect reads its settings once, when it is imported: the environment cannot change them now.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    config = tmp_path / "dumpling.toml"
    config.write_text('[sources.news]\nlocation = "."\nschedule = { interval_seconds = 3600 }\n')
    if api_url is None:
        settings = temporary_settings(restore_defaults={PREFECT_API_URL})
    else:
        settings = temporary_settings(updates={PREFECT_API_URL: api_url})
    with settings:
        assert main(["deploy", "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"dumpling: {message}: start one with `prefect server start`")
