"""Dates from header values into a UTC timestamp, a calendar date and the precision they carry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

_ISO_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    published_at: datetime
    published_date: date
    precision: str


def parse_iso_partial_date(value: str) -> ParsedDate | None:
    """`2019-03-05` (day), `2019-12` (month) or `2019` (year); None if absent or impossible.

    A date coarser than a day stands for the first day of its period; `precision` says how much is known.
    """
    match = _ISO_PARTIAL_DATE.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day = match.groups()
    precision = "day" if day else "month" if month else "year"
    try:
        when = date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return ParsedDate(datetime(when.year, when.month, when.day, tzinfo=UTC), when, precision)


def parse_rfc2822_date(value: str) -> ParsedDate | None:
    """`Thu, 08 Dec 2016 16:39:53 GMT` and the mail and news variants the stdlib parser accepts.

    A value without a zone is taken as UTC.
    """
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    return ParsedDate(when, when.date(), "second")


def parse_date(value: str) -> ParsedDate | None:
    return parse_iso_partial_date(value) or parse_rfc2822_date(value)
