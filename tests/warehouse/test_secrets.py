"""Object-store credentials come from the environment and are never shown: not in error messages, logs,
reports or tables, and never taken from a URL. The store is a local S3-compatible server (moto)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.cli import main
from flows.config import ConfigError, load_config
from tests.conftest import SEED_ARTICLE, SEEDS, VARIANTS
from tests.servers import free_port, moto_server
from warehouse.catalog import TABLES_DIR, WarehouseError, commit, connect
from warehouse.derived import refresh_derived
from warehouse.load import InputFile, load_shard
from warehouse.remote import loading
from warehouse.schema import Load
from warehouse.storage import CredentialsInUrl, list_files, redact

SECRET = "sekret-value-123"
KEY_ID = "AKIAFAKEKEYID"
BUCKET = "lake"


def _forget_clients() -> None:
    """fsspec keeps one S3 filesystem per arguments, made with the endpoint of its time."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server with a bucket, the AWS variables (with SECRET) pointing at it; its endpoint."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    try:
        with moto_server(log) as endpoint, pytest.MonkeyPatch.context() as patch:
            for name, value in {
                "AWS_ACCESS_KEY_ID": KEY_ID,
                "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": endpoint,
                "DUMPLING_CACHE": str(tmp_path_factory.mktemp("cache")),
            }.items():
                patch.setenv(name, value)
            for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"):
                patch.delenv(name, raising=False)
            _forget_clients()
            import fsspec

            fsspec.filesystem("s3").mkdir(BUCKET)
            yield endpoint
    finally:
        _forget_clients()


def _load_remote(url: str) -> None:
    """The variants seeds loaded into the warehouse at `url` as a run loads them, without Prefect."""
    with loading(url) as target:
        files = [InputFile(path, "variants") for path in sorted(VARIANTS.iterdir())]
        report = load_shard(files, target.root / TABLES_DIR, Load("run", datetime.now(UTC)))
        commit(target.root, report.parts, replaced=report.source_files)
        refresh_derived(target.root)


@pytest.fixture(scope="module")
def remote_warehouse(store: str) -> str:
    url = f"s3://{BUCKET}/warehouse"
    _load_remote(url)
    return url


def _shown(error: BaseException) -> str:
    """All an exception shows, chained ones included, as a traceback prints it."""
    return "".join(traceback.format_exception(error))


def test_redact_hides_passwords_signed_parameters_and_secret_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    text = (
        f"GET s3://{KEY_ID}:{SECRET}@lake/w failed; try https://h/o?X-Amz-Credential=A%2F1&X-Amz-Signature=f0"
        f"&versionId=7 or http://:p@ss@minio:9000/b/k; the key was {SECRET}"
    )
    assert redact(text) == (
        f"GET s3://{KEY_ID}:***@lake/w failed; try https://h/o?X-Amz-Credential=***&X-Amz-Signature=***"
        "&versionId=7 or http://:***@minio:9000/b/k; the key was ***"
    )
    # What is no credential stays: an Azure container, a colon and an at sign in an object's key.
    kept_as_they_are = (
        "abfs://container@account.dfs.core.windows.net/w",
        "s3://lake/a:b@c",
        "s3://lake/report&token=1.csv",
        "s3://lake/w?versionId=7",
        "/data/u:p@x.txt",
    )
    for kept in kept_as_they_are:
        assert redact(kept) == kept


CREDENTIALED = f"s3://{KEY_ID}:{SECRET}@{BUCKET}/warehouse"
SIGNED = f"https://example.org/dump.jsonl?X-Amz-Credential={KEY_ID}&X-Amz-Signature={SECRET}"


@pytest.mark.parametrize(
    ("args", "status"),
    [
        pytest.param(["sql", "SELECT 1", "--warehouse", CREDENTIALED], 1, id="sql"),
        pytest.param(["status", "--warehouse", CREDENTIALED], 1, id="status"),
        pytest.param(["report", "--warehouse", CREDENTIALED, "--out", "report.html"], 1, id="report"),
        pytest.param(["ingest", str(SEEDS), "--warehouse", CREDENTIALED], 2, id="ingest-warehouse"),
        pytest.param(["ingest", f"s3://{KEY_ID}:{SECRET}@{BUCKET}/dumps/"], 2, id="ingest-source"),
        pytest.param(["ingest", SIGNED], 2, id="ingest-signed-url"),
    ],
)
def test_a_url_with_credentials_is_refused_and_shown_redacted(
    args: list[str],
    status: int,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)  # only the URL holds the secret
    assert main(args) == status
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert "***" in captured.err and "credentials do not belong in a URL" in captured.err
    assert not (tmp_path / "report.html").exists()


def test_the_library_calls_refuse_a_url_with_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    for attempt in (lambda: connect(CREDENTIALED), lambda: loading(CREDENTIALED).__enter__()):
        with pytest.raises(WarehouseError) as refused:
            attempt()
        assert SECRET not in _shown(refused.value) and f"{KEY_ID}:***@" in str(refused.value)
    with pytest.raises(CredentialsInUrl) as refused_listing:
        list_files(f"{CREDENTIALED}/dumps")
    assert SECRET not in _shown(refused_listing.value)


