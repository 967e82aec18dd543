"""RFC 3339 timestamps with an offset: the only form records and policies use, and
arithmetic on them that cannot overflow.

Python's datetimes end at years 1 and 9999; a timestamp near either end (a typo,
or a hostile record) must give a finding, never an `OverflowError`. So a
timestamp whose UTC time falls outside that range is refused when it is parsed,
and every "moment plus a duration" goes through `shift`, which stops at
`EARLIEST` and `LATEST` instead of overflowing (a deadline after the end of
time is "never", which is what it means).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_RFC3339 = re.compile(RFC3339)

# How far ahead of a check's clock a time that has happened may be: clocks disagree a
# little (see the `timestamp-future` rule).
CLOCK_SKEW = timedelta(minutes=5)

EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def parse_timestamp(value: object) -> datetime:
    """An aware datetime from RFC 3339 text (or an aware datetime); ValueError otherwise."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp needs a UTC offset, e.g. 2026-03-01T10:02:00Z")
        return _in_range(value, value.isoformat())
    if not isinstance(value, str):
        raise ValueError("expected an RFC 3339 timestamp with an offset, e.g. 2026-03-01T10:02:00Z")
    if not _RFC3339.match(value):
        raise ValueError(
            f"{value!r} is not an RFC 3339 timestamp with an offset "
            "(e.g. 2026-03-01T10:02:00Z or 2026-03-01T12:02:00+02:00)"
        )
    try:
        moment = datetime.fromisoformat(value.upper())
    except ValueError as e:
        raise ValueError(f"{value!r} is not a real date and time: {e}") from None
    return _in_range(moment, value)


def timestamp_or_none(value: object) -> datetime | None:
    """`parse_timestamp(value)`, or None when `value` is not a timestamp (missing, or
    what a record should not say: `maintain check` reports it)."""
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def _in_range(moment: datetime, text: str) -> datetime:
    """`moment`, if its UTC time is a datetime too (0001-01-01 to 9999-12-31 in UTC)."""
    if not EARLIEST <= moment <= LATEST:  # compared without converting: cannot overflow
        raise ValueError(
            f"{text!r} is outside the years 0001 to 9999 (in UTC) that timestamps can use"
        )
    return moment


def format_timestamp(moment: datetime) -> str:
    """`moment` as records write it: UTC, whole seconds, `Z`."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def shift(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, held at `LATEST` (or `EARLIEST`) where that would overflow.

    An aware `moment` is shifted in UTC, so the result is comparable with any other."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)  # safe: parsed timestamps are in range in UTC
    try:
        return moment + delta
    except OverflowError:
        edge = LATEST if delta > timedelta(0) else EARLIEST
        return edge if moment.tzinfo is not None else edge.replace(tzinfo=None)


def shift_date(day: date, delta: timedelta) -> date:
    """`day + delta`, held at the first or last representable day instead of overflowing."""
    try:
        return day + delta
    except OverflowError:
        return date.max if delta > timedelta(0) else date.min


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The date of `moment` in `zone`; the last (or first) representable day where the local
    date would be past the end (or before the start) of the calendar."""
    try:
        return moment.astimezone(zone).date()
    except OverflowError:
        return date.max if moment > datetime(5000, 1, 1, tzinfo=UTC) else date.min


def rough_duration(delta: timedelta) -> str:
    """About how long `delta` is, in its two largest units: `3 d 4 h`, `2 h 5 min`, `3 d`,
    `12 min`, `40 s` (a negative span reads as its length)."""
    seconds = abs(int(delta.total_seconds()))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return f"{days} d" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min" if minutes else f"{seconds} s"
