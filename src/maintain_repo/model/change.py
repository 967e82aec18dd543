"""Change: an update to production, tested, approved and reviewed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, get_args

from pydantic import Field

from maintain_repo.model.common import (
    ChangeId,
    Handle,
    IncidentId,
    Line,
    PositiveInt,
    Record,
    ServiceId,
    Sha,
    Slug,
    Strict,
    Text,
    Timestamp,
    UniqueList,
    listed,
)
from maintain_repo.model.facts import Reference
from maintain_repo.model.lifecycle import Lifecycle, Transition, When, edges, fan, need

_NOT_STANDARD = When("type", ("normal", "emergency"))
_FAST = When("type", ("standard", "emergency"))
_SUBMITTED = (
    need("submitted_at"),
    need("services"),
    need("risk"),
    need("implementation_plan"),
    need("rollback", when=_NOT_STANDARD),
)
_IMPLEMENTING = (*_SUBMITTED, need("test_evidence"))
_IMPLEMENTED = (*_IMPLEMENTING, need("deployment"), need("implemented_at"))

# Chains of timestamps that must not go backwards, where present.
ORDER = (
    ("submitted_at", "implemented_at", "closed_at"),
    ("schedule.planned_start", "schedule.planned_end"),
    ("deployment.started_at", "deployment.finished_at"),
)

Status = Literal[
    "draft",
    "submitted",
    "approved",
    "scheduled",
    "implementing",
    "implemented",
    "closed",
    "rejected",
    "cancelled",
    "failed",
    "rolled_back",
]

LIFECYCLE = Lifecycle(
    states=get_args(Status),
    initial="draft",
    transitions=(
        *edges("draft", "submitted", "approved", "scheduled", "implementing", "implemented"),
        *edges("implemented", "closed"),
        *fan("approved", "implementing"),
        *fan("submitted", "rejected", "draft"),
        *(Transition(s, "cancelled") for s in ("draft", "submitted", "approved", "scheduled")),
        *edges("implementing", "failed", "rolled_back", "closed"),
        *fan("implementing", "rolled_back"),
        # A deployment that succeeded can fail afterwards (its later status, or what it
        # broke), and be rolled back.
        *fan("implemented", "failed", "rolled_back"),
        *fan("failed", "closed"),
        # Standard changes are pre-approved; emergency changes may implement
        # before approval and are approved retrospectively.
        *fan("submitted", "implementing", when=_FAST),
        *fan("submitted", "scheduled", when=When("type", ("standard",))),
    ),
    requires={
        "submitted": _SUBMITTED,
        "approved": (*_SUBMITTED, need("approval")),
        "scheduled": (*_SUBMITTED, need("schedule")),
        "implementing": (*_IMPLEMENTING, need("approval", when=When("type", ("normal",)))),
        "implemented": _IMPLEMENTED,
        "closed": (
            *_IMPLEMENTING,
            need("outcome"),
            need("closed_at"),
            need("approval", when=_NOT_STANDARD),
            need("review.completed_at", when=When("type", ("emergency",))),
            need("review.completed_at", when=When("outcome", ("failed", "rolled_back", "partial"))),
        ),
        "failed": (*_IMPLEMENTING, need("outcome")),
        "rolled_back": (*_IMPLEMENTING, need("outcome"), need("rollback")),
    },
    final=frozenset({"closed", "rejected", "cancelled"}),
)


class Risk(Strict):
    level: Literal["low", "medium", "high", "critical"]
    impact: Literal["low", "medium", "high"] | None = None
    likelihood: Literal["low", "medium", "high"] | None = None
    rationale: Text | None = None


class Schedule(Strict):
    planned_start: Timestamp
    planned_end: Timestamp


class TestEvidence(Strict):
    kind: Literal["ci", "staging", "manual"]
    ref: Line
    commit_sha: Sha
    result: Literal["pass", "fail"]
    at: Timestamp


class Rollback(Strict):
    plan: Text
    tested: bool = False


class Approver(Strict):
    login: Handle
    at: Timestamp


class Approval(Strict):
    """Written by `maintain approve` from GitHub facts; never edited by hand."""

    pull_request: PositiveInt
    head_sha: Sha
    approvers: list[Approver] = Field(min_length=1)
    policy: Line | None = None
    evaluated_at: Timestamp


class Deployment(Strict):
    """Written by the tool from GitHub deployments; never edited by hand."""

    commit_sha: Sha
    environment: Slug
    started_at: Timestamp
    finished_at: Timestamp | None = None
    result: Literal["success", "failure", "in_progress"]


class Review(Strict):
    """The post-implementation review."""

    completed_at: Timestamp | None = None
    reviewer: Handle | None = None
    summary: Text | None = None


class FreezeOverride(Strict):
    justification: Text
    approver: Handle


class Change(Record):
    """A planned (or emergency) modification of a running service."""

    id: ChangeId
    kind: Literal["change"]
    status: Status
    type: Literal["standard", "normal", "emergency"]
    risk: Risk | None = None
    services: UniqueList[ServiceId] = []
    environments: UniqueList[Slug] = []
    schedule: Schedule | None = None
    implementation_plan: list[Text] = []
    test_evidence: list[TestEvidence] = []
    rollback: Rollback | None = None
    freeze_override: FreezeOverride | None = None
    approval: Approval | None = None
    deployment: Deployment | None = None
    outcome: Literal["successful", "failed", "rolled_back", "partial"] | None = None
    caused_incidents: UniqueList[IncidentId] = []
    review: Review | None = None
    submitted_at: Timestamp | None = None
    implemented_at: Timestamp | None = None
    closed_at: Timestamp | None = None

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("services", self.services, "service")
        yield from listed("caused_incidents", self.caused_incidents, "incident", "caused-incident")


MODEL = Change
