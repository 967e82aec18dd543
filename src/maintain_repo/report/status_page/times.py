"""Times on the page and in status.json: always UTC, as ISO 8601 with `Z`, as short text,
as a `<time>` element, and as a rough duration."""

from __future__ import annotations

from datetime import UTC, datetime


def _utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive time is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else _iso(moment)


def _short(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def _time(moment: datetime) -> str:
    return f'<time datetime="{_iso(moment)}">{_short(moment)}</time>'


def _for(since: datetime, now: datetime) -> str:
    """How long ago, roughly: `3 d 4 h`, `2 h 5 min`, `12 min`, `in 2 h` for the future."""
    seconds = int((_utc(now) - _utc(since)).total_seconds())
    ahead, seconds = seconds < 0, abs(seconds)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes} min"
    else:
        text = f"{minutes} min"
    return f"in {text}" if ahead else f"for {text}"
