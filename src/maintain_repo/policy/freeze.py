"""Change freezes: a change scheduled in a deny window is a violation.

Windows are one-off (`start`/`end`) or weekly (a local day and time to
another, in a time zone). A window applies to a change when its services and
change types match (empty lists match everything). A change may not overlap
any deny window that applies to it, and when allow windows apply it must fit
inside one of them; deny beats allow. An emergency change with a
`freeze_override` (justification and approver; the approver must be one of
the window's `approvers` when it names any) may go ahead in a deny window,
and outside the allow windows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from maintain_repo.model.change import Change
from maintain_repo.model.durations import WEEKDAYS
from maintain_repo.model.findings import Finding, Severity
from maintain_repo.model.policies import FreezeWindow, Weekly
from maintain_repo.model.timestamps import local_date, shift_date
from maintain_repo.policy.approval_people import bare

RULE = "freeze-window"
# Changes not yet carried out; a window cannot be kept any more after that.
SCHEDULABLE = ("draft", "submitted", "approved", "scheduled", "implementing")

Interval = tuple[datetime, datetime]


def freeze_findings(
    path: str, change: Change, windows: Sequence[tuple[str, FreezeWindow]]
) -> Iterator[Finding]:
    """Violations of the freeze windows by one change."""
    if change.schedule is None or change.status not in SCHEDULABLE:
        return
    span = (change.schedule.planned_start, change.schedule.planned_end)
    applicable = [(rel, w) for rel, w in windows if _applies(w, change)]
    for rel, window in applicable:
        if window.action != "deny":
            continue
        hit = next((i for i in occurrences(window, *span) if _overlaps(i, span)), None)
        if hit is None or _overridden(change, window):
            continue
        yield _finding(
            path,
            change,
            f"scheduled {_stamp(span[0])} to {_stamp(span[1])}, inside freeze window "
            f"{window.name} ({_stamp(hit[0])} to {_stamp(hit[1])}; {rel})"
            + _override_hint(change, window.approvers),
        )
    allows = [w for _, w in applicable if w.action == "allow"]
    if not allows or any(_overridden(change, w) for w in allows):
        return  # no allow windows, or an approved emergency may go outside them
    if not any(i[0] <= span[0] and span[1] <= i[1] for w in allows for i in occurrences(w, *span)):
        names = ", ".join(w.name for w in allows)
        approvers = sorted({a for w in allows for a in w.approvers})
        hint = _override_hint(change, approvers)
        yield _finding(
            path,
            change,
            f"scheduled {_stamp(span[0])} to {_stamp(span[1])}, outside every allowed window "
            f"({names})" + hint,
        )


def occurrences(window: FreezeWindow, start: datetime, end: datetime) -> list[Interval]:
    """The window's intervals that could touch [start, end]."""
    if window.weekly is None:
        assert window.start is not None
        assert window.end is not None
        return [(window.start, window.end)]
    return list(_weekly(window.weekly, start, end))


def _weekly(weekly: Weekly, start: datetime, end: datetime) -> Iterator[Interval]:
    zone = ZoneInfo(weekly.time_zone)
    # Dates held at the ends of the calendar (years 1 and 9999): a schedule there
    # gets the occurrences that exist, never an OverflowError.
    begun = local_date(start, zone)
    first = shift_date(begun, -timedelta(days=begun.weekday() + 7))
    last = shift_date(local_date(end, zone), timedelta(days=7))
    open_day, close_day = WEEKDAYS.index(weekly.start_day), WEEKDAYS.index(weekly.end_day)
    opens, closes = time.fromisoformat(weekly.start_time), time.fromisoformat(weekly.end_time)
    monday = first
    while monday <= last:
        try:
            begin = datetime.combine(monday + timedelta(days=open_day), opens, zone)
            finish = datetime.combine(monday + timedelta(days=close_day), closes, zone)
            if finish <= begin:  # wraps into the next week (Friday evening to Monday morning)
                finish = datetime.combine(monday + timedelta(days=close_day + 7), closes, zone)
        except OverflowError:
            return  # the week runs past the end of the calendar
        yield begin, finish
        if monday == (following := shift_date(monday, timedelta(days=7))):
            return
        monday = following


def _applies(window: FreezeWindow, change: Change) -> bool:
    services = not window.services or bool(set(window.services) & set(change.services))
    types = not window.change_types or change.type in window.change_types
    return services and types


def _overlaps(interval: Interval, span: Interval) -> bool:
    return interval[0] < span[1] and span[0] < interval[1]


def _overridden(change: Change, window: FreezeWindow) -> bool:
    override = change.freeze_override
    if change.type != "emergency" or override is None:
        return False
    # GitHub logins ignore case, and a handle may start with @.
    approvers = {bare(a).casefold() for a in window.approvers}
    return not approvers or bare(override.approver).casefold() in approvers


def _override_hint(change: Change, approvers: Sequence[str]) -> str:
    if change.type != "emergency":
        return ""
    if change.freeze_override is None:
        return "; an emergency change needs freeze_override (justification, approver)"
    return f"; freeze_override.approver must be one of {', '.join(approvers)}"


def _finding(path: str, change: Change, message: str) -> Finding:
    return Finding(
        RULE,
        Severity.ERROR,
        message,
        path,
        record=change.id,
        pointer=("schedule", "planned_start"),
    )


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes").replace("+00:00", "Z")
