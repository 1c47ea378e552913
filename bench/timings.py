"""What an ingest's output and its stage events (from bench.ingest_timed) say: the summary's figures,
the time of each stage and how busy the workers were."""

from __future__ import annotations

import re
import statistics
from typing import Any

_SUMMARY = re.compile(
    r"^run (?P<run>\S+): (?P<files>\d+) files loaded, (?P<unchanged>\d+) unchanged, (?P<pruned>\d+) pruned, "
    r"(?P<documents>\d+) documents, (?P<rejects>\d+) rejects in (?P<seconds>[0-9.]+) s -> ",
    re.MULTILINE,
)

# The flow's stages in their order, and what is timed inside some of them.
FLOW_STAGES = [
    "collect garbage",
    "discover files",
    "read manifest",
    "fingerprint files",
    "load shards",
    "refresh duplicates and index",
    "record run",
    "publish report",
]
INSIDE = {
    "load shards": [("commit", "commits, one at a time (sum)")],
    "refresh duplicates and index": [
        ("search index", "search index"),
        ("near-duplicate clustering", "signatures read, near-duplicate clustering (after the index)"),
    ],
}
START_UP = "start-up: Python, Prefect's server, workers"


def parse_summary(stdout: str) -> dict[str, Any]:
    """The figures of the first line of `dumpling ingest`'s summary."""
    match = _SUMMARY.search(stdout)
    if match is None:
        raise ValueError(f"no run summary in the output:\n{stdout[-2000:]}")
    figures: dict[str, Any] = {
        name: int(match[name]) for name in ("files", "unchanged", "pruned", "documents", "rejects")
    }
    figures.update(run=match["run"], seconds=float(match["seconds"]))
    return figures


def _events(timings: dict[str, Any], stage: str) -> list[dict[str, Any]]:
    return [event for event in timings["events"] if event["stage"] == stage]


def _total(events: list[dict[str, Any]]) -> float:
    return float(sum(event["end"] - event["start"] for event in events))


def stage_breakdown(
    timings: dict[str, Any], started_at: float, wall_seconds: float, flow_seconds: float
) -> list[dict[str, Any]]:
    """Rows of (stage, seconds, level): level 0 add up to the wall time, level 1 are parts of the row
    above them (or run beside each other)."""
    events = timings["events"]
    if not events:
        return []
    rows: list[dict[str, Any]] = []

    def add(stage: str, seconds: float, level: int = 0) -> None:
        rows.append({"stage": stage, "seconds": round(seconds, 3), "level": level})

    flow_started = min(event["start"] for event in events)
    add(START_UP, flow_started - started_at)
    timed_in_flow = 0.0
    for stage in FLOW_STAGES:
        found = _events(timings, stage)
        if not found:
            continue
        seconds = _total(found)
        add(stage, seconds)
        if stage not in ("record run", "publish report"):
            timed_in_flow += seconds
        for inner, label in INSIDE.get(stage, []):
            inside = _events(timings, inner)
            if inside:
                add(label, _total(inside), 1)
        if stage == "refresh duplicates and index":
            beside = _events(timings, "near-duplicate clustering") + _events(timings, "search index")
            if beside:
                span = max(e["end"] for e in beside) - min(e["start"] for e in beside)
                add("duplicate marks, marks parts, commit", seconds - span, 1)
    add("rest of the flow (between the stages)", max(0.0, flow_seconds - timed_in_flow))
    last = max(event["end"] for event in events)
    add("flow's end: Prefect's bookkeeping, summary", timings["returned_at"] - last)
    add("exit: Prefect's server stopped", started_at + wall_seconds - timings["returned_at"])
    return rows


def shard_summary(timings: dict[str, Any], workers: int) -> dict[str, Any]:
    shards = [shard for shard in timings["shards"] if shard.get("end")]
    if not shards:
        return {"count": 0}
    seconds = [shard["end"] - shard["start"] for shard in shards]
    loading = _total(_events(timings, "load shards"))
    return {
        "count": len(shards),
        "slices": sum(1 for shard in shards if shard["slice"]),
        "median_seconds": round(statistics.median(seconds), 2),
        "max_seconds": round(max(seconds), 2),
        "sum_seconds": round(sum(seconds), 2),
        "workers": workers,
        # How much of the load stage the workers spent loading (1.0: every worker busy throughout).
        "busy_share": round(sum(seconds) / (workers * loading), 3) if loading else None,
    }
