"""Obligations and their deadlines, from the SLA policy and the records.

An obligation starts at a moment the record states (reported, resolved,
first seen...) and is due a policy duration later, unless the record names
an earlier due date itself. While open it is `breached` once due, `at_risk`
once the policy's share of its time has passed (`at_risk_after`, 75% by
default), and `ok` before that.

An obligation met on time is not listed. One met after its deadline (an
acknowledgement an hour late) stays a breach: it is listed as `breached`
with the time it was met (`met_at`) for `LATE_LISTED` after that, so the
reminder of it is closed as met late rather than as done. An incident
resolved with nobody acknowledging it ends its acknowledgement there: never
met, a breach if the deadline had passed (`never`). A time the record
gives that is after now (see `timestamp-future`) has not happened: the
obligation is still open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from maintain_repo.model.common import Record
from maintain_repo.model.durations import Calendar
from maintain_repo.model.findings import Finding, Pointer, Severity, dotted
from maintain_repo.model.policies import SLAPolicy
from maintain_repo.model.timestamps import shift

if TYPE_CHECKING:  # records are told apart by kind: a check of one incident builds no others
    from maintain_repo.model.finding import SecurityFinding
    from maintain_repo.model.improvement import Improvement
    from maintain_repo.model.incident import Incident
    from maintain_repo.model.waiver import Waiver

State = Literal["ok", "at_risk", "breached"]
OPEN_INCIDENT = ("triage", "active", "mitigated")
# How long an obligation met late is still listed (as breached) after it was met.
LATE_LISTED = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something a record owes, by when (open, or met after its deadline)."""

    kind: str  # acknowledge | resolve | postmortem | action_item | remediation | waiver_expiry
    record: str
    path: str
    title: str
    owner: str
    start: datetime
    due: datetime
    state: State
    basis: str  # how the due time was set: the policy target, or the record's own date
    met_at: datetime | None = None  # set: met, after `due` (a breach all the same)
    # Never met: the record moved past it (an incident resolved that nobody acknowledged);
    # `met_at` is then when it did.
    never: bool = False
    # Read from an open record pull request (its branch), not the default branch yet.
    proposed: str | None = None

    @property
    def met_late(self) -> bool:
        return self.met_at is not None

    def sort_key(self) -> tuple[int, int, datetime, str]:
        rank = {"breached": 0, "at_risk": 1, "ok": 2}[self.state]
        return (self.met_late, rank, self.due, self.record)


@dataclass(frozen=True, slots=True)
class Clock:
    now: datetime
    calendar: Calendar
    policy: SLAPolicy


def obligations(
    records: Iterable[tuple[str, Record]],
    clock: Clock,
    tiers: Mapping[str, int],
) -> list[Obligation]:
    """Every open obligation of `records` (path, model), most urgent first, then those
    met late in the last `LATE_LISTED`."""
    found: list[Obligation] = []
    for path, record in records:
        # Changes are governed by approvals and freezes, not SLAs.
        if record.kind == "incident":
            found.extend(_incident(path, cast("Incident", record), clock, tiers))
        elif record.kind == "improvement":
            found.extend(_improvement(path, cast("Improvement", record), clock))
        elif record.kind == "finding":
            found.extend(_finding(path, cast("SecurityFinding", record), clock))
        elif record.kind == "waiver":
            found.extend(_waiver(path, cast("Waiver", record), clock))
    return sorted(found, key=Obligation.sort_key)


def _incident(
    path: str, incident: Incident, clock: Clock, tiers: Mapping[str, int]
) -> Iterator[Obligation]:
    sla = clock.policy.incident
    # `unknown` severity is judged as the strictest: triage should not buy time.
    severity = incident.severity if incident.severity != "unknown" else "SEV1"
    tier = min((tiers[s] for s in incident.services if s in tiers), default=None)
    targets = next((t for t in sla.tiers if t.tier == tier), None)
    acknowledge = (targets.acknowledge if targets else {}).get(severity) or sla.acknowledge.get(
        severity
    )
    resolve = (targets.resolve if targets else {}).get(severity) or sla.resolve.get(severity)
    reported = incident.reported_at or incident.created_at
    dismissed = incident.status in ("declined", "duplicate")
    if acknowledge and (not dismissed or incident.acknowledged_at is not None):
        met = incident.acknowledged_at
        never = False
        if met is None and incident.status not in OPEN_INCIDENT and not dismissed:
            # Resolved with nobody acknowledging (a probe's incident that recovered on its
            # own): the obligation ended there; a breach if that was after its deadline.
            met = incident.resolved_at or incident.closed_at
            never = met is not None
        yield from _tracked(
            path, incident, "acknowledge", reported, acknowledge, None, clock, met, never=never
        )
    if resolve and not dismissed:
        start = incident.impact_started_at or reported
        met = None if incident.status in OPEN_INCIDENT else incident.resolved_at
        met = met or (incident.closed_at if incident.status == "closed" else None)
        yield from _tracked(path, incident, "resolve", start, resolve, None, clock, met)
    postmortem = sla.postmortem.get(severity)
    if postmortem and incident.status in ("resolved", "closed"):
        start = incident.resolved_at or incident.closed_at or incident.created_at
        stated = incident.postmortem.due if incident.postmortem else None
        reviewed = incident.postmortem is not None and incident.postmortem.status == "reviewed"
        met = incident.postmortem.reviewed_at if incident.postmortem and reviewed else None
        if reviewed and met is None:
            return  # reviewed, but nobody said when: nothing to judge
        yield from _tracked(path, incident, "postmortem", start, postmortem, stated, clock, met)


