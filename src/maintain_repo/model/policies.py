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

    kinds: UniqueList[KindName] = Field(min_length=1)
    condition: Expression | None = None


class Validation(Strict):
    """A CEL expression every matching record must make true."""

    expression: Expression
    message: Line | None = None
    messageExpression: Expression | None = None  # the Kubernetes spelling


class RecordPolicy(Strict):
    """A rule about records, written in CEL (the shape of Kubernetes admission policies)."""

    kind: Literal["RecordPolicy"]
    name: PolicyName
    description: Text | None = None
    severity: Literal["error", "warning"] = "error"
    match: Match
    validations: list[Validation] = Field(min_length=1)


class IncidentTargets(Strict):
    """How long an incident of each severity may take to be acknowledged and resolved."""

    acknowledge: dict[IncidentSeverity, DurationText] = {}
    resolve: dict[IncidentSeverity, DurationText] = {}


class TierTargets(IncidentTargets):
    """Targets for incidents on services of one tier (replacing the defaults)."""

    tier: TierNumber


class IncidentSla(IncidentTargets):
    tiers: list[TierTargets] = []
    postmortem: dict[IncidentSeverity, DurationText] = {}


class WaiverLimits(Strict):
    """The longest a waiver may run, by the severity of what it covers."""

    finding: dict[FindingSeverity, DurationText] = {}
    policy: DurationText | None = None  # for waivers of policy violations


class SLAPolicy(Strict):
    """Deadlines: incident response, postmortems, action items, findings, waivers."""

    kind: Literal["SLAPolicy"]
    name: PolicyName
    description: Text | None = None
    incident: IncidentSla = IncidentSla()
    improvement: dict[Priority, DurationText] = {}
    finding: dict[FindingSeverity, DurationText] = {}
    waiver: WaiverLimits = WaiverLimits()
    # An obligation is at risk once this share of its time has passed.
    at_risk_after: float = Field(default=0.75, gt=0, lt=1)


class Weekly(Strict):
    """A window that recurs every week, from one local day and time to another."""

    time_zone: TimeZoneName = "UTC"
    start_day: Weekday
    start_time: ClockTime = "00:00"
    end_day: Weekday
    end_time: ClockTime = "23:59"


class FreezeWindow(Strict):
    """A change freeze (`deny`) or a permitted window (`allow`); deny beats allow."""

    kind: Literal["FreezeWindow"]
    name: PolicyName
    description: Text | None = None
    action: Literal["deny", "allow"] = "deny"
    services: UniqueList[ServiceId] = []  # empty: every service
    change_types: UniqueList[ChangeType] = []  # empty: every type
    start: Timestamp | None = None
    end: Timestamp | None = None
    weekly: Weekly | None = None
    approvers: UniqueList[Handle] = []  # who may approve an emergency override

    @model_validator(mode="after")
    def _one_shape(self) -> FreezeWindow:
        one_off = self.start is not None or self.end is not None
        if one_off == (self.weekly is not None):
            raise ValueError("a window is either one-off (start and end) or weekly, not both")
        if one_off and (self.start is None or self.end is None or self.end <= self.start):
            raise ValueError("a one-off window needs a start before its end")
        return self
