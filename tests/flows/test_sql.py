"""`dumpling sql`: statements from a string or a file, every format, and errors that show where."""

import base64
import csv
import io
import json
import math
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pyarrow.parquet as pq
import pytest
from rich.cells import cell_len

from flows.cli import main
from tests.conftest import VARIANTS
from warehouse.catalog import TABLES_DIR, commit, connect
from warehouse.load import InputFile, load_shard
from warehouse.schema import Load


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("warehouse")
    files = [InputFile(path, "variants") for path in sorted(VARIANTS.iterdir())]
    report = load_shard(files, root / TABLES_DIR, Load("run", datetime.now(UTC)))
    commit(root, report.parts, replaced=report.source_files)
    return root


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# Every awkward type, and a row of NULLs.
AWKWARD = """
SELECT * FROM (VALUES
    ('', 'a,"b"' || chr(10) || 'c;' || chr(13) || chr(10) || ' é 中 ' || chr(8232) || ' \\N ''q''',
     [1, NULL]::INTEGER[], {'k': 1.50::DECIMAL(4, 2), 'z': ['x', NULL]}, MAP {'a': 1, 'b': NULL},
     'NaN'::DOUBLE, 'Infinity'::DOUBLE, '-Infinity'::FLOAT, 0.1::FLOAT, 1e300::DOUBLE,
     '12345678901234567890123456789.123456789'::DECIMAL(38, 9), 0::DECIMAL(10, 4),
     '170141183460469231731687303715884105727'::HUGEINT, 18446744073709551615::UBIGINT, -9007199254740993,
     DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMPTZ '2024-01-02 03:04:05+02',
     TIME '12:34:56.5', INTERVAL '2 days 3 hours 4.5 seconds', -INTERVAL '90 seconds',
     '\\x00\\xFF,"'::BLOB, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID, '{"a": [1, 2.50]}'::JSON, true),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) AS t(empty, text, ints, struct, map, nan, inf, neg_inf, float32, big_double, dec, zero_dec, huge, ubig,
       big_negative, day, ts, tstz, clock, span, negative_span, blob, id, doc, flag)
"""
REAL = "SELECT * FROM documents ORDER BY doc_id"

DURATION = re.compile(
    r"(?P<sign>-?)P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>[\d.]+)S)?)?"
)


def _duration(text: str) -> timedelta:
    match = DURATION.fullmatch(text)
    assert match, text
    span = timedelta(
        days=int(match["days"] or 0),
        hours=int(match["hours"] or 0),
        minutes=int(match["minutes"] or 0),
        seconds=float(Decimal(match["seconds"] or 0)),
    )
    return -span if match["sign"] else span


def _from_text(kind: str, text: str) -> Any:
    """A value back from the text dumpling writes for it (a CSV field, or a JSON string)."""
    if kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "JSON")):
        return json.loads(text, parse_float=Decimal)
    if kind in ("FLOAT", "DOUBLE"):
        return float(text)
    if kind.startswith("DECIMAL"):
        return Decimal(text)
    if kind.endswith(("INT", "INTEGER")):
        return int(text)
    parse = {
        "VARCHAR": str,
        "BOOLEAN": {"true": True, "false": False}.__getitem__,
        "DATE": date.fromisoformat,
        "TIMESTAMP": datetime.fromisoformat,
        "TIMESTAMP WITH TIME ZONE": datetime.fromisoformat,
        "TIME": time.fromisoformat,
        "INTERVAL": _duration,
        "BLOB": base64.b64decode,
        "UUID": UUID,
    }[kind]
    return parse(text)


def _from_json(kind: str, value: Any) -> Any:
    if value is None or kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "JSON")):
        return value
    if kind in ("FLOAT", "DOUBLE"):
        return float(value)  # a Decimal, or "NaN", "Infinity", "-Infinity"
    if isinstance(value, str):
        return _from_text(kind, value)
    return value


def _expected(kind: str, value: Any) -> Any:
    if kind == "JSON" and value is not None:
        return json.loads(value, parse_float=Decimal)
    return value


def _same(kind: str, got: Any, want: Any) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if kind == "TIMESTAMP WITH TIME ZONE" and want is not None:
        return got == want and got.utcoffset() == timedelta(0)
    return bool(got == want and type(got) is type(want))


def _duckdb(warehouse: Path, query: str) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
    with connect(warehouse) as connection:
        result = connection.execute(query)
        description = result.description or []
        return (
            [name for name, *_ in description],
            [str(kind) for _, kind, *_ in description],
            result.fetchall(),
        )


