"""RFC 3339 timestamps with an offset: the only form records and policies use."""

from __future__ import annotations

import re
from datetime import UTC, datetime

RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_RFC3339 = re.compile(RFC3339)


def parse_timestamp(value: object) -> datetime:
    """An aware datetime from RFC 3339 text (or an aware datetime); ValueError otherwise."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamp needs a UTC offset, e.g. 2026-03-01T10:02:00Z")
        return value
    if not isinstance(value, str):
        raise ValueError("expected an RFC 3339 timestamp with an offset, e.g. 2026-03-01T10:02:00Z")
    if not _RFC3339.match(value):
        raise ValueError(
            f"{value!r} is not an RFC 3339 timestamp with an offset "
            "(e.g. 2026-03-01T10:02:00Z or 2026-03-01T12:02:00+02:00)"
        )
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError as e:
        raise ValueError(f"{value!r} is not a real date and time: {e}") from None


def format_timestamp(moment: datetime) -> str:
    """`moment` as records write it: UTC, whole seconds, `Z`."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
