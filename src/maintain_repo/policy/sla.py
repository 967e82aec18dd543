"""Open obligations and their deadlines, from the SLA policy and the records.

An obligation starts at a moment the record states (reported, resolved,
first seen...) and is due a policy duration later, unless the record names
an earlier due date itself. It is `breached` once due, `at_risk` once the
policy's share of its time has passed (`at_risk_after`, 75% by default), and
`ok` before that. Obligations already met are not listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from maintain_repo.model.change import Change
from maintain_repo.model.common import Record
from maintain_repo.model.durations import Calendar
from maintain_repo.model.finding import SecurityFinding
from maintain_repo.model.findings import Finding, Pointer, Severity, dotted
from maintain_repo.model.improvement import Improvement
from maintain_repo.model.incident import Incident
from maintain_repo.model.policies import SLAPolicy
from maintain_repo.model.timestamps import shift
from maintain_repo.model.waiver import Waiver

State = Literal["ok", "at_risk", "breached"]
OPEN_INCIDENT = ("triage", "active", "mitigated")


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something a record still owes, by when."""

    kind: str  # acknowledge | resolve | postmortem | action_item | remediation | waiver_expiry
    record: str
    path: str
    title: str
    owner: str
    start: datetime
    due: datetime
    state: State
    basis: str  # how the due time was set: the policy target, or the record's own date

    def sort_key(self) -> tuple[int, datetime, str]:
        return ({"breached": 0, "at_risk": 1, "ok": 2}[self.state], self.due, self.record)


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
    """Every open obligation of `records` (path, model), most urgent first."""
    found: list[Obligation] = []
    for path, record in records:
        if isinstance(record, Incident):
            found.extend(_incident(path, record, clock, tiers))
        elif isinstance(record, Improvement):
            found.extend(_improvement(path, record, clock))
        elif isinstance(record, SecurityFinding):
            found.extend(_finding(path, record, clock))
        elif isinstance(record, Waiver):
            found.extend(_waiver(path, record, clock))
        elif isinstance(record, Change):
            continue  # changes are governed by approvals and freezes, not SLAs
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
    if incident.status in ("triage", "active") and incident.acknowledged_at is None and acknowledge:
        yield _due(path, incident, "acknowledge", reported, acknowledge, None, clock)
    if incident.status in OPEN_INCIDENT and resolve:
        start = incident.impact_started_at or reported
        yield _due(path, incident, "resolve", start, resolve, None, clock)
    postmortem = sla.postmortem.get(severity)
    reviewed = incident.postmortem is not None and incident.postmortem.status == "reviewed"
    if postmortem and incident.status in ("resolved", "closed") and not reviewed:
        start = incident.resolved_at or incident.closed_at or incident.created_at
        stated = incident.postmortem.due if incident.postmortem else None
        yield _due(path, incident, "postmortem", start, postmortem, stated, clock)


def _improvement(path: str, improvement: Improvement, clock: Clock) -> Iterator[Obligation]:
    if improvement.status not in ("open", "in_progress"):
        return
    target = clock.policy.improvement.get(improvement.priority)
    if target or improvement.due:
        yield _due(
            path, improvement, "action_item", improvement.created_at, target, improvement.due, clock
        )


def _finding(path: str, finding: SecurityFinding, clock: Clock) -> Iterator[Obligation]:
    if finding.status != "open":
        return
    target = clock.policy.finding.get(finding.severity)
    stated = finding.sla.due if finding.sla else None
    start = finding.sla.start if finding.sla else finding.first_seen
    if target or stated:
        yield _due(path, finding, "remediation", start, target, stated, clock)


def _waiver(path: str, waiver: Waiver, clock: Clock) -> Iterator[Obligation]:
    if waiver.status == "active":
        yield _due(path, waiver, "waiver_expiry", waiver.created_at, None, waiver.expires, clock)


def _due(
    path: str,
    record: Record,
    kind: str,
    start: datetime,
    target: str | None,
    stated: datetime | None,
    clock: Clock,
) -> Obligation:
    """The obligation, due at the earlier of the policy target and the stated date."""
    candidates = []
    if target:
        candidates.append((clock.calendar.add(start, target), f"{target} after {_stamp(start)}"))
    if stated is not None:
        candidates.append((stated, "the record's own due date"))
    due, basis = min(candidates, key=lambda c: c[0])
    return Obligation(
        kind,
        record.id,
        path,
        record.title,
        record.owner,
        start,
        due,
        state_of(start, due, clock.now, clock.policy.at_risk_after),
        basis,
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
    if isinstance(record, Improvement):
        target = policy.improvement.get(record.priority)
        yield ("due",), record.created_at, record.due, target, f"a {record.priority} improvement"
    elif isinstance(record, SecurityFinding) and record.sla is not None:
        target = policy.finding.get(record.severity)
        what = f"a {record.severity} finding"
        yield ("sla", "due"), record.sla.start, record.sla.due, target, what
    elif isinstance(record, Incident) and record.postmortem is not None:
        severity = record.severity if record.severity != "unknown" else "SEV1"
        target = policy.incident.postmortem.get(severity)
        start = record.resolved_at
        yield (
            ("postmortem", "due"),
            start,
            record.postmortem.due,
            target,
            f"a {severity} postmortem",
        )
