"""How much faster the default runner loads the corpora than the same ingest forced to one worker.

    .venv/bin/python -m tests.benchmarks.bench_workers [--rounds 2] [--workers N]

Each ingest is `dumpling ingest ../shared/corpora` into a fresh warehouse, as a user runs it, with the
default workers (one per core) or `--workers 1`, in alternating order after one warm-up run. The
figure for each is the flow's own duration as the run reports it (Prefect's start-up excluded); the
speed-up is the ratio of the medians.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import CORPORA, REPO

DUMPLING = REPO / ".venv" / "bin" / "dumpling"
_DURATION = re.compile(r"^run \S+: .* in ([0-9.]+) s -> ", re.MULTILINE)


def _run(workers: int | None) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        command = [str(DUMPLING), "ingest", str(CORPORA), "--warehouse", str(Path(scratch) / "warehouse")]
        command += ["--workers", str(workers)] if workers else []
        environment = {**os.environ, "PREFECT_HOME": str(Path(scratch) / "prefect")}
        result = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    match = _DURATION.search(result.stdout)
    assert match and "39143 documents" in result.stdout, result.stdout[-2000:]
    return float(match[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    if not CORPORA.is_dir():
        parser.exit(2, f"the developer corpora are not at {CORPORA}\n")
    _run(None)  # warm-up: file cache, bytecode
    default: list[float] = []
    one: list[float] = []
    for _ in range(arguments.rounds):
        default.append(_run(None))
        one.append(_run(1))
    cores = os.cpu_count()
    print(f"corpora: 3,298 files, 39,143 documents; {cores} cores; {arguments.rounds} rounds")
    print(f"default ({cores} workers): {', '.join(f'{t:.1f}' for t in default)} s")
    print(f"--workers 1:            {', '.join(f'{t:.1f}' for t in one)} s")
    print(f"speed-up: {statistics.median(one) / statistics.median(default):.2f}x")


if __name__ == "__main__":
    main()
