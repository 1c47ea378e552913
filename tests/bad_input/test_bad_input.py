"""Broken and hostile input (tests/bad_input/cases.py): each case alone through the loader, then one
ingest of all of them beside seeds/, through the `dumpling` command as a user runs it."""

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest

from tests.bad_input.cases import Case, cases, write_suite
from tests.conftest import REPO, SEED_ARTICLE, SEEDS
from warehouse.catalog import TABLES_DIR, connect
from warehouse.load import InputFile, load_shard
from warehouse.schema import Load

MEMORY_LIMIT = 1024**3
# Folders of the checkout that other tools write (the run must write nothing anywhere else).
_NOT_THE_RUN = {".git", ".venv", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "__pycache__"}


def _expect(case: Case, documents: int, rejects: Counter[str]) -> None:
    expected = (
        case.documents if isinstance(case.documents, range) else range(case.documents, case.documents + 1)
    )
    assert documents in expected, f"{case.name}: {documents} documents, expected {case.documents}"
    assert dict(rejects) == case.rejects, f"{case.name}: rejects {dict(rejects)}, expected {case.rejects}"


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.name)
def test_each_case_is_loaded_or_rejected_with_its_reason(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "inputs" / case.path
    path.parent.mkdir(parents=True)
    case.write(path)
    report = load_shard(
        [InputFile(path, "bad")], tmp_path / "warehouse" / TABLES_DIR, Load("run", datetime.now(UTC))
    )
    tally = report.tallies[str(path)]
    _expect(case, tally.documents, report.rejects)
    assert tally.documents + tally.rejects >= 1  # nothing vanishes


def test_dates_out_of_range_load_undated_with_their_raw_value(tmp_path: Path) -> None:
    (case,) = [case for case in cases() if case.name == "dates out of range"]
    path = tmp_path / case.path
    path.parent.mkdir(parents=True)
    case.write(path)
    tables = tmp_path / "warehouse" / TABLES_DIR
    load_shard([InputFile(path, "bad")], tables, Load("run", datetime.now(UTC)))
    rows = pq.read_table(tables / "documents", columns=["date_raw", "published_at"]).to_pylist()
    dated = {row["date_raw"]: row["published_at"] for row in rows}
    assert dated == {
        "31-FEB-1987": None,
        "0000-01-01": None,
        "99999-01-01": None,
        "1551780000000": datetime(2019, 3, 5, 10, tzinfo=UTC),
    }


def _listing(roots: list[Path]) -> dict[str, tuple[int, int]]:
    """Every file under `roots`, with its size and modification time."""
    found: dict[str, tuple[int, int]] = {}
    for root in roots:
        for folder, names, files in os.walk(root):
            names[:] = [name for name in names if name not in _NOT_THE_RUN]
            for name in files:
                path = Path(folder, name)
                try:
                    stat = path.lstat()
                except FileNotFoundError:
                    continue
                found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


def _names(folder: Path) -> set[str]:
    """What is directly in `folder`: where a run that ignored its settings would write (`~/.prefect`,
    a temporary file outside TMPDIR)."""
    return set(os.listdir(folder)) if folder.is_dir() else set()


@contextmanager
def _peak_rss(pid: int) -> Iterator[dict[str, int]]:
    """The highest resident memory of any one process of the tree under `pid`, and of them all."""
    peak = {"largest": 0, "all": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            sizes = []
            with suppress(psutil.Error):
                root = psutil.Process(pid)
                for process in [root, *root.children(recursive=True)]:
                    with suppress(psutil.Error):
                        sizes.append(process.memory_info().rss)
            peak["largest"] = max(peak["largest"], *sizes, 0)
            peak["all"] = max(peak["all"], sum(sizes))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


@pytest.mark.e2e
def test_one_ingest_of_every_bad_input_and_the_seeds(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    suite = write_suite(inputs)
    # The run may write here only: its warehouse, and its temporary folder and Prefect's home.
    warehouse, scratch = tmp_path / "run" / "warehouse", tmp_path / "run" / "scratch"
    scratch.mkdir(parents=True)
    env = {
        **os.environ,
        "TMPDIR": str(scratch),
        "PREFECT_HOME": str(scratch / "prefect"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "COLUMNS": "200",
    }
    env.pop("PREFECT_API_URL", None)
    watched, folders = [REPO, inputs, Path.home() / ".prefect"], [Path.home(), Path(tempfile.gettempdir())]
    before, names_before = _listing(watched), [_names(folder) for folder in folders]
    command = [str(Path(sys.executable).parent / "dumpling"), "ingest", str(inputs), str(SEEDS)]
    process = subprocess.Popen(
        [*command, "--warehouse", str(warehouse)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with _peak_rss(process.pid) as peak:
        stdout, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, stderr[-3000:]
    after, names_after = _listing(watched), [_names(folder) for folder in folders]
    print(f"peak RSS: largest process {peak['largest'] / 2**20:,.0f} MiB, all {peak['all'] / 2**20:,.0f} MiB")
    assert peak["largest"] < MEMORY_LIMIT

    with connect(warehouse) as connection:
        documents = Counter(
            dict(connection.execute("SELECT source_file, count(*) FROM documents GROUP BY 1").fetchall())
        )
        rejects: dict[str, Counter[str]] = {}
        for source_file, reason, count in connection.execute(
            "SELECT source_file, reason, count(*) FROM rejects GROUP BY ALL"
        ).fetchall():
            rejects.setdefault(source_file, Counter())[reason] = count
        files = {
            row[0]: row[1:]
            for row in connection.execute("SELECT source_file, documents, rejects FROM files").fetchall()
        }
        seed_text = connection.execute(
            "SELECT text FROM documents WHERE source_file = ?", [str(SEED_ARTICLE)]
        ).fetchone()

    for case in suite:
        name = str(inputs / case.path)
        _expect(case, documents[name], rejects.get(name, Counter()))
    # Every good record of the seeds, the seed article whole.
    for seed in SEEDS.rglob("*.txt"):
        assert documents[str(seed)] == 1 and str(seed) not in rejects, seed
    assert seed_text is not None and seed_text[0].startswith("US-backed militants prepared on Tuesday")
    # Every input file is accounted for: its records are its documents and its rejects, none else.
    inputs_on_disk = {str(path) for path in [*inputs.rglob("*"), *SEEDS.rglob("*")] if path.is_file()}
    assert set(files) == inputs_on_disk
    for name, (file_documents, file_rejects) in files.items():
        assert (file_documents, file_rejects) == (documents[name], sum(rejects.get(name, Counter()).values()))
        assert file_documents + file_rejects >= 1, name
    loaded, rejected = sum(documents.values()), sum(sum(counts.values()) for counts in rejects.values())
    assert (
        f"{len(files)} files loaded, 0 unchanged, 0 pruned, {loaded} documents, {rejected} rejects" in stdout
    )

    # Nothing written outside the warehouse and the run's temporary folder: not in the checkout, the
    # inputs or Prefect's usual home, and no new file beside them or in the system's temporary folder.
    assert {path: stat for path, stat in after.items() if path not in before} == {}
    assert {path for path, stat in before.items() if after.get(path) != stat} == set()
    for folder, earlier, later in zip(folders, names_before, names_after, strict=True):
        assert later - earlier <= (
            {tmp_path.parts[len(folder.parts)]} if folder in tmp_path.parents else set()
        )
