"""Query results printed as a readable table, CSV or JSON lines, streamed in batches."""

from __future__ import annotations

import csv
import json
import shutil
from typing import Any, TextIO

import duckdb
from rich import box
from rich.console import Console
from rich.table import Table

FETCH_ROWS = 1000
TABLE_MAX_ROWS = 100
CELL_MAX_WIDTH = 80
OUTPUT_FORMATS = ("table", "csv", "json")
NUMERIC_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
}


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    return str(value).replace("\n\n", " ¶ ").replace("\n", " ")


def print_table(relation: duckdb.DuckDBPyRelation, out: TextIO) -> None:
    """At most TABLE_MAX_ROWS rows; long cells are cut with an ellipsis instead of wrapped."""
    rows = relation.fetchmany(TABLE_MAX_ROWS + 1)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for name, kind in zip(relation.columns, relation.types, strict=True):
        numeric = str(kind).split("(")[0] in NUMERIC_TYPES
        table.add_column(name, no_wrap=True, max_width=CELL_MAX_WIDTH, justify="right" if numeric else "left")
    for row in rows[:TABLE_MAX_ROWS]:
        table.add_row(*(_cell(value) for value in row))
    width = max(shutil.get_terminal_size((200, 40)).columns, 80)
    console = Console(file=out, width=width, highlight=False, soft_wrap=False)
    console.print(table)
    shown = min(len(rows), TABLE_MAX_ROWS)
    more = " (more not shown; use --format csv or json for all)" if len(rows) > TABLE_MAX_ROWS else ""
    console.print(f"{shown} row{'s' if shown != 1 else ''}{more}")


def print_csv(relation: duckdb.DuckDBPyRelation, out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(relation.columns)
    while rows := relation.fetchmany(FETCH_ROWS):
        writer.writerows(rows)


def print_json_lines(relation: duckdb.DuckDBPyRelation, out: TextIO) -> None:
    columns = relation.columns
    while rows := relation.fetchmany(FETCH_ROWS):
        for row in rows:
            out.write(json.dumps(dict(zip(columns, row, strict=True)), default=str, ensure_ascii=False))
            out.write("\n")


PRINTERS = {"table": print_table, "csv": print_csv, "json": print_json_lines}
