"""Kill -9 the ingest of every corpus at random moments, re-run it, and expect a clean run's warehouse.

`dumpling ingest` runs in a subprocess against a real Prefect server and is killed (its whole process
group, SIGKILL) ten times, each time after a random delay from a seeded generator; after every kill the
warehouse must still be readable, with no document twice and no more documents than a clean load. A
last run to completion must then leave the same documents (ids and content hashes), rejects and file
manifest as a clean load, a fresh search index, and no part file the catalog does not list.

Set DUMPLING_KILL_SEED to replay the delays of a failed run (the seed is printed and in every message).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CORPORA, REPO
from tests.servers import VENV_BIN, environment, kill_group, prefect_server, tail
from warehouse.catalog import CATALOG_FILE, EMPTY_PART, TABLES_DIR, connect

pytestmark = pytest.mark.e2e

KILLS = 10
# On a 2-core machine a fresh full run lasts about 41 s: the flow starts after 5-6 s, the first shard
# is committed at about 7.5 s, the slowest shard (the Reuters SGML files) alone takes about 12 s, the last
# shard is committed at about 36 s and the refresh of the derived tables takes the last 5 s. A re-run
# skips the shards committed before, so successive kills move through the load; with delays up to
# 25 s they land before a run's first commit, in the middle of shards, during the refresh and, once
# the warehouse is complete, in runs that have nothing to load.
KILL_DELAY_SECONDS = (0.5, 25.0)
RUN_TIMEOUT_SECONDS = 600.0


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prefect server of the module's own, on a free port; the API's url."""
    if not CORPORA.is_dir():
        pytest.skip(
            f"the developer corpora are not at {CORPORA} (they sit beside the repo as ../shared/corpora)"
        )
    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as url:
        yield url


@dataclass(frozen=True)
class Snapshot:
    """What a reader sees of the warehouse between runs."""

    documents: int
    distinct_ids: int
    files: int
    runs: int
    derived: str | None
    unlisted_parts: int

    def describe(self, clean: Snapshot) -> str:
        return (
            f"documents {self.documents:,}/{clean.documents:,}, files {self.files:,}/{clean.files:,}, "
            f"runs {self.runs}, derived {self.derived}, unlisted parts {self.unlisted_parts}"
        )


def _part_files(root: Path) -> set[str]:
    """Every part file under the warehouse's tables, relative to the warehouse."""
    tables = root / TABLES_DIR
    return {
        str(path.relative_to(root))
        for path in tables.rglob("*")
        if path.is_file() and path.name != EMPTY_PART
    }


def _snapshot(root: Path) -> Snapshot | None:
    """The warehouse as a reader finds it, or None when no catalog was written yet."""
    if not (root / CATALOG_FILE).exists():
        return None
    with connect(root) as connection:
        ((documents, distinct_ids),) = connection.sql(
            "SELECT count(*), count(DISTINCT doc_id) FROM documents"
        ).fetchall()
        ((files,),) = connection.sql("SELECT count(*) FROM files").fetchall()
        ((runs,),) = connection.sql("SELECT count(*) FROM runs").fetchall()
        derived = connection.sql("SELECT value FROM _meta WHERE key = 'derived'").fetchone()
        listed = {file for (file,) in connection.sql("SELECT file FROM _parts").fetchall()}
    return Snapshot(
        documents=documents,
        distinct_ids=distinct_ids,
        files=files,
        runs=runs,
        derived=derived[0] if derived else None,
        unlisted_parts=len(_part_files(root) - listed),
    )


def _rows(root: Path, sql: str) -> list[tuple]:
    with connect(root) as connection:
        return connection.sql(sql).fetchall()


