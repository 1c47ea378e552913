"""The `ingest` flow: raw dump files into the warehouse, one Prefect task per shard of files.

A run holds the warehouse's run lock from start to end; it loads only the files whose bytes changed
since they were last loaded, commits each shard as soon as it is written (so a run that dies keeps
every shard committed before), then refreshes the duplicate marks and the search index, and records
itself in `runs`.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from flows.discover import DEFAULT_EXCLUDES, discover
from flows.progress import shard_progress
from flows.workers import commit_lock, commit_shard, worker_processes
from flows.workers import current as worker_pool
from transforms.dedup import DEFAULT_THRESHOLD
from transforms.fields import parse_mapping
from transforms.records import Origin, Rejection
from warehouse.catalog import (
    TABLES_DIR,
    WarehouseError,
    collect_garbage,
    commit,
    connect,
    derived_are_stale,
    manifest,
)
from warehouse.derived import refresh_derived
from warehouse.load import InputFile, NewPart, ShardReport, fingerprint, load_shard, write_manifest
from warehouse.location import default_warehouse
from warehouse.parts import PartWriter
from warehouse.remote import Loading, loading
from warehouse.schema import REJECTS, RUNS, Load, rejects_batch
from warehouse.status import describe
from warehouse.storage import cache_directory, exists, is_remote, local_path

SHARD_FILES = 500
# A shard also ends at this many bytes of input, so that the cores get shares of similar size.
SHARD_BYTES = 3 * 1024 * 1024
DEFAULT_WORKERS = os.cpu_count() or 1
# A bigger file is loaded in slices, as that many shards (at most MAX_SLICES), each reading the whole
# file but making only its share of the records; the slices' parts are committed together.
SLICE_BYTES = 16 * 1024 * 1024
MAX_SLICES = 8
# A shard that has not finished in this time is given up (and retried if the cause was I/O).
SHARD_TIMEOUT_SECONDS = 2 * 60 * 60


@dataclass
class IngestReport:
    run_id: str
    warehouse: str
    files: int = 0
    unchanged: int = 0
    pruned: int = 0
    documents: Counter[str] = field(default_factory=Counter)
    rejects: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, shard: ShardReport) -> None:
        self.files += len(shard.source_files)
        self.documents.update(shard.documents)
        self.rejects.update(shard.rejects)
        self.formats.update(shard.formats)

    def summary(self) -> str:
        lines = [
            f"run {self.run_id}: {self.files} files loaded, {self.unchanged} unchanged, "
            f"{self.pruned} pruned, {self.documents.total()} documents, {self.rejects.total()} rejects "
            f"in {self.seconds:.1f} s -> {self.warehouse}",
            f"  throughput: {self.documents.total() / max(self.seconds, 1e-3):,.0f} documents/s",
        ]
        lines += [f"  source {name}: {count} documents" for name, count in sorted(self.documents.items())]
        lines += [f"  format {name}: {count} records" for name, count in sorted(self.formats.items())]
        lines += [f"  rejected ({reason}): {count}" for reason, count in sorted(self.rejects.items())]
        return "\n".join(lines)


def shards(
    files: Sequence[InputFile], size: int = SHARD_FILES, max_bytes: int = SHARD_BYTES
) -> Iterator[list[InputFile]]:
    """Files grouped by source, then cut into shards of at most `size` files and, unless one file is
    larger on its own, `max_bytes` of input. A file over SLICE_BYTES is sliced, a shard per slice."""
    for _, group in groupby(files, key=lambda item: item.source):
        shard: list[InputFile] = []
        shard_bytes = 0
        for item in group:
            item_bytes = item.size
            if item_bytes > SLICE_BYTES and item.excluded_by is None:
                count = min(MAX_SLICES, -(-item_bytes // SLICE_BYTES))
                yield from ([dataclasses.replace(item, file_slice=(k, count))] for k in range(count))
                continue
            if shard and (len(shard) >= size or shard_bytes + item_bytes > max_bytes):
                yield shard
                shard, shard_bytes = [], 0
            shard.append(item)
            shard_bytes += item_bytes
        if shard:
            yield shard


def _largest_first(all_shards: list[list[InputFile]]) -> list[list[InputFile]]:
    """The biggest shards start first, so that no core is left with a big one at the end."""
    return sorted(all_shards, key=lambda shard: -sum(item.size for item in shard))


def changed_files(files: Sequence[InputFile], known: dict[str, str]) -> tuple[list[InputFile], int]:
    """The files whose bytes differ from when they were last loaded (or that were never loaded),
    fingerprinted; and how many are unchanged."""
    changed = []
    for item in files:
        marked = dataclasses.replace(item, fingerprint=item.fingerprint or fingerprint(item.path))
        if known.get(item.name) != marked.fingerprint:
            changed.append(marked)
    return changed, len(files) - len(changed)


def removed_files(paths: Sequence[str], known: dict[str, str]) -> list[str]:
    """Files the warehouse holds rows of, under one of `paths`, that no longer exist."""
    roots = [path.rstrip("/") if is_remote(path) else str(local_path(path).resolve()) for path in paths]
    under = [
        file
        for file in known
        if any(file == root or file.startswith(root.rstrip("/") + "/") for root in roots)
    ]
    return [file for file in under if not (exists(file) if is_remote(file) else Path(file).exists())]


class ShardsFailed(RuntimeError):
    """Some shards could not be loaded even after their retries; every other shard was."""


def _is_io_error(task: Any, task_run: Any, state: State[Any]) -> bool:
    """Retry only what may go away by itself: I/O errors (a busy disk, a network share, a locked
    catalog). A reader's or normaliser's error would only happen again."""
    error = state.result(raise_on_failure=False)
    return isinstance(error, OSError | duckdb.IOException | WarehouseError)


@task(
    name="load-shard",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[2, 8, 32],
    retry_condition_fn=_is_io_error,
    timeout_seconds=SHARD_TIMEOUT_SECONDS,
)
def load_shard_task(files: list[InputFile], root: Path, load: Load) -> ShardReport:
    """Load a shard and commit it at once: a run that dies later keeps it."""
    pool = worker_pool()
    if pool is None:
        report = load_shard(files, root / TABLES_DIR, load)
    else:
        report = pool.submit(load_shard, files, root / TABLES_DIR, load).result()
    if files[0].file_slice is None:  # a slice is committed with the file's other slices
        commit_shard(root, report)
    return report


def _commit_slices(root: Path, item: InputFile, slices: list[ShardReport], load: Load) -> ShardReport:
    """The slices of one file committed as one, with the file's manifest row."""
    report = ShardReport.merged(slices)
    whole = dataclasses.replace(item, file_slice=None)
    manifest_part = write_manifest([whole], report.tallies, root / TABLES_DIR / "files", load)
    report.parts.append(NewPart("files", None, str(manifest_part.relative_to(root))))
    commit_shard(root, report)
    return report


