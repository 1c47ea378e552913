"""`dumpling ingest`, run by the command's own `main`, with the time of each stage written to a file.

    .venv/bin/python -m bench.ingest_timed TIMINGS.json PATH... --warehouse DIR [ingest options]

The functions the flow calls for its stages are wrapped in this process only (nothing in flows/ or
warehouse/ changes): discovery, fingerprinting, the shard loads (as the worker pool runs them), the
commits (inside the commit lock), the refresh of duplicates and search index (and, inside it, the
search index and then the near-duplicate clustering), recording the run and publishing its report. Each
call is an event with its start and end (`time.time()`), written to TIMINGS.json when the command
ends, with the flow's own seconds as its report has them.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

IMPORTED_AT = time.time()

# (module, function, stage): the flow's own functions, as flows.ingest and warehouse.derived call them.
WRAPPED = [
    ("flows.ingest", "collect_garbage", "collect garbage"),
    ("flows.ingest", "discover", "discover files"),
    ("flows.ingest", "manifest", "read manifest"),
    ("flows.ingest", "changed_files", "fingerprint files"),
    ("flows.ingest", "_load_in_parallel", "load shards"),
    ("flows.workers", "commit", "commit"),
    ("flows.ingest", "refresh_derived", "refresh duplicates and index"),
    ("warehouse.derived", "_clusters", "near-duplicate clustering"),
    ("warehouse.derived", "_create_search_index", "search index"),
    ("flows.ingest", "_record_run", "record run"),
    ("flows.ingest", "_publish_report", "publish report"),
]


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.shards: list[dict[str, Any]] = []
        self.flow_seconds: float | None = None

    def wrap(self, module: ModuleType, name: str, stage: str) -> None:
        function: Callable[..., Any] = getattr(module, name)

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.time()
            if name == "_record_run":  # the run's report: the flow's own seconds, unrounded
                self.flow_seconds = args[1].seconds
            try:
                return function(*args, **kwargs)
            finally:
                self.events.append(
                    {
                        "stage": stage,
                        "start": start,
                        "end": time.time(),
                        "thread": threading.current_thread().name,
                    }
                )

        setattr(module, name, timed)

    def shard_started(self, files: Any) -> dict[str, Any]:
        first = files[0]
        shard = {
            "files": len(files),
            "bytes": sum(item.size for item in files),
            "slice": list(first.file_slice) if first.file_slice else None,
            "start": time.time(),
            "end": None,
        }
        self.shards.append(shard)
        return shard


class _TimedPool:
    """The worker pool, noting when each shard is handed to a worker and when it comes back."""

    def __init__(self, pool: Any, recorder: Recorder, load_shard: Callable[..., Any]) -> None:
        self._pool = pool
        self._recorder = recorder
        self._load_shard = load_shard

    def submit(self, function: Callable[..., Any], files: Any, *args: Any) -> Any:
        """`function` is the flow's `load_shard`, wrapped for a shard loaded in the flow's process:
        the worker gets the function itself."""
        shard = self._recorder.shard_started(files)
        future = self._pool.submit(self._load_shard, files, *args)
        future.add_done_callback(lambda _: shard.update(end=time.time()))
        return future

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


def main() -> int:
    timings, arguments = Path(sys.argv[1]), sys.argv[2:]
    import importlib

    import flows  # noqa: F401  (Prefect's environment, as the command sets it)

    recorder = Recorder()
    for module_name, function, stage in WRAPPED:
        recorder.wrap(importlib.import_module(module_name), function, stage)
    ingest = importlib.import_module("flows.ingest")
    current_pool, in_flow_load = ingest.worker_pool, ingest.load_shard

    def timed_pool() -> _TimedPool | None:
        pool = current_pool()
        return None if pool is None else _TimedPool(pool, recorder, in_flow_load)

    setattr(ingest, "worker_pool", timed_pool)  # noqa: B010

    def load_in_flow(files: Any, *args: Any) -> Any:  # one worker: the shard loads in this process
        shard = recorder.shard_started(files)
        try:
            return in_flow_load(files, *args)
        finally:
            shard["end"] = time.time()

    setattr(ingest, "load_shard", load_in_flow)  # noqa: B010
    from flows.cli import main as dumpling

    code = 1
    try:
        code = dumpling(["ingest", *arguments])
    finally:
        returned = time.time()
        timings.write_text(
            json.dumps(
                {
                    "imported_at": IMPORTED_AT,
                    "returned_at": returned,
                    "exit_code": code,
                    "flow_seconds": recorder.flow_seconds,
                    "events": recorder.events,
                    "shards": recorder.shards,
                }
            )
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
