"""One measured process: its wall time, its exit status, its output, and two peaks of memory.

* `peak_rss_mb`: the largest resident set of any single process of the tree (the command and every
  descendant it waited for), as the kernel counts it (`wait4`'s `ru_maxrss`);
* `tree_rss_mb`: the largest sum of the resident sets of the whole tree (the command, its worker
  processes, Prefect's temporary server), sampled every SAMPLE_SECONDS with psutil;
* `tree_rss_by_kind_mb`: the same peak for each kind of process of the tree (the command, the
  worker processes together, Prefect's server), each at its own moment.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench import REPO

SAMPLE_SECONDS = 0.2


@dataclass
class Measured:
    command: list[str]
    returncode: int
    wall_seconds: float
    peak_rss_mb: float
    tree_rss_mb: float
    tree_rss_by_kind_mb: dict[str, float]
    stdout: str
    stderr: str
    started_at: float  # time.time() when the process was started
    load_before: tuple[float, float, float]

    def check(self) -> Measured:
        if self.returncode != 0:
            raise MeasurementFailed(
                f"{' '.join(self.command)} exited with status {self.returncode}:\n{self.stderr[-3000:]}"
            )
        return self


class MeasurementFailed(RuntimeError):
    pass


def _kind(process: psutil.Process, root: int) -> str:
    """What a process of the tree is: the command, a worker process, Prefect's server, or other."""
    if process.pid == root:
        return "command"
    command = " ".join(process.cmdline())
    if "multiprocessing" in command:
        return "worker processes"
    if "uvicorn" in command or "prefect" in command:
        return "Prefect's server"
    return "other"


class _TreeSampler:
    """The resident sets of a process tree, sampled: the peak of their sum, and the peak of each
    kind of process (the sum of its processes; workers are summed)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self.by_kind: dict[str, int] = {}
        self.kinds: dict[int, str] = {}

    def sample(self) -> None:
        try:
            root = psutil.Process(self.pid)
            members = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        kinds: dict[str, int] = {}
        for member in members:
            try:
                rss = member.memory_info().rss
                kind = self.kinds.get(member.pid) or self.kinds.setdefault(
                    member.pid, _kind(member, self.pid)
                )
            except psutil.Error:
                continue
            total += rss
            kinds[kind] = kinds.get(kind, 0) + rss
        self.peak = max(self.peak, total)
        for kind, rss in kinds.items():
            self.by_kind[kind] = max(self.by_kind.get(kind, 0), rss)


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured process: nothing phones home, no Prefect server of the caller."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PREFECT_API", "DUMPLING_")) and name != "PREFECT_HOME"
    }
    environment.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1")
    environment.update(extra or {})
    return environment


def run(
    command: Sequence[str | Path],
    environment: Mapping[str, str] | None = None,
    cwd: Path = REPO,
    scratch: Path | None = None,
) -> Measured:
    """Run `command` to its end, sampling the memory of its process tree."""
    argv = [str(part) for part in command]
    scratch = scratch or Path(os.environ.get("TMPDIR", "/tmp"))
    scratch.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = scratch / "stdout.txt", scratch / "stderr.txt"
    load_before = os.getloadavg()
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        started_at = time.time()
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, cwd=cwd, env=dict(environment or {})
        )
        tree = _TreeSampler(process.pid)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                tree.sample()
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        command=argv,
        returncode=process.returncode,
        wall_seconds=wall,
        peak_rss_mb=usage.ru_maxrss / 1024,
        tree_rss_mb=tree.peak / 2**20,
        tree_rss_by_kind_mb={kind: round(rss / 2**20, 1) for kind, rss in tree.by_kind.items()},
        stdout=stdout_path.read_text(errors="replace"),
        stderr=stderr_path.read_text(errors="replace"),
        started_at=started_at,
        load_before=load_before,
    )
