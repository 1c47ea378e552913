"""dumpling's benchmark: builds the corpora, measures, prints a table and writes the results.

    .venv/bin/python -m bench [--documents N] [--quick] [--only STAGE...] [--out FILE.json]

Stages, in the order they run (all by default): seeds, duckdb, datatrove, ingest, reingest, queries,
mixed, warc, profile. See bench/README.md for what each measures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psutil

from bench import BENCH, CORPORA, DATA, DUMPLING, PYTHON, REPO, RESULTS, VENV
from bench.corpora import Built, jsonl_corpus, mixed_corpus, warc_corpus
from bench.measure import Measured, MeasurementFailed, clean_environment, run
from bench.report import render_markdown
from bench.timings import parse_summary, shard_summary, stage_breakdown

STAGES = ["seeds", "duckdb", "datatrove", "ingest", "reingest", "queries", "mixed", "warc", "profile"]
FULL_DOCUMENTS = 1_000_000
QUICK_DOCUMENTS = 100_000
RSS_POINT = 100_000  # the ingest is also measured at this size, for its peak memory
PROFILE_DOCUMENTS = 20_000
PEERS = BENCH / ".venv-peers"
DATATROVE_REQUIREMENT = "datatrove[io]==0.10.1"
SOURCE = "news"  # the source name of the JSON Lines corpus's documents


@dataclass
class Context:
    documents: int
    quick: bool
    seed: int
    workers: int | None
    mixed_copies: int
    warc_pages: int
    work: Path
    results: dict[str, Any] = field(default_factory=dict)
    corpora: dict[str, Any] = field(default_factory=dict)

    @property
    def sizes(self) -> list[int]:
        """The JSON Lines corpora ingested: the main one, and RSS_POINT below it."""
        return sorted({self.documents, RSS_POINT} if self.documents > RSS_POINT else {self.documents})

    @property
    def prefect_home(self) -> Path:
        return self.work / "prefect-home"

    def scratch(self, name: str) -> Path:
        folder = self.work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def environment(self, prefect_home: Path | None = None) -> dict[str, str]:
        return clean_environment({"PREFECT_HOME": str(prefect_home or self.prefect_home)})

    def announce(self, what: str, build: Callable[[], Built]) -> Built:
        """A corpus, built unless cached, said once per run."""
        started = time.perf_counter()
        built = build()
        key = built.path.name if built.path.is_dir() else built.path.parent.name
        if key not in self.corpora:
            self.corpora[key] = built.stats
            megabytes = built.stats.get("bytes", 0) / 1e6
            say(f"{what}: {built.path} ({megabytes:,.0f} MB, ready in {time.perf_counter() - started:.0f} s)")
        return built

    def corpus(self, documents: int) -> Built:
        return self.announce(
            f"JSON Lines corpus of {documents:,} documents", lambda: jsonl_corpus(documents, self.seed)
        )

    def jsonl(self, documents: int) -> dict[str, Any]:
        section: dict[str, Any] = self.results.setdefault("jsonl", {}).setdefault(str(documents), {})
        return section


def say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def _size(path: Path) -> int:
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def _last_json(measured: Measured) -> dict[str, Any]:
    lines = [line for line in measured.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise MeasurementFailed(f"no result from {' '.join(measured.command)}:\n{measured.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _process_figures(measured: Measured) -> dict[str, Any]:
    return {
        "wall_seconds": round(measured.wall_seconds, 2),
        "peak_rss_mb": round(measured.peak_rss_mb, 1),
        "tree_rss_mb": round(measured.tree_rss_mb, 1),
        "tree_rss_by_kind_mb": measured.tree_rss_by_kind_mb,
        "load_average_before": [round(x, 2) for x in measured.load_before],
    }


def _rates(documents: int, input_bytes: int, seconds: float) -> dict[str, Any]:
    return {
        "documents_per_second": round(documents / seconds, 1) if seconds > 0 else None,
        "mb_per_second": round(input_bytes / 1e6 / seconds, 2) if seconds > 0 else None,
    }


# ---------------------------------------------------------------------------------------------------
# dumpling


def _ensure_warm_prefect(ctx: Context) -> None:
    """The shared Prefect home has its database: later runs measure a warm start, not its creation."""
    if (ctx.prefect_home / "prefect.db").exists():
        return
    say("warming up Prefect's home (its database is created once)")
    scratch = ctx.scratch("warm-up")
    run(
        [DUMPLING, "ingest", "seeds/", "--warehouse", scratch / "warehouse"],
        ctx.environment(),
        scratch=scratch,
    ).check()


def dumpling_ingest(
    ctx: Context, paths: list[Path], name: str, extra: list[str], fresh: bool = True
) -> dict[str, Any]:
    """`dumpling ingest PATHS --warehouse work/warehouse-NAME`, timed stage by stage."""
    _ensure_warm_prefect(ctx)
    warehouse = ctx.work / f"warehouse-{name}"
    if fresh:
        shutil.rmtree(warehouse, ignore_errors=True)
    elif not warehouse.exists():
        raise MeasurementFailed(f"no warehouse at {warehouse}: measure `ingest` first")
    scratch = ctx.scratch(f"run-{name}" + ("" if fresh else "-again"))
    timings_file = scratch / "timings.json"
    workers = ["--workers", str(ctx.workers)] if ctx.workers else []
    command: list[str | Path] = [
        PYTHON,
        "-m",
        "bench.ingest_timed",
        timings_file,
        *paths,
        "--warehouse",
        warehouse,
        *extra,
        *workers,
    ]
    measured = run(command, ctx.environment(), scratch=scratch).check()
    summary = parse_summary(measured.stdout)
    timings = json.loads(timings_file.read_text())
    flow_seconds = timings.get("flow_seconds") or summary["seconds"]
    input_bytes = sum(_size(path) for path in paths)
    result = {
        "command": "dumpling ingest " + " ".join(str(p) for p in [*paths, *extra, *workers]),
        "documents": summary["documents"],
        "rejects": summary["rejects"],
        "files_loaded": summary["files"],
        "files_unchanged": summary["unchanged"],
        "input_bytes": input_bytes,
        "flow_seconds": round(flow_seconds, 2),
        **_rates(summary["documents"], input_bytes, flow_seconds),
        "documents_per_second_wall": round(summary["documents"] / measured.wall_seconds, 1),
        **_process_figures(measured),
        "stages": stage_breakdown(timings, measured.started_at, measured.wall_seconds, flow_seconds),
        "shards": shard_summary(timings, ctx.workers or os.cpu_count() or 1),
    }
    if fresh:
        stats = run([PYTHON, "-m", "bench.queries", warehouse, "--stats"], ctx.environment(), scratch=scratch)
        result["warehouse"] = _last_json(stats.check())
    return result


def measure_seeds(ctx: Context) -> None:
    """The README's first command, `dumpling ingest seeds/`, into a fresh warehouse: with a Prefect
    home never used before (cold: its database is created), then again with a used one (warm)."""
    results: dict[str, Any] = {}
    cold_home = ctx.work / "prefect-home-cold"
    shutil.rmtree(cold_home, ignore_errors=True)
    for label, home in (("cold", cold_home), ("warm", ctx.prefect_home)):
        if label == "warm":
            _ensure_warm_prefect(ctx)
        scratch = ctx.scratch(f"seeds-{label}")
        measured = run(
            [DUMPLING, "ingest", "seeds/", "--warehouse", scratch / "warehouse"],
            ctx.environment(home),
            scratch=scratch,
        ).check()
        summary = parse_summary(measured.stdout)
        results[label] = {
            "documents": summary["documents"],
            "flow_seconds": summary["seconds"],
            **_process_figures(measured),
        }
        say(f"seeds, {label} start: {measured.wall_seconds:.1f} s (flow {summary['seconds']:.1f} s)")
    shutil.rmtree(cold_home, ignore_errors=True)
    ctx.results["seeds"] = results


def measure_ingest(ctx: Context) -> None:
    for documents in ctx.sizes:
        corpus = ctx.corpus(documents)
        say(f"dumpling ingest of {documents:,} JSON Lines documents")
        result = dumpling_ingest(ctx, [corpus.path], f"jsonl-{documents}", ["--source", SOURCE])
        ctx.jsonl(documents)["dumpling"] = result
        say(
            f"  {result['flow_seconds']:.1f} s in the flow, {result['wall_seconds']:.1f} s in all: "
            f"{result['documents_per_second']:,.0f} documents/s, peak RSS {result['peak_rss_mb']:,.0f} MB "
            f"(all processes {result['tree_rss_mb']:,.0f} MB)"
        )


def measure_reingest(ctx: Context) -> None:
    corpus = ctx.corpus(ctx.documents)
    say(f"dumpling ingest of the same {ctx.documents:,} documents again, nothing changed")
    result = dumpling_ingest(ctx, [corpus.path], f"jsonl-{ctx.documents}", ["--source", SOURCE], fresh=False)
    ctx.jsonl(ctx.documents)["dumpling_unchanged"] = result
    say(f"  {result['flow_seconds']:.2f} s in the flow, {result['wall_seconds']:.1f} s in all")


def measure_queries(ctx: Context) -> None:
    warehouse = ctx.work / f"warehouse-jsonl-{ctx.documents}"
    if not warehouse.exists():
        raise MeasurementFailed(f"no warehouse at {warehouse}: measure `ingest` first")
    say(f"queries on the {ctx.documents:,}-document warehouse")
    scratch = ctx.scratch("queries")
    measured = run([PYTHON, "-m", "bench.queries", warehouse], ctx.environment(), scratch=scratch).check()
    result = _last_json(measured) | _process_figures(measured)
    ctx.jsonl(ctx.documents)["queries"] = result
    for name, query in result["queries"].items():
        say(f"  {name}: median {query['median'] * 1000:,.1f} ms")


def measure_mixed(ctx: Context) -> None:
    corpus = ctx.announce(
        f"mixed corpus, {ctx.mixed_copies} copies of every corpus",
        lambda: mixed_corpus(ctx.mixed_copies, ctx.seed),
    )
    say("dumpling ingest of the mixed corpus")
    result = dumpling_ingest(ctx, [corpus.path], "mixed", [])
    result["corpus"] = corpus.stats
    ctx.results["mixed"] = result
    say(f"  {result['flow_seconds']:.1f} s: {result['documents_per_second']:,.0f} documents/s")


def measure_warc(ctx: Context) -> None:
    corpus = ctx.announce(
        f"WARC corpus of {ctx.warc_pages:,} pages", lambda: warc_corpus(ctx.warc_pages, ctx.seed)
    )
    say("dumpling ingest of the WARC corpus")
    result = dumpling_ingest(ctx, [corpus.path], "warc", [])
    result["pages"] = ctx.warc_pages
    result["pages_per_second"] = round(result["documents"] / result["flow_seconds"], 1)
    result["corpus"] = corpus.stats
    ctx.results["warc"] = result
    say(f"  {result['flow_seconds']:.1f} s: {result['pages_per_second']:,.1f} pages/s")


def measure_profile(ctx: Context) -> None:
    """One shard of PROFILE_DOCUMENTS documents, every k-th line of the main corpus, through
    `load_shard` directly, then under cProfile."""
    corpus = ctx.corpus(ctx.documents)
    scratch = ctx.scratch("profile")
    sample = scratch / "sample.jsonl"
    step = max(1, ctx.documents // PROFILE_DOCUMENTS)
    with corpus.path.open("rb") as lines, sample.open("wb") as out:
        for index, line in enumerate(lines):
            if index % step == 0:
                out.write(line)
    say(f"profile of one shard of {PROFILE_DOCUMENTS:,} documents (load_shard, one core)")
    measured = run([PYTHON, "-m", "bench.profile_shard", sample, scratch], ctx.environment(), scratch=scratch)
    result = _last_json(measured.check()) | _process_figures(measured)
    every = "every line" if step == 1 else f"every {step}th line"
    result["sample"] = f"{every} of the {ctx.documents:,}-document corpus"
    result["profile_file"] = str(scratch / "load_shard.prof")
    ctx.results["profile"] = result
    say(f"  {result['documents_per_second']:,.0f} documents/s on one core")


# ---------------------------------------------------------------------------------------------------
# The baseline and the peer


def measure_duckdb(ctx: Context) -> None:
    for documents in ctx.sizes:
        corpus = ctx.corpus(documents)
        scratch = ctx.scratch(f"duckdb-{documents}")
        say(f"DuckDB COPY of {documents:,} JSON Lines documents to Parquet")
        command = [PYTHON, BENCH / "peers" / "duckdb_copy.py", corpus.path, scratch / "copy.parquet"]
        measured = run(command, ctx.environment(), scratch=scratch).check()
        copied = _last_json(measured)
        result = {
            "documents": copied["rows"],
            "seconds": round(copied["seconds"], 3),
            **_rates(copied["rows"], corpus.stats["bytes"], copied["seconds"]),
            **_process_figures(measured),
            "output_bytes": (scratch / "copy.parquet").stat().st_size,
            "duckdb": copied["version"],
            "threads": copied["threads"],
        }
        (scratch / "copy.parquet").unlink()
        ctx.jsonl(documents)["duckdb"] = result
        say(f"  {result['seconds']:.1f} s: {result['documents_per_second']:,.0f} documents/s")


def _peers_python(install: bool) -> Path | str:
    """The benchmark environment's python with datatrove, set up if `install`; else why not."""
    python = PEERS / "bin" / "python"
    check = [str(python), "-c", "import datatrove.pipeline.writers, pyarrow"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    if not install:
        return "unavailable: bench/.venv-peers is not set up (a run without --quick sets it up)"
    uv = VENV / "bin" / "uv"
    uv_command = str(uv) if uv.exists() else shutil.which("uv")
    if uv_command is None:
        return "unavailable: uv is not installed (./dev setup puts it in .venv/bin)"
    say(f"setting up bench/.venv-peers with {DATATROVE_REQUIREMENT}")
    for command in (
        [uv_command, "venv", "--quiet", "--python", sys.executable, str(PEERS)],
        [uv_command, "pip", "install", "--quiet", "--python", str(python), DATATROVE_REQUIREMENT],
    ):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            return f"unavailable: `{' '.join(command[:3])} ...` failed: {reason}"
    return python


def measure_datatrove(ctx: Context) -> None:
    python = _peers_python(install=not ctx.quick)
    for documents in ctx.sizes:
        section = ctx.jsonl(documents)
        if isinstance(python, str):
            section["datatrove"] = {"unavailable": python}
            say(f"datatrove: {python}")
            continue
        corpus = ctx.corpus(documents)
        scratch = ctx.scratch(f"datatrove-{documents}")
        say(f"datatrove JsonlReader -> ParquetWriter of {documents:,} documents")
        command = [
            python,
            BENCH / "peers" / "datatrove_copy.py",
            corpus.path,
            scratch / "out",
            scratch / "logs",
        ]
        measured = run(command, clean_environment(), scratch=scratch).check()
        copied = _last_json(measured)
        section["datatrove"] = {
            "documents": copied["rows"],
            "seconds": round(copied["seconds"], 3),
            **_rates(copied["rows"], corpus.stats["bytes"], copied["seconds"]),
            **_process_figures(measured),
            "output_bytes": _size(scratch / "out"),
            "datatrove": copied["version"],
            "tasks": 1,
        }
        shutil.rmtree(scratch / "out")
        say(f"  {copied['seconds']:.1f} s: {section['datatrove']['documents_per_second']:,.0f} documents/s")


MEASURES: dict[str, Callable[[Context], None]] = {
    "seeds": measure_seeds,
    "duckdb": measure_duckdb,
    "datatrove": measure_datatrove,
    "ingest": measure_ingest,
    "reingest": measure_reingest,
    "queries": measure_queries,
    "mixed": measure_mixed,
    "warc": measure_warc,
    "profile": measure_profile,
}


# ---------------------------------------------------------------------------------------------------


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _git(*arguments: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO), *arguments], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    peers = PEERS / "bin" / "python"
    datatrove = None
    if peers.exists():
        done = subprocess.run(
            [str(peers), "-c", "from importlib.metadata import version; print(version('datatrove'))"],
            capture_output=True,
            text=True,
        )
        datatrove = done.stdout.strip() or None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "dumpling": _version("dumpling"),
        "commit": _git("rev-parse", "--short", "HEAD")
        + (" (modified)" if _git("status", "--porcelain") else ""),
        "prefect": _version("prefect"),
        "duckdb": _version("duckdb"),
        "pyarrow": _version("pyarrow"),
        "datatrove": datatrove,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, help=f"JSON Lines corpus size (default: {FULL_DOCUMENTS:,})")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_DOCUMENTS:,} documents, smaller mixed and WARC corpora; datatrove only if set up",
    )
    parser.add_argument(
        "--only", nargs="+", choices=STAGES, metavar="STAGE", help=f"some of: {' '.join(STAGES)}"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="results file (default: bench/results/latest.json; quick.json with --quick, only.json with "
        "--only); a markdown table is written beside it (.md)",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="FILE.json",
        help="only write the markdown table of a results file again",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the corpora's changes (default: %(default)s)"
    )
    parser.add_argument("--workers", type=int, help="passed to dumpling ingest (default: one per core)")
    parser.add_argument(
        "--mixed-copies", type=int, help="copies of every corpus in the mixed one (default: 5; quick 2)"
    )
    parser.add_argument(
        "--warc-pages", type=int, help="pages of the WARC corpus (default: 5,000; quick 1,000)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.render:
        markdown = render_markdown(json.loads(args.render.read_text()))
        args.render.with_suffix(".md").write_text(markdown)
        print(markdown)
        return 0
    if not CORPORA.is_dir():
        print(f"bench: the developer corpora are not at {CORPORA}", file=sys.stderr)
        return 2
    os.environ.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    documents = args.documents or (QUICK_DOCUMENTS if args.quick else FULL_DOCUMENTS)
    ctx = Context(
        documents=documents,
        quick=args.quick,
        seed=args.seed,
        workers=args.workers,
        mixed_copies=args.mixed_copies or (2 if args.quick else 5),
        warc_pages=args.warc_pages or (1000 if args.quick else 5000),
        work=DATA / "work",
    )
    stages = [stage for stage in STAGES if stage in (args.only or STAGES)]
    default_name = "only" if args.only else "quick" if args.quick else "latest"
    out = args.out or RESULTS / f"{default_name}.json"
    started = time.perf_counter()
    ctx.results.update(
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings={
            "documents": documents,
            "sizes": ctx.sizes,
            "quick": args.quick,
            "stages": stages,
            "seed": args.seed,
            "workers": args.workers or os.cpu_count(),
            "mixed_copies": ctx.mixed_copies,
            "warc_pages": ctx.warc_pages,
        },
        machine=machine(),
        errors={},
    )
    say(f"measuring {', '.join(stages)}; results to {out}")
    for stage in stages:
        try:
            MEASURES[stage](ctx)
        except Exception as error:  # one failed measurement does not lose the others
            message = str(error) if isinstance(error, MeasurementFailed) else traceback.format_exc()
            ctx.results["errors"][stage] = message[-4000:]
            say(f"{stage} failed: {message[-1500:]}")
    ctx.results["corpora"] = ctx.corpora
    ctx.results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    ctx.results["harness_seconds"] = round(time.perf_counter() - started, 1)
    ctx.results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(ctx.results, indent=2) + "\n")
    markdown = render_markdown(ctx.results)
    out.with_suffix(".md").write_text(markdown)
    print()
    print(markdown)
    say(f"wrote {out} and {out.with_suffix('.md')} in {ctx.results['harness_seconds']:.0f} s")
    return 1 if ctx.results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
