"""The `dumpling` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import flows  # noqa: F401  (sets Prefect's environment before anything imports Prefect)
from flows.discover import InputError, discover
from flows.output import FORMATS, PRINTERS
from flows.settings import default_warehouse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dumpling", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="load raw dump files, folders or globs into the warehouse")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument(
        "--warehouse", type=Path, help="warehouse folder (default: %(default)s)", default=default_warehouse()
    )
    ingest.add_argument("--source", help="source name for every file (default: the dump's folder name)")

    sql = commands.add_parser("sql", help="run a read-only SQL query against the warehouse")
    sql.add_argument("query")
    sql.add_argument(
        "--warehouse", type=Path, default=default_warehouse(), help="warehouse folder (default: %(default)s)"
    )
    sql.add_argument("--format", choices=FORMATS, default="table")
    return parser


def _ingest(args: argparse.Namespace) -> int:
    try:
        discover(args.paths)
    except InputError as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return 2
    from flows.ingest import ingest  # Prefect is imported only when a flow runs

    report = ingest(paths=list(args.paths), warehouse=str(args.warehouse), source=args.source)
    print(report.summary())
    return 0


def _sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.catalog import WarehouseError, connect

    try:
        connection = connect(args.warehouse)
        relation = connection.sql(args.query)
    except (WarehouseError, duckdb.Error) as error:
        print(f"dumpling: {error}", file=sys.stderr)
        return 1
    if relation is not None:
        PRINTERS[args.format](relation, sys.stdout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"ingest": _ingest, "sql": _sql}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
