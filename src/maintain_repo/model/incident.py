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
    """Whether customers were affected, and how widely."""

    impacted: bool = Field(description="`true` when customers or users were affected.")
    scope: Line | None = Field(
        None,
        description=(
            "One line on who or what was affected and for how long, e.g. "
            "`About 18% of tracking page views for 17 minutes`."
        ),
    )
    users_affected: int | None = Field(
        default=None, ge=0, description="Number of users affected: a whole number, 0 or more."
    )


class Roles(Strict):
    """Who held which role in the incident response, as GitHub logins or `org/team`."""

    commander: Handle | None = Field(
        None,
        description=(
            "Incident commander, who leads the response. `/commander @login` on the incident's "
            "issue sets it and assigns the issue."
        ),
    )
    deputy: Handle | None = Field(None, description="Deputy incident commander.")
    scribe: Handle | None = Field(
        None, description="Who keeps the notes and the timeline during the response."
    )
    communications: Handle | None = Field(
        None, description="Who keeps customers and stakeholders informed."
    )
    reporter: Handle | None = Field(
        None,
        description=(
            "Who reported the incident; for an incident opened with the issue form, "
            "the issue's author."
        ),
    )


class Detection(Strict):
    """How the incident was noticed."""

    source: Literal["probe", "alert", "customer", "staff", "scanner", "other"] = Field(
        description=(
            "What noticed it: `probe` (a maintain probe), `alert` (monitoring), `customer`, "
            "`staff`, `scanner` or `other`."
        )
    )
    probe: Line | None = Field(
        None,
        description=(
            "Which probe or alert noticed it, on one line. Incidents maintain opens from a "
            "probe say `SERVICE/PROBE`, e.g. `checkout-api/health`."
        ),
    )


class Cause(Strict):
    """What caused the incident."""

    summary: Text | None = Field(
        None, description="What caused the incident, in plain words. Required to close it."
    )
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
    ) = Field(
        None,
        description=(
            "Broad class of the cause, e.g. `code`, `config`, `capacity`, `third_party`; "
            "`unknown` when nobody can tell."
        ),
    )
    triggering_change: ChangeId | None = Field(
        None,
        description=(
            "Id of the change (`CHG-...`) that caused the incident; that change lists the "
            "incident in its `caused_incidents`. `/cause CHG-ID TEXT` on the issue writes both."
        ),
    )


class Postmortem(Strict):
    """The incident's postmortem: its progress, owner, deadline and document."""

    status: Literal["not_started", "draft", "in_review", "reviewed"] = Field(
        description=(
            "Progress of the postmortem. A SEV1 or SEV2 incident can be `closed` only once "
            "this is `reviewed`."
        )
    )
    owner: Handle | None = Field(
        None, description="Who writes the postmortem: a GitHub login, or a team as `org/team`."
    )
    due: Timestamp | None = Field(
        None,
        description=(
            "Deadline for the reviewed postmortem (RFC 3339, may lie ahead); no later than "
            "the SLA policy's postmortem target after `resolved_at`."
        ),
    )
    url: Url | None = Field(None, description="Link (http or https) to the postmortem document.")
    reviewed_at: Timestamp | None = Field(
        None,
        description=(
            "When the postmortem was reviewed (RFC 3339), which ends its SLA obligation. "
            "Not before `reported_at`."
        ),
    )


