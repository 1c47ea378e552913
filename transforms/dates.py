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
from functools import lru_cache
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
# The month names of the main European languages, written with and without accents.
MONTHS |= {
    name: number
    for number, names in enumerate(
        [
            ("janvier", "januar", "jänner", "enero", "gennaio", "janeiro", "januari", "janv"),
            ("février", "fevrier", "februar", "febrero", "febbraio", "fevereiro", "februari", "févr", "fevr"),
            ("mars", "märz", "marz", "marzo", "março", "marco", "maart", "mär", "mrt"),
            ("avril", "abril", "aprile", "avr"),
            ("mai", "mayo", "maggio", "maio", "mei"),
            ("juin", "juni", "junio", "giugno", "junho"),
            ("juillet", "juli", "julio", "luglio", "julho", "juil"),
            ("août", "aout", "agosto", "augustus"),
            ("septembre", "septiembre", "settembre", "setembro", "setiembre"),
            ("octobre", "oktober", "octubre", "ottobre", "outubro", "okt"),
            ("novembre", "noviembre", "novembro"),
            ("décembre", "decembre", "dezember", "diciembre", "dicembre", "dezembro", "déc", "dez", "dic"),
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

# Zone names the stdlib's RFC 2822 parser does not know (it knows UT, GMT, Z and the US ones), as
# fixed offsets. Names that stand for several zones (IST: India, Ireland or Israel) are left out.
ZONE_OFFSETS = {
    "BST": "+0100",
    "WET": "+0000",
    "WEST": "+0100",
    "CET": "+0100",
    "CEST": "+0200",
    "MET": "+0100",
    "MEST": "+0200",
    "MEZ": "+0100",
    "MESZ": "+0200",
    "EET": "+0200",
    "EEST": "+0300",
    "IDT": "+0300",
    "MSK": "+0300",
    "HKT": "+0800",
    "SGT": "+0800",
    "AWST": "+0800",
    "JST": "+0900",
    "KST": "+0900",
    "ACST": "+0930",
    "AEST": "+1000",
    "AEDT": "+1100",
    "NZST": "+1200",
    "NZDT": "+1300",
    "HST": "-1000",
    "AKST": "-0900",
    "AKDT": "-0800",
    "AST": "-0400",
    "ADT": "-0300",
    "NST": "-0330",
    "NDT": "-0230",
}
_ZONE_NAME = re.compile(rf"(?<= )({'|'.join(ZONE_OFFSETS)})$", re.IGNORECASE)

_ISO_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
# 2016-12-08T16:39:53Z, 2016-12-08 16:39:53.5+01:00 (ISO 8601 and RFC 3339: Atom, JSON, what we write)
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TRAILING_COMMENT = re.compile(r"\s*\([^()]*\)$")
# `(UTC +04:00)`, `(GMT-5)`: an offset written as a comment is the only zone the value has.
_OFFSET_COMMENT = re.compile(r"\s*\(\s*(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?\s*\)$", re.IGNORECASE)
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
# 09.12.2021 (day first, as in Europe)
_EPOCH = re.compile(r"(\d{10}|\d{13})(?:\.\d+)?")
_EPOCH_END = datetime(2100, 1, 1, tzinfo=UTC).timestamp()
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
# 9 December 2021, 9. Dezember 2021, 9 de diciembre de 2021, December 9, 2021 (a time after it is ignored)
_DAY_MONTH_NAME_YEAR = re.compile(r"(\d{1,2})\.?\s+(?:de\s+)?([^\W\d_]+)\.?,?\s+(?:de\s+)?(\d{4})\b.*")
_MONTH_NAME_DAY_YEAR = re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b.*")
_MONTH_NAME_YEAR = re.compile(r"([^\W\d_]+)\.?\s+(?:de\s+)?(\d{4})")
# A date in a url path: /2019/03/05/, /2019/03/, /2019-03-05-slug
_URL_DAY = re.compile(r"/((?:19|20)\d{2})([/-])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)")
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])/")
# A paragraph that only states the document's date: `Published: 9 December 2021`, `Updated 09.12.2021`.
_DATELINE = re.compile(
    r"(?:(?:published|posted|updated|last updated|date|dated)(?: on)?\s*:?\s*)?(.{6,50})", re.IGNORECASE
)
DATELINE_MAX_CHARS = 60


# A dump repeats its date strings (a day's, a feed's format): each distinct one is parsed once.
CACHED_VALUES = 1 << 16


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


def parse_iso_date_time(value: str) -> ParsedDate | None:
    """A calendar date and a time of day, with or without a zone: `2016-12-08T16:39:53Z`."""
    if _ISO_DATE_TIME.match(value) is None:
        return None
    return _at(datetime.fromisoformat(value), "second")


def parse_rfc2822_date(value: str) -> ParsedDate | None:
    """`Thu, 08 Dec 2016 16:39:53 GMT` and the mail and news variants: two-digit years, zone names,
    a trailing `(EDT)` or `(-0400)` comment, a truncated offset such as `+02`."""
    value = _OFFSET_COMMENT.sub(lambda m: f" {m[1]}{int(m[2]):02d}{m[3] or '00'}", value)
    cleaned = _SHORT_OFFSET.sub(r" \g<1>00", _TRAILING_COMMENT.sub("", value))
    cleaned = _ZONE_NAME.sub(lambda match: ZONE_OFFSETS[match[1].upper()], cleaned)
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


def parse_dotted(value: str) -> ParsedDate | None:
    match = _DOTTED.fullmatch(value)
    if match is None:
        return None
    day, month, year = match.groups()
    return _at(datetime(int(year), int(month), int(day)), "day")


def parse_month_name(value: str) -> ParsedDate | None:
    """A day, a month name in one of the main European languages and a year, either way round; or a
    month name and a year (month precision)."""
    if match := _MONTH_NAME_YEAR.fullmatch(value):
        month, year = match.groups()
        return _at(datetime(int(year), _month(month), 1), "month")
    if match := _DAY_MONTH_NAME_YEAR.fullmatch(value):
        day, month, year = match.groups()
    elif match := _MONTH_NAME_DAY_YEAR.fullmatch(value):
        month, day, year = match.groups()
    else:
        return None
    return _at(datetime(int(year), _month(month), int(day)), "day")


def parse_epoch(value: str) -> ParsedDate | None:
    """Unix time in seconds (10 digits, `1551780000`, a fraction allowed) or milliseconds (13 digits),
    within 1970-2099: other runs of digits are not taken for times."""
    match = _EPOCH.fullmatch(value)
    if match is None:
        return None
    seconds = float(value) / (1000 if len(match[1]) == 13 else 1)
    if not 0 <= seconds < _EPOCH_END:
        return None
    return _at(datetime.fromtimestamp(seconds, UTC), "second")


PARSERS: list[Callable[[str], ParsedDate | None]] = [
    parse_epoch,
    parse_iso_partial_date,
    parse_iso_date_time,
    parse_day_mon_year_time,
    parse_clock_first,
    parse_day_mon_yy,
    parse_rfc2822_date,
    parse_dotted,
    parse_month_name,
]


@lru_cache(maxsize=CACHED_VALUES)
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


def date_from_url(url: str) -> ParsedDate | None:
    """The date a url's path states (`/2019/03/05/`, `/2019-03-05-slug`, `/2019/03/`), if any."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    try:
        if match := _URL_DAY.search(path):
            year, _, month, day = match.groups()
            return _at(datetime(int(year), int(month), int(day)), "day")
        if match := _URL_MONTH.search(path):
            return _at(datetime(int(match[1]), int(match[2]), 1), "month")
    except ValueError:
        return None
    return None


def date_from_dateline(paragraph: str) -> ParsedDate | None:
    """The date of a short paragraph that states nothing but a date (`Published: 9 December 2021`).
    A date inside a sentence is an event's date, not the document's, and is not taken."""
    if len(paragraph) > DATELINE_MAX_CHARS:
        return None
    match = _DATELINE.fullmatch(paragraph.strip())
    return parse_date(match[1]) if match else None
