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
    """How risky the change is, and why."""

    level: Literal["low", "medium", "high", "critical"] = Field(
        description=(
            "Overall risk: `low`, `medium`, `high` or `critical`. "
            "An approval policy's `change` predicate can match on it."
        )
    )
    impact: Literal["low", "medium", "high"] | None = Field(
        None,
        description="How much would break if the change went wrong: `low`, `medium` or `high`.",
    )
    likelihood: Literal["low", "medium", "high"] | None = Field(
        None, description="How likely the change is to go wrong: `low`, `medium` or `high`."
    )
    rationale: Text | None = Field(
        None, description="Why this level: what could break, and what limits the damage."
    )


class Schedule(Strict):
    """When the change is planned to be carried out."""

    planned_start: Timestamp = Field(
        description=(
            "Planned start, ISO 8601 timestamp with a UTC offset; may be in the future. "
            "Checked against freeze windows until the change is implemented."
        )
    )
    planned_end: Timestamp = Field(
        description=(
            "Planned end, ISO 8601 timestamp with a UTC offset; not before `planned_start`."
        )
    )


class TestEvidence(Strict):
    """One test run of the change, on one commit."""

    kind: Literal["ci", "staging", "manual"] = Field(
        description="How it was tested: `ci`, `staging` or `manual`."
    )
    ref: Line = Field(
        description="Where to see the result, in one line: a CI build URL, or what was run where."
    )
    commit_sha: Sha = Field(
        description=(
            "Git commit that was tested (7 to 64 lowercase hex digits). "
            "A deployed commit needs a passing entry for that same commit."
        )
    )
    result: Literal["pass", "fail"] = Field(
        description="`pass` or `fail`. Only a `pass` counts as evidence for the deployed commit."
    )
    at: Timestamp = Field(description="When the test ran, ISO 8601 timestamp with a UTC offset.")


class Rollback(Strict):
    """How to undo the change."""

    plan: Text = Field(description="How to undo the change if it goes wrong, step by step.")
    tested: bool = Field(
        False, description="`true` when the rollback has been tried out, e.g. in staging."
    )


class Approver(Strict):
    """One person who approved the pull request's head commit."""

    login: Handle = Field(description="GitHub login of the approver.")
    at: Timestamp = Field(
        description=(
            "When they last approved the head commit (their review, else their comment vote), "
            "ISO 8601 timestamp with a UTC offset."
        )
    )


class Approval(Strict):
    """Written when the change's pull request merges (`maintain github sync`), from the
    approval policy's verdict on GitHub's facts; never edited by hand."""

    pull_request: PositiveInt = Field(
        description="Number of the merged pull request whose approval this is."
    )
    head_sha: Sha = Field(
        description=(
            "Head commit of the pull request that was approved; it must carry a successful "
            "`maintain/approval` commit status."
        )
    )
    approvers: list[Approver] = Field(
        min_length=1, description="Who approved the head commit, and when; at least one."
    )
    policy: Line | None = Field(
        None,
        description=(
            "The approval policy whose verdict this is: maintain writes the policy's `name`."
        ),
    )
    evaluated_at: Timestamp = Field(
        description=(
            "When the approval policy judged the pull request, "
            "ISO 8601 timestamp with a UTC offset."
        )
    )


class Deployment(Strict):
    """Written by the tool from GitHub deployments; never edited by hand."""

    commit_sha: Sha = Field(
        description=(
            "Git commit that was deployed; `test_evidence` needs a passing entry for it "
            "(rule `change-tested-commit`)."
        )
    )
    environment: Slug = Field(
        description="Environment deployed to, a lowercase word like `production` or `staging`."
    )
    started_at: Timestamp = Field(
        description="When the deployment began, ISO 8601 timestamp with a UTC offset."
    )
    finished_at: Timestamp | None = Field(
        None,
        description=(
            "When the deployment finished, ISO 8601 timestamp with a UTC offset; "
            "absent while it is in progress."
        ),
    )
    result: Literal["success", "failure", "in_progress"] = Field(
        description=(
            "`success`, `failure` (GitHub's failure or error) or `in_progress` "
            "(queued, pending or in progress)."
        )
    )


class Review(Strict):
    """The post-implementation review."""

    completed_at: Timestamp | None = Field(
        None,
        description=(
            "When the review was completed, ISO 8601 timestamp with a UTC offset. Required to "
            "close an emergency change, or one whose outcome is failed, rolled_back or partial."
        ),
    )
    reviewer: Handle | None = Field(
        None, description="Who reviewed it: a GitHub login or `org/team`."
    )
    summary: Text | None = Field(
        None, description="What the review found: how it went, and what to keep or change."
    )


