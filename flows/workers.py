"""The pool of worker processes that loads shards: loading is CPU-bound Python, which threads cannot
spread over cores.

Workers are started with `spawn` (the flow's process has Prefect's threads, which `fork` would copy
mid-flight) and warmed up at once: each imports the readers and loads the language model while the
caller goes on (the command line starts them before Prefect's server, so that both start together).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from warehouse.catalog import commit
from warehouse.load import ShardReport

_pool: ProcessPoolExecutor | None = None
# Commits from the tasks' threads go one at a time (DuckDB would make the others wait anyway). The
# lock lives here, not beside the task, so that a task sent to a Dask worker carries no lock with it.
_commit_lock = threading.Lock()


def _warm_up() -> None:
    from transforms.language import identify_language
    from warehouse.load import load_shard  # noqa: F401  (the readers, normalisers and Parquet writer)

    identify_language("warm up")


def current() -> ProcessPoolExecutor | None:
    """The pool started by `worker_processes`, if one is running."""
    return _pool


@contextmanager
def worker_processes(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """`workers` warmed-up processes for the duration of the block; none for a single worker, whose
    shards load in the flow's own process."""
    global _pool
    if workers < 2 or _pool is not None:
        yield _pool
        return
    context = multiprocessing.get_context("spawn")
    _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_up)
    for _ in range(workers):
        _pool.submit(int)  # starts every worker now, not at the first shard
    try:
        yield _pool
    finally:
        pool, _pool = _pool, None
        pool.shutdown(cancel_futures=True)


def commit_lock() -> threading.Lock:
    """Held by each commit, and by whatever must not see one half done (a push of the catalog)."""
    return _commit_lock


def commit_shard(root: Path, report: ShardReport) -> None:
    with _commit_lock:
        commit(root, report.parts, replaced=report.source_files)
