"""The results as markdown tables: printed at the end of a run and written beside the JSON file."""

from __future__ import annotations

from typing import Any


def _number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio(value: float | None, baseline: float | None) -> str:
    if not value or not baseline:
        return "–"
    ratio = value / baseline
    return f"{ratio:.3f} (1/{1 / ratio:,.0f})" if ratio < 1 else f"{ratio:.2f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _memory(result: dict[str, Any]) -> list[str]:
    return [f"{_number(result.get('peak_rss_mb'))} MB", f"{_number(result.get('tree_rss_mb'))} MB"]


def _jsonl_section(documents: str, section: dict[str, Any], corpus: dict[str, Any] | None) -> list[str]:
    size = f", {corpus['bytes'] / 1e6:,.0f} MB" if corpus else ""
    lines = [f"## JSON Lines, {int(documents):,} documents{size}", ""]
    duckdb = section.get("duckdb", {})
    baseline = duckdb.get("documents_per_second")
    header = [
        "run",
        "seconds",
        "documents/s",
        "MB/s",
        "ratio to DuckDB",
        "peak RSS, largest process",
        "peak RSS, all",
    ]
    rows = []
    if duckdb:
        rows.append(
            [
                f"DuckDB COPY to Parquet (zstd, {duckdb.get('threads')} threads)",
                _number(duckdb.get("seconds"), 1),
                _number(baseline),
                _number(duckdb.get("mb_per_second"), 1),
                "1",
                *_memory(duckdb),
            ]
        )
    datatrove = section.get("datatrove", {})
    if "unavailable" in datatrove:
        rows.append(["datatrove JsonlReader → ParquetWriter", datatrove["unavailable"], "", "", "", "", ""])
    elif datatrove:
        rows.append(
            [
                f"datatrove {datatrove.get('datatrove')} JsonlReader → ParquetWriter (1 task)",
                _number(datatrove.get("seconds"), 1),
                _number(datatrove.get("documents_per_second")),
                _number(datatrove.get("mb_per_second"), 1),
                _ratio(datatrove.get("documents_per_second"), baseline),
                *_memory(datatrove),
            ]
        )
    dumpling = section.get("dumpling", {})
    if dumpling:
        rows.append(
            [
                "dumpling ingest, the flow (as its summary says)",
                _number(dumpling.get("flow_seconds"), 1),
                _number(dumpling.get("documents_per_second")),
                _number(dumpling.get("mb_per_second"), 1),
                _ratio(dumpling.get("documents_per_second"), baseline),
                *_memory(dumpling),
            ]
        )
        wall = dumpling.get("wall_seconds")
        rows.append(
            [
                "dumpling ingest, the command (with Prefect's start and stop)",
                _number(wall, 1),
                _number(dumpling.get("documents_per_second_wall")),
                _number(dumpling["input_bytes"] / 1e6 / wall if wall else None, 1),
                _ratio(dumpling.get("documents_per_second_wall"), baseline),
                "",
                "",
            ]
        )
    again = section.get("dumpling_unchanged", {})
    if again:
        rows.append(
            [
                "dumpling ingest again, nothing changed "
                f"(command: {_number(again.get('wall_seconds'), 1)} s)",
                _number(again.get("flow_seconds"), 2),
                "",
                "",
                "",
                *_memory(again),
            ]
        )
    if rows:
        lines += _table(header, rows)
    if dumpling:
        lines += _dumpling_details(dumpling)
    queries = section.get("queries")
    if queries:
        rounds = len(next(iter(queries["queries"].values()))["seconds"])
        lines += [
            f"Queries on this warehouse (median of {rounds}, one connection; connecting took "
            f"{queries['connect_seconds'] * 1000:,.0f} ms):",
            "",
        ]
        lines += _table(
            ["query", "median ms", "each run, ms", "rows"],
            [
                [
                    f"{name}: `{query['sql']}`",
                    _number(query["median"] * 1000, 1),
                    " ".join(f"{s * 1000:,.0f}" for s in query["seconds"]),
                    str(query["rows"]),
                ]
                for name, query in queries["queries"].items()
            ],
        )
    return lines


