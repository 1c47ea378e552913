"""Object-store credentials from a Prefect `Secret` block ($DUMPLING_S3_CREDENTIALS_BLOCK), with the AWS
variables wrong: a remote warehouse is written and read with the block's credentials alone, a block
that cannot be used is one clear error, and its secret is never shown.

The store is a local S3-compatible server (moto) that checks signatures: only the key it issued, which
only the block holds, is accepted. One Prefect test harness serves the whole module."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.blocks.system import Secret
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness

from flows.cli import main
from flows.ingest import ingest
from tests.conftest import SEED_ARTICLE, SEEDS, VARIANTS
from tests.servers import free_port, moto_server
from warehouse import storage
from warehouse.catalog import TABLES_DIR, WarehouseError, commit, connect
from warehouse.derived import refresh_derived
from warehouse.inputs import InputFile
from warehouse.load import load_shard
from warehouse.remote import loading
from warehouse.schema import Load
from warehouse.storage import (
    CREDENTIALS_BLOCK_VARIABLE,
    INHERITED_VARIABLE,
    CredentialsError,
    block_credentials,
    list_files,
    redact,
)

pytestmark = pytest.mark.e2e

BUCKET = "lake"
WAREHOUSE = f"s3://{BUCKET}/warehouse"
DUMPS = f"s3://{BUCKET}/dumps/"
BLOCK = "dumpling-s3"
WRONG_KEY_ID = "AKIAWRONGWRONGWRONG"
WRONG_SECRET = "wrong-secret-from-the-environment"


@dataclass(frozen=True)
class Store:
    endpoint: str
    key_id: str
    secret: str

    def credentials(self, **changes: Any) -> dict[str, Any]:
        value = {
            "aws_access_key_id": self.key_id,
            "aws_secret_access_key": self.secret,
            "endpoint_url": self.endpoint,
            "region_name": "us-east-1",
        }
        return {key: item for key, item in (value | changes).items() if item is not None}


def _forget_clients() -> None:
    """fsspec keeps one S3 filesystem per arguments."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


