"""`timestamp-future`: a record states that something happened after the time of the check.

Most timestamps in a record say when something happened (reported, acknowledged,
deployed, a timeline entry), so they cannot be later than now; an
`acknowledged_at` a week ahead would hide a breached deadline. A few name a time
still to come and are left alone: `PLANNED` lists them, kind by kind, and every
timestamp field of every record kind is either there or judged (the tests hold
the full list, so a new field needs a decision).

The check is judged at the time of the run (`--now`), with `CLOCK_SKEW` of tolerance
for clocks that disagree a little. The per-file stage, whose results are cached
whatever the time, keeps only each record's `latest_stated` time; the
repository stage compares that with now and asks for the findings of the few
records that are ahead (see `maintain_repo.engine.future`).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterator
from datetime import datetime

from pydantic import BaseModel

from maintain_repo.model.common import Record
from maintain_repo.model.findings import Finding, Pointer, Severity, dotted
from maintain_repo.model.timestamps import CLOCK_SKEW, format_timestamp, shift

RULE = "timestamp-future"

# Fields (dotted, list indexes left out) that name a time still to come.
PLANNED: dict[str, frozenset[str]] = {
    "change": frozenset({"schedule.planned_start", "schedule.planned_end"}),
    "improvement": frozenset({"due"}),
    "incident": frozenset({"postmortem.due"}),
    "finding": frozenset({"sla.due"}),
    # A waiver dated ahead covers nothing until its date (see policy.waivers).
    "waiver": frozenset({"created_at", "expires"}),
    # Maintenance windows are scheduled ahead; a deprecated service may announce the
    # day it retires (once it is retired, `retired_at` is a fact like any other).
    "service": frozenset({"maintenance.start", "maintenance.end", "retired_at"}),
    "problem": frozenset(),
}
_UNTIL_FINAL = {("service", "retired_at"): "retired"}


def stated_times(model: BaseModel, pointer: Pointer = ()) -> Iterator[tuple[Pointer, datetime]]:
    """Every timestamp in `model`, with where it is, in field order."""
    for name in _timed_fields(type(model)):
        yield from _times(getattr(model, name), (*pointer, name))


@functools.cache
def _timed_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `model` that can hold a timestamp (directly, or in a nested model or a
    list of them): only those are walked, which keeps the per-file stage quick."""
    return tuple(
        name for name, info in model.model_fields.items() if _can_hold_time(info.annotation)
    )


def _can_hold_time(annotation: object) -> bool:
    if annotation is datetime:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return bool(_timed_fields(annotation))
    return any(_can_hold_time(arg) for arg in typing.get_args(annotation))


def _times(value: object, pointer: Pointer) -> Iterator[tuple[Pointer, datetime]]:
    if isinstance(value, datetime):
        yield pointer, value
    elif isinstance(value, BaseModel):
        yield from stated_times(value, pointer)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _times(item, (*pointer, index))


def field_of(pointer: Pointer) -> str:
    """`("maintenance", 0, "start")` -> `maintenance.start`: the field, whatever the item."""
    return ".".join(part for part in pointer if isinstance(part, str))


def planned(record: Record, field: str) -> bool:
    """Whether `field` of `record` may name a time still to come."""
    if field not in PLANNED.get(record.kind, frozenset()):
        return False
    final = _UNTIL_FINAL.get((record.kind, field))
    return final is None or record.status != final


def happened(record: Record) -> Iterator[tuple[Pointer, datetime]]:
    """The timestamps of `record` that say when something happened."""
    for pointer, moment in stated_times(record):
        if not planned(record, field_of(pointer)):
            yield pointer, moment


def latest_stated(record: Record) -> datetime | None:
    """The latest time `record` says something happened (None: it states none).

    What `happened` yields, without building a pointer for each time: the per-file stage
    asks this of every record."""
    planned_here = {f for f in PLANNED.get(record.kind, ()) if planned(record, f)}
    return _latest(record, "", planned_here, None)


def _latest(value: object, field: str, skip: set[str], best: datetime | None) -> datetime | None:
    if isinstance(value, datetime):
        return value if field not in skip and (best is None or value > best) else best
    if isinstance(value, BaseModel):
        for name in _timed_fields(type(value)):
            best = _latest(getattr(value, name), f"{field}.{name}" if field else name, skip, best)
    elif isinstance(value, list | tuple):
        for item in value:
            best = _latest(item, field, skip, best)
    return best


def future_findings(record: Record, path: str, now: datetime) -> Iterator[Finding]:
    """A finding for each time `record` says something happened that is after `now`
    (by more than `CLOCK_SKEW`)."""
    limit = shift(now, CLOCK_SKEW)
    for pointer, moment in happened(record):
        if moment > limit:
            yield Finding(
                RULE,
                Severity.ERROR,
                f"{dotted(pointer)} is {format_timestamp(moment)}, later than the time of the "
                f"check ({format_timestamp(now)}); it says when something happened, which cannot "
                "be in the future",
                path,
                record=record.id,
                pointer=pointer,
            )
