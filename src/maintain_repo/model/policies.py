"""Policy documents in `policies/*.yaml` that checking records needs: record
policies, SLAs, freeze windows (the approval policy is `model.approval`, policy
tests `model.policy_test`: a pre-commit run does not build their models).

Each is one YAML document with a `kind`; their JSON Schemas are generated and
committed like the record schemas. Expressions are CEL text here; the policy
layer compiles them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from maintain_repo.model.common import (
    Handle,
    Line,
    ServiceId,
    Strict,
    Text,
    TierNumber,
    Timestamp,
    UniqueList,
)
from maintain_repo.model.durations import DURATION, check_duration
from maintain_repo.model.settings import TimeZoneName, Weekday

DurationText = Annotated[str, Field(pattern=DURATION), AfterValidator(check_duration)]
PolicyName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
Expression = Annotated[str, Field(min_length=1, max_length=4000)]
KindName = Literal["service", "incident", "problem", "change", "improvement", "finding", "waiver"]
IncidentSeverity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
FindingSeverity = Literal["critical", "high", "medium", "low", "info"]
Priority = Literal["P1", "P2", "P3", "P4"]
ChangeType = Literal["standard", "normal", "emergency"]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class Match(Strict):
    """Which records a policy applies to: kinds, then an optional CEL condition."""

    kinds: UniqueList[KindName] = Field(
        min_length=1,
        description="Record kinds the policy applies to, e.g. `incident`, `change`.",
    )
    condition: Expression | None = Field(
        None,
        description=(
            "CEL boolean over `record`, `now`, `settings` and `lookup(id)`; only records for "
            "which it is true are checked. Absent: every record of the kinds."
        ),
    )


class Validation(Strict):
    """A CEL expression every matching record must make true."""

    expression: Expression = Field(
        description=(
            "CEL boolean that every matching record must make true, e.g. "
            "`has(record.roles.commander)`."
        )
    )
    message: Line | None = Field(
        None,
        description="Message of a violation; default: the failed expression.",
    )
    # The Kubernetes spelling.
    messageExpression: Expression | None = Field(
        None,
        description=(
            "CEL expression giving the violation's message as one line of text; used "
            "instead of `message` when it yields one."
        ),
    )


class RecordPolicy(Strict):
    """A rule about records, written in CEL (the shape of Kubernetes admission policies)."""

    kind: Literal["RecordPolicy"] = Field(description="Always `RecordPolicy`.")
    name: PolicyName = Field(
        description=(
            "Policy name, lowercase letters, digits and hyphens; its violations are findings "
            "of this name. Unique, and never a built-in rule's id."
        )
    )
    description: Text | None = Field(None, description="What the policy requires, and why.")
    severity: Literal["error", "warning"] = Field(
        "error", description="Severity of its violations: `error` or `warning`."
    )
    match: Match = Field(description="Which records the policy applies to.")
    validations: list[Validation] = Field(
        min_length=1,
        description="Checks every matching record must pass; each failed one is a violation.",
    )


class IncidentTargets(Strict):
    """How long an incident of each severity may take to be acknowledged and resolved."""

    acknowledge: dict[IncidentSeverity, DurationText] = Field(
        {},
        description=(
            "Time to acknowledge, from `reported_at`, by severity (`SEV1` to `SEV4`): "
            "`15m`, `4h`, `5d`, `2w` or `5bd` (business days)."
        ),
    )
    resolve: dict[IncidentSeverity, DurationText] = Field(
        {},
        description=(
            "Time to resolve, from `impact_started_at` (else `reported_at`), by severity: "
            "`15m`, `4h`, `5d`, `2w` or `5bd` (business days)."
        ),
    )


class TierTargets(IncidentTargets):
    """Targets for incidents on services of one tier (replacing the defaults)."""

    tier: TierNumber = Field(
        description=(
            "Service tier (1 to 4) these targets are for; an incident takes the lowest tier "
            "among its services."
        )
    )


class IncidentSla(IncidentTargets):
    """Incident targets: the defaults, per-tier replacements and postmortem deadlines."""

    tiers: list[TierTargets] = Field(
        [],
        description=(
            "Targets for incidents on services of a tier, replacing the defaults for the "
            "severities they name."
        ),
    )
    postmortem: dict[IncidentSeverity, DurationText] = Field(
        {},
        description=(
            "Time to review the postmortem, from `resolved_at`, by severity: "
            "`15m`, `4h`, `5d`, `2w` or `5bd` (business days)."
        ),
    )


class WaiverLimits(Strict):
    """The longest a waiver may run, by the severity of what it covers."""

    finding: dict[FindingSeverity, DurationText] = Field(
        {},
        description=(
            "Longest waiver of a security finding, by the most severe finding it covers "
            "(`critical` to `info`): `15m`, `4h`, `5d`, `2w` or `5bd` (business days)."
        ),
    )
    policy: DurationText | None = Field(
        None,
        description=(
            "Longest waiver of policy violations: `15m`, `4h`, `5d`, `2w` or `5bd` (business days)."
        ),
    )


class SLAPolicy(Strict):
    """Deadlines: incident response, postmortems, action items, findings, waivers."""

    kind: Literal["SLAPolicy"] = Field(description="Always `SLAPolicy`.")
    name: PolicyName = Field(
        description="Policy name, lowercase letters, digits and hyphens, like `acme-sla`."
    )
    description: Text | None = Field(None, description="What the policy is for.")
    incident: IncidentSla = Field(
        IncidentSla(),
        description="Incident deadlines: acknowledge, resolve (also per tier) and postmortem.",
    )
    improvement: dict[Priority, DurationText] = Field(
        {},
        description=(
            "Time to finish an improvement (action item), from `created_at`, by priority "
            "(`P1` to `P4`): `15m`, `4h`, `5d`, `2w` or `5bd` (business days)."
        ),
    )
    finding: dict[FindingSeverity, DurationText] = Field(
        {},
        description=(
            "Time to remediate a security finding, from `sla.start` (else `first_seen`), by "
            "severity (`critical` to `info`): `15m`, `4h`, `5d`, `2w` or `5bd` (business days)."
        ),
    )
    waiver: WaiverLimits = Field(
        WaiverLimits(), description="The longest a waiver may run, by what it covers."
    )
    at_risk_after: float = Field(
        default=0.75,
        gt=0,
        lt=1,
        description=(
            "Share of an obligation's time after which it is `at_risk`: more than 0, less "
            "than 1 (0.75: once 75% of the time is gone)."
        ),
    )


class Weekly(Strict):
    """A window that recurs every week, from one local day and time to another."""

    time_zone: TimeZoneName = Field(
        "UTC",
        description=(
            "IANA time zone of the days and times, e.g. `Europe/Amsterdam` (not Settings "
            "`time_zone`); its clock is followed through daylight saving changes."
        ),
    )
    start_day: Weekday = Field(description="Day the window opens: `mon` to `sun`.")
    start_time: ClockTime = Field(
        "00:00", description="Local time the window opens on `start_day`, `HH:MM` (24-hour)."
    )
    end_day: Weekday = Field(
        description=(
            "Day the window closes: `mon` to `sun`. A close at or before the opening runs into "
            "the following week (`fri` 16:00 to `mon` 08:00)."
        )
    )
    end_time: ClockTime = Field(
        "23:59", description="Local time the window closes on `end_day`, `HH:MM` (24-hour)."
    )


class FreezeWindow(Strict):
    """A change freeze (`deny`) or a permitted window (`allow`); deny beats allow."""

    kind: Literal["FreezeWindow"] = Field(description="Always `FreezeWindow`.")
    name: PolicyName = Field(
        description="Window name, lowercase letters, digits and hyphens, like `year-end-freeze`."
    )
    description: Text | None = Field(None, description="What the window is for.")
    action: Literal["deny", "allow"] = Field(
        "deny",
        description=(
            "`deny`: changes it applies to may not be scheduled to overlap it. `allow`: they "
            "must fit inside an allow window. Deny beats allow."
        ),
    )
    services: UniqueList[ServiceId] = Field(
        [], description="Service ids whose changes it applies to; empty: every service."
    )
    change_types: UniqueList[ChangeType] = Field(
        [],
        description="Change types it applies to (`standard`, `normal`, `emergency`); empty: all.",
    )
    start: Timestamp | None = Field(
        None,
        description=(
            "Start of a one-off window: an RFC 3339 timestamp with an offset. Needs `end`; "
            "not with `weekly`."
        ),
    )
    end: Timestamp | None = Field(
        None,
        description="End of a one-off window: an RFC 3339 timestamp after `start`.",
    )
    weekly: Weekly | None = Field(
        None,
        description="A window recurring every week; instead of `start` and `end`.",
    )
    approvers: UniqueList[Handle] = Field(
        [],
        description=(
            "GitHub logins who may approve an emergency change's `freeze_override` "
            "(compared ignoring case and a leading `@`); empty: anyone."
        ),
    )

    @model_validator(mode="after")
    def _one_shape(self) -> FreezeWindow:
        one_off = self.start is not None or self.end is not None
        if one_off == (self.weekly is not None):
            raise ValueError("a window is either one-off (start and end) or weekly, not both")
        if one_off and (self.start is None or self.end is None or self.end <= self.start):
            raise ValueError("a one-off window needs a start before its end")
        return self
