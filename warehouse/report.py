"""`dumpling report`: one static HTML page about a warehouse, to open from disk or pass around.

The page holds the numbers `dumpling status` prints, charts of the monthly volume per source, the
documents per source and per language and the rejects per reason, and a table of the last runs. It is a
single file: the style sheet is inline and each chart is an inline SVG drawn by matplotlib (text kept as
text, not paths, so the page stays small and searchable), so it needs no server, no network and no script.
Every text that comes from the data is escaped. The queries read only the tables, not the ready-made
views, so a report can be written of any warehouse this dumpling can open.
"""

from __future__ import annotations

import html
import io
import math
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

# Sources drawn in their own colour; the others are summed into one "other" series or bar.
TOP_SOURCES = 8
TOP_BARS = 12  # languages and reject reasons
RECENT_RUNS = 10
# Beyond this many months from first to last date, the volume chart counts years instead.
MAX_MONTHS = 600
# Longer names are cut short in the charts (not in the tables), and example messages in the tables.
MAX_LABEL = 40
MAX_MESSAGE = 160
# Charts are drawn this many inches wide and scaled to the page's width, so their text sizes agree.
FIGURE_WIDTH = 9.0
# A volume chart whose largest count is this many times its smallest uses a log scale.
LOG_SCALE_RATIO = 100
# A series of at most this many periods is drawn with a marker on each.
MAX_MARKERS = 120
OTHER_COLOUR = "#9a9a9a"
OTHER_SOURCES = "other sources"  # the volume chart's series of the smaller sources
# Okabe-Ito: colours that readers with any common colour blindness tell apart.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
_STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text as <text>, drawn by the browser: far smaller than glyph paths
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True, slots=True)
class Summary:
    """The numbers of `dumpling status`'s first lines."""

    documents: int
    sources: int
    files: int
    rejects: int
    first: date | None
    last: date | None
    undated: int
    duplicates: int
    clustered: int


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    description: str
    svg: str | None  # None: no data
    table: str


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return connection.execute(sql).fetchall()


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float | Decimal) else 0


def _text(value: object) -> str:
    return "" if value is None else str(value)


def summary(connection: duckdb.DuckDBPyConnection) -> Summary:
    """The same queries as `warehouse.status.describe`."""
    ((documents, sources, first, last, undated, duplicates, clustered),) = _rows(
        connection,
        "SELECT count(*), count(DISTINCT source), min(published_date), max(published_date), "
        "count(*) FILTER (WHERE published_date IS NULL), count(duplicate_of), "
        "count(near_duplicate_cluster) FROM documents",
    )
    ((files, rejects),) = _rows(
        connection, "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM rejects)"
    )
    return Summary(
        documents=_int(documents),
        sources=_int(sources),
        files=_int(files),
        rejects=_int(rejects),
        first=first if isinstance(first, date) else None,
        last=last if isinstance(last, date) else None,
        undated=_int(undated),
        duplicates=_int(duplicates),
        clustered=_int(clustered),
    )


# Drawing ------------------------------------------------------------------------------------------------


def _label(text: str, limit: int = MAX_LABEL) -> str:
    """Text for matplotlib: shortened, and with `$` escaped so that it is never read as mathtext."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


_COORDINATES = re.compile(r'\b(?:d|x|y|transform)="[^"]*"')
_DECIMALS = re.compile(r"(\d\.\d\d)\d+")


def _svg(figure: Figure, key: str, title: str) -> str:
    """The figure as an SVG element for inline use: no XML prolog or metadata, ids made unique in the
    page, sized by the page's style sheet, and labelled for screen readers."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    # matplotlib numbers its groups (figure_1, patch_3, ...) afresh in each figure; nothing refers to them.
    svg = re.sub(r'id="([A-Za-z][\w.]*_\d+)"', rf'id="{key}-\1"', svg)
    svg = re.sub(
        r"<svg ([^>]*?)width=\"[^\"]*\" height=\"[^\"]*\"",
        lambda match: (
            f'<svg class="chart" role="img" aria-labelledby="{key}-svg-title" '
            f'aria-describedby="{key}-caption" {match.group(1)}'
        ).rstrip(),
        svg,
        count=1,
    )
    svg = svg.replace(">", f'>\n <title id="{key}-svg-title">{html.escape(title)}</title>', 1)
    # Coordinates need no more than two decimals at this size (text is left as it is).
    return _COORDINATES.sub(lambda match: _DECIMALS.sub(r"\1", match.group()), svg)