def _make_store(endpoint: str) -> Store:
    """moto (signatures checked after three calls) made to have one user, a key that may do anything
    in S3; the bucket holds the seeds as two dumps."""
    import boto3

    anyone = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    iam = boto3.client("iam", aws_access_key_id="x", aws_secret_access_key="y", **anyone)
    iam.create_user(UserName="loader")
    key = iam.create_access_key(UserName="loader")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="loader", PolicyName="s3", PolicyDocument=json.dumps(policy))
    store = Store(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    s3 = boto3.client("s3", aws_access_key_id=store.key_id, aws_secret_access_key=store.secret, **anyone)
    s3.create_bucket(Bucket=BUCKET)
    for path in [SEED_ARTICLE, *sorted(VARIANTS.iterdir())]:
        s3.put_object(Bucket=BUCKET, Key=f"dumps/{path.parent.name}/{path.name}", Body=path.read_bytes())
    return store


# Saved in the harness; each a Secret block's value, given the store.
MALFORMED = {
    "not-json": lambda store: f"key={store.key_id} secret={store.secret}",
    "a-list": lambda store: [store.key_id, store.secret],
    "no-key-id": lambda store: store.credentials(aws_access_key_id=None),
    "unknown-key": lambda store: store.credentials(aws_secret_key=store.secret),
    "not-text": lambda store: store.credentials(aws_session_token=12345),
    "endpoint-with-password": lambda store: store.credentials(
        endpoint_url=f"http://{store.key_id}:{store.secret}/@127.0.0.1:9"  # a `/` defeats URL redaction
    ),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The store, the blocks saved in a Prefect test harness, and the AWS variables wrong: keys the
    store refuses and an endpoint where nothing answers."""
    log, aws = tmp_path_factory.mktemp("moto") / "moto.log", tmp_path_factory.mktemp("aws")
    # moto lets the first three calls through unsigned: those that make the store's one user.
    moto_env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    try:
        with (
            moto_server(log, env=moto_env) as endpoint,
            pytest.MonkeyPatch.context() as patch,
            prefect_test_harness(server_startup_timeout=120),
        ):
            store = _make_store(endpoint)
            for name, value in {
                "AWS_ACCESS_KEY_ID": WRONG_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": WRONG_SECRET,
                "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
                "AWS_CONFIG_FILE": str(aws / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
                "AWS_EC2_METADATA_DISABLED": "true",
                "DUMPLING_CACHE": str(tmp_path_factory.mktemp("cache")),
                INHERITED_VARIABLE: "",  # set by the first load: removed at the end
            }.items():
                patch.setenv(name, value)
            for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN"):
                patch.delenv(name, raising=False)
            patch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
            patch.delenv(CREDENTIALS_BLOCK_VARIABLE, raising=False)
            # Processes started by the tests find the harness, not the Prefect home of whoever runs them.
            patch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
            Secret(value=store.credentials()).save(BLOCK)
            unreachable = store.credentials(endpoint_url=f"http://127.0.0.1:{free_port()}")
            Secret(value=unreachable).save("unreachable")
            for name, malformed in MALFORMED.items():
                Secret(value=malformed(store)).save(name)
            _forget_clients()
            yield store
    finally:
        _forget_clients()
        storage._loaded.clear()


def _shown(error: BaseException) -> str:
    """All an exception shows, chained ones included, as a traceback prints it."""
    return "".join(traceback.format_exception(error))


def _listed_in_a_worker(url: str) -> list[str]:
    """In a worker process: the files at `url`, with the credentials its parent loaded."""

    def refuse(name: str) -> object:
        raise AssertionError(f"the worker process loaded the block {name} itself")

    storage._load_block = refuse
    return [file.url for file in list_files(url)]


def test_the_environment_alone_is_refused_by_the_store(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the other tests show is the block's doing: the store refuses the environment's key."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", store.endpoint)
    _forget_clients()
    try:
        with pytest.raises(PermissionError):
            list_files(DUMPS)
    finally:
        _forget_clients()


def test_a_worker_process_takes_the_credentials_its_parent_loaded(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CREDENTIALS_BLOCK_VARIABLE, "unreachable")
    assert block_credentials() is not None
    monkeypatch.setenv(CREDENTIALS_BLOCK_VARIABLE, BLOCK)
    credentials = block_credentials()
    assert credentials is not None and store.secret not in repr(credentials)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        listed = pool.submit(_listed_in_a_worker, DUMPS).result(timeout=120)
    assert listed == [file.url for file in list_files(DUMPS)] and len(listed) == 5


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        pytest.param("no-such-block", "no such block", id="missing"),
        pytest.param("not-json", "its value is not a JSON object with aws_access_key_id, ", id="not-json"),
        pytest.param("a-list", "its value is not a JSON object with ", id="a-list"),
        pytest.param("no-key-id", "its value has no aws_access_key_id", id="no-key-id"),
        pytest.param("unknown-key", "its value has keys other than those of a JSON object", id="unknown-key"),
        pytest.param("not-text", "in its value, aws_session_token must be text", id="not-text"),
        pytest.param(
            "endpoint-with-password",
            "its endpoint_url holds a user, a password or parameters, which botocore logs",
            id="endpoint-with-password",
        ),
    ],
)
def test_a_block_that_cannot_be_used_is_one_clear_error(
    block: str,
    problem: str,
    store: Store,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(CREDENTIALS_BLOCK_VARIABLE, block)
    where = f"the Prefect Secret block {block!r} (${CREDENTIALS_BLOCK_VARIABLE})"
    with pytest.raises(WarehouseError) as reading:
        connect(WAREHOUSE)
    assert where in str(reading.value) and problem in str(reading.value)
    with pytest.raises(CredentialsError) as listing:
        list_files(DUMPS)
    assert str(listing.value) == str(reading.value)
    assert main(["sql", "SELECT 1", "--warehouse", WAREHOUSE]) == 1
    assert main(["ingest", DUMPS, "--warehouse", str(tmp_path / "warehouse")]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"dumpling: {reading.value}\n" * 2
    assert not (tmp_path / "warehouse").exists()
    shown = _shown(reading.value) + _shown(listing.value) + captured.out + captured.err + caplog.text
    assert store.secret not in shown


def test_a_local_run_never_loads_the_block(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(name: str) -> object:
        raise AssertionError(f"the block {name} was loaded for a local warehouse")

    monkeypatch.setattr(storage, "_load_block", refuse)
    monkeypatch.setenv(CREDENTIALS_BLOCK_VARIABLE, "no-such-block")
    root = tmp_path / "warehouse"
    with loading(str(root)) as target:
        files = [InputFile(path, "textdump") for path in sorted((SEEDS / "textdump").iterdir())]
        report = load_shard(files, target.root / TABLES_DIR, Load("run", datetime.now(UTC)))
        commit(target.root, report.parts, replaced=report.source_files)
        refresh_derived(target.root)
    assert main(["sql", "SELECT count(*) AS documents FROM documents", "--warehouse", str(root)]) == 0
    assert main(["status", "--warehouse", str(root)]) == 0
    assert "1 documents from 1 sources" in capsys.readouterr().out


def test_a_failing_operation_shows_no_secret(
    store: Store,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reader of a store that does not answer (botocore logs its signed requests at DEBUG), and a
    run into a bucket that does not exist, as a Prefect flow."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(CREDENTIALS_BLOCK_VARIABLE, "unreachable")
    assert main(["sql", "SELECT 1", "--warehouse", WAREHOUSE]) == 1
    with pytest.raises(WarehouseError) as unreachable:
        connect(WAREHOUSE)
    assert "Could not connect to the endpoint URL" in str(unreachable.value)
    assert "Signature" in caplog.text  # the requests were signed with the secret, and logged

    caplog.set_level(logging.INFO)
    monkeypatch.setenv(CREDENTIALS_BLOCK_VARIABLE, BLOCK)
    with pytest.raises(Exception) as failed:
        ingest(paths=[str(SEED_ARTICLE)], warehouse="s3://no-such-bucket/warehouse", workers=1)
    assert "bucket" in str(failed.value).lower()
    captured = capfd.readouterr()
    assert captured.err.startswith(f"dumpling: cannot read the warehouse at {WAREHOUSE}: ")
    assert "Finished in state Failed" in captured.err + caplog.text  # the flow's logs were captured
    shown = _shown(unreachable.value) + _shown(failed.value) + captured.out + captured.err + caplog.text
    assert store.secret not in shown and WRONG_SECRET not in shown


def test_a_remote_warehouse_is_written_and_read_with_the_block_alone(
    store: Store,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setenv(CREDENTIALS_BLOCK_VARIABLE, BLOCK)
    # Two dumps, two shards: each copied from the bucket and loaded in a worker process.
    report = ingest(paths=[DUMPS], warehouse=WAREHOUSE, workers=2)
    assert dict(report.documents) == {"textdump": 1, "textdump_variants": 4}
    assert report.summary().splitlines()[0].endswith(f"-> {WAREHOUSE}")
    flow_output = capfd.readouterr()

    query = "SELECT (SELECT count(*) FROM documents) AS documents, secret_string FROM duckdb_secrets()"
    assert main(["sql", query, "--warehouse", WAREHOUSE, "--format", "csv"]) == 0
    out = capfd.readouterr().out
    assert out.startswith("documents,secret_string\n5,") and f"key_id={store.key_id}" in out
    assert f"endpoint=127.0.0.1:{store.endpoint.rsplit(':', 1)[1]}" in out and "secret=redacted" in out
    with connect(WAREHOUSE) as connection:
        tables = "".join(
            str(connection.sql(f"SELECT * FROM {table}").fetchall()) for table in ("runs", "files", "rejects")
        )
    assert f"{DUMPS}textdump_variants/002_no_header.txt" in tables and f"'{DUMPS}'" in tables
    assert redact(f"signed with {store.secret}") == "signed with ***"
    captured = capfd.readouterr()
    assert "Finished in state Completed" in flow_output.err + caplog.text  # the flow's logs were captured
    shown = report.summary() + out + tables + caplog.text
    shown += flow_output.out + flow_output.err + captured.out + captured.err
    assert store.secret not in shown and WRONG_SECRET not in shown
