"""Waivers: dated exceptions that cover named violations, and stop when they expire.

A waiver covers a policy (or built-in rule) on the records it names, or
security findings. While it is active and not past `expires`, the findings
it covers are *waived*: reported separately, not failures. Once expired it
covers nothing, and what it covered is reported again with a note saying so.
A cover that matches no finding is reported as orphaned, an expired waiver
still marked active is reported, and no waiver may run longer than the SLA
policy allows for the severity of what it covers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from maintain_repo.model.durations import Calendar
from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding, Pointer, Severity

if TYPE_CHECKING:
    from maintain_repo.model.policies import SLAPolicy

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True, slots=True)
class Waiver:
    """What the waiver stage needs of a waiver record (from its facts)."""

    id: str
    path: str
    status: str
    created_at: datetime
    expires: datetime
    policies: tuple[tuple[str, tuple[str, ...]], ...]
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SecurityFinding:
    """What the waiver stage needs of a security finding (from its facts)."""

    id: str
    path: str
    status: str
    severity: str
    waiver: str | None


def from_facts(facts: Iterable[RecordFacts]) -> tuple[list[Waiver], dict[str, SecurityFinding]]:
    """The waivers and security findings among valid records' facts."""
    waivers, findings = [], {}
    for fact in facts:
        extra = fact.extra or {}
        if not fact.valid or fact.id is None or fact.status is None:
            continue
        if fact.kind == "waiver":
            policies = tuple((p, tuple(r)) for p, r in extra.get("policies", []))
            waivers.append(
                Waiver(
                    fact.id,
                    fact.path,
                    fact.status,
                    datetime.fromisoformat(extra["created_at"]),
                    datetime.fromisoformat(extra["expires"]),
                    policies,
                    tuple(extra.get("findings", [])),
                )
            )
        elif fact.kind == "finding":
            findings[fact.id] = SecurityFinding(
                fact.id, fact.path, fact.status, extra.get("severity", ""), extra.get("waiver")
            )
    return waivers, findings


def relevant(facts: Iterable[RecordFacts]) -> list[RecordFacts]:
    """The facts the waiver stage reads: every valid waiver, and the security findings a
    waiver names or that are accepted under one (the rest never matter to it)."""
    waivers, findings = [], []
    named: set[str] = set()
    for fact in facts:
        if not fact.valid:
            continue
        if fact.kind == "waiver":
            waivers.append(fact)
            named.update((fact.extra or {}).get("findings", []))
        elif fact.kind == "finding":
            findings.append(fact)
    return waivers + [
        fact
        for fact in findings
        if fact.id in named or (fact.extra or {}).get("waiver") is not None
    ]


@dataclass
class Waived:
    """The findings that still count, the ones waivers cover, and the waivers' own."""

    findings: list[Finding] = field(default_factory=list)
    waived: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, waiver id)


def apply_waivers(
    findings: Sequence[Finding],
    waivers: Sequence[Waiver],
    security: Mapping[str, SecurityFinding],
    now: datetime,
) -> Waived:
    """Split `findings` into those that count and those waived at `now`."""
    result = Waived()
    active: dict[tuple[str, str], Waiver] = {}
    expired: dict[tuple[str, str], Waiver] = {}
    for waiver in waivers:
        table = active if _live(waiver, now) else expired
        for policy, records in waiver.policies:
            for record in records:
                table.setdefault((policy, record), waiver)
    used: set[tuple[str, str]] = set()
    for finding in findings:
        key = (finding.rule, finding.record or "")
        if key in active:
            used.add(key)
            result.waived.append((finding, active[key].id))
        elif key in expired:
            waiver = expired[key]
            note = f" (waiver {waiver.id} {_why_not(waiver, now)})"
            result.findings.append(dataclasses.replace(finding, message=finding.message + note))
        else:
            result.findings.append(finding)
    result.findings.extend(_waiver_findings(waivers, security, used, now))
    return result


