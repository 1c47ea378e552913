"""Re-runs through the Prefect flow: unchanged files are skipped, changed ones replaced, gone ones kept
unless pruned, and two runs never load one warehouse at once."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.cli import main
from flows.ingest import IngestReport, ingest, ingest_with_workers
from tests.conftest import CORPORA
from warehouse.catalog import WarehouseError, connect, run_lock

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


def _rows(root: Path, sql: str) -> list[tuple]:
    with connect(root) as connection:
        return connection.sql(sql).fetchall()


@pytest.fixture(scope="module")
def corpora_loaded(
    prefect_server: None, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, IngestReport]:
    """The corpora loaded once by the flow with the default runner."""
    if not CORPORA.is_dir():
        pytest.skip(f"the developer corpora are not at {CORPORA}")
    root = tmp_path_factory.mktemp("corpora")
    return root, ingest(paths=[str(CORPORA)], warehouse=str(root))


def test_the_corpora_on_a_dask_cluster_give_the_same_documents(
    prefect_server: None,
    corpora_loaded: tuple[Path, IngestReport],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dask.distributed import LocalCluster
    from prefect.settings import PREFECT_API_URL

    # The cluster's worker processes report their task runs to the same Prefect server.
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        report = ingest_with_workers(1, cluster.scheduler_address)(
            paths=[str(CORPORA)], warehouse=str(tmp_path), workers=1
        )
    assert report.documents.total() == 39_143
    assert _documents(tmp_path) == _documents(corpora_loaded[0])


def test_a_second_run_over_the_corpora_loads_nothing(
    corpora_loaded: tuple[Path, IngestReport], corpora: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path, first = corpora_loaded
    assert (first.files, first.unchanged, first.documents.total()) == (3298, 0, 39_143)
    second = ingest(paths=[str(corpora)], warehouse=str(tmp_path))
    assert (second.files, second.unchanged, second.documents.total()) == (0, 3298, 0)
    assert second.seconds < 5, second.summary()
    runs = _rows(tmp_path, "SELECT files_loaded, files_unchanged, documents FROM runs ORDER BY started_at")
    assert runs == [(3298, 0, 39_143), (0, 3298, 0)]
    assert _rows(tmp_path, "SELECT count(*), count(DISTINCT doc_id) FROM documents") == [(39_143, 39_143)]
    # The search index survives the incremental run: Reuters stories on OPEC and oil prices, by BM25.
    capsys.readouterr()
    query = "select source, title, score from search('oil prices opec') limit 5"
    assert main(["sql", query, "--warehouse", str(tmp_path), "--format", "json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [hit["source"] for hit in hits] == ["reuters21578"] * 5
    assert all("OPEC" in hit["title"] or "OIL" in hit["title"] for hit in hits)
    assert [hit["score"] for hit in hits] == sorted((hit["score"] for hit in hits), reverse=True)


def _dump(corpora: Path, folder: Path) -> Path:
    shutil.copytree(corpora / "jsonl_huffpost", folder / "huffpost")
    shutil.copytree(corpora / "rss_nyt_2016", folder / "nyt")
    shutil.copytree(corpora / "20news_mini" / "mini_newsgroups" / "sci.space", folder / "space")
    return folder


def _documents(root: Path) -> list[tuple]:
    return _rows(root, "SELECT doc_id, content_hash FROM documents ORDER BY doc_id")


def test_appended_and_changed_files_replace_exactly_their_rows(
    prefect_server: None, corpora: Path, tmp_path: Path
) -> None:
    dump = _dump(corpora, tmp_path / "dump")
    root = tmp_path / "warehouse"
    ingest(paths=[str(dump)], warehouse=str(root))
    before = dict(_rows(root, "SELECT source_file, run_id FROM files"))

    jsonl = dump / "huffpost" / "News_Category_Dataset_v2.json"
    lines = jsonl.read_text().splitlines(keepends=True)
    appended = [
        json.dumps({**json.loads(line), "headline": f"Appended {n}"}) + "\n"
        for n, line in enumerate(lines[:3])
    ]
    jsonl.write_text("".join(lines + appended))
    feed = dump / "nyt" / "HomePage.xml"
    feed.write_text(feed.read_text().replace("<title>", "<title>Changed: "))

    report = ingest(paths=[str(dump)], warehouse=str(root))
    assert report.files == 2 and report.unchanged == len(before) - 2
    assert report.documents == {"huffpost": 4785, "nyt": 33}
    after = dict(_rows(root, "SELECT source_file, run_id FROM files"))
    reloaded = {file for file in after if after[file] != before[file]}
    assert reloaded == {str(jsonl), str(feed)}

    clean = tmp_path / "clean"
    ingest(paths=[str(dump)], warehouse=str(clean))
    assert _documents(root) == _documents(clean)
    assert len(_documents(root)) == 4785 + 33 + 100
    assert _rows(root, "SELECT count(*) FROM documents WHERE title LIKE 'Changed: %'") == [(33,)]


def test_removed_files_stay_unless_pruned(prefect_server: None, corpora: Path, tmp_path: Path) -> None:
    dump = _dump(corpora, tmp_path / "dump")
    root = tmp_path / "warehouse"
    ingest(paths=[str(dump)], warehouse=str(root))
    shutil.rmtree(dump / "nyt")
    kept = ingest(paths=[str(dump)], warehouse=str(root))
    assert (kept.files, kept.pruned) == (0, 0)
    assert _rows(root, "SELECT count(*) FROM documents WHERE source = 'nyt'") == [(33,)]
    pruned = ingest(paths=[str(dump)], warehouse=str(root), prune=True)
    assert (pruned.files, pruned.pruned) == (0, 1)
    assert _rows(root, "SELECT count(*) FROM documents WHERE source = 'nyt'") == [(0,)]
    assert _rows(root, "SELECT count(*) FROM files WHERE source = 'nyt'") == [(0,)]
    assert _rows(root, "SELECT count(*) FROM documents") == [(4782 + 100,)]


def test_a_second_run_at_the_same_time_is_refused(prefect_server: None, tmp_path: Path) -> None:
    from tests.conftest import VARIANTS

    with run_lock(tmp_path), pytest.raises(WarehouseError, match="being loaded by another run"):
        ingest(paths=[str(VARIANTS)], warehouse=str(tmp_path))
    report = ingest(paths=[str(VARIANTS)], warehouse=str(tmp_path))
    assert report.documents.total() == 4


def test_worker_processes_give_the_same_documents_as_one_worker(
    prefect_server: None, corpora: Path, tmp_path: Path
) -> None:
    dump = _dump(corpora, tmp_path / "dump")
    parallel = ingest(paths=[str(dump)], warehouse=str(tmp_path / "parallel"), workers=2)
    serial = ingest(paths=[str(dump)], warehouse=str(tmp_path / "serial"), workers=1)
    assert parallel.documents == serial.documents == {"huffpost": 4782, "nyt": 33, "space": 100}
    assert _documents(tmp_path / "parallel") == _documents(tmp_path / "serial")


def test_configured_sources_run_with_their_settings(
    prefect_server: None, corpora: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "dumpling.toml"
    config.write_text(
        '[warehouse]\nlocation = "warehouse"\n\n'
        f'[sources.teasers]\nlocation = "{corpora / "jsonl_huffpost"}"\n'
        'map = { body = "headline" }\n\n'
        f'[sources.nyt]\nlocation = "{corpora / "rss_nyt_2016"}"\n'
    )
    assert main(["run", "teasers", "--config", str(config)]) == 0
    assert "4782 documents" in capsys.readouterr().out
    first = json.loads((corpora / "jsonl_huffpost" / "News_Category_Dataset_v2.json").open().readline())
    rows = _rows(tmp_path / "warehouse", "SELECT source, text FROM documents WHERE record_index = 0")
    assert rows == [("teasers", first["headline"])]  # the headline mapped to the body
    assert _rows(tmp_path / "warehouse", "SELECT count(*) FROM documents") == [(4782,)]


def test_a_failing_shard_fails_the_run_after_the_others_are_loaded(
    prefect_server: None, corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.ingest
    from flows.ingest import ShardsFailed

    dump = _dump(corpora, tmp_path / "dump")
    real_load_shard = flows.ingest.load_shard
    attempts: dict[str, int] = {}

    def unreliable(files, tables_dir, load):  # type: ignore[no-untyped-def]
        source = files[0].source
        attempts[source] = attempts.get(source, 0) + 1
        if source == "space" and attempts[source] == 1:
            raise OSError("the network share went away")  # I/O: retried, then it works
        if source == "nyt":
            raise ValueError("a reader bug")  # not I/O: not retried
        return real_load_shard(files, tables_dir, load)

    monkeypatch.setattr(flows.ingest, "load_shard", unreliable)
    quick = flows.ingest.load_shard_task.with_options(retry_delay_seconds=[0, 0, 0])
    monkeypatch.setattr(flows.ingest, "load_shard_task", quick)
    with pytest.raises(ShardsFailed, match=r"1 shards could not be loaded: .*HomePage.xml: a reader bug"):
        ingest(paths=[str(dump)], warehouse=str(tmp_path / "warehouse"), workers=1)
    assert attempts == {"huffpost": 1, "nyt": 1, "space": 2}
    rows = _rows(tmp_path / "warehouse", "SELECT source, count(*) FROM documents GROUP BY ALL ORDER BY 1")
    assert rows == [("huffpost", 4782), ("space", 100)]
    assert _rows(tmp_path / "warehouse", "SELECT files_loaded FROM runs") == [(101,)]
    failed = _rows(tmp_path / "warehouse", "SELECT source, reason, message, source_file FROM rejects")
    assert failed == [
        (
            "nyt",
            "load_failed",
            "its shard could not be loaded after its retries: ValueError: a reader bug",
            str((dump / "nyt" / "HomePage.xml").resolve()),
        )
    ]
    monkeypatch.setattr(flows.ingest, "load_shard", real_load_shard)
    again = ingest(paths=[str(dump)], warehouse=str(tmp_path / "warehouse"), workers=1)
    assert (again.files, again.unchanged, dict(again.documents)) == (1, 101, {"nyt": 33})
    assert _rows(tmp_path / "warehouse", "SELECT count(*) FROM rejects WHERE reason = 'load_failed'") == [
        (0,)
    ]


def test_a_big_file_loads_in_slices_on_every_worker_as_one_file(
    prefect_server: None,
    corpora_loaded: tuple[Path, IngestReport],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import flows.ingest

    monkeypatch.setattr(flows.ingest, "SLICE_BYTES", 256 * 1024)  # the 1.9 MB JSONL file: 8 slices
    big = (CORPORA / "jsonl_huffpost" / "News_Category_Dataset_v2.json").resolve()
    shards = list(flows.ingest.shards([flows.ingest.InputFile(big, "jsonl_huffpost")]))
    assert [shard[0].file_slice for shard in shards] == [(k, 8) for k in range(8)]
    report = ingest(paths=[str(CORPORA / "jsonl_huffpost")], warehouse=str(tmp_path), workers=2)
    assert (report.files, dict(report.documents)) == (1, {"jsonl_huffpost": 4782})
    whole = _rows(
        corpora_loaded[0],
        "SELECT doc_id, content_hash, text FROM documents WHERE source = 'jsonl_huffpost' ORDER BY doc_id",
    )
    assert _rows(tmp_path, "SELECT doc_id, content_hash, text FROM documents ORDER BY doc_id") == whole
    assert _rows(tmp_path, "SELECT source_file, documents, rejects FROM files") == [(str(big), 4782, 0)]
    assert _rows(tmp_path, "SELECT files_loaded, documents FROM runs") == [(1, 4782)]