@task(name="refresh-derived", cache_policy=NO_CACHE)
def refresh_derived_task(root: Path, threshold: float) -> None:
    refresh_derived(root, threshold)


def _load_in_parallel(
    all_shards: list[list[InputFile]], target: Loading, load: Load, worker_count: int
) -> tuple[list[ShardReport], list[tuple[list[InputFile], BaseException]]]:
    """Every shard as a task; with more than one worker, the tasks' loading runs in worker processes."""
    with (
        worker_processes(worker_count if len(all_shards) > 1 else 1),
        shard_progress(sum(len(shard) for shard in all_shards)) as progress,
    ):
        futures = [load_shard_task.submit(shard, target.root, load) for shard in all_shards]
        shard_of = {id(future): shard for future, shard in zip(futures, all_shards, strict=True)}
        loaded: list[ShardReport] = []
        failed: list[tuple[list[InputFile], BaseException]] = []
        slices: defaultdict[str, list[ShardReport]] = defaultdict(list)
        for done in as_completed(futures):
            shard, result = shard_of[id(done)], done.result(raise_on_failure=False)
            if not isinstance(result, ShardReport):
                failed.append((shard, result))
                continue
            if shard[0].file_slice is not None:
                slices[shard[0].name].append(result)
                if len(slices[shard[0].name]) < shard[0].file_slice[1]:
                    continue
                result = _commit_slices(target.root, shard[0], slices.pop(shard[0].name), load)
            loaded.append(result)
            progress.shard_done(len(result.source_files), result.documents.total())
            with commit_lock():
                target.sync()
    return loaded, failed


def _describe_failures(failed: list[tuple[list[InputFile], BaseException]]) -> list[str]:
    descriptions = []
    for shard, error in failed:
        first = shard[0]
        if first.file_slice is not None:
            descriptions.append(
                f"{first.name} (slice {first.file_slice[0] + 1} of {first.file_slice[1]}): {error}"
            )
        else:
            more = f" and {len(shard) - 1} more" if len(shard) > 1 else ""
            descriptions.append(f"{first.name}{more}: {error}")
    return descriptions


def _record_failures(
    root: Path, failed: list[tuple[list[InputFile], BaseException]], load: Load
) -> Counter[str]:
    """A `load_failed` reject for each file of a shard (or of a file's slice) that could not be loaded.
    The file's rows from earlier loads stay, and so does its manifest entry: the next run loads it
    again and replaces both the old rows and the reject."""
    errors = {item.name: (item, error) for shard, error in failed for item in shard}
    rejections = [
        (
            item.source,
            Rejection(
                Origin(name).at(0, -1),
                item.source_format or "unknown",
                "load_failed",
                f"its shard could not be loaded after its retries: {type(error).__name__}: {error}",
                b"",
            ),
        )
        for name, (item, error) in sorted(errors.items())
    ]
    with PartWriter(root / TABLES_DIR / "rejects", REJECTS) as writer:
        writer.write(rejects_batch(rejections, load))
        path = writer.close()
    assert path is not None
    part = NewPart("rejects", None, str(path.relative_to(root)))
    with commit_lock():
        commit(root, [part], replaced=[], sources=list(errors))
    return Counter({"load_failed": len(rejections)})