def _dumpling_details(result: dict[str, Any]) -> list[str]:
    lines = []
    warehouse = result.get("warehouse")
    if warehouse:
        documents, exact = warehouse["documents"], warehouse["exact_duplicates"]
        near, clusters = warehouse["near_duplicate_documents"], warehouse["near_duplicate_clusters"]
        lines += [
            f"Loaded: {documents:,} documents, {warehouse['rejects']:,} rejects; {exact:,} exact duplicates "
            f"({exact / max(documents, 1):.0%}), {near:,} documents ({near / max(documents, 1):.0%}) in "
            f"{clusters:,} near-duplicate clusters; {warehouse['languages']} languages; "
            f"{warehouse['tables_bytes'] / 1e6:,.0f} MB of Parquet.",
            "",
        ]
    stages = result.get("stages") or []
    if stages:
        wall = result.get("wall_seconds") or 1
        lines += _table(
            ["stage", "seconds", "share of the command"],
            [
                [
                    ("    " if row["level"] else "") + row["stage"],
                    _number(row["seconds"], 2),
                    f"{row['seconds'] / wall:.0%}" if not row["level"] else "",
                ]
                for row in stages
            ],
        )
    kinds = result.get("tree_rss_by_kind_mb") or {}
    if kinds:
        peaks = ", ".join(f"{kind} {rss:,.0f} MB" for kind, rss in sorted(kinds.items(), key=lambda k: -k[1]))
        lines += [f"Memory, the peak of each kind of process (sampled; workers together): {peaks}.", ""]
    shards = result.get("shards") or {}
    if shards.get("count"):
        lines += [
            f"Shards: {shards['count']} ({shards['slices']} slices of big files) on {shards['workers']} "
            f"workers, {shards['median_seconds']} s median, {shards['max_seconds']} s longest; the workers "
            f"were loading {shards['busy_share']:.0%} of the load stage.",
            "",
        ]
    return lines


def _ingest_section(title: str, result: dict[str, Any], extra: str = "") -> list[str]:
    lines = [f"## {title}", ""]
    lines += _table(
        [
            "documents",
            "MB",
            "flow seconds",
            "command seconds",
            "documents/s",
            "MB/s",
            *(["pages/s"] if extra else []),
            "peak RSS, largest process",
            "peak RSS, all",
        ],
        [
            [
                _number(result.get("documents")),
                _number(result.get("input_bytes", 0) / 1e6),
                _number(result.get("flow_seconds"), 1),
                _number(result.get("wall_seconds"), 1),
                _number(result.get("documents_per_second")),
                _number(result.get("mb_per_second"), 2),
                *([_number(result.get("pages_per_second"), 1)] if extra else []),
                *_memory(result),
            ]
        ],
    )
    return lines + _dumpling_details(result)


def _profile_section(profile: dict[str, Any]) -> list[str]:
    lines = [
        f"## One shard, profiled: `load_shard` on {profile['documents']:,} documents ({profile['sample']})",
        "",
        f"{profile['seconds']:.1f} s, {profile['documents_per_second']:,.0f} documents/s on one core without "
        f"the profiler ({profile['profiled_seconds']:.1f} s with it). Cumulative seconds of each step, under "
        "cProfile:",
        "",
    ]
    whole = profile["steps_cumulative_seconds"].get("whole shard") or 1
    lines += _table(
        ["step", "seconds", "share"],
        [
            [step.replace("  ", "    "), _number(seconds, 2), f"{seconds / whole:.0%}"]
            for step, seconds in profile["steps_cumulative_seconds"].items()
        ],
    )
    lines += ["Functions with the most own time:", ""]
    lines += _table(
        ["function", "own s", "cumulative s", "calls"],
        [
            [f"`{f['function']}`", _number(f["own"], 2), _number(f["cumulative"], 2), f"{f['calls']:,}"]
            for f in profile["top_functions_own_seconds"][:12]
        ],
    )
    return lines


def _verdict(value: float | None, passes: bool) -> str:
    return "–" if value is None else ("yes" if passes else "**no**")


