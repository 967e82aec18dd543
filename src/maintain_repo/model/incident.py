"""Incident: something broke for users; from triage to a reviewed close."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, get_args

from pydantic import Field

from maintain_repo.model.common import (
    ChangeId,
    Handle,
    ImprovementId,
    IncidentId,
    Line,
    ProblemId,
    Record,
    ServiceId,
    Strict,
    Text,
    Timestamp,
    UniqueList,
    Url,
    listed,
)
from maintain_repo.model.facts import Reference
from maintain_repo.model.lifecycle import Lifecycle, When, edges, fan, need

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
IncidentSeverity = Literal["SEV1", "SEV2", "SEV3", "SEV4", "unknown"]

# Chains of timestamps that must not go backwards, where present.
# Detection may come before impact (an early warning), so impact has a chain
# of its own.
ORDER = (
    ("detected_at", "reported_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at"),
    ("impact_started_at", "mitigated_at", "resolved_at", "closed_at"),
    ("reported_at", "postmortem.reviewed_at"),
)

_KNOWN = need("severity", values=SEVERITIES)
_OPENED = (need("reported_at"), need("services"), _KNOWN)
_ACTIVE = (*_OPENED, need("acknowledged_at"))
# Not acknowledged_at: an incident can end before anybody acknowledged it (a probe
# recovered), and the record must say so rather than invent an acknowledgement.
_RESOLVED = (*_OPENED, need("resolved_at"), need("resolution"))
_MAJOR = When("severity", ("SEV1", "SEV2"))

Status = Literal["triage", "active", "mitigated", "resolved", "closed", "declined", "duplicate"]

LIFECYCLE = Lifecycle(
    states=get_args(Status),
    initial="triage",
    transitions=(
        *edges("triage", "active", "mitigated", "resolved", "closed"),
        *fan("triage", "resolved", "declined", "duplicate"),
        *fan("active", "resolved", "declined", "duplicate"),
        # Reopen: a regression sends the incident back to active.
        *(edges(state, "active")[0] for state in ("mitigated", "resolved", "closed", "declined")),
    ),
    requires={
        "triage": (need("reported_at"),),
        "active": _ACTIVE,
        "mitigated": (*_ACTIVE, need("mitigated_at"), need("workaround")),
        "resolved": _RESOLVED,
        "closed": (
            *_RESOLVED,
            need("closed_at"),
            need("cause.summary"),
            need("action_items", "no_action_items_reason"),
            need("postmortem.status", values=("reviewed",), when=_MAJOR),
        ),
        "declined": (need("resolution"),),
        "duplicate": (need("duplicate_of"),),
    },
    final=frozenset({"closed", "declined", "duplicate"}),
)


class CustomerImpact(Strict):
    impacted: bool
    scope: Line | None = None
    users_affected: int | None = Field(default=None, ge=0)


class Roles(Strict):
    commander: Handle | None = None
    deputy: Handle | None = None
    scribe: Handle | None = None
    communications: Handle | None = None
    reporter: Handle | None = None


class Detection(Strict):
    source: Literal["probe", "alert", "customer", "staff", "scanner", "other"]
    probe: Line | None = None


class Cause(Strict):
    summary: Text | None = None
    category: (
        Literal[
            "code",
            "config",
            "dependency",
            "capacity",
            "infrastructure",
            "third_party",
            "security",
            "data",
            "human",
            "unknown",
        ]
        | None
    ) = None
    triggering_change: ChangeId | None = None


class Postmortem(Strict):
    status: Literal["not_started", "draft", "in_review", "reviewed"]
    owner: Handle | None = None
    due: Timestamp | None = None
    url: Url | None = None
    reviewed_at: Timestamp | None = None


class Incident(Record):
    """An interruption or degradation of a service, and how it was handled."""

    id: IncidentId
    kind: Literal["incident"]
    status: Status
    severity: IncidentSeverity
    type: Literal["availability", "performance", "security", "data", "other"]
    services: UniqueList[ServiceId] = []
    customer_impact: CustomerImpact | None = None
    detection: Detection | None = None
    roles: Roles = Roles()
    impact_started_at: Timestamp | None = None
    detected_at: Timestamp | None = None
    reported_at: Timestamp | None = None
    acknowledged_at: Timestamp | None = None
    mitigated_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    closed_at: Timestamp | None = None
    workaround: Text | None = None
    resolution: Text | None = None
    cause: Cause | None = None
    postmortem: Postmortem | None = None
    action_items: UniqueList[ImprovementId] = []
    no_action_items_reason: Text | None = None
    problem: ProblemId | None = None
    duplicate_of: IncidentId | None = None

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("services", self.services, "service")
        yield from listed("action_items", self.action_items, "improvement", "action-item")
        if self.problem:
            yield Reference(("problem",), self.problem, ("problem",), "problem-incident")
        if self.duplicate_of:
            yield Reference(("duplicate_of",), self.duplicate_of, ("incident",))
        if self.cause and self.cause.triggering_change:
            change = self.cause.triggering_change
            yield Reference(("cause", "triggering_change"), change, ("change",), "caused-incident")


MODEL = Incident