def _start_ingest(root: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(VENV_BIN / "dumpling"), "ingest", str(CORPORA), "--warehouse", str(root)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _kill_after(process: subprocess.Popen[bytes], delay: float) -> tuple[bool, float]:
    """SIGKILL the process group `delay` seconds after the start, unless the run ended before: whether
    it was still running, and how long it had run."""
    started = time.monotonic()
    try:
        process.wait(timeout=delay)
        return False, time.monotonic() - started
    except subprocess.TimeoutExpired:
        elapsed = time.monotonic() - started
        kill_group(process)
        return True, elapsed


def _check_after_kill(root: Path, clean: Snapshot, context: str) -> Snapshot | None:
    try:
        seen = _snapshot(root)
    except Exception as error:
        pytest.fail(f"{context}: the warehouse is not readable after the kill: {error!r}")
    if seen is not None:
        assert seen.documents == seen.distinct_ids, f"{context}: a doc_id is there twice: {seen}"
        assert seen.documents <= clean.documents, f"{context}: more documents than a clean load: {seen}"
        assert seen.files <= clean.files, f"{context}: more manifest rows than a clean load: {seen}"
    return seen


def _kill_repeatedly(root: Path, env: dict[str, str], logs: Path, clean: Snapshot, seed: int) -> None:
    chooser = random.Random(seed)
    for attempt in range(1, KILLS + 1):
        delay = chooser.uniform(*KILL_DELAY_SECONDS)
        log = logs / f"run-{attempt:02}.log"
        process = _start_ingest(root, env, log)
        running, elapsed = _kill_after(process, delay)
        context = f"seed {seed}, kill {attempt} after {delay:.2f} s (output: {log})"
        if not running:
            assert process.returncode == 0, f"{context}: the run failed by itself:\n{tail(log)}"
        seen = _check_after_kill(root, clean, context)
        outcome = "killed" if running else f"had finished after {elapsed:.1f} s"
        state = seen.describe(clean) if seen is not None else "no catalog yet"
        print(f"kill {attempt:2}: delay {delay:5.2f} s, {outcome}; {state}")


def _final_run(root: Path, env: dict[str, str], log: Path, seed: int) -> float:
    started = time.monotonic()
    process = _start_ingest(root, env, log)
    try:
        returncode = process.wait(timeout=RUN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        kill_group(process)
        pytest.fail(f"seed {seed}: the final run did not end in {RUN_TIMEOUT_SECONDS:.0f} s:\n{tail(log)}")
    assert returncode == 0, f"seed {seed}: the final run failed:\n{tail(log)}"
    return time.monotonic() - started


def _assert_same_warehouse(root: Path, clean_root: Path, seed: int) -> None:
    queries = {
        "documents": "SELECT doc_id, content_hash FROM documents ORDER BY doc_id",
        "files": "SELECT source_file, fingerprint FROM files ORDER BY ALL",
        "rejects": "SELECT source_file, record_index, reason FROM rejects ORDER BY ALL",
    }
    for name, sql in queries.items():
        rows, clean_rows = _rows(root, sql), _rows(clean_root, sql)
        assert len(rows) == len(clean_rows), f"seed {seed}: {name}: {len(rows)} rows, clean {len(clean_rows)}"
        differing = sorted(set(rows) ^ set(clean_rows))[:5]
        assert rows == clean_rows, f"seed {seed}: {name} differ from a clean load's, e.g. {differing}"
    ((documents,),) = _rows(root, "SELECT count(*) FROM documents")
    ((indexed,),) = _rows(root, "SELECT count(*) FROM _search_documents")
    derived = _rows(root, "SELECT value FROM _meta WHERE key = 'derived'")
    assert (indexed, derived) == (documents, [("fresh",)]), f"seed {seed}: derived tables not refreshed"
    listed = {file for (file,) in _rows(root, "SELECT file FROM _parts")}
    unlisted = sorted(_part_files(root) - listed)
    assert not unlisted, f"seed {seed}: part files no commit lists: {unlisted[:5]}"
    missing = sorted(listed - _part_files(root))
    assert not missing, f"seed {seed}: listed part files that do not exist: {missing[:5]}"


def test_ingest_killed_ten_times_converges_to_a_clean_load(
    corpora_warehouse: Path, prefect_api: str, tmp_path: Path
) -> None:
    seed = int(os.environ.get("DUMPLING_KILL_SEED", time.time_ns()))
    print(f"\nkill test seed {seed} (replay with DUMPLING_KILL_SEED={seed})")
    sys.stdout.flush()

    started = time.monotonic()
    clean = _snapshot(corpora_warehouse)  # loaded without interruption, once for the session
    assert clean is not None and clean.documents == 39_143, f"seed {seed}: clean load: {clean}"
    print(f"clean load: {clean.documents:,} documents in {time.monotonic() - started:.1f} s")

    root = tmp_path / "wh"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = environment(tmp_path / "prefect-client", api_url=prefect_api)
    kills_started = time.monotonic()
    _kill_repeatedly(root, env, logs, clean, seed)
    print(f"{KILLS} kills in {time.monotonic() - kills_started:.1f} s")

    final_seconds = _final_run(root, env, logs / "final.log", seed)
    final = _snapshot(root)
    assert final is not None, f"seed {seed}: no warehouse after the final run"
    print(f"final run: {final_seconds:.1f} s; {final.describe(clean)}")
    _assert_same_warehouse(root, corpora_warehouse, seed)
    print(f"kill test seed {seed}: passed in {time.monotonic() - started:.1f} s")