def _bars(
    key: str, title: str, axis_label: str, items: Sequence[tuple[str, int]], colours: Sequence[str]
) -> str:
    """A horizontal bar chart, largest first, each bar with its count."""
    height = 0.9 + 0.32 * len(items)
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(FIGURE_WIDTH, height), layout="constrained")
        axes: Axes = figure.add_subplot()
        positions = list(range(len(items)))
        values = [count for _, count in items]
        bars = axes.barh(positions, values, color=list(colours), height=0.7)
        for index, bar in enumerate(bars):
            bar.set_gid(f"{key}-bar-{index}")
        axes.set_yticks(positions, [_label(name) for name, _ in items])
        axes.invert_yaxis()
        axes.bar_label(bars, labels=[f"{count:,}" for count in values], padding=3, fontsize=9)
        axes.set_xlabel(axis_label)
        axes.set_xlim(0, max(values) * 1.15)
        axes.xaxis.set_major_formatter("{x:,.0f}")
        axes.tick_params(axis="y", length=0)
        return _svg(figure, key, title)


def _top(items: Sequence[tuple[str, int]], limit: int, other: str) -> list[tuple[str, int]]:
    """The first `limit` items, and the rest summed as one ("other (N sources)")."""
    if len(items) <= limit + 1:
        return list(items)
    rest = items[limit:]
    return [*items[:limit], (f"other ({len(rest)} {other})", sum(count for _, count in rest))]


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: set[int]) -> str:
    head = "".join(f'<th scope="col">{html.escape(header)}</th>' for header in headers)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            text = f"{value:,}" if isinstance(value, int) else html.escape(_text(value))
            cells.append(f'<td class="num">{text}</td>' if index in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _source_colours(sources: Sequence[str]) -> dict[str, str]:
    """A colour for each of the largest sources, the same in every chart."""
    return {source: PALETTE[index % len(PALETTE)] for index, source in enumerate(sources[:TOP_SOURCES])}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _volume_chart(
    connection: duckdb.DuckDBPyConnection, ranked: Sequence[str], colours: dict[str, str], undated: int
) -> Chart:
    title = "Documents published per month, by source"
    rows = _rows(
        connection,
        "SELECT date_trunc('month', published_date)::DATE AS month, source, count(*) FROM documents "
        "WHERE published_date IS NOT NULL GROUP BY ALL ORDER BY ALL",
    )
    counts: dict[str, dict[date, int]] = {}
    for month, source, count in rows:
        assert isinstance(month, date)
        series = _text(source) if _text(source) in colours else OTHER_SOURCES
        by_month = counts.setdefault(series, {})
        by_month[month] = by_month.get(month, 0) + _int(count)
    undated_note = f" {undated:,} documents without a date are not counted." if undated else ""
    if not counts:
        return Chart("volume", title, "No dated documents." + undated_note, None, "")
    first = min(min(series) for series in counts.values())
    last = max(max(series) for series in counts.values())
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    yearly = span > MAX_MONTHS
    if yearly:  # a stray date centuries away would make thousands of empty months
        title = "Documents published per year, by source"
        counts = {series: _sum_by_year(by_month) for series, by_month in counts.items()}
        grid = [date(year, 1, 1) for year in range(first.year, last.year + 1)]
    else:
        grid = [_add_months(first, offset) for offset in range(span)]
    order = [source for source in ranked if source in counts]
    order += [OTHER_SOURCES] if OTHER_SOURCES in counts else []
    values = [count for by_period in counts.values() for count in by_period.values()]
    # Sources of a few dozen documents beside one of thousands a month: a log scale shows them all.
    logarithmic = max(values) >= LOG_SCALE_RATIO * min(values)
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(FIGURE_WIDTH, 4.0), layout="constrained")
        axes: Axes = figure.add_subplot()
        for index, series in enumerate(order):
            by_period = counts[series]
            (line,) = axes.plot(
                grid,  # type: ignore[arg-type]  # matplotlib converts dates
                # On a log scale a period without documents is a gap in the line, not a drop to zero.
                [by_period.get(period, math.nan if logarithmic else 0) for period in grid],
                label=_label(series, 30),
                color=colours.get(series, OTHER_COLOUR),
                linewidth=1.3,
                # Points as well as lines when they are few: a single month is a point, not a line.
                marker="o" if len(by_period) <= MAX_MARKERS else "",
                markersize=3.5,
            )
            line.set_gid(f"volume-series-{index}")
        period_name = "year" if yearly else "month"
        if logarithmic:
            axes.set_yscale("log")
            axes.set_ylabel(f"documents per {period_name} (log scale)")
        else:
            axes.set_ylim(bottom=0)
            axes.set_ylabel(f"documents per {period_name}")
        axes.yaxis.set_major_formatter("{x:,.0f}")
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        svg = _svg(figure, "volume", title)
    years: dict[int, dict[str, int]] = {}
    for series, by_period in counts.items():
        for period, count in by_period.items():
            totals = years.setdefault(period.year, {})
            totals[series] = totals.get(series, 0) + count
    table = _table(
        "Documents per year and source",
        ["year", *order],
        [[str(year), *(years[year].get(series, 0) for series in order)] for year in sorted(years)],
        set(range(1, len(order) + 1)),
    )
    description = (
        f"From {grid[0]:%B %Y} to {grid[-1]:%B %Y}, {'yearly' if yearly else 'monthly'} counts of "
        f"{len(order)} series ({', '.join(order)})." + undated_note
    )
    return Chart("volume", title, description, svg, table)


