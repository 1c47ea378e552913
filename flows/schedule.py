"""Configured sources as Prefect runs: now (`dumpling run`) or on their schedules (`dumpling serve`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import serve
from prefect.schedules import Cron, Interval, Schedule

from flows.config import Config, Source, resolve_location
from flows.ingest import IngestReport, ingest_with_workers, worker_count


def source_parameters(config: Config, base: Path, name: str, source: Source) -> dict[str, Any]:
    """The `ingest` flow's parameters for one configured source."""
    return {
        "paths": [resolve_location(base, source.location)],
        "warehouse": str(config.warehouse_path(base)),
        "source": name,
        "source_format": source.source_format,
        "field_mapping": source.field_mapping,
        "exclude": list(source.exclude),
        "near_duplicate_threshold": config.warehouse.near_duplicate_threshold,
        "workers": worker_count(config.warehouse.workers, config.warehouse.dask_scheduler),
    }


def run_sources(config: Config, base: Path, names: list[str]) -> list[IngestReport]:
    reports = []
    for name in names or list(config.sources):
        parameters = source_parameters(config, base, name, config.sources[name])
        flow = ingest_with_workers(parameters["workers"], config.warehouse.dask_scheduler)
        reports.append(flow(**parameters))
    return reports


def _schedule(source: Source) -> Schedule:
    assert source.schedule is not None
    if source.schedule.cron is not None:
        return Cron(source.schedule.cron, timezone=source.schedule.timezone)
    assert source.schedule.interval_seconds is not None
    return Interval(timedelta(seconds=source.schedule.interval_seconds), timezone=source.schedule.timezone)


def serve_sources(config: Config, base: Path) -> None:
    """One deployment per scheduled source, run by this process on its schedule until it is stopped."""
    deployments = []
    for name, source in config.sources.items():
        if source.schedule is None:
            continue
        parameters = source_parameters(config, base, name, source)
        flow = ingest_with_workers(parameters["workers"], config.warehouse.dask_scheduler)
        deployments.append(
            flow.to_deployment(
                name=name, schedules=[_schedule(source)], parameters=parameters, tags=["dumpling"]
            )
        )
    if not deployments:
        raise ValueError("no source in the configuration has a schedule")
    serve(*deployments)
