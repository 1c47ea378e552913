from datetime import UTC, date, datetime

import pytest

from transforms.dates import date_from_dateline, date_from_url, parse_date


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "published_at", "precision"),
    [
        pytest.param("2019-03-05", _utc(2019, 3, 5), "day", id="iso-day"),
        pytest.param("2019-12", _utc(2019, 12, 1), "month", id="iso-month-only"),
        pytest.param("2019", _utc(2019, 1, 1), "year", id="iso-year-only"),
        pytest.param(" 2019-3-5 ", _utc(2019, 3, 5), "day", id="iso-unpadded-and-spaced"),
        pytest.param("2020-02-29", _utc(2020, 2, 29), "day", id="leap-day"),
        pytest.param("Thu, 08 Dec 2016 16:39:53 GMT", _utc(2016, 12, 8, 16, 39, 53), "second", id="rfc822"),
        pytest.param(
            "Mon, 05 Apr 93 18:01:16 GMT", _utc(1993, 4, 5, 18, 1, 16), "second", id="two-digit-year"
        ),
        pytest.param("5 Apr 93 21:07:34 GMT", _utc(1993, 4, 5, 21, 7, 34), "second", id="no-weekday"),
        pytest.param(
            "Fri, 16 Apr 1993 14:23:46 -0400", _utc(1993, 4, 16, 18, 23, 46), "second", id="numeric-offset"
        ),
        pytest.param("23 Apr 1993 00:27 PDT", _utc(1993, 4, 23, 7, 27), "second", id="no-seconds-pdt"),
        pytest.param(
            "Wed, 21 Apr 1993 23:00:52", _utc(1993, 4, 21, 23, 0, 52), "second", id="no-zone-is-utc"
        ),
        pytest.param(
            "Wed, 21 Apr 1993 08:28:50 +02", _utc(1993, 4, 21, 6, 28, 50), "second", id="truncated-offset"
        ),
        pytest.param(
            "Sun, 18 Apr 93 13:35:23 EDT(-0400)", _utc(1993, 4, 18, 17, 35, 23), "second", id="zone-comment"
        ),
        pytest.param(
            "Fri, 16 Apr 1993 10:58:59  PST", _utc(1993, 4, 16, 18, 58, 59), "second", id="double-space"
        ),
        pytest.param("6 Apr 1993 15:36 EST  ", _utc(1993, 4, 6, 20, 36), "second", id="trailing-spaces"),
        pytest.param(
            "Tue, 01 Nov 2016 09:30:00 +0100 (CET)", _utc(2016, 11, 1, 8, 30), "second", id="mail-comment"
        ),
        pytest.param("26-FEB-1987 15:01:01.79", _utc(1987, 2, 26, 15, 1, 1), "second", id="reuters"),
        pytest.param(" 5-MAR-1987 09:15:05.40", _utc(1987, 3, 5, 9, 15, 5), "second", id="reuters-padded"),
        pytest.param(
            "3-MAR-1987  09:15:05.40", _utc(1987, 3, 3, 9, 15, 5), "second", id="reuters-double-space"
        ),
        pytest.param(
            " 7:51  PM ET Fri, 17 July 2020", _utc(2020, 7, 17, 23, 51), "second", id="cnbc-summer-et"
        ),
        pytest.param("10:03  AM ET Tue,  7 Jan 2020", _utc(2020, 1, 7, 15, 3), "second", id="cnbc-winter-et"),
        pytest.param("12:15  AM ET Mon, 6 July 2020", _utc(2020, 7, 6, 4, 15), "second", id="cnbc-midnight"),
        pytest.param("18-Jul-20", _utc(2020, 7, 18), "day", id="guardian-day"),
        pytest.param("9-Jul-20", _utc(2020, 7, 9), "day", id="guardian-one-digit-day"),
        pytest.param("Jul-18", _utc(2018, 7, 1), "month", id="guardian-month-only"),
        pytest.param("Sun, 2 May 1993 19:11:39 IDT", _utc(1993, 5, 2, 16, 11, 39), "second", id="zone-idt"),
        pytest.param("Tue, 6 Apr 1993 17:44:19 NZST", _utc(1993, 4, 6, 5, 44, 19), "second", id="zone-nzst"),
        pytest.param("Tue, 01 Nov 2016 09:30:00 CET", _utc(2016, 11, 1, 8, 30), "second", id="zone-cet"),
        pytest.param("Mon, 4 Jun 2007 10:00:00 bst", _utc(2007, 6, 4, 9), "second", id="zone-lower-case"),
        pytest.param("09.12.2021", _utc(2021, 12, 9), "day", id="dotted-day-first"),
        pytest.param("9 December 2021", _utc(2021, 12, 9), "day", id="day-month-name"),
        pytest.param("December 9, 2021", _utc(2021, 12, 9), "day", id="month-name-day"),
        pytest.param("March 3rd, 2020 at 10:00", _utc(2020, 3, 3), "day", id="ordinal-with-time-ignored"),
        pytest.param("9 décembre 2021", _utc(2021, 12, 9), "day", id="french"),
        pytest.param("9. Dezember 2021", _utc(2021, 12, 9), "day", id="german"),
        pytest.param("9 de diciembre de 2021", _utc(2021, 12, 9), "day", id="spanish"),
        pytest.param("9 dicembre 2021", _utc(2021, 12, 9), "day", id="italian"),
        pytest.param("9 de dezembro de 2021", _utc(2021, 12, 9), "day", id="portuguese"),
        pytest.param("9 maart 2021", _utc(2021, 3, 9), "day", id="dutch"),
        pytest.param("mai 2020", _utc(2020, 5, 1), "month", id="month-name-year"),
        pytest.param(
            "Fri, 17 Jul 2020 10:00:00 (UTC +04:00)", _utc(2020, 7, 17, 6), "second", id="offset-as-comment"
        ),
        pytest.param(
            "Fri, 17 Jul 2020 10:00:00 (GMT-5)", _utc(2020, 7, 17, 15), "second", id="gmt-minus-comment"
        ),
        pytest.param("1551780000", _utc(2019, 3, 5, 10), "second", id="epoch-seconds"),
        pytest.param("1551780000000", _utc(2019, 3, 5, 10), "second", id="epoch-milliseconds"),
    ],
)
def test_parses(raw: str, published_at: datetime, precision: str) -> None:
    parsed = parse_date(raw)
    assert parsed is not None
    assert (parsed.published_at, parsed.precision) == (published_at, precision)
    assert parsed.published_date == published_at.date()


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("2019-02-29", id="not-a-leap-year"),
        pytest.param("2019-13", id="month-13"),
        pytest.param("2019-00-10", id="month-0"),
        pytest.param("31-FEB-1987 10:00:00.00", id="reuters-impossible"),
        pytest.param("", id="empty"),
        pytest.param("yesterday-ish", id="words"),
        pytest.param("2019-03-05x", id="trailing-garbage"),
        pytest.param("Xyz-18", id="unknown-month"),
        pytest.param("31.02.2021", id="dotted-impossible"),
        pytest.param("Hello 2020", id="word-and-year"),
        pytest.param("31-FEB-1987", id="day-mon-year-impossible"),
        pytest.param("0000-01-01", id="year-0"),
        pytest.param("99999-01-01", id="year-99999"),
        pytest.param("9999999999999", id="epoch-milliseconds-after-2100"),
        pytest.param("20190305", id="eight-digits"),
    ],
)
def test_impossible_or_unknown_is_none(raw: str) -> None:
    assert parse_date(raw) is None


