"""Probe history: compact monthly CSV files, and uptime computed from them.

One row per sample: `at,state,latency_ms,code,maintenance`. A row is written
when a probe's state changes, and otherwise at most once per history
interval (Settings `monitoring.history_every`), so a month of a probe
checked every five minutes is a few thousand short lines, not thousands of
commits of images.

Uptime is time-weighted: each sample's state holds until the next sample,
but never for longer than `hold` (a stopped scheduler is a gap, not an
outage or a success). Maintenance and unknown time count neither way.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from maintain_repo.model.monitoring import STATES, Sample
from maintain_repo.model.timestamps import format_timestamp, parse_timestamp, shift

HEADER = ("at", "state", "latency_ms", "code", "maintenance")
PASSING = ("up", "degraded")


def month_of(moment: datetime) -> str:
    """The month file a sample belongs in: the UTC month, as its row is written in UTC."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def render_rows(samples: Iterable[Sample]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for sample in samples:
        latency = "" if sample.latency_ms is None else f"{sample.latency_ms:.1f}"
        writer.writerow(
            (
                format_timestamp(sample.at),
                sample.state,
                latency,
                sample.code,
                "1" * sample.maintenance,
            )
        )
    return out.getvalue()


def new_file(samples: Iterable[Sample]) -> str:
    return ",".join(HEADER) + "\n" + render_rows(samples)


def parse_rows(text: str) -> list[Sample]:
    """The samples of one history file; rows that do not parse are skipped, not fatal."""
    samples = []
    for line in text.splitlines():
        try:  # line by line: a stray quote spoils one row, not the rest of the month
            row = next(csv.reader([line]), [])
        except csv.Error:
            continue
        if len(row) < 4 or row[0] == HEADER[0]:
            continue
        try:
            at = parse_timestamp(row[0])
            latency = float(row[2]) if row[2] else None
        except ValueError:
            continue
        if latency is not None and not math.isfinite(latency):
            latency = None
        state = row[1] if row[1] in STATES else "unknown"
        maintenance = len(row) > 4 and row[4] == "1"
        samples.append(Sample(at, state, latency, row[3][:40], maintenance))
    return samples


def hold_for(every: timedelta | None) -> timedelta:
    """How long a sample stands for its state when no other follows: four history
    intervals (`every`), and at least an hour, so a stopped scheduler is a gap."""
    return max(4 * every, timedelta(hours=1)) if every is not None else timedelta(hours=1)


def due(last: Sample | None, now: datetime, state: str, every: timedelta) -> bool:
    """Whether this run's result is written: a new state, or the interval has passed."""
    return last is None or last.state != state or now - last.at >= every


def uptime(
    samples: Sequence[Sample], since: datetime, until: datetime, hold: timedelta
) -> float | None:
    """Percent of measured time in `[since, until)` that passed; None when nothing was measured."""
    passing, measured = measure(samples, since, until, hold)
    if measured == 0:
        return None
    return 100.0 * passing / measured


def measure(
    samples: Sequence[Sample], since: datetime, until: datetime, hold: timedelta
) -> tuple[float, float]:
    """Seconds of `[since, until)` that were measured and passed, and that were measured."""
    passing = measured = 0.0
    for index, sample in enumerate(samples):
        end = samples[index + 1].at if index + 1 < len(samples) else until
        start, stop = max(sample.at, since), min(end, shift(sample.at, hold), until)
        if stop <= start or sample.maintenance or sample.state == "unknown":
            continue
        span = (stop - start).total_seconds()
        measured += span
        if sample.state in PASSING:
            passing += span
    return passing, measured