@pytest.mark.parametrize("query", [AWKWARD, REAL], ids=["awkward-types", "warehouse-rows"])
def test_csv_and_json_read_back_as_the_values_duckdb_returns(
    warehouse: Path, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    names, kinds, rows = _duckdb(warehouse, query)
    assert rows

    # CSV, with a NULL marker that Python 3.11's csv module can tell from the (quoted) empty string.
    code, out, _ = _run(
        capsys, "sql", query, "--warehouse", str(warehouse), "--format", "csv", "--null", "\\N"
    )
    assert code == 0
    header, *records = list(csv.reader(io.StringIO(out, newline="")))
    assert header == names
    assert len(records) == len(rows)
    for record, row in zip(records, rows, strict=True):
        for name, kind, field, value in zip(names, kinds, record, row, strict=True):
            got = None if field == "\\N" else _from_text(kind, field)
            assert _same(kind, got, _expected(kind, value)), (name, field, value)

    code, out, _ = _run(capsys, "sql", query, "--warehouse", str(warehouse), "--format", "json")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        record = json.loads(line, parse_float=Decimal)
        assert list(record) == names
        for name, kind, value in zip(names, kinds, row, strict=True):
            got = _from_json(kind, record[name])
            assert _same(kind, got, _expected(kind, value)), (name, record[name], value)


def test_csv_writes_null_as_an_empty_field_and_the_empty_string_quoted(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "SELECT '' AS empty, NULL AS nothing, 'x' AS x UNION ALL SELECT NULL, '', 'y'"
    code, out, _ = _run(capsys, "sql", query, "--warehouse", str(warehouse), "--format", "csv")
    assert code == 0
    assert out == 'empty,nothing,x\n"",,x\n,"",y\n'


def test_json_is_standard_json_one_object_a_line(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "sql", AWKWARD, "--warehouse", str(warehouse), "--format", "json")
    assert code == 0
    first = out.splitlines()[0]

    def refuse(constant: str) -> None:
        raise AssertionError(f"not standard JSON: {constant}")

    record = json.loads(first, parse_constant=refuse)
    assert (record["nan"], record["inf"], record["neg_inf"]) == ("NaN", "Infinity", "-Infinity")
    assert record["struct"] == {"k": 1.5, "z": ["x", None]}
    assert record["doc"] == {"a": [1, 2.5]}
    assert record["tstz"] == "2024-01-02T01:04:05+00:00"
    assert record["span"] == "P2DT3H4.5S" and record["negative_span"] == "-PT1M30S"
    assert record["blob"] == base64.b64encode(b'\x00\xff,"').decode()
    assert '"dec":12345678901234567890123456789.123456789,' in first
    assert '"huge":170141183460469231731687303715884105727,' in first
    assert "\\u2028" in first and "中" in first  # line separators escaped, the rest of Unicode as is

    # DuckDB's JSON type lets NaN in; it comes out as it does from a DOUBLE.
    query = """SELECT '{"a": NaN, "b": [-Infinity, 2.50]}'::JSON AS doc"""
    code, out, _ = _run(capsys, "sql", query, "--warehouse", str(warehouse), "--format", "json")
    assert (code, out) == (0, '{"doc":{"a":"NaN","b":["-Infinity",2.50]}}\n')


def test_duplicate_column_names_are_made_unique(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "sql", "SELECT 1 AS a, 2 AS a", "--warehouse", str(warehouse), "--format", "json"
    )
    assert code == 0
    assert json.loads(out) == {"a": 1, "a_1": 2}


def test_a_file_of_several_statements_prints_the_last_ones_rows(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "query.sql"
    script.write_text(
        "\ufeffSET VARIABLE answer = 41;\n"
        "-- a comment; with a semicolon\n"
        "SET threads = 1;\n"
        "SELECT count(*) AS documents FROM documents;\n"
        "SELECT getvariable('answer') + 1 AS answer, current_setting('threads') AS threads, 'a;b' AS text;\n"
    )
    code, out, err = _run(
        capsys, "sql", "--file", str(script), "--warehouse", str(warehouse), "--format", "csv"
    )
    assert (code, err) == (0, "")
    assert out == "answer,threads,text\n42,1,a;b\n"


def test_the_sql_can_come_from_standard_input(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("SET threads = 1; SELECT 42 AS answer"))
    code, out, _ = _run(capsys, "sql", "-f", "-", "--warehouse", str(warehouse), "--format", "json")
    assert code == 0
    assert json.loads(out) == {"answer": 42}


def test_sql_whose_last_statement_returns_no_rows_is_one_line(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "sql", "SELECT 1;\nSET threads = 1", "--warehouse", str(warehouse))
    assert (code, out) == (1, "")
    assert err == (
        "dumpling: the last statement (SET) returns no rows: end with a query, such as a SELECT "
        "(statement 2 of 2, line 2)\n"
    )
    code, _, err = _run(capsys, "sql", "  -- nothing\n", "--warehouse", str(warehouse))
    assert (code, err) == (1, "dumpling: the query holds no SQL statement\n")


QUERY = (
    "SELECT doc_id, title, authors, published_at, published_date, language_score, paragraph_count "
    "FROM documents"
)


@pytest.mark.parametrize(
    ("name", "output_format"), [("out.csv", "csv"), ("out.jsonl", "json"), ("out.json", "json")]
)
def test_out_writes_a_file_in_the_format_its_extension_names(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, output_format: str
) -> None:
    code, printed, _ = _run(capsys, "sql", QUERY, "--warehouse", str(warehouse), "--format", output_format)
    assert code == 0
    out = tmp_path / name
    code, nothing, _ = _run(capsys, "sql", QUERY, "--warehouse", str(warehouse), "--out", str(out))
    assert (code, nothing) == (0, "")
    assert out.read_text(encoding="utf-8") == printed
    assert [path.name for path in tmp_path.iterdir()] == [name]


def test_out_parquet_holds_the_values_duckdb_returns(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = (
        f"SELECT *, '170141183460469231731687303715884105727'::HUGEINT AS huge, "
        f"'1234567890.123456789'::DECIMAL(19, 9) AS dec, {{'k': [1, 2]}} AS struct "
        f"FROM ({QUERY}) ORDER BY doc_id"
    )
    names, _, rows = _duckdb(warehouse, query)
    out = tmp_path / "out.parquet"
    code, printed, err = _run(capsys, "sql", query, "--warehouse", str(warehouse), "--out", str(out))
    assert (code, printed, err) == (0, "", "")
    table = pq.read_table(out)
    assert table.column_names == names
    assert [tuple(record.values()) for record in table.to_pylist()] == rows
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=UTC]"


def test_parquet_needs_out_and_a_known_extension_needs_no_format(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "sql", "SELECT 1", "--warehouse", str(warehouse), "--format", "parquet")
    assert (code, err) == (2, "dumpling: --format parquet writes a file: give --out FILE\n")
    code, _, err = _run(
        capsys, "sql", "SELECT 1", "--warehouse", str(warehouse), "--out", str(tmp_path / "x.tsv")
    )
    assert (code, err) == (2, f"dumpling: cannot tell the format from {tmp_path / 'x.tsv'}: give --format\n")


def test_a_failed_query_leaves_the_output_file_as_it_was(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    out.write_text("the last good result\n")
    failing = "SELECT i::VARCHAR::INTEGER AS n FROM (VALUES ('1'), ('x')) AS t(i)"
    code, _, err = _run(capsys, "sql", failing, "--warehouse", str(warehouse), "--out", str(out))
    assert code == 1
    assert "Could not convert string 'x' to INT32" in err
    assert out.read_text() == "the last good result\n"
    assert [path.name for path in tmp_path.iterdir()] == ["out.csv"]


def test_parquet_refuses_a_type_it_cannot_hold_by_name(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "SELECT 1 AS n, INTERVAL 1 DAY AS span"
    code, _, err = _run(
        capsys, "sql", query, "--warehouse", str(warehouse), "--out", str(tmp_path / "x.parquet")
    )
    assert code == 1
    assert err.startswith("dumpling: Parquet cannot hold these columns: span (month_day_nano_interval);")
    assert list(tmp_path.iterdir()) == []


def _caret_under(err: str, text: str) -> None:
    """The error is three lines: the message, `LINE n: ...` and a caret under the start of `text`."""
    _, line, caret = err.rstrip("\n").split("\n")
    assert line.startswith("LINE ")
    assert cell_len(caret) - 1 == cell_len(line[: line.index(text)]), err


def test_a_parser_error_shows_the_line_and_a_caret(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "SELECT title, 'é中'\n  FORM documents"
    code, out, err = _run(capsys, "sql", query, "--warehouse", str(warehouse))
    assert (code, out) == (1, "")
    assert err.startswith(
        'dumpling: Parser Error: syntax error at or near "documents"\nLINE 2:   FORM documents\n'
    )
    _caret_under(err, "documents")


def test_an_unknown_column_is_named_and_pointed_at(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "SELECT title,\n       'é中' AS x, nope\nFROM documents"
    code, out, err = _run(capsys, "sql", query, "--warehouse", str(warehouse))
    assert (code, out) == (1, "")
    assert err.startswith('dumpling: Binder Error: Referenced column "nope" not found in FROM clause!')
    assert "\nLINE 2:        'é中' AS x, nope\n" in err
    _caret_under(err, "nope")


def test_errors_in_a_file_point_into_the_whole_file(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "query.sql"
    script.write_text("SET threads = 1;\n\nSELECT title,\n  bogus(title)\nFROM documents;\n")
    code, _, err = _run(capsys, "sql", "-f", str(script), "--warehouse", str(warehouse))
    assert code == 1
    assert err.startswith(
        f"dumpling: {script}:4:3: Catalog Error: Scalar Function with name bogus does not exist!"
    )
    assert "\nLINE 4:   bogus(title)\n" in err
    _caret_under(err, "bogus")
    script.write_text("SET threads = 1;\nSELECT 1 FROM documents WHERE;\n")
    code, _, err = _run(capsys, "sql", "-f", str(script), "--warehouse", str(warehouse))
    assert code == 1
    assert err.startswith(f'dumpling: {script}:2:30: Parser Error: syntax error at or near ";"\nLINE 2:')
    _caret_under(err, ";")


def test_writes_are_refused_in_one_line(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "sql", "DROP VIEW documents", "--warehouse", str(warehouse))
    assert code == 1
    assert err.count("\n") == 1 and "read-only" in err
    script = tmp_path / "query.sql"
    script.write_text("SELECT 1;\n\n-- then\nCREATE TABLE t AS SELECT 1;\nSELECT 2;\n")
    code, _, err = _run(capsys, "sql", "-f", str(script), "--warehouse", str(warehouse))
    assert code == 1
    assert err.count("\n") == 1 and "read-only" in err
    assert err.endswith("(statement 2 of 3, line 4)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["SELECT 1", "--file", "q.sql"], "not allowed with argument query", id="both"),
        pytest.param([], "one of the arguments query --file/-f is required", id="neither"),
    ],
)
def test_the_sql_is_a_query_or_a_file_not_both(
    warehouse: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["sql", *args, "--warehouse", str(warehouse)])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_missing_file_is_bad_usage(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "sql", "-f", str(tmp_path / "none.sql"), "--warehouse", str(warehouse))
    assert (code, err) == (2, f"dumpling: cannot read {tmp_path / 'none.sql'}: No such file or directory\n")


WIDE = (
    "SELECT paragraph_count, regexp_extract(source_file, '[^/]+$') AS file, text, "
    "left(text, 30) AS opening, published_date FROM documents ORDER BY file"
)


def test_a_narrow_terminal_cuts_the_widest_text_columns_first(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    code, out, _ = _run(capsys, "sql", WIDE, "--warehouse", str(warehouse))
    assert code == 0
    lines = out.splitlines()
    assert all(cell_len(line) <= 120 for line in lines)
    assert lines[0].split() == ["paragraph_count", "file", "text", "opening", "published_date"]
    month = next(line for line in lines if "001_month_only_header" in line)
    cells = re.split(r"\s{3,}", month.strip())
    # Numbers and dates whole; `text` (80 wide) and `opening` (30) cut to one width, `file` (25) not.
    assert cells[0] == "2" and cells[-1] == "2019-12-01"
    assert cells[1] == "001_month_only_header.txt"
    assert cells[2].endswith("…") and cells[3].endswith("…")
    assert cell_len(cells[2]) == cell_len(cells[3]) == 27
    assert lines[-1] == "4 rows"


def test_a_very_narrow_terminal_says_which_columns_it_left_out(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    code, out, _ = _run(capsys, "sql", WIDE, "--warehouse", str(warehouse))
    assert code == 0
    lines = out.splitlines()
    assert all(cell_len(line) <= 50 for line in lines[:-1])
    assert lines[0].split() == ["paragraph_count", "file", "text", "…"]
    assert re.split(r"\s{3,}", lines[2].strip()) == ["2", "001_month_o…", "German airl…", "…"]
    assert lines[-1] == (
        "4 rows; 2 of 5 columns not shown, too wide for the terminal: opening, published_date "
        "(use --format csv or json for all)"
    )


def test_the_table_counts_the_rows_it_does_not_show(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "sql", "SELECT range AS n FROM range(250)", "--warehouse", str(warehouse))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 + 100 + 1
    assert lines[-1] == "250 rows, 100 shown (use --format csv or json for all)"
    code, out, _ = _run(capsys, "sql", "FROM range(20000)", "--warehouse", str(warehouse))
    assert out.splitlines()[-1] == "more than 10,000 rows, 100 shown (use --format csv or json for all)"


def test_the_table_shows_text_as_it_is(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = (
        "SELECT '[bold]x[/bold] :smile:' AS markup, "
        "'one' || chr(10) || chr(10) || 'two' || chr(9) || 'three' AS text"
    )
    code, out, _ = _run(capsys, "sql", query, "--warehouse", str(warehouse))
    assert code == 0
    assert out.splitlines()[2].split("   ") == ["[bold]x[/bold] :smile:", "one ¶ two three"]