def test_precision_of_a_month_is_its_first_day() -> None:
    parsed = parse_date("2019-12")
    assert parsed is not None and parsed.published_date == date(2019, 12, 1)


@pytest.mark.parametrize(
    ("url", "published_at", "precision"),
    [
        pytest.param(
            "https://www.nytimes.com/2016/12/08/us/politics/a.html?partner=rss",
            _utc(2016, 12, 8),
            "day",
            id="nyt",
        ),
        pytest.param("https://example.com/news/2019-03-05-some-slug", _utc(2019, 3, 5), "day", id="dashed"),
        pytest.param("https://example.com/2019/3/5/story", _utc(2019, 3, 5), "day", id="unpadded"),
        pytest.param("https://example.com/archive/2019/03/", _utc(2019, 3, 1), "month", id="month"),
    ],
)
def test_date_from_url(url: str, published_at: datetime, precision: str) -> None:
    parsed = date_from_url(url)
    assert parsed is not None
    assert (parsed.published_at, parsed.precision) == (published_at, precision)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://example.com/2019/13/05/story", id="month-13"),
        pytest.param("https://example.com/story?date=2019/03/05", id="in-the-query"),
        pytest.param("https://example.com/item/12019/03/05", id="not-a-year"),
        pytest.param("https://example.com/entry/slug_us_5b0a1d", id="none"),
    ],
)
def test_no_date_from_url(url: str) -> None:
    assert date_from_url(url) is None


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        pytest.param("Published: 9 December 2021", date(2021, 12, 9), id="published"),
        pytest.param("Updated 09.12.2021", date(2021, 12, 9), id="updated-dotted"),
        pytest.param("9 December 2021", date(2021, 12, 9), id="bare"),
        pytest.param("The vote on 9 December 2021 was close.", None, id="event-in-a-sentence"),
        pytest.param("Published: 9 December 2021 " + "x" * 60, None, id="too-long"),
    ],
)
def test_date_from_dateline(paragraph: str, expected: date | None) -> None:
    parsed = date_from_dateline(paragraph)
    assert (parsed.published_date if parsed else None) == expected
