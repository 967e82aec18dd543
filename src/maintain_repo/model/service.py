"""Service: an entry of the service catalog (owner team, tier, runbook)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, get_args

from pydantic import Field

from maintain_repo.model.common import (
    Handle,
    Record,
    ServiceId,
    Strict,
    TierNumber,
    Timestamp,
    UniqueList,
    Url,
    listed,
)
from maintain_repo.model.facts import Reference
from maintain_repo.model.lifecycle import Lifecycle, edges, fan, need

# Chains of timestamps that must not go backwards, where present.
ORDER = (("created_at", "retired_at"),)

Status = Literal["active", "deprecated", "retired"]

LIFECYCLE = Lifecycle(
    states=get_args(Status),
    initial="active",
    transitions=(*edges("active", "deprecated", "retired"), *fan("deprecated", "active")),
    requires={"retired": (need("retired_at"),)},
    final=frozenset({"retired"}),
)


class Repository(Strict):
    """Where the service's code lives."""

    name: str = Field(pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", max_length=140)
    default_branch: str | None = Field(default=None, max_length=255)


class Service(Record):
    """A running thing the team keeps alive; its tier drives SLA targets."""

    id: ServiceId
    kind: Literal["service"]
    status: Status
    tier: TierNumber
    runbook: Url | None = None
    on_call: Handle | None = None
    repository: Repository | None = None
    depends_on: UniqueList[ServiceId] = []
    retired_at: Timestamp | None = None

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("depends_on", self.depends_on, "service")


MODEL = Service
