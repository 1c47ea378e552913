"""The `dumpling` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import flows  # noqa: F401  (sets Prefect's environment before anything imports Prefect)
from flows.config import Config, ConfigError, config_path, load_config
from flows.discover import DEFAULT_EXCLUDES, InputError, discover
from flows.output import OUTPUT_FORMATS, PRINTERS
from warehouse.location import default_warehouse
from warehouse.storage import redact, refuse_credentials


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dumpling", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="load raw dump files, folders or globs into the warehouse")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument(
        "--warehouse", help="warehouse folder or URL (default: %(default)s)", default=default_warehouse()
    )
    ingest.add_argument("--source", help="source name for every file (default: the dump's folder name)")
    ingest.add_argument(
        "--format",
        dest="source_format",
        metavar="NAME",
        help="read every file as this format instead of detecting it (warc, reuters_sgml, feed, mbox, "
        "rfc822, jsonl, csv, textdump)",
    )
    ingest.add_argument(
        "--map",
        dest="field_mapping",
        metavar="OURS=THEIRS,...",
        help="JSONL/CSV field mapping, e.g. body=short_description,title=headline",
    )
    ingest.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="skip files with names matching PATTERN inside folders (repeatable)",
    )
    ingest.add_argument(
        "--no-default-excludes",
        dest="default_excludes",
        action="store_false",
        help=f"also read files matching the default excludes ({' '.join(DEFAULT_EXCLUDES)})",
    )

    ingest.add_argument(
        "--prune",
        action="store_true",
        help="remove the rows of files under PATH that were loaded before and no longer exist",
    )
    ingest.add_argument(
        "--near-duplicate-threshold",
        type=float,
        default=0.8,
        metavar="J",
        help="estimated Jaccard similarity that makes two documents near-duplicates (default: %(default)s)",
    )

    ingest.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        default=os.environ.get("DUMPLING_DASK_SCHEDULER"),
        help="run the shards on this Dask cluster (tcp://host:8786) instead of local processes "
        "(default: $DUMPLING_DASK_SCHEDULER)",
    )
    ingest.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="shards loaded at once, each in a process of its own (default: one per core)",
    )

    sql = commands.add_parser(
        "sql",
        help="run a read-only SQL query against the warehouse",
        description="Run SQL on a read-only connection to the warehouse. Several statements separated by "
        "';' run in order (SET, PRAGMA, ... then a SELECT); the last one's rows are printed.",
    )
    sql_text = sql.add_mutually_exclusive_group(required=True)
    sql_text.add_argument("query", nargs="?", help="the SQL to run")
    sql_text.add_argument(
        "--file", "-f", metavar="FILE", help="read the SQL from FILE (- for standard input)"
    )
    sql.add_argument(
        "--warehouse", default=default_warehouse(), help="warehouse folder or URL (default: %(default)s)"
    )
    sql.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        help="table (at most 100 rows, fitted to the terminal), csv, json (JSON lines) or parquet "
        "(needs --out) (default: from the extension of --out: .csv, .json, .jsonl, .parquet; else table)",
    )
    sql.add_argument(
        "--out",
        "-o",
        type=Path,
        metavar="FILE",
        help="write to FILE instead of standard output (replaced once it is whole)",
    )
    sql.add_argument(
        "--null",
        default="",
        metavar="TEXT",
        help='CSV: the text of NULL (default: an empty field; the empty string is written "")',
    )

    run = commands.add_parser("run", help="load the sources of a configuration file now")
    run.add_argument("sources", nargs="*", metavar="SOURCE", help="the sources to load (default: all)")
    run.add_argument(
        "--config", type=Path, help="configuration file (default: $DUMPLING_CONFIG or ./dumpling.toml)"
    )

    serve = commands.add_parser(
        "serve", help="run the scheduled sources of a configuration file, until stopped"
    )
    serve.add_argument(
        "--config", type=Path, help="configuration file (default: $DUMPLING_CONFIG or ./dumpling.toml)"
    )

    deploy = commands.add_parser(
        "deploy", help="register the sources of a configuration file as deployments that workers run"
    )
    deploy.add_argument("sources", nargs="*", metavar="SOURCE", help="the sources to deploy (default: all)")
    deploy.add_argument(
        "--config", type=Path, help="configuration file (default: $DUMPLING_CONFIG or ./dumpling.toml)"
    )
    deploy.add_argument(
        "--pool", default="dumpling", help="process work pool, created if missing (default: %(default)s)"
    )

    report = commands.add_parser(
        "report", help="write a self-contained HTML report of the warehouse, with charts"
    )
    report.add_argument("--out", type=Path, default=Path("report.html"), help="(default: %(default)s)")
    report.add_argument(
        "--warehouse", default=default_warehouse(), help="warehouse folder or URL (default: %(default)s)"
    )

    status = commands.add_parser("status", help="what the warehouse holds, and its last runs")
    status.add_argument(
        "--warehouse", default=default_warehouse(), help="warehouse folder or URL (default: %(default)s)"
    )
    return parser


def _ingest(args: argparse.Namespace) -> int:
    from transforms.fields import parse_mapping
    from transforms.formats import FORMATS  # the readers are imported only when something is read

    try:
        refuse_credentials(str(args.warehouse))
        discover(args.paths)
        if args.field_mapping:
            parse_mapping(args.field_mapping)
        if args.source_format and args.source_format not in FORMATS:
            raise ValueError(f"unknown format {args.source_format!r}; known: {', '.join(FORMATS)}")
    except (InputError, ValueError) as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print("dumpling: --workers must be at least 1", file=sys.stderr)
        return 2
    if not 0.0 < args.near_duplicate_threshold <= 1.0:
        print("dumpling: --near-duplicate-threshold must be above 0 and at most 1", file=sys.stderr)
        return 2
    from flows.ingest import ShardsFailed, ingest_with_workers, worker_count  # Prefect: only when a flow runs
    from flows.workers import worker_processes
    from warehouse.catalog import WarehouseError

    workers = worker_count(args.workers, args.dask_scheduler)
    try:
        with worker_processes(workers):  # they warm up while Prefect starts
            report = ingest_with_workers(workers, args.dask_scheduler)(
                paths=list(args.paths),
                warehouse=str(args.warehouse),
                source=args.source,
                source_format=args.source_format,
                field_mapping=args.field_mapping,
                exclude=args.exclude,
                default_excludes=args.default_excludes,
                prune=args.prune,
                near_duplicate_threshold=args.near_duplicate_threshold,
                workers=workers,
            )
    except (WarehouseError, ShardsFailed) as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _sql(args: argparse.Namespace) -> int:
    from functools import partial

    import duckdb

    from flows.output import OutputError, QueryError, SqlText, format_for, save_parquet, write_text
    from warehouse.catalog import WarehouseError, connect

    output_format = args.format or format_for(args.out)
    if output_format is None:
        print(f"dumpling: cannot tell the format from {args.out}: give --format", file=sys.stderr)
        return 2
    if output_format == "parquet" and args.out is None:
        print("dumpling: --format parquet writes a file: give --out FILE", file=sys.stderr)
        return 2
    try:
        if args.file is None:
            sql = SqlText(args.query)
        elif args.file == "-":
            sql = SqlText(sys.stdin.read())
        else:
            sql = SqlText(Path(args.file).read_text(encoding="utf-8"), name=args.file)
    except (OSError, UnicodeDecodeError) as error:
        print(
            f"dumpling: cannot read {args.file}: {getattr(error, 'strerror', None) or error}", file=sys.stderr
        )
        return 2
    printer = PRINTERS.get(output_format)
    if output_format == "csv":
        printer = partial(PRINTERS["csv"], null=args.null)
    try:
        with connect(args.warehouse) as connection:
            try:
                result = sql.run(connection)
                if printer is None:
                    save_parquet(result, args.out)
                else:
                    write_text(result, printer, args.out)
            except duckdb.Error as error:
                raise QueryError(sql.explain(error)) from error
    except (WarehouseError, QueryError, OutputError, duckdb.Error) as error:
        print(f"dumpling: {redact(str(error))}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (`| head`): what it read is all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        print(
            f"dumpling: cannot write {args.out or 'the output'}: {error.strerror or error}", file=sys.stderr
        )
        return 1
    return 0


def _status(args: argparse.Namespace) -> int:
    from warehouse.catalog import WarehouseError, connect
    from warehouse.status import describe

    try:
        with connect(args.warehouse) as connection:
            print(describe(connection, args.warehouse))
    except WarehouseError as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return 1
    return 0


def _report(args: argparse.Namespace) -> int:
    from warehouse.catalog import WarehouseError, connect
    from warehouse.report import write_report

    try:
        with connect(args.warehouse) as connection:
            write_report(connection, args.warehouse, args.out)
    except (WarehouseError, OSError) as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


def _configured(args: argparse.Namespace) -> tuple[Config, Path] | None:
    path = config_path(args.config)
    try:
        config = load_config(path)
        unknown = [name for name in getattr(args, "sources", []) if name not in config.sources]
        if unknown:
            raise ConfigError(f"{path}: no source named {unknown[0]!r} (known: {', '.join(config.sources)})")
    except ConfigError as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return None
    return config, path.resolve().parent


def _run(args: argparse.Namespace) -> int:
    configured = _configured(args)
    if configured is None:
        return 2
    from flows.schedule import run_sources

    for report in run_sources(*configured, list(args.sources)):
        print(report.summary())
    return 0


def _serve(args: argparse.Namespace) -> int:
    configured = _configured(args)
    if configured is None:
        return 2
    from flows.schedule import serve_sources

    try:
        serve_sources(*configured)
    except ValueError as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return 2
    return 0


def _deploy(args: argparse.Namespace) -> int:
    configured = _configured(args)
    if configured is None:
        return 2
    from flows.schedule import ServerUnreachable, deploy_sources, worker_command

    try:
        lines = deploy_sources(*configured, list(args.sources), args.pool)
    except (ServerUnreachable, ValueError) as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print(f"a worker runs them: {worker_command(args.pool)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "ingest": _ingest,
        "sql": _sql,
        "status": _status,
        "run": _run,
        "serve": _serve,
        "deploy": _deploy,
        "report": _report,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
