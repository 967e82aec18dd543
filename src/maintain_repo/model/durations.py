"""Durations in policies: `15m`, `4h`, `5d`, `2w`, and `5bd` (business days).

Calendar durations are exact spans of time. Business days follow the
repository's Settings: its working weekdays, counted in its time zone, at
the same local time of day (Friday 10:00 + 1bd is Monday 10:00; Saturday
10:00 + 1bd is Monday 10:00 too). Holidays are not modelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DURATION = r"^[1-9][0-9]{0,5}(m|h|d|w|bd)$"
_DURATION = re.compile(DURATION)
_UNITS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Calendar:
    """Working days and the time zone business days are counted in."""

    time_zone: str = "UTC"
    business_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")

    def add(self, start: datetime, duration: str) -> datetime:
        """`start` plus `duration` (an aware datetime, returned in UTC)."""
        match = _DURATION.match(duration)
        if match is None:
            raise ValueError(f"{duration!r} is not a duration")
        count, unit = int(duration[: match.start(1)]), match.group(1)
        if unit != "bd":
            return (start + count * _UNITS[unit]).astimezone(UTC)
        working = {WEEKDAYS.index(day) for day in self.business_days}
        if not working:
            raise ValueError("Settings.business_days is empty; business days cannot be counted")
        local = start.astimezone(ZoneInfo(self.time_zone))
        day = local.replace(tzinfo=None)
        while count:
            day += timedelta(days=1)
            if day.weekday() in working:
                count -= 1
        # Re-attach the zone so the local time survives a DST change.
        return day.replace(tzinfo=ZoneInfo(self.time_zone)).astimezone(UTC)

    def span(self, duration: str, start: datetime) -> timedelta:
        return self.add(start, duration) - start.astimezone(UTC)