def _improvement(path: str, improvement: Improvement, clock: Clock) -> Iterator[Obligation]:
    target = clock.policy.improvement.get(improvement.priority)
    if not (target or improvement.due) or improvement.status == "wont_do":
        return
    met = None
    if improvement.status == "done":
        if improvement.done_at is None:
            return
        met = improvement.done_at
    start, stated = improvement.created_at, improvement.due
    yield from _tracked(path, improvement, "action_item", start, target, stated, clock, met)


def _finding(path: str, finding: SecurityFinding, clock: Clock) -> Iterator[Obligation]:
    met = finding.mitigated_at if finding.status == "mitigated" else None
    if finding.status != "open" and met is None:
        return
    target = clock.policy.finding.get(finding.severity)
    stated = finding.sla.due if finding.sla else None
    start = finding.sla.start if finding.sla else finding.first_seen
    if target or stated:
        yield from _tracked(path, finding, "remediation", start, target, stated, clock, met)


def _waiver(path: str, waiver: Waiver, clock: Clock) -> Iterator[Obligation]:
    if waiver.status == "active":
        start, stated = waiver.created_at, waiver.expires
        yield from _tracked(path, waiver, "waiver_expiry", start, None, stated, clock)


def _tracked(
    path: str,
    record: Record,
    kind: str,
    start: datetime,
    target: str | None,
    stated: datetime | None,
    clock: Clock,
    met: datetime | None = None,
    *,
    never: bool = False,
) -> Iterator[Obligation]:
    """The obligation, due at the earlier of the policy target and the stated date: while
    it is open (`met` None, or a time still to come), or as a breach for a while once it
    was met after its due time; nothing once it was met on time."""
    candidates = []
    if target:
        candidates.append((clock.calendar.add(start, target), f"{target} after {_stamp(start)}"))
    if stated is not None:
        candidates.append((stated, "the record's own due date"))
    due, basis = min(candidates, key=lambda c: c[0])
    if met is not None and met <= clock.now and (met <= due or clock.now - met > LATE_LISTED):
        return  # met in time, or late long enough ago to be history
    late = met is not None and met <= clock.now
    yield Obligation(
        kind,
        record.id,
        path,
        record.title,
        record.owner,
        start,
        due,
        "breached" if late else state_of(start, due, clock.now, clock.policy.at_risk_after),
        basis,
        met_at=met if late else None,
        never=never and late,
    )


def state_of(start: datetime, due: datetime, now: datetime, at_risk_after: float) -> State:
    if now >= due:
        return "breached"
    if now >= shift(start, (due - start) * at_risk_after):
        return "at_risk"
    return "ok"


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def due_findings(
    path: str, record: Record, policy: SLAPolicy, calendar: Calendar
) -> Iterator[Finding]:
    """A due date a record states that is later than the SLA policy allows."""
    for pointer, start, stated, target, what in _stated_dues(record, policy):
        if start is None or stated is None or target is None:
            continue
        latest = calendar.add(start, target)
        if stated > latest:
            yield Finding(
                "sla-due",
                Severity.ERROR,
                f"{dotted(pointer)} is {_stamp(stated)}, later than the SLA policy allows for "
                f"{what} ({target} after {_stamp(start)}: {_stamp(latest)})",
                path,
                record=record.id,
                pointer=pointer,
            )


def _stated_dues(
    record: Record, policy: SLAPolicy
) -> Iterator[tuple[Pointer, datetime | None, datetime | None, str | None, str]]:
    if record.kind == "improvement":
        improvement = cast("Improvement", record)
        target = policy.improvement.get(improvement.priority)
        what = f"a {improvement.priority} improvement"
        yield ("due",), improvement.created_at, improvement.due, target, what
    elif record.kind == "finding" and (sla := cast("SecurityFinding", record).sla) is not None:
        level = cast("SecurityFinding", record).severity
        target = policy.finding.get(level)
        yield ("sla", "due"), sla.start, sla.due, target, f"a {level} finding"
    elif record.kind == "incident":
        incident = cast("Incident", record)
        if incident.postmortem is None:
            return
        severity = incident.severity if incident.severity != "unknown" else "SEV1"
        target = policy.incident.postmortem.get(severity)
        due = incident.postmortem.due
        yield ("postmortem", "due"), incident.resolved_at, due, target, f"a {severity} postmortem"


SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


class Listed(NamedTuple):
    """A security finding, with its open remediation deadline (`maintain findings list`)."""

    path: str
    finding: SecurityFinding
    obligation: Obligation | None  # its open remediation deadline, if any

    @property
    def overdue(self) -> bool:
        return self.obligation is not None and self.obligation.state == "breached"

    def sort_key(self) -> tuple[int, int, str]:
        """Open before closed, most severe first, then by id."""
        return (
            self.finding.status != "open",
            SEVERITY_ORDER.index(self.finding.severity),
            self.finding.id,
        )
