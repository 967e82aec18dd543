"""Waiver: a dated, approved exception for findings or policy violations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, get_args

from pydantic import Field, model_validator

from maintain_repo.model.common import (
    AnyRecordId,
    FindingId,
    Handle,
    PositiveInt,
    Record,
    Strict,
    Text,
    Timestamp,
    UniqueList,
    WaiverId,
)
from maintain_repo.model.facts import Reference
from maintain_repo.model.lifecycle import Lifecycle, fan, need

# Chains of timestamps that must not go backwards, where present.
ORDER = (("created_at", "expires"), ("created_at", "revoked_at"))

Status = Literal["active", "expired", "revoked"]

LIFECYCLE = Lifecycle(
    states=get_args(Status),
    initial="active",
    transitions=(*fan("active", "expired", "revoked"), *fan("expired", "active")),
    requires={"revoked": (need("revoked_at"),)},
    final=frozenset({"revoked"}),
)


class PolicyCover(Strict):
    """Violations of one policy, on the named records, that the waiver covers."""

    policy: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,99}$",
        description=(
            "Name of a record policy, or id of a built-in rule (e.g. `sla-due`), whose "
            "violations are waived."
        ),
    )
    records: UniqueList[AnyRecordId] = Field(
        min_length=1,
        description=(
            "Ids of the records (or service slugs) on which those violations are waived; at "
            "least one."
        ),
    )


class Covers(Strict):
    """What a waiver covers: security findings, policy violations, or both."""

    findings: UniqueList[FindingId] = Field(
        [],
        description=(
            "Ids of security findings (`SF-...`) whose risk is accepted; each is "
            "`risk_accepted` and names this waiver in its `waiver`."
        ),
    )
    policies: list[PolicyCover] = Field(
        [], description="Policy or rule violations waived, each on the records named."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Covers:
        if not self.findings and not self.policies:
            raise ValueError("a waiver must cover at least one finding or policy violation")
        return self


class Waiver(Record):
    """Accepted risk, with who approved it and when it stops covering."""

    id: WaiverId = Field(
        description=(
            "`WV-YYYYMMDD-XXXX`: the UTC date and four random Crockford base32 characters, "
            "the same as the file name. `maintain new` makes one."
        )
    )
    kind: Literal["waiver"] = Field(description="Always `waiver`.")
    status: Status = Field(
        description=(
            "`active` while it covers; `expired` once past `expires` (renewable to `active`); "
            "`revoked` (final) to withdraw it."
        )
    )
    covers: Covers = Field(
        description="What it covers: security findings, policy violations on records, or both."
    )
    justification: Text = Field(description="Why the risk or the violation is accepted.")
    compensating_controls: Text | None = Field(
        None, description="What limits the risk meanwhile: network limits, monitoring, alerts."
    )
    approver: Handle = Field(
        description="Who approved the exception: a GitHub login, or a team as `org/team`."
    )
    approved_in: PositiveInt | None = Field(
        None, description="Number of the pull request whose review approved the waiver."
    )
    expires: Timestamp = Field(
        description=(
            "When it stops covering (RFC 3339, may lie ahead); no later than the SLA policy's "
            "`waiver` limits allow."
        )
    )
    revoked_at: Timestamp | None = Field(
        None, description="When the waiver was revoked (RFC 3339). Required in `revoked`."
    )

    def extra_facts(self) -> dict[str, Any] | None:
        return {
            "created_at": self.created_at.isoformat(),
            "expires": self.expires.isoformat(),
            "findings": list(self.covers.findings),
            "policies": [[cover.policy, list(cover.records)] for cover in self.covers.policies],
        }

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        for index, finding in enumerate(self.covers.findings):
            yield Reference(("covers", "findings", index), finding, ("finding",), "finding-waiver")
        for p_index, cover in enumerate(self.covers.policies):
            for index, record in enumerate(cover.records):
                yield Reference(("covers", "policies", p_index, "records", index), record, ())


MODEL = Waiver
