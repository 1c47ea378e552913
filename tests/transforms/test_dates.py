from datetime import UTC, date, datetime

import pytest

from transforms.dates import parse_iso_partial_date


@pytest.mark.parametrize(
    ("raw", "expected", "precision"),
    [
        pytest.param("2019-03-05", date(2019, 3, 5), "day", id="day"),
        pytest.param("2019-12", date(2019, 12, 1), "month", id="month-only"),
        pytest.param("2019", date(2019, 1, 1), "year", id="year-only"),
        pytest.param(" 2019-3-5 ", date(2019, 3, 5), "day", id="unpadded-and-spaced"),
        pytest.param("2020-02-29", date(2020, 2, 29), "day", id="leap-day"),
    ],
)
def test_parses(raw: str, expected: date, precision: str) -> None:
    parsed = parse_iso_partial_date(raw)
    assert parsed is not None
    assert parsed.published_date == expected
    assert parsed.precision == precision
    assert parsed.published_at == datetime(expected.year, expected.month, expected.day, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("2019-02-29", id="not-a-leap-year"),
        pytest.param("2019-13", id="month-13"),
        pytest.param("2019-00-10", id="month-0"),
        pytest.param("", id="empty"),
        pytest.param("05/03/2019", id="other-shape"),
        pytest.param("2019-03-05x", id="trailing-garbage"),
    ],
)
def test_impossible_or_unknown_is_none(raw: str) -> None:
    assert parse_iso_partial_date(raw) is None