class Incident(Record):
    """An interruption or degradation of a service, and how it was handled."""

    id: IncidentId = Field(
        description=(
            "`INC-YYYYMMDD-XXXX`: the UTC date and four random Crockford base32 characters, "
            "the same as the file name. `maintain new` makes one."
        )
    )
    kind: Literal["incident"] = Field(description="Always `incident`.")
    status: Status = Field(
        description=(
            "`triage` -> `active` -> `mitigated` -> `resolved` -> `closed`, or `declined` or "
            "`duplicate`; a regression reopens it to `active`. Each state requires its fields."
        )
    )
    severity: IncidentSeverity = Field(
        description=(
            "`SEV1` (worst) to `SEV4`, or `unknown` until it is known (SLAs then apply the "
            "`SEV1` targets). Must be SEV1-SEV4 from `active` to `closed`."
        )
    )
    type: Literal["availability", "performance", "security", "data", "other"] = Field(
        description=(
            "What kind of harm: `availability`, `performance`, `security`, `data` or `other`."
        )
    )
    services: UniqueList[ServiceId] = Field(
        [],
        description=(
            "Slugs of the affected services, e.g. `checkout-api`; each must exist. Required "
            "from `active` to `closed`. Their tiers pick the SLA targets."
        ),
    )
    customer_impact: CustomerImpact | None = Field(
        None, description="Whether customers were affected, how widely and how many."
    )
    detection: Detection | None = Field(
        None, description="How the incident was noticed: by a probe, an alert, a customer..."
    )
    roles: Roles = Field(
        Roles(),
        description="Who held which role: commander, deputy, scribe, communications, reporter.",
    )
    impact_started_at: Timestamp | None = Field(
        None,
        description=(
            "When users were first affected (RFC 3339), possibly before detection. When set, "
            "the resolve deadline and time to mitigate and resolve count from here."
        ),
    )
    detected_at: Timestamp | None = Field(
        None,
        description="When the problem was first noticed (RFC 3339); not after `reported_at`.",
    )
    reported_at: Timestamp | None = Field(
        None,
        description=(
            "When the incident was reported (RFC 3339); the acknowledge deadline counts from "
            "here. Required in every state but `declined` and `duplicate`."
        ),
    )
    acknowledged_at: Timestamp | None = Field(
        None,
        description=(
            "When a person first acknowledged the incident (RFC 3339), e.g. with `/ack`; a bot "
            "never acknowledges. Required in `active` and `mitigated`."
        ),
    )
    mitigated_at: Timestamp | None = Field(
        None,
        description=(
            "When the impact was relieved by the workaround (RFC 3339). Required in `mitigated`."
        ),
    )
    resolved_at: Timestamp | None = Field(
        None,
        description=(
            "When the incident was resolved (RFC 3339). Required in `resolved` and `closed`."
        ),
    )
    closed_at: Timestamp | None = Field(
        None, description="When the incident was closed (RFC 3339). Required in `closed`."
    )
    workaround: Text | None = Field(
        None,
        description=(
            "What relieved the impact before a fix. Required in `mitigated`; "
            "`/mitigate WORKAROUND` on the issue sets it."
        ),
    )
    resolution: Text | None = Field(
        None,
        description=(
            "What fixed it, or why the incident was declined. Required in `resolved`, "
            "`closed` and `declined`."
        ),
    )
    cause: Cause | None = Field(
        None,
        description=(
            "What caused it: a summary (required to close), a category and the triggering change."
        ),
    )
    postmortem: Postmortem | None = Field(
        None,
        description=(
            "The postmortem's status, owner, deadline and link. A SEV1 or SEV2 incident "
            "closes only with `status: reviewed`."
        ),
    )
    action_items: UniqueList[ImprovementId] = Field(
        [],
        description=(
            "Ids of follow-up improvements (`IMP-...`), each naming this incident as its "
            "`source.ref`. Closing needs these or `no_action_items_reason`."
        ),
    )
    no_action_items_reason: Text | None = Field(
        None,
        description="Why the incident needs no action items; lets it close without them.",
    )
    problem: ProblemId | None = Field(
        None,
        description=(
            "Id of the problem (`PRB-...`) behind this incident; the problem lists the "
            "incident in its `incidents`."
        ),
    )
    duplicate_of: IncidentId | None = Field(
        None,
        description="Id of the incident (`INC-...`) this one duplicates. Required in `duplicate`.",
    )

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
