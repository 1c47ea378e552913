"""The seed article from raw dump to a DuckDB query, through the Prefect flow and the README's command."""

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.cli import main
from flows.ingest import ingest
from tests.conftest import REPO, SEEDS

pytestmark = pytest.mark.e2e

SEED_QUERY = (
    "SELECT published_date, paragraph_count, text FROM documents "
    "WHERE source_file LIKE '%000_6070c4b8a462a897.txt'"
)


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


def _sql(capsys: pytest.CaptureFixture[str], warehouse: Path, query: str) -> list[dict[str, Any]]:
    assert main(["sql", query, "--warehouse", str(warehouse), "--format", "json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.items():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def test_flow_ingests_the_seeds(prefect_server: None, tmp_path: Path, capsys) -> None:
    report = ingest(paths=[str(SEEDS)], warehouse=str(tmp_path))
    assert (report.files, report.documents.total(), report.rejects.total()) == (5, 5, 0)
    capsys.readouterr()

    (seed,) = _sql(capsys, tmp_path, SEED_QUERY)
    assert seed["published_date"] == "2019-03-05"
    assert seed["text"].startswith("US-backed militants prepared on Tuesday")
    assert seed["text"].endswith("OCHA said on Monday.")
    assert "TRT World's Sara Firth" in seed["text"]
    assert seed["paragraph_count"] == 14 == len(seed["text"].split("\n\n"))
    assert _sql(capsys, tmp_path, "SELECT count(*) AS n FROM documents WHERE text LIKE '%date 2019%'") == [
        {"n": 0}
    ]

    (latin1,) = _sql(capsys, tmp_path, "SELECT encoding, text FROM documents WHERE text LIKE '%Chandon%'")
    assert latin1["encoding"] == "utf-8+cp1252"
    assert "Moët & Chandon" in latin1["text"]
    every_row = _sql(capsys, tmp_path, "SELECT * FROM documents") + _sql(
        capsys, tmp_path, "SELECT * EXCLUDE (raw_excerpt) FROM rejects"
    )
    assert not [text for text in _strings(every_row) if "\ufffd" in text]

    again = ingest(paths=[str(SEEDS)], warehouse=str(tmp_path))
    assert (again.files, again.unchanged, again.documents.total()) == (0, 5, 0)
    assert _sql(capsys, tmp_path, "SELECT count(*) AS n, count(DISTINCT run_id) AS runs FROM documents") == [
        {"n": 5, "runs": 1}
    ]


def test_readme_demo_command(tmp_path: Path) -> None:
    """`./dev demo` as a new user runs it: no server started by hand, a fresh Prefect home."""
    env = {
        **os.environ,
        "DUMPLING_WAREHOUSE": str(tmp_path / "warehouse"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "COLUMNS": "200",
    }
    env.pop("PREFECT_API_URL", None)
    result = subprocess.run(["./dev", "demo"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    seed_line = next(line for line in result.stdout.splitlines() if "000_6070c4b8a462a897" in line)
    assert "2019-03-05" in seed_line
    assert "US-backed militants prepared on Tuesday" in seed_line
    assert result.stdout.rstrip().endswith("5 rows")


def test_each_run_publishes_its_report_as_an_artifact(prefect_server: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    report = ingest(paths=[str(SEEDS)], warehouse=str(tmp_path))
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(limit=50)
        run_id = next(run.id for run in runs if str(run.id) == report.run_id)
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["ingest-report"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]),
            )
        )
    assert artifact.type == "markdown"
    assert f"run {report.run_id}: 5 files loaded" in artifact.data
    assert f"throughput: {5 / report.seconds:,.0f} documents/s" in artifact.data
    assert "5 documents from 2 sources in 5 files; 0 rejects" in artifact.data  # as `dumpling status` says
