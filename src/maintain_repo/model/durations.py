"""Durations in policies: `15m`, `4h`, `5d`, `2w`, and `5bd` (business days).

Calendar durations are exact spans of time. Business days follow the
repository's Settings: its working weekdays, counted in its time zone, at
the same local time of day (Friday 10:00 + 1bd is Monday 10:00; Saturday
10:00 + 1bd is Monday 10:00 too). Holidays are not modelled.

A sum past the end of the calendar (year 9999) is `LATEST`, never an
`OverflowError`: a deadline that far out is never reached.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from maintain_repo.model.timestamps import LATEST, shift

DURATION = r"^[1-9][0-9]{0,5}(m|h|d|w|bd)$"
_DURATION = re.compile(DURATION)
# No deadline in a policy is further out than this (and dates stay far from year 9999).
LONGEST = timedelta(days=3660)
_UNITS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Calendar(NamedTuple):
    """Working days and the time zone business days are counted in."""

    time_zone: str = "UTC"
    business_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")

    def add(self, start: datetime, duration: str) -> datetime:
        """`start` plus `duration` (an aware datetime, returned in UTC; `LATEST` at most)."""
        match = _DURATION.match(duration)
        if match is None:
            raise ValueError(f"{duration!r} is not a duration")
        count, unit = int(duration[: match.start(1)]), match.group(1)
        if unit != "bd":
            return shift(start, count * _UNITS[unit])  # an exact span, not wall time
        working = {WEEKDAYS.index(day) for day in self.business_days}
        if not working:
            raise ValueError("Settings.business_days is empty; business days cannot be counted")
        try:
            return self._business_days(start, count, working, self.time_zone)
        except OverflowError:
            pass
        try:  # near year 1 a zone west of UTC has no local day yet: count those days in UTC
            return self._business_days(start, count, working, "UTC")
        except OverflowError:
            return LATEST

    @staticmethod
    def _business_days(start: datetime, count: int, working: set[int], zone: str) -> datetime:
        local = start.astimezone(ZoneInfo(zone))
        day = local.replace(tzinfo=None)
        # Every seven days hold each working day once: jump whole weeks, then step
        # (keeping a last week to step through, so the end is always a working day).
        weeks, count = divmod(count, len(working))
        if count == 0:
            weeks, count = weeks - 1, len(working)
        day += timedelta(weeks=weeks)
        while count:
            day += timedelta(days=1)
            if day.weekday() in working:
                count -= 1
        # Re-attach the zone so the local time survives a DST change.
        return day.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)

    def span(self, duration: str, start: datetime) -> timedelta:
        return self.add(start, duration) - start  # aware datetimes subtract without overflow


def rough_span(duration: str) -> timedelta:
    """About how long `duration` is (a business day as a fifth of a week)."""
    match = _DURATION.match(duration)
    if match is None:
        raise ValueError(f"{duration!r} is not a duration")
    count, unit = int(duration[: match.start(1)]), match.group(1)
    return count * (timedelta(days=7) / 5 if unit == "bd" else _UNITS[unit])


def check_duration(duration: str) -> str:
    """`duration`, if it is at most ten years (for pydantic: a ValueError otherwise)."""
    if rough_span(duration) > LONGEST:
        raise ValueError(f"{duration} is longer than ten years (3660d); no deadline is that far")
    return duration
