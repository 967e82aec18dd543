"""How well the maintenance goes: incident response times, DORA measures, change and
improvement flow, and security remediation, computed from records over a window.

Pure: records come in as their YAML mappings (`Item`: path and data), the window and
the clock as arguments, and out comes the report's JSON shape (`schema_version` 1).
Every measure has one formula (documented in docs/reports.md), and every record
a measure could not use is listed under `unknown` with the field it lacks, never
dropped silently.

Conventions:
- In the window: the measure's start timestamp is >= `since` and < `until`.
- p50 is the median (the mean of the two middle values for an even count); p90 is
  `statistics.quantiles(values, n=10, method="inclusive")[8]`, or the value itself when
  there is one; both are null when there is none.
- Incidents that are `declined` or `duplicate` are not incidents for any measure.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from maintain_repo.model.timestamps import format_timestamp, parse_timestamp

SCHEMA_VERSION = 1
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "unknown")
FINDING_SEVERITIES = ("critical", "high", "medium", "low", "info")
NOT_INCIDENTS = ("declined", "duplicate")
MAJOR = ("SEV1", "SEV2")  # their lifecycle needs a reviewed postmortem to close
FAILED = ("failed", "rolled_back")
IMPROVEMENT_DONE = ("done",)
IMPROVEMENT_CLOSED = ("done", "wont_do")
FINDING_OPEN = "open"
# The values categories are counted by; anything else a record says (which `maintain
# check` rejects) is counted as "unknown", never shown as it is written.
CHANGE_TYPES = ("standard", "normal", "emergency")
SOURCE_KINDS = ("incident", "problem", "finding", "change", "product")

# DORA performance tiers (State of DevOps 2023; thresholds as Apache DevLake's DORA
# dashboard implements them): the first tier whose test the value passes.
TIERS: dict[str, tuple[tuple[str, Callable[[float], bool]], ...]] = {
    # deployments per week: daily or more, weekly or more, monthly or more (12/52 a week)
    "deployment_frequency": (
        ("elite", lambda v: v >= 7),
        ("high", lambda v: v >= 1),
        ("medium", lambda v: v >= 12 / 52),
        ("low", lambda v: True),
    ),
    # median hours from submission to deployment: under a day, a week, a month
    "change_lead_time": (
        ("elite", lambda v: v < 24),
        ("high", lambda v: v < 24 * 7),
        ("medium", lambda v: v < 24 * 30),
        ("low", lambda v: True),
    ),
    # fraction of deployments that failed: at most 5 %, 10 %, 15 %
    "change_failure_rate": (
        ("elite", lambda v: v <= 0.05),
        ("high", lambda v: v <= 0.10),
        ("medium", lambda v: v <= 0.15),
        ("low", lambda v: True),
    ),
    # median hours from impact to resolution of incidents a change caused: under an
    # hour, a day, a week
    "failed_deployment_recovery_time": (
        ("elite", lambda v: v < 1),
        ("high", lambda v: v < 24),
        ("medium", lambda v: v < 24 * 7),
        ("low", lambda v: True),
    ),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One record: its path in the repository and its YAML mapping."""

    path: str
    data: Mapping[str, Any]

    @property
    def id(self) -> str:
        value = self.data.get("id")
        return value if isinstance(value, str) else self.path

    def names(self, dotted: str) -> list[str]:
        """A list field's text items (anything else in a record that `maintain check`
        rejects, such as `services: 5`, names nothing)."""
        value = self.get(dotted)
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, str)]

    def get(self, dotted: str) -> Any:
        if "." not in dotted:
            return self.data.get(dotted)
        value: Any = self.data
        for part in dotted.split("."):
            if not isinstance(value, dict):  # records are read as plain dicts
                return None
            value = value.get(part)
        return value


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime
    until: datetime

    def __contains__(self, moment: datetime | None) -> bool:
        return moment is not None and self.since <= moment < self.until

    @property
    def days(self) -> float:
        return (self.until - self.since) / timedelta(days=1)


@dataclass
class _Unknown:
    """The records a measure could not use, and why (collected while measuring)."""

    entries: list[dict[str, str]] = field(default_factory=list)

    def add(self, item: Item, metric: str, missing: str, reason: str = "missing") -> None:
        self.entries.append(
            {
                "record": item.id,
                "path": item.path,
                "metric": metric,
                "field": missing,
                "reason": reason,
            }
        )


