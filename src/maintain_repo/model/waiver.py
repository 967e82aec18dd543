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

    policy: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")
    records: UniqueList[AnyRecordId] = Field(min_length=1)


class Covers(Strict):
    findings: UniqueList[FindingId] = []
    policies: list[PolicyCover] = []

    @model_validator(mode="after")
    def _not_empty(self) -> Covers:
        if not self.findings and not self.policies:
            raise ValueError("a waiver must cover at least one finding or policy violation")
        return self


class Waiver(Record):
    """Accepted risk, with who approved it and when it stops covering."""

    id: WaiverId
    kind: Literal["waiver"]
    status: Status
    covers: Covers
    justification: Text
    compensating_controls: Text | None = None
    approver: Handle
    approved_in: PositiveInt | None = None
    expires: Timestamp
    revoked_at: Timestamp | None = None

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
