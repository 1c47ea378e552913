"""Running the SQL of `dumpling sql`, and its result printed as a readable table, CSV, JSON lines or
Parquet, streamed in batches.

Values are written so that they read back as what DuckDB returned:

- CSV: NULL is an empty field and the empty string is `""` (or NULL is the `null` text given); a list,
  struct or map is its JSON text; everything else as in JSON lines, unquoted where CSV allows.
- JSON lines: one object per row; lists are arrays, structs and maps objects (a map's keys as text),
  JSON values themselves; DECIMAL, HUGEINT and other integers are numbers with every digit; a float's
  NaN and infinities are the strings "NaN", "Infinity" and "-Infinity"; dates, times and timestamps
  are ISO 8601, a TIMESTAMP WITH TIME ZONE in UTC with its offset (`2024-01-02T03:04:05+00:00`); an
  INTERVAL is an ISO 8601 duration (`P32DT3S`; DuckDB gives Python a month as 30 days); a BLOB is
  base64; a UUID, BIT or ENUM is its text.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

import duckdb
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

FETCH_ROWS = 1000
TABLE_MAX_ROWS = 100
# The table counts the rows it does not show up to this many, and says "more than" beyond.
TABLE_COUNT_LIMIT = 10_000
CELL_MAX_WIDTH = 80
# Text columns are cut, widest first, down to this width before any column is left out.
CELL_MIN_WIDTH = 10
COLUMN_GAP = 3  # what rich's SIMPLE_HEAD box puts between two columns
PARQUET_ROW_GROUP_ROWS = 122_880
PARQUET_ROW_GROUP_BYTES = 64 * 1024 * 1024
OUTPUT_FORMATS = ("table", "csv", "json", "parquet")
FORMAT_BY_EXTENSION = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
    ".txt": "table",
}
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
    "UHUGEINT",
    "BIGNUM",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
}
# Columns of these types are never cut in a table: a cut number or date would read as another.
UNCUT_TYPES = NUMERIC_TYPES | {
    "BOOLEAN",
    "DATE",
    "TIME",
    "TIME WITH TIME ZONE",
    "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE",
    "TIMESTAMP_S",
    "TIMESTAMP_MS",
    "TIMESTAMP_NS",
    "INTERVAL",
    "UUID",
}


class QueryError(Exception):
    """SQL that cannot give a result to print, with a message meant for the user."""


class OutputError(Exception):
    """A result that cannot be written in the format asked for."""


# Values as text and as JSON.


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _duration(value: timedelta) -> str:
    if value < timedelta(0):
        return "-" + _duration(-value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "P" + (f"{value.days}D" if value.days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or value.microseconds:
        clock += f"{seconds}.{value.microseconds:06d}".rstrip("0").rstrip(".") + "S"
    if clock:
        text += "T" + clock
    return text if text != "P" else "PT0S"


def _timestamp_text(value: datetime) -> str:
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


_TEXT: dict[type, Callable[[Any], str]] = {
    str: str,
    bool: lambda value: "true" if value else "false",
    int: str,
    float: _float_text,
    Decimal: lambda value: format(value, "f") if value.is_finite() else _float_text(float(value)),
    datetime: _timestamp_text,
    date: date.isoformat,
    time: time.isoformat,
    timedelta: _duration,
    bytes: lambda value: base64.b64encode(value).decode("ascii"),
    UUID: str,
}


def value_text(value: Any) -> str:
    """A non-NULL value as text: the CSV field, before quoting."""
    convert = _TEXT.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, list | tuple | dict):
        return json_value(value)
    for kind, convert in _TEXT.items():
        if isinstance(value, kind):
            return convert(value)
    if isinstance(value, bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")  # not escaped by json, yet line ends to str.splitlines


def _json_string(value: str) -> str:
    encoded: str = json.encoder.encode_basestring(value)
    if _LINE_BREAKS.search(encoded):
        encoded = _LINE_BREAKS.sub(lambda match: f"\\u{ord(match.group()):04x}", encoded)
    return encoded


def _json_number(value: float | Decimal) -> str:
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else _json_string(_float_text(float(value)))
    return repr(value) if math.isfinite(value) else _json_string(_float_text(value))


def json_value(value: Any) -> str:
    """A value as JSON text."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _json_string(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float or kind is Decimal:
        return _json_number(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                _json_string(key if isinstance(key, str) else value_text(key)) + ":" + json_value(item)
                for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float | Decimal):
        return _json_number(value)
    return _json_string(value_text(value))


def _json_text(value: str | None) -> str:
    """A value of DuckDB's JSON type, which is JSON text already, but may hold NaN and Infinity."""
    if value is None:
        return "null"
    if _NOT_JSON.search(value):
        return json_value(json.loads(value, parse_float=Decimal))
    return value.replace("\n", " ").replace("\r", " ")  # outside strings, so mere spacing