def percentiles(values: Sequence[float], unit: str) -> dict[str, Any]:
    """`{n, p50_<unit>, p90_<unit>}` (see the module's conventions)."""
    n = len(values)
    if n == 0:
        p50 = p90 = None
    elif n == 1:
        p50 = p90 = float(values[0])
    else:
        p50 = float(statistics.median(values))
        p90 = float(statistics.quantiles(values, n=10, method="inclusive")[8])
    return {"n": n, f"p50_{unit}": _round(p50), f"p90_{unit}": _round(p90)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _fraction(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def tier(measure: str, value: float | None) -> str | None:
    if value is None:
        return None
    return next(name for name, passes in TIERS[measure] if passes(value))


class _Reader:
    """Timestamps of records, parsed once; a value that is there but not a timestamp is
    reported under `unknown` (a checked repository has none)."""

    def __init__(self, unknown: _Unknown) -> None:
        self.unknown = unknown

    def time(self, item: Item, name: str, metric: str) -> datetime | None:
        raw = item.get(name)
        if raw is None:
            return None
        try:
            return parse_timestamp(raw)
        except ValueError:
            self.unknown.add(item, metric, name, "not an RFC 3339 timestamp")
            return None

    def needed(self, item: Item, name: str, metric: str) -> datetime | None:
        """The timestamp a measure needs: listed under `unknown` when it is missing."""
        moment = self.time(item, name, metric)
        if moment is None and item.get(name) is None:
            self.unknown.add(item, metric, name)
        return moment


def measure(
    items: Iterable[Item],
    window: Window,
    *,
    now: datetime,
    service: str | None = None,
    slos: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The report's JSON document for the records `items` over `window`."""
    by_kind: dict[str, list[Item]] = {}
    for item in items:
        kind = item.get("kind")
        if isinstance(kind, str) and (service is None or _serves(item, service)):
            by_kind.setdefault(kind, []).append(item)
    unknown = _Unknown()
    read = _Reader(unknown)
    incidents = _incidents(by_kind.get("incident", []), by_kind, window, read)
    dora, changes = _dora(by_kind.get("change", []), incidents.window_items, window, read)
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": format_timestamp(now),
        "window": {
            "since": format_timestamp(window.since),
            "until": format_timestamp(window.until),
            "days": round(window.days, 4),
        },
        "service": service,
        "incidents": incidents.document,
        "dora": dora,
        "changes": changes,
        "improvements": _improvements(by_kind.get("improvement", []), window, read),
        "security": _security(by_kind.get("finding", []), window, read),
        "slos": list(slos),
        "unknown": unknown.entries,
    }
    return out


def _serves(item: Item, service: str) -> bool:
    """Whether a record is about `service` (records of no service are about none)."""
    if item.get("kind") == "service":
        return item.id == service
    if isinstance(item.get("services"), list):
        return service in item.names("services")
    return bool(item.get("service") == service)


# -- incidents ---------------------------------------------------------------------------


@dataclass
class _Incidents:
    document: dict[str, Any]
    window_items: list[Item]


def _incidents(
    items: list[Item], by_kind: Mapping[str, list[Item]], window: Window, read: _Reader
) -> _Incidents:
    counted = [item for item in items if item.get("status") not in NOT_INCIDENTS]
    inside = []
    for item in counted:
        reported = read.needed(item, "reported_at", "incidents.count")
        if reported in window:
            inside.append((item, reported))
    severity: Counter[str] = Counter(dict.fromkeys(SEVERITIES, 0))
    services: Counter[str] = Counter()
    months: Counter[str] = Counter()
    tta: list[float] = []
    ttm: list[float] = []
    ttr: list[float] = []
    for item, reported in inside:
        sev = item.get("severity")
        severity[sev if sev in SEVERITIES else "unknown"] += 1
        for name in item.names("services"):
            services[name] += 1
        assert reported is not None
        months[_month(reported)] += 1
        start = read.time(item, "impact_started_at", "incidents.time_to_mitigate") or reported
        acknowledged = read.needed(item, "acknowledged_at", "incidents.time_to_acknowledge")
        if acknowledged is not None:
            tta.append(_minutes(acknowledged - reported))
        mitigated = read.needed(item, "mitigated_at", "incidents.time_to_mitigate")
        if mitigated is not None:
            ttm.append(_minutes(mitigated - start))
        resolved = read.needed(item, "resolved_at", "incidents.time_to_resolve")
        if resolved is not None:
            ttr.append(_minutes(resolved - start))
    document = {
        "count": len(inside),
        "by_severity": dict(severity),
        "by_service": dict(sorted(services.items())),
        "by_month": dict(sorted(months.items())),
        "time_to_acknowledge": percentiles(tta, "minutes"),
        "time_to_mitigate": percentiles(ttm, "minutes"),
        "time_to_resolve": percentiles(ttr, "minutes"),
        "postmortems": _postmortems([item for item, _ in inside], read),
        "action_items": _action_items(
            [item for item, _ in inside], by_kind.get("improvement", []), window, read
        ),
        "repeat": _repeats(inside, counted, read),
    }
    return _Incidents(document, [item for item, _ in inside])


def _postmortems(items: list[Item], read: _Reader) -> dict[str, Any]:
    """Required: SEV1 and SEV2 incidents; reviewed: those whose postmortem is `reviewed`;
    days to review: `postmortem.reviewed_at - resolved_at`."""
    required = [item for item in items if item.get("severity") in MAJOR]
    reviewed = [item for item in required if item.get("postmortem.status") == "reviewed"]
    days = []
    for item in reviewed:
        at = read.needed(item, "postmortem.reviewed_at", "incidents.postmortems.days_to_review")
        resolved = read.needed(item, "resolved_at", "incidents.postmortems.days_to_review")
        if at is not None and resolved is not None:
            days.append((at - resolved) / timedelta(days=1))
    return {
        "required": len(required),
        "reviewed": len(reviewed),
        "days_to_review": percentiles(days, "days"),
    }


def _action_items(
    incidents: list[Item], improvements: list[Item], window: Window, read: _Reader
) -> dict[str, Any]:
    """The improvements the window's incidents list as action items, at `until`: done,
    open (not done, not won't-do) and, of those, overdue (`due` before `until`)."""
    wanted = {ref for item in incidents for ref in item.names("action_items")}
    found = {item.id: item for item in improvements if item.id in wanted}
    done = opened = overdue = 0
    for ident in sorted(wanted):
        item = found.get(ident)
        if item is None:
            continue  # a broken link: `maintain check` reports it
        status = item.get("status")
        if status in IMPROVEMENT_DONE:
            done += 1
        elif status not in IMPROVEMENT_CLOSED:
            opened += 1
            due = read.time(item, "due", "incidents.action_items.overdue")
            if due is not None and due < window.until:
                overdue += 1
    return {"listed": len(wanted), "open": opened, "overdue": overdue, "done": done}


def _repeats(
    inside: list[tuple[Item, datetime | None]], counted: list[Item], read: _Reader
) -> dict[str, Any]:
    """Incidents of the window whose `problem` an incident reported before them names too."""
    first: dict[str, datetime] = {}
    for item in counted:
        problem = item.get("problem")
        reported = read.time(item, "reported_at", "incidents.repeat")
        if isinstance(problem, str) and reported is not None:
            first[problem] = min(reported, first.get(problem, reported))
    repeats = sorted(
        item.id
        for item, reported in inside
        if isinstance(problem := item.get("problem"), str)
        and reported is not None
        and first[problem] < reported
    )
    return {"count": len(repeats), "incidents": repeats}


def _minutes(delta: timedelta) -> float:
    return delta / timedelta(minutes=1)


def _hours(delta: timedelta) -> float:
    return delta / timedelta(hours=1)


# -- DORA and changes --------------------------------------------------------------------


def _dora(
    changes: list[Item], incidents: list[Item], window: Window, read: _Reader
) -> tuple[dict[str, Any], dict[str, Any]]:
    deployed = []
    for item in changes:
        implemented = read.time(item, "implemented_at", "dora.deployments")
        if implemented in window:
            deployed.append((item, implemented))
    lead: list[float] = []
    failed = 0
    for item, implemented in deployed:
        assert implemented is not None
        started = read.time(item, "submitted_at", "dora.change_lead_time") or read.needed(
            item, "created_at", "dora.change_lead_time"
        )
        if started is not None:
            lead.append(_hours(implemented - started))
        if _failed(item):
            failed += 1
    recovery: list[float] = []
    for item in incidents:
        if not item.get("cause.triggering_change"):
            continue
        resolved = read.needed(item, "resolved_at", "dora.failed_deployment_recovery_time")
        start = read.time(item, "impact_started_at", "dora.failed_deployment_recovery_time")
        start = start or read.time(item, "reported_at", "dora.failed_deployment_recovery_time")
        if resolved is not None and start is not None:
            recovery.append(_hours(resolved - start))
    count = len(deployed)
    frequency = round(count / window.days * 7, 4) if window.days > 0 else None
    lead_time = percentiles(lead, "hours")
    rate = _fraction(failed, count)
    restore = percentiles(recovery, "hours")
    dora = {
        "deployments": count,
        "deployment_frequency_per_week": frequency,
        "change_lead_time": lead_time,
        "change_failure_rate": rate,
        "failed_deployments": failed,
        "failed_deployment_recovery_time": restore,
        "tiers": {
            "deployment_frequency": tier("deployment_frequency", frequency if count else None),
            "change_lead_time": tier("change_lead_time", lead_time["p50_hours"]),
            "change_failure_rate": tier("change_failure_rate", rate),
            "failed_deployment_recovery_time": tier(
                "failed_deployment_recovery_time", restore["p50_hours"]
            ),
        },
    }
    return dora, _changes([item for item, _ in deployed], read)


def _failed(item: Item) -> bool:
    """A failed deployment: its outcome or status is failed or rolled back, or it names
    an incident it caused."""
    return (
        item.get("outcome") in FAILED
        or item.get("status") in FAILED
        or bool(item.get("caused_incidents"))
    )


def _changes(deployed: list[Item], read: _Reader) -> dict[str, Any]:
    """The window's deployments by type; approval compliance: of those that are not
    standard (pre-approved) changes, the share approved (`approval.evaluated_at`) no
    later than implemented."""
    types: Counter[str] = Counter()
    needing = compliant = 0
    for item in deployed:
        kind = item.get("type")
        types[kind if kind in CHANGE_TYPES else "unknown"] += 1
        if kind == "standard":
            continue
        needing += 1
        approved = read.time(item, "approval.evaluated_at", "changes.approval_compliance")
        implemented = read.time(item, "implemented_at", "changes.approval_compliance")
        if approved is not None and implemented is not None and approved <= implemented:
            compliant += 1
    return {
        "deployed_by_type": dict(sorted(types.items())),
        "approval_compliance": _fraction(compliant, needing),
        "approved_before_implemented": compliant,
        "needing_approval": needing,
        "freeze_overrides": sum(1 for item in deployed if item.get("freeze_override")),
        "rollbacks": sum(
            1
            for item in deployed
            if item.get("outcome") == "rolled_back" or item.get("status") == "rolled_back"
        ),
    }


# -- improvements ------------------------------------------------------------------------


def _improvements(items: list[Item], window: Window, read: _Reader) -> dict[str, Any]:
    """Opened (`created_at`) and done (`done_at`) in the window, by month; on time: of
    those done in the window, the share done by their `due`."""
    opened: Counter[str] = Counter()
    done: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    with_due = on_time = 0
    for item in items:
        created = read.needed(item, "created_at", "improvements.opened")
        if created in window:
            assert created is not None
            opened[_month(created)] += 1
            source = item.get("source.kind")
            sources[source if source in SOURCE_KINDS else "unknown"] += 1
        if item.get("status") not in IMPROVEMENT_DONE:
            continue
        finished = read.needed(item, "done_at", "improvements.done")
        if finished not in window:
            continue
        assert finished is not None
        done[_month(finished)] += 1
        due = read.needed(item, "due", "improvements.on_time")
        if due is not None:
            with_due += 1
            on_time += finished <= due
    return {
        "opened": sum(opened.values()),
        "done": sum(done.values()),
        "opened_by_month": dict(sorted(opened.items())),
        "done_by_month": dict(sorted(done.items())),
        "on_time": _fraction(on_time, with_due),
        "by_source": dict(sorted(sources.items())),
    }


def _month(moment: datetime) -> str:
    """The UTC month (as `--month` windows are): 23:30 at -05:00 on 31 October is
    November."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


# -- security ----------------------------------------------------------------------------


def _security(items: list[Item], window: Window, read: _Reader) -> dict[str, Any] | None:
    """Open at `until` (first seen before it, and open, or mitigated only after it) by
    severity, and overdue (`sla.due` before `until`); SLA compliance: of the findings
    mitigated in the window, the share mitigated by `sla.due`; time to remediate:
    `mitigated_at - first_seen`, by severity. None when there are no findings."""
    if not items:
        return None
    open_now: Counter[str] = Counter(dict.fromkeys(FINDING_SEVERITIES, 0))
    overdue = 0
    with_sla = within = mitigated_count = 0
    remediate: dict[str, list[float]] = {name: [] for name in FINDING_SEVERITIES}
    for item in items:
        severity = item.get("severity")
        severity = severity if severity in FINDING_SEVERITIES else "info"
        first = read.needed(item, "first_seen", "security.open_by_severity")
        mitigated = read.time(item, "mitigated_at", "security.sla_compliance")
        status = item.get("status")
        still_open = status == FINDING_OPEN or (
            status == "mitigated" and mitigated is not None and mitigated >= window.until
        )
        if first is not None and first < window.until and still_open:
            open_now[severity] += 1
            due = read.time(item, "sla.due", "security.overdue")
            if due is not None and due < window.until:
                overdue += 1
        if status != "mitigated" or mitigated not in window:
            continue
        assert mitigated is not None
        mitigated_count += 1
        if first is not None:
            remediate[severity].append((mitigated - first) / timedelta(days=1))
        due = read.needed(item, "sla.due", "security.sla_compliance")
        if due is not None:
            with_sla += 1
            within += mitigated <= due
    return {
        "open_by_severity": dict(open_now),
        "open": sum(open_now.values()),
        "overdue": overdue,
        "mitigated": mitigated_count,
        "sla_compliance": _fraction(within, with_sla),
        "time_to_remediate": {
            name: percentiles(values, "days") for name, values in remediate.items()
        },
    }
