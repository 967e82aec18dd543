"""A probe's samples as the page draws them: `downsample` into chart `Point`s (charts stay
small however long the history) and `daily` into the strip's UTC `Day`s."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from maintain_repo.model.monitoring import Sample, State
from maintain_repo.model.timestamps import shift_date
from maintain_repo.report.status_page.states import _RANK, Shown
from maintain_repo.report.status_page.times import _utc

CHART_POINTS = 300  # at most this many points per response-time chart
STRIP_DAYS = 90  # days in the per-probe strip


@dataclass(frozen=True, slots=True)
class Point:
    """One point of a response-time chart: a run of consecutive samples."""

    at: datetime  # the mean time of its samples
    latency_ms: float | None  # the mean of the latencies it has; None without any
    state: State  # the worst state outside maintenance ("unknown" if all were inside)
    maintenance: bool  # some sample was inside a maintenance window
    count: int


def downsample(samples: Sequence[Sample], limit: int = CHART_POINTS) -> list[Point]:
    """`samples` (oldest first) as at most `limit` points: runs of equal length, each
    averaged, keeping the worst state of the run."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not samples:
        return []
    size = -(-len(samples) // limit)
    return [_point(samples[i : i + size]) for i in range(0, len(samples), size)]


def _point(run: Sequence[Sample]) -> Point:
    base = _utc(run[0].at)
    offset = sum((_utc(s.at) - base).total_seconds() for s in run) / len(run)
    latencies = [s.latency_ms for s in run if s.latency_ms is not None]
    counted = [s.state for s in run if not s.maintenance]
    return Point(
        at=base + timedelta(seconds=offset),
        latency_ms=sum(latencies) / len(latencies) if latencies else None,
        state=max(counted, key=_RANK.__getitem__) if counted else "unknown",
        maintenance=len(counted) < len(run),
        count=len(run),
    )


@dataclass(frozen=True, slots=True)
class Day:
    """One UTC day of a probe's history."""

    date: date
    state: Shown  # the worst state outside maintenance; "maintenance", or "unknown" (no data)
    uptime: float | None  # percent up or degraded of the up/degraded/down samples outside
    samples: int


def daily(samples: Iterable[Sample], last: date, days: int = STRIP_DAYS) -> list[Day]:
    """The `days` UTC days ending with `last`, oldest first."""
    first = shift_date(last, -timedelta(days=days - 1))
    counts: dict[date, dict[str, int]] = {}
    for sample in samples:
        day = _utc(sample.at).date()
        if first <= day <= last:
            key = "maintenance" if sample.maintenance else sample.state
            tally = counts.setdefault(day, {})
            tally[key] = tally.get(key, 0) + 1
    span = (last - first).days + 1  # fewer than `days` only at the start of the calendar
    return [
        _day(first + timedelta(days=i), counts.get(first + timedelta(days=i), {}))
        for i in range(span)
    ]


def _day(when: date, tally: dict[str, int]) -> Day:
    good = tally.get("up", 0) + tally.get("degraded", 0)
    measured = good + tally.get("down", 0)
    state: Shown = "unknown"
    for candidate in ("down", "degraded", "up", "maintenance"):
        if tally.get(candidate):
            state = candidate
            break
    return Day(
        date=when,
        state=state,
        uptime=100.0 * good / measured if measured else None,
        samples=sum(tally.values()),
    )