def _sum_by_year(by_month: dict[date, int]) -> dict[date, int]:
    years: dict[date, int] = {}
    for month, count in by_month.items():
        year = date(month.year, 1, 1)
        years[year] = years.get(year, 0) + count
    return years


def _sources_chart(connection: duckdb.DuckDBPyConnection, colours: dict[str, str]) -> Chart:
    title = "Documents per source"
    rows = _rows(
        connection,
        "WITH loaded AS (SELECT source, count(*) AS documents, min(published_date) AS first, "
        "max(published_date) AS last, string_agg(DISTINCT language, ', ' ORDER BY language) AS languages, "
        "count(duplicate_of) AS duplicates FROM documents GROUP BY source), "
        "refused AS (SELECT source, count(*) AS rejects FROM rejects GROUP BY source), "
        "stored AS (SELECT source, count(*) AS files FROM files GROUP BY source) "
        "SELECT source, coalesce(documents, 0), coalesce(files, 0), coalesce(rejects, 0), "
        "coalesce(duplicates, 0), first, last, languages "
        "FROM loaded FULL JOIN refused USING (source) FULL JOIN stored USING (source) "
        "ORDER BY 2 DESC, source",
    )
    items = [(_text(row[0]), _int(row[1])) for row in rows if _int(row[1]) > 0]
    if not items:
        return Chart("sources", title, "No documents loaded.", None, "")
    bars = _top(items, TOP_SOURCES, "sources")
    svg = _bars(
        "sources",
        title,
        "documents",
        bars,
        [colours.get(name, OTHER_COLOUR) for name, _ in bars],
    )
    table = _table(
        "Sources",
        [
            "source",
            "documents",
            "files",
            "rejects",
            "exact duplicates",
            "first published",
            "last published",
            "languages",
        ],
        [
            [_text(row[0]), _int(row[1]), _int(row[2]), _int(row[3]), _int(row[4]), row[5], row[6], row[7]]
            for row in rows
        ],
        {1, 2, 3, 4},
    )
    description = f"{len(items)} sources with documents; the largest, {items[0][0]}, has {items[0][1]:,}."
    return Chart("sources", title, description, svg, table)


