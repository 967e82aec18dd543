"""Times on the page and in status.json: always UTC, as ISO 8601 with `Z`, as short text,
as a `<time>` element, and as a rough duration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from maintain_repo.model.timestamps import rough_duration


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
    """How long ago, roughly: `for 3 d 4 h`, `for 12 min`, `in 2 h 5 min` for the future."""
    delta = _utc(now) - _utc(since)
    text = rough_duration(delta)
    return f"in {text}" if delta < timedelta(0) else f"for {text}"
