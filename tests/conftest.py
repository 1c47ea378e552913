from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

import flows  # noqa: F401  (Prefect's environment: no telemetry, patient server start-up)

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SEED_ARTICLE = SEEDS / "textdump" / "000_6070c4b8a462a897.txt"
VARIANTS = SEEDS / "textdump_variants"
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(
            f"the developer corpora are not at {CORPORA} (they sit beside the repo as ../shared/corpora)"
        )
    return CORPORA


def load_without_prefect(root: Path, paths: Sequence[str], run_id: str, workers: int = 2) -> Path:
    """`paths` loaded into the warehouse at `root` by the loader itself, as the flow would load them
    but without Prefect: shards in worker processes, committed here, then duplicates and search."""
    from flows.discover import discover
    from flows.ingest import shards
    from flows.workers import worker_processes
    from warehouse.catalog import TABLES_DIR, commit
    from warehouse.derived import refresh_derived
    from warehouse.load import load_shard
    from warehouse.schema import Load

    load = Load(run_id, datetime.now(UTC))
    with worker_processes(workers) as pool:
        assert pool is not None
        futures = [
            pool.submit(load_shard, shard, root / TABLES_DIR, load) for shard in shards(discover(paths))
        ]
        for future in futures:
            report = future.result()
            commit(root, report.parts, replaced=report.source_files)
    refresh_derived(root)
    return root


@pytest.fixture(scope="session")
def corpora_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of all of ../shared/corpora, loaded once per test session; tests only read it."""
    if not CORPORA.is_dir():
        pytest.skip(
            f"the developer corpora are not at {CORPORA} (they sit beside the repo as ../shared/corpora)"
        )
    return load_without_prefect(tmp_path_factory.mktemp("corpora-warehouse"), [str(CORPORA)], "corpora")