class FreezeOverride(Strict):
    """Permission for an emergency change to go ahead during a change freeze."""

    justification: Text = Field(
        description="Why this emergency change cannot wait until the freeze window ends."
    )
    approver: Handle = Field(
        description=(
            "GitHub login of who approved going ahead; must be one of the freeze window's "
            "`approvers` when it lists any."
        )
    )


class Change(Record):
    """A planned (or emergency) modification of a running service."""

    id: ChangeId = Field(
        description=(
            "Change id `CHG-YYYYMMDD-XXXX`: the UTC date and four random Crockford base32 "
            "characters. Equals the file name."
        )
    )
    kind: Literal["change"] = Field(description="Always `change`.")
    status: Status = Field(
        description=(
            "Lifecycle state: draft, submitted, approved, scheduled, implementing, implemented, "
            "closed; or rejected, cancelled, failed, rolled_back. Each state requires its fields."
        )
    )
    type: Literal["standard", "normal", "emergency"] = Field(
        description=(
            "`standard` (pre-approved), `normal` (approved before implementing) or `emergency` "
            "(may be implemented first and approved afterwards)."
        )
    )
    risk: Risk | None = Field(
        None,
        description="Risk assessment. Required once submitted, unless rejected or cancelled.",
    )
    services: UniqueList[ServiceId] = Field(
        [],
        description=(
            "Ids of the services the change modifies; freeze windows apply by them. "
            "Required once submitted, unless rejected or cancelled."
        ),
    )
    environments: UniqueList[Slug] = Field(
        [],
        description=(
            "Environments it deploys to, like `production`. A deployment to another one is not "
            "recorded on this change; with none listed, only production counts."
        ),
    )
    schedule: Schedule | None = Field(
        None, description="Planned time window. Required when `scheduled`."
    )
    implementation_plan: list[Text] = Field(
        [],
        description=(
            "Steps to carry out the change, one item per step. "
            "Required once submitted, unless rejected or cancelled."
        ),
    )
    test_evidence: list[TestEvidence] = Field(
        [],
        description=(
            "Test runs of the change. Required from `implementing` on; the deployed commit "
            "needs a passing entry for that exact commit."
        ),
    )
    rollback: Rollback | None = Field(
        None,
        description=(
            "How to undo the change. Required once a normal or emergency change is submitted "
            "(unless rejected or cancelled), and when `rolled_back`."
        ),
    )
    freeze_override: FreezeOverride | None = Field(
        None,
        description=(
            "Lets an `emergency` change go ahead in a deny freeze window, or outside the allow "
            "windows: why, and who approved it."
        ),
    )
    approval: Approval | None = Field(
        None,
        description=(
            "Approval evidence, written by maintain; never typed by hand. Required when "
            "`approved`, when `implementing` (normal changes) and `closed` (unless standard)."
        ),
    )
    deployment: Deployment | None = Field(
        None,
        description=(
            "The deployment that carried it out, written by maintain from GitHub or "
            "`maintain change deployed`. Required when `implemented`."
        ),
    )
    outcome: Literal["successful", "failed", "rolled_back", "partial"] | None = Field(
        None,
        description=(
            "How it went: `successful`, `failed`, `rolled_back` or `partial`. "
            "Required when `closed`, `failed` or `rolled_back`."
        ),
    )
    caused_incidents: UniqueList[IncidentId] = Field(
        [],
        description=(
            "Ids of incidents this change caused; each names it in `cause.triggering_change`. "
            "May still grow after the change is closed."
        ),
    )
    review: Review | None = Field(
        None,
        description=(
            "Post-implementation review; `completed_at` is required to close an emergency change "
            "or one whose outcome is failed, rolled_back or partial."
        ),
    )
    submitted_at: Timestamp | None = Field(
        None,
        description=(
            "When it was submitted, ISO 8601 timestamp with a UTC offset. "
            "Required once submitted, unless rejected or cancelled."
        ),
    )
    implemented_at: Timestamp | None = Field(
        None,
        description=(
            "When it was deployed (maintain writes the deployment's finish), ISO 8601 timestamp "
            "with a UTC offset. Required when `implemented`."
        ),
    )
    closed_at: Timestamp | None = Field(
        None,
        description=(
            "When it was closed, ISO 8601 timestamp with a UTC offset. Required when `closed`."
        ),
    )

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("services", self.services, "service")
        yield from listed("caused_incidents", self.caused_incidents, "incident", "caused-incident")


MODEL = Change