_NOT_JSON = re.compile(r"NaN|Infinity")


def _json_column(kind: str) -> Callable[[Any], str]:
    if kind == "JSON":
        return _json_text
    if kind == "BIGNUM":  # DuckDB gives Python its digits as text
        return lambda value: "null" if value is None else value
    return json_value


# The result of a query.


@dataclass
class Columns:
    """A result's columns: names made unique as DuckDB does in a subquery (`a`, `a_1`), and types."""

    names: list[str]
    types: list[str]

    @classmethod
    def of(cls, result: duckdb.DuckDBPyConnection) -> Columns:
        names: list[str] = []
        taken: set[str] = set()
        for name, *_ in result.description or []:
            unique, suffix = name, 0
            while unique in taken:
                suffix += 1
                unique = f"{name}_{suffix}"
            names.append(unique)
            taken.add(unique)
        return cls(names, [str(kind) for _, kind, *_ in result.description or []])


def _rows(result: duckdb.DuckDBPyConnection) -> Iterator[list[tuple[Any, ...]]]:
    while rows := result.fetchmany(FETCH_ROWS):
        yield rows


_CSV_SPECIAL = re.compile(r'[",\n\r]')


def print_csv(result: duckdb.DuckDBPyConnection, out: TextIO, null: str = "") -> None:
    """A header and every row. NULL is `null`, unquoted; any text equal to it, the empty string among
    them, is quoted; lists, structs and maps are JSON."""
    special = _CSV_SPECIAL.search

    def field(value: Any) -> str:
        kind = type(value)
        text: str
        if kind is str:
            text = value
        elif value is None:
            return null
        elif kind is int:
            return str(value)
        else:
            text = value_text(value)
        if not text or text == null or special(text):
            return '"' + text.replace('"', '""') + '"'
        return text

    out.write(",".join(map(field, Columns.of(result).names)) + "\n")
    for rows in _rows(result):
        out.writelines(",".join(map(field, row)) + "\n" for row in rows)


def print_json_lines(result: duckdb.DuckDBPyConnection, out: TextIO) -> None:
    """One JSON object per row and line."""
    columns = Columns.of(result)
    keys = [_json_string(name) + ":" for name in columns.names]
    encoders = [_json_column(kind) for kind in columns.types]
    for rows in _rows(result):
        out.writelines("{" + ",".join(map(_pair, keys, encoders, row)) + "}\n" for row in rows)


def _pair(key: str, encode: Callable[[Any], str], value: Any) -> str:
    return key + encode(value)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        text = _timestamp_text(value).replace("T", " ", 1)
    elif isinstance(value, bytes):
        text = value.decode("utf-8", "backslashreplace")
    else:
        text = value_text(value)
    text = text.replace("\r\n", "\n").replace("\n\n", " ¶ ").replace("\n", " ")
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


@dataclass
class _Layout:
    widths: list[int]  # of the columns shown, the first ones
    hidden: list[str] = field(default_factory=list)


def _layout(names: Sequence[str], natural: Sequence[int], uncut: Sequence[bool], width: int) -> _Layout:
    """The widest columns shown in `width`: text columns are cut, widest first, down to CELL_MIN_WIDTH;
    if that is not enough, the last columns are left out (and a `…` column says so)."""
    for shown in range(len(natural), 0, -1):
        marker = COLUMN_GAP + 1 if shown < len(natural) else 0
        room = width - COLUMN_GAP * (shown - 1) - marker
        fixed = sum(w for w, keep in zip(natural[:shown], uncut[:shown], strict=True) if keep)
        cuttable = [w for w, keep in zip(natural[:shown], uncut[:shown], strict=True) if not keep]
        if fixed + sum(min(w, CELL_MIN_WIDTH) for w in cuttable) > room and shown > 1:
            continue
        cap = max(cuttable, default=0)
        while cap > CELL_MIN_WIDTH and fixed + sum(min(w, cap) for w in cuttable) > room:
            cap -= 1
        widths = [w if keep else min(w, cap) for w, keep in zip(natural[:shown], uncut[:shown], strict=True)]
        if shown == 1:
            widths = [max(1, min(widths[0], room))]
        return _Layout(widths, list(names[shown:]))
    return _Layout([])


def terminal_width() -> int:
    return max(shutil.get_terminal_size((200, 40)).columns, 20)