def _languages_chart(connection: duckdb.DuckDBPyConnection) -> Chart:
    title = "Documents per language"
    rows = _rows(
        connection,
        "SELECT coalesce(language, 'unknown'), count(*) FROM documents GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    items = [(_text(language), _int(count)) for language, count in rows]
    if not items:
        return Chart("languages", title, "No documents loaded.", None, "")
    bars = _top(items, TOP_BARS, "languages")
    svg = _bars(
        "languages",
        title,
        "documents",
        bars,
        [OTHER_COLOUR if name.startswith("other (") else PALETTE[0] for name, _ in bars],
    )
    table = _table("Documents per language", ["language", "documents"], items, {1})
    description = f"{len(items)} languages (ISO 639 codes, as detected); the commonest is {items[0][0]}."
    return Chart("languages", title, description, svg, table)


def _rejects_chart(connection: duckdb.DuckDBPyConnection) -> Chart:
    title = "Rejects per reason"
    rows = _rows(
        connection,
        "SELECT reason, count(*), string_agg(DISTINCT source, ', ' ORDER BY source), "
        "arg_min(message, (source_file, record_index)) FROM rejects GROUP BY reason "
        "ORDER BY 2 DESC, reason",
    )
    items = [(_text(reason), _int(count)) for reason, count, *_ in rows]
    if not items:
        return Chart("rejects", title, "No records were rejected.", None, "")
    bars = _top(items, TOP_BARS, "reasons")
    svg = _bars(
        "rejects",
        title,
        "rejected records",
        bars,
        [OTHER_COLOUR if name.startswith("other (") else PALETTE[3] for name, _ in bars],
    )

    def shortened(message: object) -> str:
        text = " ".join(_text(message).split())
        return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"

    table = _table(
        "Rejects per reason",
        ["reason", "rejects", "sources", "example message"],
        [
            [_text(reason), _int(count), _text(sources), shortened(message)]
            for reason, count, sources, message in rows
        ],
        {1},
    )
    description = f"{sum(count for _, count in items):,} rejected records for {len(items)} reasons."
    return Chart("rejects", title, description, svg, table)


# The page -------------------------------------------------------------------------------------------------


def _runs(connection: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(
        connection,
        "SELECT strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), run_id, seconds, paths, "
        "files_seen, files_loaded, files_unchanged, files_pruned, documents, rejects FROM runs "
        f"ORDER BY finished_at DESC LIMIT {RECENT_RUNS}",
    )
    if not rows:
        return '<p class="no-data">No data: no runs are recorded in this warehouse.</p>'

    def paths(value: object) -> str:
        listed = [_text(path) for path in value] if isinstance(value, list) else []
        shown = ", ".join(listed[:3])
        return shown + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")

    def seconds(value: object) -> str:
        return f"{value:.1f}" if isinstance(value, int | float | Decimal) else ""

    return _table(
        f"The last {len(rows)} runs, newest first" if len(rows) > 1 else "The last run",
        [
            "finished (UTC)",
            "run",
            "seconds",
            "paths",
            "files seen",
            "loaded",
            "unchanged",
            "pruned",
            "documents",
            "rejects",
        ],
        [
            [finished, run_id, seconds(took), paths(listed), *(_int(value) for value in counts)]
            for finished, run_id, took, listed, *counts in rows
        ],
        {2, 4, 5, 6, 7, 8, 9},
    )


def _stat(key: str, value: int, label: str) -> str:
    return (
        f'<div class="stat" data-key="{key}" data-value="{value}">'
        f'<span class="value">{value:,}</span> <span class="label">{html.escape(label)}</span></div>'
    )


def _header(location: str, generated: datetime, numbers: Summary) -> str:
    if numbers.first is None or numbers.last is None:
        published = "No publication dates"
    else:
        published = (
            f'Published <time data-key="first" datetime="{numbers.first}">{numbers.first}</time> .. '
            f'<time data-key="last" datetime="{numbers.last}">{numbers.last}</time>'
        )
    stats = "".join(
        [
            _stat("documents", numbers.documents, "documents"),
            _stat("sources", numbers.sources, "sources"),
            _stat("files", numbers.files, "files"),
            _stat("rejects", numbers.rejects, "rejects"),
            _stat("duplicates", numbers.duplicates, "exact duplicates"),
            _stat("clustered", numbers.clustered, "in near-duplicate clusters"),
        ]
    )
    return (
        "<header>"
        "<h1>dumpling report</h1>"
        f'<p class="meta">Warehouse <code data-key="location">{html.escape(location)}</code>, '
        f'generated <time datetime="{generated:%Y-%m-%dT%H:%M:%SZ}">{generated:%Y-%m-%d %H:%M:%S} UTC'
        "</time></p>"
        f'<div class="stats">{stats}</div>'
        f'<p class="dates">{published}; <span data-key="undated" data-value="{numbers.undated}">'
        f"{numbers.undated:,}</span> without a date.</p>"
        "</header>"
    )


def _section(chart: Chart) -> str:
    heading = f'<h2 id="{chart.key}-title">{html.escape(chart.title)}</h2>'
    if chart.svg is None:
        body = f'<p class="no-data">No data: {html.escape(chart.description)}</p>'
    else:
        body = (
            f'<figure data-chart="{chart.key}" aria-labelledby="{chart.key}-title">{chart.svg}'
            f'<figcaption id="{chart.key}-caption">{html.escape(chart.description)}</figcaption></figure>'
        )
        if chart.table:
            body += f"<details><summary>The numbers behind the chart</summary>{chart.table}</details>"
    return f'<section class="chart-section" id="{chart.key}">{heading}{body}</section>'


_CSS = """
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5f6368; --line: #d9dce0; --panel: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2.25rem 0 .5rem; padding-bottom: .25rem;
  border-bottom: 1px solid var(--line); }
.meta, .dates, figcaption, footer { color: var(--muted); }
code { font-size: .92em; overflow-wrap: anywhere; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); gap: .6rem;
  margin: 1rem 0 .5rem; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.stat .value { display: block; font-size: 1.45rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat .label { color: var(--muted); font-size: .9rem; }
figure { margin: 0; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; }
figcaption { font-size: .9rem; margin-top: .25rem; }
details { margin-top: .5rem; }
summary { cursor: pointer; color: var(--muted); }
.table-wrap, details { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .88rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: var(--panel); }
td.num { text-align: right; white-space: nowrap; }
#runs td:first-child { white-space: nowrap; }
.no-data { background: var(--panel); border: 1px dashed var(--line); border-radius: 6px; padding: 1rem;
  color: var(--muted); }
footer { margin-top: 3rem; font-size: .85rem; }
"""


def render(connection: duckdb.DuckDBPyConnection, location: str | Path, generated: datetime) -> str:
    """The whole page, as text."""
    numbers = summary(connection)
    ranked = [
        _text(source)
        for (source,) in _rows(
            connection, "SELECT source FROM documents GROUP BY source ORDER BY count(*) DESC, source"
        )
    ]
    colours = _source_colours(ranked)
    charts = [
        _volume_chart(connection, ranked, colours, numbers.undated),
        _sources_chart(connection, colours),
        _languages_chart(connection),
        _rejects_chart(connection),
    ]
    title = f"dumpling report: {location}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # Nothing may be fetched: no scripts, styles, fonts or images from anywhere.
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">",
            f"<title>{html.escape(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            _header(str(location), generated, numbers),
            *(_section(chart) for chart in charts),
            '<section id="runs">',
            '<h2 id="runs-title">Last runs</h2>',
            f'<div class="table-wrap">{_runs(connection)}</div>',
            "</section>",
            "<footer>Written by <code>dumpling report</code>. A static page: it needs no server and no "
            "network.</footer>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


def write_report(connection: duckdb.DuckDBPyConnection, location: str | Path, out: Path) -> None:
    """Write the report of the warehouse open on `connection` (found at `location`) to `out`, which is
    replaced only once the new page is whole."""
    page = render(connection, location, datetime.now(UTC)).encode("utf-8")
    out = Path(out)
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(page)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, out)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as error:
        raise OSError(f"cannot write {out}: {error.strerror or error}") from error
