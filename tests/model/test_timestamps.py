"""Timestamps at the ends of the calendar: parsed only when their UTC time exists, and
every sum of a time and a duration held at the ends instead of overflowing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from maintain_repo.model.durations import Calendar
from maintain_repo.model.monitoring import Sample
from maintain_repo.model.timestamps import (
    EARLIEST,
    LATEST,
    local_date,
    parse_timestamp,
    shift,
    shift_date,
)
from maintain_repo.probes.history import uptime

END = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
START = datetime(1, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("9999-12-31T23:59:59Z", END),
        ("0001-01-01T00:00:00Z", START),
        ("9999-12-31T23:59:59+01:00", END - timedelta(hours=1)),
        ("0001-01-01T00:00:00-01:00", START + timedelta(hours=1)),
        ("9999-12-31T23:59:59-00:01", None),  # 10000-01-01 in UTC
        ("0001-01-01T00:00:00+00:01", None),  # year 0 in UTC
    ],
)
def test_a_timestamp_parses_only_when_its_utc_time_exists(text, parsed):
    if parsed is None:
        with pytest.raises(ValueError, match="outside the years 0001 to 9999 \\(in UTC\\)"):
            parse_timestamp(text)
        with pytest.raises(ValueError, match="outside the years"):
            parse_timestamp(datetime.fromisoformat(text))
    else:
        assert parse_timestamp(text) == parsed


@pytest.mark.parametrize(
    ("moment", "delta", "expected"),
    [
        (END, timedelta(hours=1), LATEST),
        (END - timedelta(hours=1), timedelta(minutes=30), END - timedelta(minutes=30)),
        (START, -timedelta(seconds=1), EARLIEST),
        (START, timedelta(days=1), START + timedelta(days=1)),
        (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=5))), timedelta.max, LATEST),
        (datetime(9999, 12, 31, 23), timedelta(days=2), datetime.max),  # naive stays naive
    ],
)
def test_shift_holds_at_the_ends(moment, delta, expected):
    assert shift(moment, delta) == expected


@pytest.mark.parametrize(
    ("day", "delta", "expected"),
    [
        (date.max, timedelta(days=7), date.max),
        (date.min, -timedelta(days=7), date.min),
        (date(2026, 3, 1), timedelta(days=1), date(2026, 3, 2)),
    ],
)
def test_shift_date_holds_at_the_ends(day, delta, expected):
    assert shift_date(day, delta) == expected


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (END, "Pacific/Kiritimati", date.max),
        (START, "America/Los_Angeles", date.min),
        (datetime(2026, 3, 1, 23, tzinfo=UTC), "Europe/Berlin", date(2026, 3, 2)),
    ],
)
def test_local_date_at_the_ends(moment, zone, expected):
    assert local_date(moment, ZoneInfo(zone)) == expected


@pytest.mark.parametrize(
    ("zone", "start", "duration", "expected"),
    [
        ("UTC", END, "15m", LATEST),
        ("UTC", END, "999999w", LATEST),
        ("Europe/Berlin", END, "1bd", LATEST),
        ("Pacific/Kiritimati", END - timedelta(days=3), "5bd", LATEST),
        ("America/Los_Angeles", START, "1bd", datetime(1, 1, 2, tzinfo=UTC)),  # counted in UTC
        ("America/Los_Angeles", START, "4h", START + timedelta(hours=4)),
        (
            "Europe/Berlin",
            datetime(2026, 3, 6, 9, tzinfo=UTC),
            "1bd",
            datetime(2026, 3, 9, 9, tzinfo=UTC),
        ),
    ],
)
def test_calendar_sums_never_overflow(zone, start, duration, expected):
    calendar = Calendar(zone)
    assert calendar.add(start, duration) == expected
    assert calendar.span(duration, start) == expected - start


def test_uptime_of_a_sample_at_the_end_of_time():
    samples = [
        Sample(END - timedelta(minutes=30), "up", 10.0, "200"),
        Sample(END, "down", None, ""),
    ]
    assert uptime(samples, END - timedelta(hours=1), LATEST, timedelta(hours=1)) == pytest.approx(
        100 * 1800 / 1800.999999, rel=1e-6
    )