def print_table(result: duckdb.DuckDBPyConnection, out: TextIO, width: int | None = None) -> None:
    """At most TABLE_MAX_ROWS rows, fitted to the terminal's width: long cells are cut with an
    ellipsis instead of wrapped, the widest text columns first; columns that still do not fit are
    left out, and the last line says so."""
    width = width or terminal_width()
    columns = Columns.of(result)
    rows = result.fetchmany(TABLE_MAX_ROWS + 1)
    total = len(rows)
    while TABLE_MAX_ROWS < total <= TABLE_COUNT_LIMIT:
        more = result.fetchmany(min(FETCH_ROWS, TABLE_COUNT_LIMIT + 1 - total))
        if not more:
            break
        total += len(more)
    cells = [[_cell(value) for value in row] for row in rows[:TABLE_MAX_ROWS]]
    natural = [
        min(CELL_MAX_WIDTH, max([cell_len(_cell(name))] + [cell_len(row[index]) for row in cells]))
        for index, name in enumerate(columns.names)
    ]
    uncut = [kind.split("(")[0] in UNCUT_TYPES for kind in columns.types]
    layout = _layout(columns.names, natural, uncut, width)
    shown = len(layout.widths)

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for name, kind, column_width in zip(columns.names, columns.types, layout.widths, strict=False):
        numeric = kind.split("(")[0] in NUMERIC_TYPES
        table.add_column(
            Text(_cell(name)),
            width=column_width,
            no_wrap=True,
            overflow="ellipsis",
            justify="right" if numeric else "left",
        )
    if layout.hidden:
        table.add_column("…", width=1, no_wrap=True)
    for row in cells:
        table.add_row(*(Text(cell) for cell in row[:shown]), *(["…"] if layout.hidden else []))
    console = Console(file=out, width=width, highlight=False, soft_wrap=False, markup=False, emoji=False)
    console.print(table)

    shown_rows = len(cells)
    if total <= TABLE_MAX_ROWS:
        footer = f"{total} row{'s' if total != 1 else ''}"
    elif total <= TABLE_COUNT_LIMIT:
        footer = f"{total:,} rows, {shown_rows} shown"
    else:
        footer = f"more than {TABLE_COUNT_LIMIT:,} rows, {shown_rows} shown"
    if layout.hidden:
        count = len(layout.hidden)
        footer += (
            f"; {count} of {len(columns.names)} column{'s' if count != 1 else ''} not shown, "
            f"too wide for the terminal: {', '.join(layout.hidden)}"
        )
    if total > TABLE_MAX_ROWS or layout.hidden:
        footer += " (use --format csv or json for all)"
    console.print(Text(footer), soft_wrap=True)


def _parquet_unwritable(schema: Any) -> list[str]:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    unwritable = []
    for column in schema:
        try:
            pq.ParquetWriter(io.BytesIO(), pa.schema([column])).close()
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            unwritable.append(f"{column.name} ({column.type})")
    return unwritable


def write_parquet(result: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Every row, streamed from DuckDB as Arrow batches into row groups of up to
    PARQUET_ROW_GROUP_ROWS rows or PARQUET_ROW_GROUP_BYTES."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = Columns.of(result)
    reader = result.to_arrow_reader(FETCH_ROWS * 10)
    schema = pa.schema(
        [column.with_name(name) for column, name in zip(reader.schema, columns.names, strict=True)],
        metadata=reader.schema.metadata,
    )
    try:
        writer = pq.ParquetWriter(path, schema, compression="zstd")
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid) as error:
        unwritable = ", ".join(_parquet_unwritable(schema)) or str(error)
        raise OutputError(
            f"Parquet cannot hold these columns: {unwritable}; cast them (for example to VARCHAR)"
        ) from error
    with writer:
        pending: list[Any] = []
        rows = size = 0
        for batch in reader:
            pending.append(pa.RecordBatch.from_arrays(batch.columns, schema=schema))
            rows += batch.num_rows
            size += batch.nbytes
            if rows >= PARQUET_ROW_GROUP_ROWS or size >= PARQUET_ROW_GROUP_BYTES:
                writer.write_table(pa.Table.from_batches(pending, schema))
                pending, rows, size = [], 0, 0
        if pending:
            writer.write_table(pa.Table.from_batches(pending, schema))


PRINTERS: dict[str, Callable[[duckdb.DuckDBPyConnection, TextIO], None]] = {
    "table": print_table,
    "csv": print_csv,
    "json": print_json_lines,
}


def format_for(path: Path | None) -> str | None:
    """The output format a file name asks for, or None if its extension does not say."""
    if path is None:
        return "table"
    return FORMAT_BY_EXTENSION.get(path.suffix.lower())


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A file beside `path` that becomes `path` when the block succeeds and is removed if it fails:
    a failed query never leaves half a file, nor destroys the last good one."""
    unfinished = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield unfinished
        os.replace(unfinished, path)
    finally:
        unfinished.unlink(missing_ok=True)


def save_parquet(result: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The result as the Parquet file `path`, which appears only once it is whole."""
    with _replacing(path) as unfinished:
        write_parquet(result, unfinished)