def _waiver_findings(
    waivers: Sequence[Waiver],
    security: Mapping[str, SecurityFinding],
    used: set[tuple[str, str]],
    now: datetime,
) -> list[Finding]:
    found = []
    for waiver in waivers:
        live = _live(waiver, now)
        if waiver.status == "active" and now >= waiver.expires:
            found.append(
                _at(
                    "waiver-expired",
                    waiver,
                    ("expires",),
                    f"waiver expired on {_stamp(waiver.expires)} but is still active; renew it "
                    "(a new expires, approved in a pull request) or set status: expired",
                )
            )
        if not live:
            continue
        for p_index, (policy, records) in enumerate(waiver.policies):
            for r_index, record in enumerate(records):
                if (policy, record) not in used:
                    found.append(
                        _at(
                            "waiver-orphaned",
                            waiver,
                            ("covers", "policies", p_index, "records", r_index),
                            f"covers {policy} on {record}, which has no such finding; "
                            "remove it from the waiver",
                        )
                    )
        for index, finding_id in enumerate(waiver.findings):
            finding = security.get(finding_id)
            if finding is not None and finding.status != "risk_accepted":
                found.append(
                    _at(
                        "waiver-orphaned",
                        waiver,
                        ("covers", "findings", index),
                        f"covers {finding_id}, which is {finding.status} (not risk_accepted); "
                        "remove it from the waiver",
                    )
                )
    found.extend(_expired_acceptances(waivers, security, now))
    return found


def _expired_acceptances(
    waivers: Sequence[Waiver],
    security: Mapping[str, SecurityFinding],
    now: datetime,
) -> list[Finding]:
    """Security findings still risk_accepted under a waiver that no longer covers them."""
    by_id = {waiver.id: waiver for waiver in waivers}
    found = []
    for finding in security.values():
        waiver = by_id.get(finding.waiver or "")
        if finding.status != "risk_accepted" or waiver is None:
            continue
        if _live(waiver, now):
            continue
        found.append(
            Finding(
                "waiver-expired",
                Severity.ERROR,
                f"risk_accepted under waiver {waiver.id}, which {_why_not(waiver, now)}; reopen "
                "the finding or renew the waiver",
                finding.path,
                record=finding.id,
                pointer=("waiver",),
            )
        )
    return found


def length_findings(
    waiver: Waiver,
    security: Mapping[str, SecurityFinding],
    sla: SLAPolicy | None,
    calendar: Calendar,
) -> list[Finding]:
    """A waiver longer than the SLA policy allows for what it covers."""
    if sla is None:
        return []
    limits = []
    severities = [security[f].severity for f in waiver.findings if f in security]
    if severities:
        worst = min(severities, key=SEVERITY_ORDER.index)
        if worst in sla.waiver.finding:
            limits.append((sla.waiver.finding[worst], f"a {worst} finding"))
    if waiver.policies and sla.waiver.policy:
        limits.append((sla.waiver.policy, "policy violations"))
    found = []
    for duration, what in limits:
        latest = calendar.add(waiver.created_at, duration)
        if waiver.expires > latest:
            found.append(
                _at(
                    "waiver-too-long",
                    waiver,
                    ("expires",),
                    f"expires {_stamp(waiver.expires)}, later than the {duration} the SLA policy "
                    f"allows for {what} (at most {_stamp(latest)})",
                )
            )
    return found


def _live(waiver: Waiver, now: datetime) -> bool:
    """Covering at `now`: active, and between its created_at and expires (a waiver dated
    ahead covers nothing yet, so its length limit cannot be stretched)."""
    return waiver.status == "active" and waiver.created_at <= now < waiver.expires


def _why_not(waiver: Waiver, now: datetime) -> str:
    """Why a waiver does not cover at `now`."""
    if waiver.status == "revoked":
        return "was revoked"
    if waiver.status == "active" and now < waiver.created_at:
        return f"starts on {_stamp(waiver.created_at)}"
    return f"expired on {_stamp(waiver.expires)}"


def _at(rule: str, waiver: Waiver, pointer: Pointer, message: str) -> Finding:
    return Finding(rule, Severity.ERROR, message, waiver.path, record=waiver.id, pointer=pointer)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def waiver_lengths(
    facts: Iterable[RecordFacts], sla: SLAPolicy | None, calendar: Calendar
) -> list[Finding]:
    """`waiver-too-long` for every waiver among `facts`."""
    waivers, security = from_facts(facts)
    return [f for waiver in waivers for f in length_findings(waiver, security, sla, calendar)]