def _record_run(root: Path, report: IngestReport, load: Load, paths: Sequence[str], seen: int) -> None:
    row = {
        "run_id": report.run_id,
        "started_at": load.ingested_at,
        "finished_at": datetime.now(UTC),
        "seconds": report.seconds,
        "paths": list(paths),
        "files_seen": seen,
        "files_loaded": report.files,
        "files_unchanged": report.unchanged,
        "files_pruned": report.pruned,
        "documents": report.documents.total(),
        "rejects": report.rejects.total(),
    }
    with PartWriter(root / TABLES_DIR / "runs", RUNS) as writer:
        writer.write(pa.RecordBatch.from_pylist([row], schema=RUNS))
        path = writer.close()
    assert path is not None
    commit(root, [NewPart("runs", None, str(path.relative_to(root)))], replaced=[])


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=DEFAULT_WORKERS))
def ingest(
    paths: list[str],
    warehouse: str | None = None,
    source: str | None = None,
    source_format: str | None = None,
    field_mapping: str | None = None,
    exclude: list[str] | None = None,
    default_excludes: bool = True,
    prune: bool = False,
    near_duplicate_threshold: float = DEFAULT_THRESHOLD,
    workers: int = DEFAULT_WORKERS,
) -> IngestReport:
    """Load every new or changed file under `paths` into the warehouse; files loaded before are
    replaced, not doubled, and unchanged ones are skipped.

    `source_format` forces a format instead of detecting it; `field_mapping` maps JSONL/CSV fields to
    ours (`body=short_description,title=headline`); `exclude` adds file-name patterns to skip inside
    folders (as counted rejections) to the default ones, unless `default_excludes` is false; `prune`
    removes the rows of files under `paths` that no longer exist; `workers` is how many shards load
    at once, each in a process of its own (default: one per core).
    """
    started = time.perf_counter()
    location = warehouse or default_warehouse()
    run_id = str(flow_run.get_id() or uuid.uuid4())
    load = Load(run_id=run_id, ingested_at=datetime.now(UTC))
    report = IngestReport(run_id=run_id, warehouse=location)
    excludes = [*(DEFAULT_EXCLUDES if default_excludes else ()), *(exclude or [])]
    mapping = parse_mapping(field_mapping) if field_mapping else None
    staging = cache_directory() / "staging" / run_id
    with loading(location) as target, _removed_at_exit(staging):
        root = target.root
        collect_garbage(root)
        files = discover(paths, source, source_format, mapping, excludes, staging)
        known = manifest(root)
        changed, report.unchanged = changed_files(files, known)
        loaded, failed = _load_in_parallel(_largest_first(list(shards(changed))), target, load, workers)
        for shard_report in loaded:
            report.add(shard_report)
        if failed:
            get_run_logger().error(
                "shards that could not be loaded:\n" + "\n".join(_describe_failures(failed))
            )
            report.rejects.update(_record_failures(root, failed, load))
        gone = removed_files(paths, known) if prune else []
        if gone:
            commit(root, [], replaced=gone)
            report.pruned = len(gone)
        if changed or gone or derived_are_stale(root):
            refresh_derived_task(root, near_duplicate_threshold)
        report.seconds = time.perf_counter() - started
        _record_run(root, report, load, paths, len(files))
    _publish_report(root, location, report)
    get_run_logger().info(report.summary().splitlines()[0])
    if failed:
        # Everything else is loaded and committed; the run ends failed, saying which shards to retry.
        raise ShardsFailed(
            f"{len(failed)} shards could not be loaded: {'; '.join(_describe_failures(failed))}"
        )
    return report


@contextmanager
def _removed_at_exit(folder: Path) -> Iterator[None]:
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _publish_report(root: Path, location: str, report: IngestReport) -> None:
    """The run's report and the warehouse's status after it, as an artifact of the flow run."""
    with connect(root) as connection:
        status = describe(connection, location)
    markdown = f"## This run\n\n```\n{report.summary()}\n```\n\n## The warehouse now\n\n```\n{status}\n```\n"
    create_markdown_artifact(
        key="ingest-report", markdown=markdown, description=f"dumpling ingest into {location}"
    )


def worker_count(workers: int | None, dask_scheduler: str | None) -> int:
    """Local worker processes for a run: none besides the flow's own when a Dask cluster loads."""
    return 1 if dask_scheduler else workers or DEFAULT_WORKERS


def ingest_with_workers(workers: int, dask_scheduler: str | None = None) -> Flow[..., IngestReport]:
    """The `ingest` flow with as many tasks at once as `workers` (each task's loading in a process),
    or with its tasks run by the Dask cluster at `dask_scheduler` (pass `workers=1` to the flow then:
    the cluster's processes do the loading)."""
    if dask_scheduler:
        from prefect_dask import DaskTaskRunner

        return ingest.with_options(task_runner=DaskTaskRunner(address=dask_scheduler))
    return ingest.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))