@pytest.mark.parametrize(
    ("toml", "variables"),
    [
        pytest.param(f'[sources.news]\nlocation = "{CREDENTIALED}/news"\n', {}, id="source"),
        pytest.param(f'[warehouse]\nlocation = "{CREDENTIALED}"\n', {}, id="warehouse"),
        pytest.param("", {"DUMPLING_SOURCES__NEWS__LOCATION": SIGNED}, id="override"),
        pytest.param("", {"DUMPLING_WAREHOUSE": CREDENTIALED}, id="warehouse-variable"),
    ],
)
def test_a_configuration_with_credentials_in_a_location_is_refused(
    toml: str, variables: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "dumpling.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match="credentials do not belong in a URL") as refused:
        load_config(path)
    assert SECRET not in _shown(refused.value) and "***" in str(refused.value)


def test_a_reader_of_a_remote_warehouse_never_shows_the_secret(
    remote_warehouse: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """DuckDB holds the credentials as a secret, which it shows redacted."""
    query = "SELECT (SELECT count(*) FROM documents) AS documents, secret_string FROM duckdb_secrets()"
    assert main(["sql", query, "--warehouse", remote_warehouse, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("documents,secret_string\n4,") and f"key_id={KEY_ID}" in out
    assert SECRET not in out and "secret=redacted" in out
    report = tmp_path / "report.html"
    assert main(["report", "--warehouse", remote_warehouse, "--out", str(report)]) == 0
    assert main(["status", "--warehouse", remote_warehouse]) == 0
    assert "4 documents from 1 sources" in capsys.readouterr().out
    assert remote_warehouse in report.read_text() and SECRET not in report.read_text()


def test_a_failing_remote_read_shows_no_secret(
    store: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    import fsspec

    caplog.set_level(logging.DEBUG)
    url = f"s3://{BUCKET}/broken"
    _load_remote(url)
    fs = fsspec.filesystem("s3")
    (part, *_) = sorted(fs.find(f"{BUCKET}/broken/{TABLES_DIR}/documents/published_month=2019-03"))
    fs.rm_file(part)
    assert main(["sql", "SELECT count(*) FROM documents", "--warehouse", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dumpling: cannot read the warehouse at {url}: ") and "404" in err
    with pytest.raises(WarehouseError) as failed:
        connect(url)
    assert "404" in str(failed.value)
    assert SECRET not in err + _shown(failed.value) + caplog.text


def test_an_unreachable_store_shows_no_secret(
    remote_warehouse: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # botocore's own logs too
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    _forget_clients()
    try:
        assert main(["sql", "SELECT 1", "--warehouse", remote_warehouse]) == 1
        err = capsys.readouterr().err
        with pytest.raises(WarehouseError) as failed:
            connect(remote_warehouse)
    finally:
        _forget_clients()
    assert err.startswith(f"dumpling: cannot read the warehouse at {remote_warehouse}: ")
    assert "Could not connect to the endpoint URL" in err
    assert "Signature" in caplog.text  # the requests were signed with the secret, and logged
    assert SECRET not in err + _shown(failed.value) + caplog.text


def test_an_endpoint_with_credentials_is_refused(
    remote_warehouse: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore would log such an endpoint as it is, and repeat it in its errors."""
    caplog.set_level(logging.DEBUG)
    endpoint = f"http://{KEY_ID}:{SECRET}@127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    _forget_clients()
    try:
        assert main(["sql", "SELECT 1", "--warehouse", remote_warehouse]) == 1
        err = capsys.readouterr().err
        with pytest.raises(WarehouseError) as refused:
            _load_remote(f"s3://{BUCKET}/elsewhere")
    finally:
        _forget_clients()
    assert err.startswith(f"dumpling: $AWS_ENDPOINT_URL (http://{KEY_ID}:***@127.0.0.1:")
    assert "credentials do not belong in a URL" in err
    assert SECRET not in err + _shown(refused.value) + caplog.text


@pytest.mark.e2e
def test_runs_log_and_record_no_secret(
    remote_warehouse: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A run into the bucket and one that fails (its bucket does not exist), as Prefect flows: neither
    their logs, the failure, the run's report nor the tables hold the secret."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest import ingest

    caplog.set_level(logging.INFO)
    with prefect_test_harness(server_startup_timeout=120):
        report = ingest(paths=[str(SEED_ARTICLE)], warehouse=remote_warehouse, workers=1)
        with pytest.raises(Exception) as failed:
            ingest(paths=[str(SEED_ARTICLE)], warehouse="s3://no-such-bucket/warehouse", workers=1)
    assert report.documents == {"textdump": 1}
    assert "bucket" in str(failed.value).lower()
    with connect(remote_warehouse) as connection:
        tables = str(connection.sql("SELECT * FROM runs").fetchall())
        tables += str(connection.sql("SELECT * FROM files").fetchall())
    assert tables.count(str(SEED_ARTICLE)) == 2  # the run's paths, and the file
    assert report.summary().splitlines()[0].endswith(f"-> {remote_warehouse}")
    captured = capfd.readouterr()
    assert "Finished in state Failed" in captured.err + caplog.text  # the logs were captured
    shown = report.summary() + _shown(failed.value) + captured.out + captured.err + caplog.text + tables
    assert SECRET not in shown
