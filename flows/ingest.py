"""The `ingest` flow: raw dump files into the warehouse, one Prefect task per shard of files."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby, islice
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.discover import DEFAULT_EXCLUDES, discover
from flows.settings import default_warehouse
from transforms.fields import parse_mapping
from warehouse.catalog import TABLES_DIR, commit
from warehouse.load import InputFile, ShardReport, load_shard
from warehouse.schema import Load

SHARD_FILES = 500


@dataclass
class IngestReport:
    run_id: str
    warehouse: str
    files: int = 0
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
            f"run {self.run_id}: {self.files} files, {self.documents.total()} documents, "
            f"{self.rejects.total()} rejects in {self.seconds:.1f} s -> {self.warehouse}"
        ]
        lines += [f"  source {name}: {count} documents" for name, count in sorted(self.documents.items())]
        lines += [f"  format {name}: {count} records" for name, count in sorted(self.formats.items())]
        lines += [f"  rejected ({reason}): {count}" for reason, count in sorted(self.rejects.items())]
        return "\n".join(lines)


def shards(files: Sequence[InputFile], size: int = SHARD_FILES) -> Iterator[list[InputFile]]:
    """Files grouped by source, then cut into shards of at most `size` files."""
    for _, group in groupby(files, key=lambda item: item.source):
        iterator = iter(group)
        while shard := list(islice(iterator, size)):
            yield shard


@task(name="load-shard", cache_policy=NO_CACHE)
def load_shard_task(files: list[InputFile], tables_dir: Path, load: Load) -> ShardReport:
    return load_shard(files, tables_dir, load)


@task(name="commit", cache_policy=NO_CACHE)
def commit_task(root: Path, reports: list[ShardReport]) -> None:
    commit(
        root,
        [(table, part, report.source_files) for report in reports for table, part in report.parts.items()],
    )


@flow(name="ingest")
def ingest(
    paths: list[str],
    warehouse: str | None = None,
    source: str | None = None,
    source_format: str | None = None,
    field_mapping: str | None = None,
    exclude: list[str] | None = None,
    default_excludes: bool = True,
) -> IngestReport:
    """Load every file under `paths` into the warehouse; files loaded before are replaced, not doubled.

    `source_format` forces a format instead of detecting it; `field_mapping` maps JSONL/CSV fields to
    ours (`body=short_description,title=headline`); `exclude` adds file-name patterns to skip inside
    folders (as counted rejections) to the default ones, unless `default_excludes` is false.
    """
    started = time.perf_counter()
    root = Path(warehouse) if warehouse else default_warehouse()
    run_id = str(flow_run.get_id() or uuid.uuid4())
    load = Load(run_id=run_id, ingested_at=datetime.now(UTC))
    report = IngestReport(run_id=run_id, warehouse=str(root))
    excludes = [*(DEFAULT_EXCLUDES if default_excludes else ()), *(exclude or [])]
    mapping = parse_mapping(field_mapping) if field_mapping else None
    files = discover(paths, source, source_format, mapping, excludes)
    shard_reports = [load_shard_task(shard, root / TABLES_DIR, load) for shard in shards(files)]
    commit_task(root, shard_reports)
    for shard_report in shard_reports:
        report.add(shard_report)
    report.seconds = time.perf_counter() - started
    get_run_logger().info(report.summary().splitlines()[0])
    return report
