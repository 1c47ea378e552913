"""Dumps kept in a bucket, and a warehouse in one: a local S3-compatible server (moto) on loopback, a
corpus uploaded to it, loaded from `s3://` into a warehouse on `s3://`, queried with `dumpling sql`,
and compared with the same corpus loaded from local files into a local warehouse."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.ingest import ingest
from tests.conftest import CORPORA
from tests.servers import VENV_BIN, moto_server
from warehouse.catalog import connect

pytestmark = pytest.mark.e2e

# Four formats, an archive and records that are rejected: RSS, mbox, JSONL and gzipped WARC.
FOLDERS = ("rss_nyt_2016", "mbox_python_dev", "jsonl_huffpost", "warc")
BUCKET = "dumps"
# Columns that name where a row came from or when it was loaded, and so differ between the two runs.
PLACE_AND_TIME = "doc_id, source_file, run_id, ingested_at, duplicate_of, near_duplicate_cluster"


def _ended_pid() -> int:
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server on a free loopback port, with the AWS variables pointing at it."""
    if not CORPORA.is_dir():
        pytest.skip(f"the developer corpora are not at {CORPORA}")
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with moto_server(log) as endpoint, pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        yield endpoint


@pytest.fixture(scope="module")
def loaded(
    s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, dict[str, int]]]:
    """The folders uploaded and loaded from the bucket into a warehouse in it, and loaded from local
    files into a local warehouse: (warehouse URL, local warehouse, documents per source)."""
    import fsspec

    fs = fsspec.filesystem("s3")
    fs.mkdir(BUCKET)
    for folder in FOLDERS:
        fs.put(str(CORPORA / folder), f"{BUCKET}/corpora/{folder}", recursive=True)
    local = tmp_path_factory.mktemp("local")
    with pytest.MonkeyPatch.context() as patch, prefect_test_harness(server_startup_timeout=120):
        patch.setenv("DUMPLING_CACHE", str(tmp_path_factory.mktemp("cache")))
        remote = ingest(
            paths=[f"s3://{BUCKET}/corpora/{folder}/" for folder in FOLDERS],
            warehouse=f"s3://{BUCKET}/warehouse",
            workers=2,
        )
        here = ingest(paths=[str(CORPORA / folder) for folder in FOLDERS], warehouse=str(local), workers=2)
        assert remote.documents == here.documents
        assert remote.rejects == here.rejects
        again = ingest(
            paths=[f"s3://{BUCKET}/corpora/{folder}" for folder in FOLDERS],
            warehouse=f"s3://{BUCKET}/warehouse",
        )
        assert (again.files, again.documents.total()) == (0, 0)
        assert again.unchanged == remote.files
        yield f"s3://{BUCKET}/warehouse", local, dict(remote.documents)


