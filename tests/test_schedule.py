"""Configured sources on their schedules, against a real Prefect server (the test harness runs no
scheduler): `dumpling serve` registers a deployment per scheduled source, and the server's scheduler
must start runs on its own."""

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


def test_a_scheduled_source_runs_on_its_own(
    scheduling_server: tuple[str, Path], corpora: Path, tmp_path: Path
) -> None:
    api, home = scheduling_server
    config = tmp_path / "dumpling.toml"
    config.write_text(
        '[warehouse]\nlocation = "warehouse"\nworkers = 1\n\n'
        f'[sources.space]\nlocation = "{corpora / "20news_mini" / "mini_newsgroups" / "sci.space"}"\n'
        'schedule = { cron = "* * * * *", timezone = "UTC" }\n'
    )
    log = tmp_path / "serve.log"
    client_environment = environment(home / "home", api)
    with log.open("wb") as output:
        serving = subprocess.Popen(
            [str(VENV_BIN / "dumpling"), "serve", "--config", str(config)],
            env=client_environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=tmp_path,
        )
    try:
        started = time.monotonic()
        completed: list[dict] = []
        while not completed:
            if serving.poll() is not None or time.monotonic() - started > SCHEDULED_RUN_SECONDS:
                pytest.fail(f"no scheduled run completed:\n{tail(log)}")
            time.sleep(3)
            runs = _flow_runs(api, "space")
            completed = [run for run in runs if run["auto_scheduled"] and run["state_type"] == "COMPLETED"]
        assert not [run for run in runs if run["state_type"] in {"FAILED", "CRASHED"}], runs
    finally:
        stop_group(serving, grace=10)
    with connect(tmp_path / "warehouse") as connection:
        assert connection.sql("SELECT source, count(*) FROM documents GROUP BY ALL").fetchall() == [
            ("space", 100)
        ]
        assert connection.sql("SELECT count(*) FROM runs").fetchone()[0] >= 1
