"""Configured sources on their schedules, against a real Prefect server (the test harness runs no
scheduler): `dumpling serve` registers a deployment per scheduled source, `dumpling deploy` one that a
process worker runs, and the server's scheduler must start runs on its own."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from tests.servers import VENV_BIN, environment, prefect_server, stop_group, tail
from warehouse.catalog import connect

pytestmark = pytest.mark.e2e

SCHEDULED_RUN_SECONDS = 240.0


@pytest.fixture(scope="module")
def scheduling_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A Prefect server whose scheduler looks for due deployments every few seconds."""
    if not CORPORA.is_dir():
        pytest.skip(f"the developer corpora are not at {CORPORA}")
    home = tmp_path_factory.mktemp("scheduling-server")
    with prefect_server(home, PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5") as url:
        yield url, home


def _flow_runs(api: str, deployment_name: str) -> list[dict]:
    query = {"deployments": {"name": {"any_": [deployment_name]}}}
    request = urllib.request.Request(
        f"{api}/flow_runs/filter",
        data=json.dumps(query).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _config(folder: Path, source: str, location: Path) -> Path:
    """A configuration with one source, due every minute, loaded into `folder`/warehouse."""
    folder.mkdir()
    config = folder / "dumpling.toml"
    config.write_text(
        '[warehouse]\nlocation = "warehouse"\nworkers = 1\n\n'
        f'[sources.{source}]\nlocation = "{location}"\n'
        'schedule = { cron = "* * * * *", timezone = "UTC" }\n'
    )
    return config


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=log.parent,
        )


def _documents(warehouse: Path) -> list[tuple[str, int]]:
    with connect(warehouse) as connection:
        assert connection.sql("SELECT count(*) FROM runs").fetchone()[0] >= 1
        return connection.sql("SELECT source, count(*) FROM documents GROUP BY ALL").fetchall()


def test_scheduled_sources_run_on_their_own(
    scheduling_server: tuple[str, Path], corpora: Path, tmp_path: Path
) -> None:
    """`dumpling serve` runs its deployment itself; `dumpling deploy` registers one that a process
    worker runs. Both at once, so that they share the wait for the next minute."""
    api, home = scheduling_server
    client_environment = environment(home / "home", api)
    newsgroups = corpora / "20news_mini" / "mini_newsgroups"
    served = _config(tmp_path / "served", "space", newsgroups / "sci.space")
    deployed = _config(tmp_path / "deployed", "med", newsgroups / "sci.med")
    serving = _start(
        [str(VENV_BIN / "dumpling"), "serve", "--config", str(served)],
        client_environment,
        served.parent / "serve.log",
    )
    working = None
    try:
        registered = subprocess.run(
            [str(VENV_BIN / "dumpling"), "deploy", "--config", str(deployed)],
            env=client_environment,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=deployed.parent,
        )
        assert (registered.returncode, registered.stdout.splitlines()) == (
            0,
            [
                "deployed ingest/med: cron '* * * * *' (UTC), on work pool 'dumpling'",
                f"a worker runs them: {VENV_BIN / 'prefect'} worker start --pool dumpling",
            ],
        ), registered.stderr
        worker_log = deployed.parent / "worker.log"
        working = _start(
            [str(VENV_BIN / "prefect"), "worker", "start", "--pool", "dumpling"],
            client_environment,
            worker_log,
        )
        # Each is stopped as soon as a run of its own completes, long before the next one is due.
        waiting = {"space": (serving, served.parent / "serve.log"), "med": (working, worker_log)}
        started = time.monotonic()
        while waiting:
            time.sleep(3)
            for name, (process, log) in list(waiting.items()):
                if process.poll() is not None or time.monotonic() - started > SCHEDULED_RUN_SECONDS:
                    pytest.fail(f"no scheduled run of {name} completed:\n{tail(log)}")
                runs = _flow_runs(api, name)
                assert not [run for run in runs if run["state_type"] in {"FAILED", "CRASHED"}], runs
                if [run for run in runs if run["auto_scheduled"] and run["state_type"] == "COMPLETED"]:
                    stop_group(process, grace=10)
                    del waiting[name]
        # A worker runs each flow run in a session of its own, which stopping the worker leaves be.
        while [run for run in _flow_runs(api, "med") if run["state_type"] in {"PENDING", "RUNNING"}]:
            assert time.monotonic() - started < SCHEDULED_RUN_SECONDS, "a flow run of med does not end"
            time.sleep(1)
    finally:
        stop_group(serving, grace=10)
        if working is not None:
            stop_group(working, grace=10)
    assert _documents(served.parent / "warehouse") == [("space", 100)]
    assert _documents(deployed.parent / "warehouse") == [("med", 100)]
    # Prefect's own command line shows each run's report, with what `dumpling status` says.
    prefect = [str(VENV_BIN / "prefect"), "artifact"]
    wide = client_environment | {"COLUMNS": "250"}  # or the table cuts the key short
    listed = subprocess.run([*prefect, "ls"], env=wide, capture_output=True, text=True, timeout=60)
    assert "ingest-report" in listed.stdout, listed.stderr
    inspected = subprocess.run(
        [*prefect, "inspect", "ingest-report", "--output", "json"],
        env=client_environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    reports = [artifact["data"] for artifact in json.loads(inspected.stdout)]
    for warehouse in (served.parent / "warehouse", deployed.parent / "warehouse"):
        status = subprocess.run(
            [str(VENV_BIN / "dumpling"), "status", "--warehouse", str(warehouse)],
            env=client_environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        assert "100 documents from 1 sources in 100 files; 0 rejects" in status
        assert [report for report in reports if status in report], (status, reports)
