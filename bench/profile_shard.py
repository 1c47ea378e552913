"""Where one shard's time goes: `warehouse.load.load_shard` on a JSON Lines file, called directly (no
Prefect, no worker pool, one core), once as it is and once under cProfile, after a warm-up on its
first WARM_UP_LINES lines.

    .venv/bin/python -m bench.profile_shard INPUT.jsonl SCRATCH_DIR

Prints one JSON object: the unprofiled seconds and documents, and from the profiled run the
cumulative seconds of the load's steps (STEPS), the own seconds per module and the functions with
the most own time. The full profile is left in SCRATCH_DIR/load_shard.prof (`python -m pstats`).
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

WARM_UP_LINES = 500
# (file name ending, function): the steps of a load, timed cumulatively (callees included).
STEPS = [
    ("warehouse/load.py", "load_shard", "whole shard"),
    ("transforms/readers/jsonl.py", "_line_record", "read: JSON line to record"),
    ("transforms/normalise.py", "normalise", "normalise (all of it)"),
    ("transforms/boilerplate.py", "split_known_lines", "  known boilerplate lines"),
    ("transforms/text.py", "split_paragraphs", "  text repair and paragraphs"),
    ("transforms/text.py", "normalise_line", "  title and url repair"),
    ("transforms/normalise.py", "_published", "  date"),
    ("transforms/urls.py", "canonical_url", "  canonical url"),
    ("transforms/authors.py", "parse_byline", "  authors"),
    ("transforms/language.py", "identify_language", "  language id"),
    ("transforms/dedup.py", "minhash_signature", "  MinHash signature"),
    ("transforms/normalise.py", "of", "  text columns and SHA-256"),
    ("transforms/normalise.py", "lower_case_keys", "  headers"),
    ("transforms/boilerplate.py", "add", "repeated paragraphs: counting"),
    ("warehouse/load.py", "write", "documents to Arrow and Parquet"),
    ("warehouse/schema.py", "documents_batch", "  Arrow batch"),
    ("warehouse/load.py", "_move_repeated_paragraphs", "repeated paragraphs: parts rewritten"),
    ("warehouse/load.py", "close", "parts closed"),
    ("warehouse/load.py", "write_manifest", "manifest (fingerprint)"),
]


def _module(filename: str) -> str:
    if filename == "~":
        return "(built-in)"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    for top in ("transforms", "warehouse", "flows"):
        if top in parts:
            return "/".join(parts[parts.index(top) :])
    return "python: " + path.name


def summarise(stats: pstats.Stats, top: int = 25) -> dict[str, Any]:
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    steps = {}
    for ending, function, label in STEPS:
        cumulative = sum(
            values[3]
            for (filename, _, name), values in entries.items()
            if filename.endswith(ending) and name == function
        )
        steps[label] = round(cumulative, 3)
    modules: defaultdict[str, float] = defaultdict(float)
    for (filename, _, _), values in entries.items():
        modules[_module(filename)] += values[2]
    functions = sorted(entries.items(), key=lambda item: -item[1][2])[:top]
    return {
        "steps_cumulative_seconds": steps,
        "own_seconds_by_module": {
            name: round(seconds, 3) for name, seconds in sorted(modules.items(), key=lambda m: -m[1])[:top]
        },
        "top_functions_own_seconds": [
            {
                "function": f"{_module(filename)}:{line}({name})",
                "own": round(values[2], 3),
                "cumulative": round(values[3], 3),
                "calls": values[1],
            }
            for (filename, line, name), values in functions
        ],
    }


def main() -> None:
    source, scratch = Path(sys.argv[1]), Path(sys.argv[2])
    from flows.discover import discover
    from transforms.language import identify_language
    from warehouse.load import load_shard
    from warehouse.schema import Load

    identify_language("warm up")  # as a worker does before its first shard
    load = Load(run_id="profile", ingested_at=datetime.now(UTC))
    # What is loaded lazily on first use (a worker's first shard pays for it once) is loaded here.
    warm_up = scratch / "warm-up.jsonl"
    with source.open("rb") as lines:
        warm_up.write_bytes(b"".join(line for _, line in zip(range(WARM_UP_LINES), lines, strict=False)))
    load_shard(discover([str(warm_up)], source="news"), scratch / "warm-up" / "tables", load)
    files = discover([str(source)], source="news")
    started = time.perf_counter()
    report = load_shard(files, scratch / "plain" / "tables", load)
    plain = time.perf_counter() - started
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    load_shard(files, scratch / "profiled" / "tables", load)
    profiler.disable()
    profiled = time.perf_counter() - started
    profiler.dump_stats(scratch / "load_shard.prof")
    result = {
        "documents": report.documents.total(),
        "rejects": report.rejects.total(),
        "seconds": plain,
        "documents_per_second": report.documents.total() / plain,
        "profiled_seconds": profiled,
        **summarise(pstats.Stats(profiler)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