def write_text(
    result: duckdb.DuckDBPyConnection,
    printer: Callable[[duckdb.DuckDBPyConnection, TextIO], None],
    out: Path | None,
) -> None:
    """The result printed by `printer` to the file `out` (UTF-8), or to standard output."""
    if out is None:
        printer(result, sys.stdout)
        return
    with _replacing(out) as unfinished, unfinished.open("w", encoding="utf-8", newline="") as stream:
        printer(result, stream)


# The SQL: statements run in order, and errors shown where they are.


_LEADING_SPACE = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)


@dataclass
class SqlText:
    """SQL of one statement or several separated by `;`, of which the last gives the result. `name` is
    the file the text came from, if any, for error messages."""

    text: str
    name: str | None = None
    # Each statement's offset in `text` (-1 if not found there) and its own text.
    _statements: list[tuple[int, str]] = field(default_factory=list, init=False, repr=False)
    _running: int | None = field(default=None, init=False)  # index in _statements; None: parsing

    def __post_init__(self) -> None:
        self.text = self.text.removeprefix("\ufeff")  # a byte order mark, which DuckDB reads as a space

    def run(self, connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """Every statement run in order on `connection`; the cursor holding the last one's result."""
        connection.execute("SET errors_as_json = true")  # the error's position, to show it in the text
        self._statements, self._running = [], None
        statements = connection.extract_statements(self.text)
        if not statements:
            raise QueryError(f"{self.name or 'the query'} holds no SQL statement")
        cursor = 0
        for statement in statements:
            offset = self.text.find(statement.query, cursor)
            self._statements.append((offset, statement.query))
            if offset >= 0:
                cursor = offset + len(statement.query)
        result = connection
        for index, (_, query) in enumerate(self._statements):
            self._running = index
            result = connection.execute(query)
        last = statements[-1]
        if duckdb.ExpectedResultType.QUERY_RESULT not in last.expected_result_type:
            kind = str(last.type).rsplit(".", 1)[-1]
            raise QueryError(
                f"the last statement ({kind}) returns no rows: end with a query, such as a SELECT"
                + self._where(len(statements) - 1)
            )
        return result

    def _where(self, index: int) -> str:
        """Which statement, when there are several."""
        count = len(self._statements)
        if count < 2:
            return ""
        offset = self._statements[index][0]
        if offset < 0:
            return f" (statement {index + 1} of {count})"
        start = _LEADING_SPACE.match(self.text, offset)
        line = self.text.count("\n", 0, start.end() if start else offset) + 1
        return f" (statement {index + 1} of {count}, line {line})"

    def explain(self, error: duckdb.Error) -> str:
        """DuckDB's error as one message, followed by the line it points at and a caret under the
        place, in the whole text."""
        raw = str(error)
        label, _, rest = raw.partition(": ")
        try:
            details = json.loads(rest)
        except ValueError:
            return raw
        if not isinstance(details, dict) or "exception_message" not in details:
            return raw
        message = " ".join(line.strip() for line in str(details["exception_message"]).splitlines() if line)
        position = details.get("position")
        if position is None or not str(position).isdigit():
            where = self._where(self._running) if self._running is not None else ""
            return f"{self._prefix()}{label}: {message}{where}"
        if self._running is None:  # the parser counts characters in the whole text
            text, offset = self.text, int(position)
        else:  # the binder counts bytes in the statement's text
            start, query = self._statements[self._running]
            offset = len(query.encode()[: int(position)].decode("utf-8", "ignore"))
            text, offset = (self.text, start + offset) if start >= 0 else (query, offset)
        if not text[offset:].strip():
            offset = len(text.rstrip())
        return f"{self._prefix(text, offset)}{label}: {message}\n{pointer(text, offset)}"

    def _prefix(self, text: str | None = None, offset: int | None = None) -> str:
        if self.name is None:
            return ""
        if text is None or offset is None or text is not self.text:
            return f"{self.name}: "
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return f"{self.name}:{line}:{column}: "


POINTER_CONTEXT = 60  # characters of a long line shown either side of the caret


def pointer(text: str, offset: int) -> str:
    """`LINE n: ` and the line of `text` holding `offset`, then a caret under it, as DuckDB shows them."""
    line_number = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : end if end >= 0 else len(text)].rstrip("\r")
    line = re.sub(r"[\x00-\x1f\x7f]", " ", line)
    column = offset - start
    if column > POINTER_CONTEXT:
        line, column = "..." + line[column - POINTER_CONTEXT + 3 :], POINTER_CONTEXT
    if len(line) > column + POINTER_CONTEXT:
        line = line[: column + POINTER_CONTEXT - 3] + "..."
    prefix = f"LINE {line_number}: "
    return f"{prefix}{line}\n{' ' * cell_len(prefix + line[:column])}^"
