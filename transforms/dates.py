"""Dates as sources write them, into a UTC timestamp, a calendar date and the precision they carry.

A value with a time but no zone is taken as UTC. A date coarser than a day stands for the first day of
its period; `precision` (`second`, `day`, `month`, `year`) says how much of it is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
# Zone abbreviations that the stdlib's RFC 2822 parser does not know, as the places they stand for.
ZONES: dict[str, tzinfo] = {
    "ET": ZoneInfo("America/New_York"),
    "CT": ZoneInfo("America/Chicago"),
    "MT": ZoneInfo("America/Denver"),
    "PT": ZoneInfo("America/Los_Angeles"),
    "GMT": UTC,
    "UTC": UTC,
    "UT": UTC,
    "Z": UTC,
}

_ISO_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_TRAILING_COMMENT = re.compile(r"\s*\([^()]*\)$")
_SHORT_OFFSET = re.compile(r"(?<=\d) ?([+-]\d{2})$")
# 26-FEB-1987 15:01:01.79 (Reuters)
_DAY_MON_YEAR_TIME = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?")
# 7:51 PM ET Fri, 17 July 2020 (CNBC)
_CLOCK_FIRST = re.compile(
    r"(\d{1,2}):(\d{2}) ?([AaPp][Mm]) ([A-Z]{1,4}) (?:[A-Za-z]+,? )?(\d{1,2}) ([A-Za-z]+),? (\d{4})"
)
# 18-Jul-20 and Jul-18 (Guardian)
_DAY_MON_YY = re.compile(r"(\d{1,2})-([A-Za-z]{3,9})-(\d{2}|\d{4})")
_MON_YY = re.compile(r"([A-Za-z]{3,9})-(\d{2}|\d{4})")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    published_at: datetime
    published_date: date
    precision: str


def _at(when: datetime, precision: str) -> ParsedDate:
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return ParsedDate(when, when.date(), precision)


def _year(digits: str) -> int:
    """Two-digit years as POSIX reads them: 69-99 are 1969-1999, 00-68 are 2000-2068."""
    year = int(digits)
    if len(digits) == 2:
        year += 1900 if year >= 69 else 2000
    return year


def _month(name: str) -> int:
    return MONTHS[name.lower()]


def parse_iso_partial_date(value: str) -> ParsedDate | None:
    """`2019-03-05` (day), `2019-12` (month) or `2019` (year)."""
    match = _ISO_PARTIAL_DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day = match.groups()
    precision = "day" if day else "month" if month else "year"
    return _at(datetime(int(year), int(month or 1), int(day or 1)), precision)


def parse_rfc2822_date(value: str) -> ParsedDate | None:
    """`Thu, 08 Dec 2016 16:39:53 GMT` and the mail and news variants: two-digit years, zone names,
    a trailing `(EDT)` or `(-0400)` comment, a truncated offset such as `+02`."""
    cleaned = _SHORT_OFFSET.sub(r" \g<1>00", _TRAILING_COMMENT.sub("", value))
    return _at(parsedate_to_datetime(cleaned), "second")


def parse_day_mon_year_time(value: str) -> ParsedDate | None:
    match = _DAY_MON_YEAR_TIME.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second = match.groups()
    when = datetime(int(year), _month(month), int(day), int(hour), int(minute), int(second))
    return _at(when, "second")


def parse_clock_first(value: str) -> ParsedDate | None:
    match = _CLOCK_FIRST.fullmatch(value)
    if match is None:
        return None
    hour, minute, meridiem, zone, day, month, year = match.groups()
    hour_24 = int(hour) % 12 + (12 if meridiem.lower() == "pm" else 0)
    when = datetime(int(year), _month(month), int(day), hour_24, int(minute), tzinfo=ZONES[zone])
    return _at(when, "second")


def parse_day_mon_yy(value: str) -> ParsedDate | None:
    if match := _DAY_MON_YY.fullmatch(value):
        day, month, year = match.groups()
        return _at(datetime(_year(year), _month(month), int(day)), "day")
    if match := _MON_YY.fullmatch(value):
        month, year = match.groups()
        return _at(datetime(_year(year), _month(month), 1), "month")
    return None


PARSERS: list[Callable[[str], ParsedDate | None]] = [
    parse_iso_partial_date,
    parse_day_mon_year_time,
    parse_clock_first,
    parse_day_mon_yy,
    parse_rfc2822_date,
]


def parse_date(value: str) -> ParsedDate | None:
    """The first reading of `value` that one of PARSERS accepts; None for an unknown shape or an
    impossible date (the raw string is kept by the caller, never replaced by the load time)."""
    cleaned = " ".join(value.split())
    for parser in PARSERS:
        try:
            parsed = parser(cleaned)
        except (KeyError, ValueError, TypeError, IndexError, OverflowError):
            continue
        if parsed is not None:
            return parsed
    return None