def _acceptance(results: dict[str, Any]) -> list[str]:
    """The performance targets, each with the figure this run measured."""
    sizes = sorted(results.get("jsonl", {}), key=int)
    if not sizes:
        return []
    largest = results["jsonl"][sizes[-1]]
    smallest = results["jsonl"][sizes[0]] if len(sizes) > 1 else None
    ingest, duckdb, datatrove = (largest.get(key, {}) for key in ("dumpling", "duckdb", "datatrove"))
    flow, copy, peer = ingest.get("flow_seconds"), duckdb.get("seconds"), datatrove.get("seconds")
    rows: list[list[str]] = []

    def add(target: str, measured: str, value: float | None, passes: bool) -> None:
        rows.append([target, measured if value is not None else "not measured", _verdict(value, passes)])

    times_copy = flow / copy if flow and copy else None
    add(
        f"full ingest of {int(sizes[-1]):,} documents at most 6 times DuckDB's COPY",
        f"{_number(times_copy, 1)} times ({_number(flow, 1)} s against {_number(copy, 1)} s)",
        times_copy,
        times_copy is not None and times_copy <= 6,
    )
    faster = peer / flow if flow and peer else None
    add(
        "at least 1.5 times as fast as datatrove's plain copy",
        f"{_number(faster, 2)} times ({_number(peer, 1)} s against {_number(flow, 1)} s)",
        faster,
        faster is not None and faster >= 1.5,
    )
    for key, label in (("peak_rss_mb", "largest process"), ("tree_rss_mb", "all processes")):
        peak = ingest.get(key)
        add(f"peak RSS under 1 GB ({label})", f"{_number(peak)} MiB", peak, peak is not None and peak < 1024)
        small = smallest.get("dumpling", {}).get(key) if smallest else None
        growth = peak / small if peak and small else None
        add(
            f"peak RSS at {int(sizes[-1]):,} within 1.25 times that at {int(sizes[0]):,} ({label})",
            f"{_number(growth, 2)} times",
            growth,
            growth is not None and growth <= 1.25,
        )
    again = largest.get("dumpling_unchanged", {}).get("flow_seconds")
    add(
        "a second ingest, nothing changed, under 5 s (the flow)",
        f"{_number(again, 2)} s",
        again,
        (again or 99) < 5,
    )
    limits = {"monthly count by source": 0.2, "BM25 search": 0.5, "one-month filtered count": 0.1}
    for name, query in largest.get("queries", {}).get("queries", {}).items():
        median, limit = query.get("median"), limits.get(name, 0)
        add(
            f"{name} under {limit} s",
            f"{_number(median * 1000 if median else None)} ms",
            median,
            (median or 99) < limit,
        )
    pages = results.get("warc", {}).get("pages_per_second")
    add("WARC: at least 150 pages/s", f"{_number(pages)} pages/s", pages, (pages or 0) >= 150)
    cold = results.get("seeds", {}).get("cold", {}).get("wall_seconds")
    add(
        "`dumpling ingest seeds/` from a cold start under 30 s",
        f"{_number(cold, 1)} s",
        cold,
        (cold or 99) < 30,
    )
    return ["## Targets", "", *_table(["target", "measured", "met"], rows)]


def render_markdown(results: dict[str, Any]) -> str:
    machine = results.get("machine", {})
    settings = results.get("settings", {})
    stages = ", ".join(settings.get("stages", []))
    lines = [
        f"# dumpling benchmark, {results.get('started_at', '')}",
        "",
        f"{machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('ram_gb')} GB RAM, Python "
        f"{machine.get('python')}; dumpling {machine.get('dumpling')} at {machine.get('commit')}, Prefect "
        f"{machine.get('prefect')}, DuckDB {machine.get('duckdb')}, pyarrow {machine.get('pyarrow')}, "
        f"datatrove {machine.get('datatrove') or '–'}. Load average {machine.get('load_average_at_start')} "
        f"at the start, {machine.get('load_average_at_end')} at the end. Stages: {stages}"
        f"{' (quick)' if settings.get('quick') else ''}; {results.get('harness_seconds', 0):,.0f} s in all. "
        "MB = 10^6 bytes of input; RSS in MiB.",
        "",
    ]
    lines += _acceptance(results)
    corpora = results.get("corpora", {})
    for documents, section in sorted(results.get("jsonl", {}).items(), key=lambda item: -int(item[0])):
        corpus = next(
            (stats for name, stats in corpora.items() if name.startswith(f"jsonl-{documents}-")), None
        )
        lines += _jsonl_section(documents, section, corpus)
    if "mixed" in results:
        copies = results["mixed"].get("corpus", {}).get("copies", 0)
        title = (
            f"Mixed corpus: every format, {copies} cop{'y' if copies == 1 else 'ies'} of ../shared/corpora"
        )
        lines += _ingest_section(title, results["mixed"])
    if "warc" in results:
        lines += _ingest_section(
            "WARC: HTML responses of the corpora's WARC files, copied", results["warc"], "pages"
        )
    seeds = results.get("seeds")
    if seeds:
        lines += ["## The README's first command: `dumpling ingest seeds/` into a fresh warehouse", ""]
        lines += _table(
            ["start", "command seconds", "flow seconds", "peak RSS, largest process", "peak RSS, all"],
            [
                [
                    "cold (Prefect's database created)" if label == "cold" else "warm (Prefect used before)",
                    _number(result["wall_seconds"], 1),
                    _number(result["flow_seconds"], 1),
                    *_memory(result),
                ]
                for label, result in seeds.items()
            ],
        )
    if "profile" in results:
        lines += _profile_section(results["profile"])
    for stage, error in results.get("errors", {}).items():
        lines += [f"**{stage} failed:**", "", "```", error.strip()[-1500:], "```", ""]
    return "\n".join(lines)
