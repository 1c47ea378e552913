"""`dumpling report`: one self-contained HTML page, drawn by headless Chromium without a single request
leaving the machine, whose numbers are those `dumpling status` prints."""

import io
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from warehouse.catalog import TABLES_DIR, commit, connect, connect_for_writing
from warehouse.load import NewPart
from warehouse.parts import PartWriter
from warehouse.report import TOP_BARS, TOP_SOURCES, write_report
from warehouse.schema import RUNS
from warehouse.status import describe

DUMPLING = Path(sys.executable).with_name("dumpling")
CHARTS = ("volume", "sources", "languages", "rejects")
# The namespaces of the inline SVG: names, never fetched.
XML_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}

# Each chart as the browser laid it out: its box, its shapes, and the bars or lines drawn in it.
CHARTS_DRAWN = """() => Array.from(document.querySelectorAll("figure[data-chart]"), (figure) => {
    const svg = figure.querySelector("svg");
    const box = svg.getBoundingClientRect();
    const drawn = (selector) => Array.from(svg.querySelectorAll(selector)).filter((shape) => {
        const shapeBox = shape.getBBox();
        return shapeBox.width > 0 && shapeBox.height > 0;
    }).length;
    return {
        key: figure.dataset.chart,
        width: box.width,
        height: box.height,
        shapes: svg.querySelectorAll("path, rect, use").length,
        bars: drawn('g[id*="-bar-"]'),
        lines: drawn('g[id^="volume-series-"]'),
        texts: Array.from(svg.querySelectorAll("text"), (text) => text.textContent),
    };
})"""
HEADER_NUMBERS = """() => Object.fromEntries(Array.from(document.querySelectorAll(".stat"), (stat) =>
    [stat.dataset.key, [stat.dataset.value, stat.querySelector(".value").textContent]]))"""


def _chromium() -> str:
    """Debian's chromium, which `./dev test` installs; Playwright's own browsers are never downloaded."""
    pytest.importorskip("playwright.sync_api", reason="playwright (a dev dependency) is not installed")
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip(
            "no chromium to render the report in: `./dev test` installs Debian's package when apt-get "
            "can (as root, or with password-less sudo); or run `sudo apt-get install chromium`"
        )
    return path


def _status_numbers(warehouse: Path) -> dict[str, str]:
    """The numbers `dumpling status` prints for `warehouse`."""
    with connect(warehouse) as connection:
        text = describe(connection, warehouse)
    patterns = {
        ("documents", "sources", "files", "rejects"): r"(\d+) documents from (\d+) sources in (\d+) files; "
        r"(\d+) rejects",
        ("first", "last", "undated"): r"published (\S+) \.\. (\S+); (\d+) without a date",
        ("duplicates", "clustered"): r"(\d+) exact duplicates marked; (\d+) documents in near-duplicate",
    }
    numbers: dict[str, str] = {}
    for keys, pattern in patterns.items():
        match = re.search(pattern, text)
        assert match, f"`dumpling status` no longer says {pattern!r}:\n{text}"
        numbers.update(zip(keys, match.groups(), strict=True))
    return numbers


def _expected_marks(warehouse: Path) -> dict[str, int]:
    """How many bars (or lines) each chart should draw: one per source, language or reason, the ones
    past the top few summed into one."""

    def top(count: int, limit: int) -> int:
        return count if count <= limit + 1 else limit + 1

    with connect(warehouse) as connection:
        row = connection.execute(
            "SELECT count(DISTINCT source), count(DISTINCT coalesce(language, '')), "
            "(SELECT count(DISTINCT reason) FROM rejects) FROM documents"
        ).fetchone()
        # The volume chart: a line for each of the largest sources with a dated document, and one for
        # all the others that have one.
        lines = connection.execute(
            "WITH ranked AS (SELECT row_number() OVER (ORDER BY count(*) DESC, source) AS rank, "
            "count(published_date) AS dated FROM documents GROUP BY source) "
            "SELECT count(*) FILTER (WHERE rank <= $top AND dated > 0) "
            "+ (count(*) FILTER (WHERE rank > $top AND dated > 0) > 0)::INTEGER FROM ranked",
            {"top": TOP_SOURCES},
        ).fetchone()
    assert row is not None and lines is not None
    sources, languages, reasons = row
    return {
        "sources": top(sources, TOP_SOURCES),
        "languages": top(languages, TOP_BARS),
        "rejects": top(reasons, TOP_BARS),
        "volume": lines[0],
    }


