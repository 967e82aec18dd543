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

    name: str = Field(
        pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$",
        max_length=140,
        description="GitHub repository of the service's code, as `owner/name`.",
    )
    default_branch: str | None = Field(
        default=None,
        max_length=255,
        description="The repository's default branch, e.g. `main`.",
    )


# An SLO window: minutes, hours, days or weeks (business days mean nothing to a probe).
SloWindow = Annotated[
    str, Field(pattern=r"^[1-9][0-9]{0,5}(m|h|d|w)$"), AfterValidator(check_duration)
]


class Slo(Strict):
    """A service level objective, measured by the service's probes (`maintain report`)."""

    name: Slug = Field(
        description="SLO name, a lowercase word like `availability`; unique within the service."
    )
    objective: float = Field(
        gt=0,
        lt=100,
        description=(
            "Percent of measured time the probes must pass, e.g. `99.9`: more than 0, less "
            "than 100. Maintenance and unknown time count neither way."
        ),
    )
    window: SloWindow = Field(
        "28d",
        description=(
            "Rolling window the objective holds over: a number and `m`, `h`, `d` or `w`, "
            "e.g. `28d` (at most ten years)."
        ),
    )
    # Measured as their passing time over their measured time, summed over the probes.
    probes: UniqueList[ProbeName] = Field(
        min_length=1,
        description="Names of this service's probes that measure the SLO (at least one).",
    )
    incident_on_fast_burn: bool = Field(
        False,
        description=(
            "Open an incident, as a failing probe does, when the error budget burns at least "
            "14.4 times too fast over both the last hour and the last five minutes."
        ),
    )


class Service(Record):
    """A running thing the team keeps alive; its tier drives SLA targets."""

    id: ServiceId = Field(
        description=(
            "Service id: a lowercase slug like `checkout-api` (2 to 63 characters), the same "
            "as the file name."
        )
    )
    kind: Literal["service"] = Field(description="Always `service` for a service record.")
    status: Status = Field(
        description=(
            "`active`, `deprecated` (may become `active` again) or `retired` (final; needs "
            "`retired_at`). Probes of a retired service do not run."
        )
    )
    tier: TierNumber = Field(
        description=(
            "Service tier, 1 to 4 (Settings `tiers` names them). An incident gets the SLA "
            "policy's targets for the lowest tier among its services."
        )
    )
    runbook: Url | None = Field(None, description="http(s) URL of the service's runbook.")
    on_call: Handle | None = Field(
        None,
        description=(
            "GitHub login or `org/team` that owns incidents a probe or an SLO burn opens; "
            "default: the service's `owner`."
        ),
    )
    repository: Repository | None = Field(
        None, description="GitHub repository where the service's code lives."
    )
    depends_on: UniqueList[ServiceId] = Field(
        [], description="Ids of other services this one depends on; each must exist."
    )
    retired_at: Timestamp | None = Field(
        None,
        description=(
            "When the service was or will be retired: an RFC 3339 timestamp with an offset. "
            "Required from `retired` on; may lie in the future until then."
        ),
    )
    probes: list[Probe] = Field(
        default=[],
        max_length=500,
        description=(
            "Scheduled checks of the running service (`maintain probe run`): `http`, `tcp`, "
            "`tls` or `dns`, each with a unique `name`. At most 500."
        ),
    )
    maintenance: list[MaintenanceWindow] = Field(
        default=[],
        max_length=200,
        description=(
            "Planned maintenance windows: the probes they cover keep measuring, but open no "
            "incident inside them. At most 200."
        ),
    )
    slos: list[Slo] = Field(
        default=[],
        max_length=50,
        description=(
            "Service level objectives measured by this service's probes, each with a unique "
            "`name`. At most 50."
        ),
    )

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
