"""Service: an entry of the service catalog (owner team, tier, runbook)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, model_validator

from maintain_repo.model.common import (
    Handle,
    Record,
    ServiceId,
    Slug,
    Strict,
    TierNumber,
    Timestamp,
    UniqueList,
    Url,
    listed,
)
from maintain_repo.model.durations import check_duration
from maintain_repo.model.facts import Reference
from maintain_repo.model.lifecycle import Lifecycle, edges, fan, need
from maintain_repo.model.probes import MaintenanceWindow, Probe, ProbeName, unique_probe_names

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


# An SLO window: minutes, hours, days or weeks (business days mean nothing to a probe).
SloWindow = Annotated[
    str, Field(pattern=r"^[1-9][0-9]{0,5}(m|h|d|w)$"), AfterValidator(check_duration)
]


class Slo(Strict):
    """A service level objective, measured by the service's probes (`maintain report`)."""

    name: Slug
    # The percent of measured time the probes must pass, e.g. 99.9.
    objective: float = Field(gt=0, lt=100)
    # The rolling window the objective holds over, e.g. 28d.
    window: SloWindow = "28d"
    # The service's probes that measure it (their passing time over their measured time).
    probes: UniqueList[ProbeName] = Field(min_length=1)
    # Open an incident (as a failing probe does) when the error budget burns at least
    # 14.4 times as fast as the objective allows, over the last hour and five minutes.
    incident_on_fast_burn: bool = False


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
    # Scheduled checks of the running service (see `maintain probe run`).
    probes: list[Probe] = Field(default=[], max_length=500)
    maintenance: list[MaintenanceWindow] = Field(default=[], max_length=200)
    slos: list[Slo] = Field(default=[], max_length=50)

    @model_validator(mode="after")
    def _probes_named_once(self) -> Service:
        unique_probe_names(self.probes)
        names = {probe.name for probe in self.probes}
        for window in self.maintenance:
            unknown = [name for name in window.probes if name not in names]
            if unknown:
                raise ValueError(f"maintenance names probe {unknown[0]}, which the service lacks")
        slo_names: set[str] = set()
        for slo in self.slos:
            if slo.name in slo_names:
                raise ValueError(f"two SLOs are named {slo.name}; SLO names must be unique")
            slo_names.add(slo.name)
            unknown = [name for name in slo.probes if name not in names]
            if unknown:
                raise ValueError(
                    f"SLO {slo.name} names probe {unknown[0]}, which the service lacks"
                )
        return self

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("depends_on", self.depends_on, "service")


MODEL = Service