def _dumpling_sql(query: str, warehouse: str, cache: Path) -> list[dict[str, str]]:
    result = subprocess.run(
        [str(VENV_BIN / "dumpling"), "sql", query, "--warehouse", warehouse, "--format", "csv"],
        capture_output=True,
        text=True,
        env=os.environ | {"DUMPLING_CACHE": str(cache)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_a_bucket_loads_into_a_bucket_as_local_files_load_locally(
    loaded: tuple[str, Path, dict[str, int]], tmp_path: Path
) -> None:
    url, local, documents = loaded
    assert documents == {
        "jsonl_huffpost": 4782,
        "mbox_python_dev": 440,
        "rss_nyt_2016": 33,
        "chatnoir-resiliparse": 16,
        "commoncrawl-whirlwind": 2,
        "webrecorder-warcio": 2,
    }
    # A reader with nothing cached: it fetches the catalog and reads the parts in the bucket.
    query = (
        f"SELECT * EXCLUDE ({PLACE_AND_TIME}), regexp_extract(source_file, 'corpora/(.*)$', 1) AS file, "
        "duplicate_of IS NOT NULL AS duplicate FROM documents ORDER BY file, source_member, record_index"
    )
    from_bucket = _dumpling_sql(query, url, tmp_path / "reader-cache")
    assert len(from_bucket) == sum(documents.values())
    assert from_bucket[0]["file"].startswith("jsonl_huffpost/")
    from_disk = _dumpling_sql(query, str(local), tmp_path)  # `corpora/` ends both places
    assert from_bucket == from_disk


def test_every_source_file_is_named_by_its_url(
    loaded: tuple[str, Path, dict[str, int]], tmp_path: Path
) -> None:
    url, _, _ = loaded
    rows = _dumpling_sql(
        "SELECT (SELECT count(*) FROM files) AS files, "
        "(SELECT count(*) FROM files WHERE source_file LIKE 's3://dumps/corpora/%') AS in_bucket, "
        "(SELECT count(*) FROM rejects WHERE source_file LIKE 's3://dumps/corpora/warc/%') AS warc_rejects, "
        "(SELECT count(*) FROM documents WHERE text ILIKE '%python%') AS python",
        url,
        tmp_path / "reader-cache",
    )
    assert rows[0]["files"] == rows[0]["in_bucket"]
    assert int(rows[0]["warc_rejects"]) > 0
    assert int(rows[0]["python"]) > 100


def test_a_run_is_refused_while_a_run_elsewhere_holds_the_bucket(s3_endpoint: str) -> None:
    import fsspec

    from warehouse.catalog import WarehouseError
    from warehouse.remote import loading

    fs = fsspec.filesystem("s3")
    fs.mkdir("locked")
    holder = '{"host": "loader-7", "pid": 4242, "since": "2026-11-24T06:00:00+00:00"}'
    fs.pipe_file("locked/warehouse/.lock", holder.encode())
    refused = r"being loaded by another run \(pid 4242 on loader-7 since"
    with pytest.raises(WarehouseError, match=refused), loading("s3://locked/warehouse"):
        pass
    assert fs.cat_file("locked/warehouse/.lock").decode() == holder


def test_a_lock_left_by_a_dead_process_of_this_machine_is_taken_over(
    s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fsspec

    from warehouse.remote import loading

    monkeypatch.setenv("DUMPLING_CACHE", str(tmp_path))
    fs = fsspec.filesystem("s3")
    fs.mkdir("abandoned")
    fs.pipe_file(
        "abandoned/warehouse/.lock",
        f'{{"host": "{socket.gethostname()}", "pid": {_ended_pid()}, "since": "x"}}'.encode(),
    )
    with loading("s3://abandoned/warehouse") as target:
        assert str(os.getpid()) in fs.cat_file("abandoned/warehouse/.lock").decode()
        assert target.root.is_relative_to(tmp_path)
    assert not fs.exists("abandoned/warehouse/.lock")


def test_parts_no_catalog_lists_are_removed_by_the_next_run(
    loaded: tuple[str, Path, dict[str, int]],
) -> None:
    import fsspec

    from warehouse.remote import loading

    url, _, _ = loaded
    fs = fsspec.filesystem("s3")
    leftover = "dumps/warehouse/tables/documents/published_month=2016-01/part-leftover.parquet"
    fs.pipe_file(leftover, b"left by a run that died")
    with loading(url):
        assert not fs.exists(leftover)


def test_a_changed_file_in_the_bucket_is_loaded_again_and_a_removed_one_pruned(
    loaded: tuple[str, Path, dict[str, int]],
) -> None:
    import fsspec

    url, _, _ = loaded
    fs = fsspec.filesystem("s3")
    feed = f"{BUCKET}/corpora/rss_nyt_2016/HomePage.xml"
    fs.pipe_file(feed, fs.cat_file(feed) + b"\n<!-- fetched again -->\n")
    sources = [f"s3://{BUCKET}/corpora/{folder}" for folder in FOLDERS]
    changed = ingest(paths=sources, warehouse=url)
    assert (changed.files, changed.unchanged, dict(changed.documents)) == (1, 11, {"rss_nyt_2016": 33})
    with connect(url) as connection:
        (kept,) = connection.sql(
            "SELECT count(*) FROM documents WHERE source_file LIKE '%/mbox_python_dev/2016-11.txt'"
        ).fetchone()
    fs.rm_file(f"{BUCKET}/corpora/mbox_python_dev/2016-11.txt")
    assert (ingest(paths=sources, warehouse=url).pruned, kept > 0) == (0, True)  # kept unless pruned
    pruned = ingest(paths=sources, warehouse=url, prune=True)
    assert (pruned.files, pruned.pruned) == (0, 1)
    with connect(url) as connection:
        assert connection.sql(
            "SELECT count(*) FROM documents WHERE source = 'mbox_python_dev'"
        ).fetchone() == (440 - kept,)
        assert connection.sql("SELECT count(*) FROM files").fetchone() == (11,)