def _colours(png: bytes) -> int:
    from PIL import Image  # matplotlib's own dependency

    with Image.open(io.BytesIO(png)) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])


def test_report_renders_offline_in_chromium(corpora_warehouse: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    from playwright.sync_api import Route, sync_playwright

    out = tmp_path / "report.html"
    result = subprocess.run(
        [str(DUMPLING), "report", "--out", str(out), "--warehouse", str(corpora_warehouse)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == f"wrote {out}"
    page_text = out.read_text(encoding="utf-8")
    assert len(page_text.encode()) < 400_000, "the report should stay light"
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file is left behind"

    # Nothing that a browser fetches: no scripts, style sheets, images, frames or fonts.
    assert not re.search(r"<(script|link|img|iframe|object|embed|image)\b", page_text, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*['\"]?(?!#)", page_text)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page_text)) <= XML_NAMESPACES

    requests: list[str] = []
    aborted: list[str] = []

    def local_only(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"] if os.geteuid() == 0 else []
        )
        try:
            # The page's own Content-Security-Policy forbids any fetch; bypassed here, so that the
            # request log shows what the page itself asks for.
            context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.route("**/*", local_only)
            page.goto(out.as_uri(), wait_until="load")
            charts: list[dict[str, Any]] = page.evaluate(CHARTS_DRAWN)
            header: dict[str, list[str]] = page.evaluate(HEADER_NUMBERS)
            dates = page.eval_on_selector_all("time[data-key]", "times => times.map(t => t.textContent)")
            undated = page.get_attribute("[data-key=undated]", "data-value")
            colours = {
                key: _colours(page.locator(f'figure[data-chart="{key}"] svg').screenshot()) for key in CHARTS
            }
        finally:
            browser.close()

    assert requests == [out.as_uri()], f"the page asked for more than itself: {requests}"
    assert aborted == []

    expected = _expected_marks(corpora_warehouse)
    assert [chart["key"] for chart in charts] == list(CHARTS)
    for chart in charts:
        key = chart["key"]
        assert chart["width"] > 300 and chart["height"] > 150, chart
        assert chart["shapes"] > 10, chart
        marks = chart["lines"] if key == "volume" else chart["bars"]
        assert marks == expected[key] > 1, (key, marks, expected[key])
        assert colours[key] > 3, f"the {key} chart looks blank"
    sources = next(chart for chart in charts if chart["key"] == "sources")
    assert "reuters21578" in sources["texts"]

    status = _status_numbers(corpora_warehouse)
    for key in ("documents", "sources", "files", "rejects", "duplicates", "clustered"):
        value, shown = header[key]
        assert value == shown.replace(",", "") == status[key], (key, header[key], status[key])
    assert dates == [status["first"], status["last"]]
    assert undated == status["undated"]
    assert f"{int(status['documents']):,}" in page_text


def _record_run(root: Path, run_id: str, paths: list[str]) -> None:
    finished = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    row = {
        "run_id": run_id,
        "started_at": finished - timedelta(seconds=1.5),
        "finished_at": finished,
        "seconds": 1.5,
        "paths": paths,
        "files_seen": 3,
        "files_loaded": 0,
        "files_unchanged": 3,
        "files_pruned": 0,
        "documents": 0,
        "rejects": 0,
    }
    with PartWriter(root / TABLES_DIR / "runs", RUNS) as writer:
        writer.write(pa.RecordBatch.from_pylist([row], schema=RUNS))
        part = writer.close()
    assert part is not None
    commit(root, [NewPart("runs", None, str(part.relative_to(root)))], replaced=[])


def test_an_empty_warehouse_gives_a_page_that_says_no_data(tmp_path: Path) -> None:
    root = tmp_path / "a <b> & 'c'"
    connect_for_writing(root).close()
    _record_run(root, "<script>alert(1)</script>", ["/dumps/<i>x</i> & y"])
    out = tmp_path / "report.html"
    with connect(root) as connection:
        write_report(connection, root, out)

    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<svg" not in page
    for chart in CHARTS:
        assert re.search(rf'<section class="chart-section" id="{chart}">.*?No data', page, re.DOTALL), chart
    assert 'data-key="documents" data-value="0"' in page
    assert "No publication dates" in page
    # Every text from the data is escaped.
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "/dumps/&lt;i&gt;x&lt;/i&gt; &amp; y" in page
    assert "a &lt;b&gt; &amp; &#x27;c&#x27;" in page
    assert "2026-01-02 03:04:05" in page
    assert [path.name for path in tmp_path.iterdir() if path.is_file()] == ["report.html"]


def test_many_sources_languages_and_reasons_are_summed_and_names_escaped(tmp_path: Path) -> None:
    """A warehouse's tables as the report reads them, made up: more sources, languages and reasons than
    the charts show, names with markup and `$`, and one date centuries before the others."""
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute(
        "CREATE TABLE documents AS SELECT "
        "CASE WHEN i % 13 = 0 THEN 'a <b>$x$</b> & co' ELSE 'source' || (i % 13) END AS source, "
        "'l' || (i % 25) AS language, "
        "CASE WHEN i = 0 THEN DATE '1066-10-14' ELSE DATE '2020-01-01' + INTERVAL (i % 40) DAY END::DATE "
        "AS published_date, NULL::VARCHAR AS duplicate_of, NULL::VARCHAR AS near_duplicate_cluster "
        "FROM range(2000) AS t(i)"
    )
    connection.execute(
        "CREATE TABLE rejects AS SELECT 'source1' AS source, 'reason' || (i % 20) AS reason, "
        "'<bad> record ' || i AS message, 'f' AS source_file, i AS record_index FROM range(100) AS t(i)"
    )
    connection.execute("CREATE TABLE files AS SELECT DISTINCT source FROM documents")
    connection.execute(
        "CREATE TABLE runs AS SELECT 'run' || i AS run_id, "
        "TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (i) HOUR AS finished_at, 2.5 AS seconds, "
        "['a', 'b', 'c', 'd', 'e'] AS paths, 5 AS files_seen, 5 AS files_loaded, 0 AS files_unchanged, "
        "0 AS files_pruned, 100 AS documents, 1 AS rejects FROM range(15) AS t(i)"
    )
    out = tmp_path / "report.html"
    write_report(connection, "memory", out)
    page = out.read_text(encoding="utf-8")

    def svg(key: str) -> str:
        match = re.search(rf'<figure data-chart="{key}".*?</svg>', page, re.DOTALL)
        assert match, key
        return match.group()

    for key, shown in (("sources", TOP_SOURCES), ("languages", TOP_BARS), ("rejects", TOP_BARS)):
        assert len(re.findall(rf'<g id="{key}-bar-\d+"', svg(key))) == shown + 1, key
        assert re.search(r">other \(\d+ \w+\)</text>", svg(key)), key
    assert "per year" in svg("volume")  # a stray date nine centuries back: years, not 11,000 months
    assert ">other sources</text>" in svg("volume")
    # Names are text, escaped, never markup or mathtext.
    assert "a &lt;b&gt;$x$&lt;/b&gt; &amp; co" in svg("sources")
    assert "<b>" not in page and "<bad>" not in page and "&lt;bad&gt; record 0" in page
    assert "The last 10 runs" in page and "a, b, c and 2 more" in page and ">2.5<" in page
    assert len(page.encode()) < 200_000
