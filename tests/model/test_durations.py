"""Policy durations: calendar spans and business days in the Settings' time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maintain_repo.model.durations import WEEKDAYS, Calendar, check_duration

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEEK = Calendar("Europe/Amsterdam", ("mon", "tue", "wed", "thu", "fri"))


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("start", "duration", "end"),
    [
        (local(2026, 3, 6, 10), "1bd", local(2026, 3, 9, 10)),  # Friday -> Monday
        (local(2026, 3, 7, 10), "1bd", local(2026, 3, 9, 10)),  # Saturday -> Monday
        (local(2026, 3, 7, 10), "5bd", local(2026, 3, 13, 10)),  # Saturday -> Friday
        (local(2026, 3, 2, 10), "10bd", local(2026, 3, 16, 10)),  # two whole weeks
        (local(2026, 3, 27, 10), "1bd", local(2026, 3, 30, 10)),  # across the DST change
        (local(2026, 3, 28, 12), "1d", local(2026, 3, 29, 13)),  # 24 hours, not a local day
        (local(2026, 3, 2, 10), "15m", local(2026, 3, 2, 10, 15)),
        (local(2026, 3, 2, 10), "2w", local(2026, 3, 16, 10)),
    ],
)
def test_adding_durations(start, duration, end):
    assert WEEK.add(start, duration) == end.astimezone(UTC)


def _stepwise(calendar: Calendar, start: datetime, count: int) -> datetime:
    """Business days counted one day at a time: what the week jumps must agree with."""
    working = {WEEKDAYS.index(day) for day in calendar.business_days}
    day = start.astimezone(ZoneInfo(calendar.time_zone)).replace(tzinfo=None)
    while count:
        day += timedelta(days=1)
        count -= day.weekday() in working
    return day.replace(tzinfo=ZoneInfo(calendar.time_zone)).astimezone(UTC)


@pytest.mark.parametrize(
    "days", [("mon", "tue", "wed", "thu", "fri"), ("sun", "mon", "tue", "wed", "thu"), ("wed",)]
)
def test_whole_weeks_agree_with_counting_day_by_day(days):
    calendar = Calendar("Asia/Jerusalem", days)
    for offset in range(7):
        start = datetime(2026, 3, 2, 9, 30, tzinfo=UTC) + timedelta(days=offset, hours=offset)
        for count in (1, 2, 4, 5, 6, 7, 10, 11, 23, 260):
            assert calendar.add(start, f"{count}bd") == _stepwise(calendar, start, count)


def test_a_huge_business_day_count_is_quick():
    # 999,999 business days would take a second stepping day by day; weeks jump.
    end = Calendar().add(datetime(2026, 1, 1, tzinfo=UTC), "2000bd")
    assert end.year == 2033


@pytest.mark.parametrize("duration", ["3660d", "522w", "2614bd", "87840h"])
def test_durations_up_to_ten_years_are_allowed(duration):
    assert check_duration(duration) == duration


@pytest.mark.parametrize("duration", ["3661d", "999999w", "2615bd", "999999h"])
def test_longer_durations_are_refused(duration):
    with pytest.raises(ValueError, match="longer than ten years"):
        check_duration(duration)
