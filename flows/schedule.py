"""Configured sources as Prefect runs: now (`dumpling run`), on their schedules in this process
(`dumpling serve`), or as deployments that a work pool's workers run (`dumpling deploy`)."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import serve
from prefect.schedules import Cron, Interval, Schedule

from flows.config import Config, Source, resolve_location
from flows.ingest import DEFAULT_WORKERS, IngestReport, ingest_with_workers, worker_count

REPO = Path(__file__).resolve().parent.parent
DASK_SCHEDULER_VARIABLE = "DUMPLING_DASK_SCHEDULER"

# What a worker runs for a deployed source (see `deploy_sources`): a task runner set with
# `with_options` is not part of a deployment, so the flow is rebuilt here, in the run's process,
# from the Dask scheduler that the deployment puts in its environment.
ingest_on_a_worker = ingest_with_workers(DEFAULT_WORKERS, os.environ.get(DASK_SCHEDULER_VARIABLE) or None)


def source_parameters(config: Config, base: Path, name: str, source: Source) -> dict[str, Any]:
    """The `ingest` flow's parameters for one configured source."""
    return {
        "paths": [resolve_location(base, source.location)],
        "warehouse": config.warehouse_location(base),
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


class ServerUnreachable(RuntimeError):
    """No Prefect server answers at PREFECT_API_URL, or none is configured."""


def _describe(name: str, source: Source) -> str:
    if source.schedule is None:
        return f"no schedule (run it with: prefect deployment run 'ingest/{name}')"
    if source.schedule.cron is not None:
        return f"cron {source.schedule.cron!r} ({source.schedule.timezone})"
    return f"every {source.schedule.interval_seconds} s"


def _prepare_pool(pool: str) -> None:
    """Check that the server answers, and create the process work pool `pool` if it does not exist.

    Without PREFECT_API_URL, Prefect would start a temporary server, and the deployments would
    vanish with it."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL
    from prefect.workers.process import ProcessWorker

    url = PREFECT_API_URL.value()
    start = "start one with `prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api"
    if not url:
        raise ServerUnreachable(f"no Prefect server configured: {start}")
    with get_client(sync_client=True) as client:
        if client.api_healthcheck() is not None:
            raise ServerUnreachable(f"no Prefect server answers at {url}: {start}")
        try:
            existing = client.read_work_pool(pool)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=pool, type="process", base_job_template=template))
            return
    if existing.type != "process":
        raise ValueError(f"work pool {pool!r} is of type {existing.type!r}, not 'process'")


def deploy_sources(config: Config, base: Path, names: list[str], pool: str) -> list[str]:
    """One deployment per source (all, or those named) on the process work pool `pool`, with its
    schedule if it has one; its code is this checkout's, which the pool's workers must see at the
    same path. Returns a line describing each deployment."""
    from prefect import Flow

    _prepare_pool(pool)
    # A local source's pull step makes the checkout the run's working directory, where the
    # entrypoint's relative path is found.
    flow = Flow.from_source(source=str(REPO), entrypoint="flows/schedule.py:ingest_on_a_worker")
    # Set even when empty, so that a worker's own $DUMPLING_DASK_SCHEDULER does not override the file.
    environment = {DASK_SCHEDULER_VARIABLE: config.warehouse.dask_scheduler or ""}
    lines = []
    for name in names or list(config.sources):
        source = config.sources[name]
        flow.to_deployment(
            name=name,
            schedules=[_schedule(source)] if source.schedule else [],
            parameters=source_parameters(config, base, name, source),
            tags=["dumpling"],
            work_pool_name=pool,
            job_variables={"env": environment},
        ).apply()
        lines.append(f"deployed ingest/{name}: {_describe(name, source)}, on work pool {pool!r}")
    return lines


def worker_command(pool: str) -> str:
    return f"{Path(sys.executable).parent / 'prefect'} worker start --pool {pool}"
