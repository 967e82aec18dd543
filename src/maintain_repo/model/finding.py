"""Security finding: a vulnerability or weakness, deduplicated by fingerprint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args

from pydantic import Field

from maintain_repo.model.common import (
    FindingId,
    Handle,
    Line,
    PositiveInt,
    Record,
    ServiceId,
    Strict,
    Text,
    Timestamp,
    UniqueList,
    WaiverId,
)
from maintain_repo.model.facts import Reference
from maintain_repo.model.lifecycle import Lifecycle, fan, need

VulnId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*-[A-Za-z0-9._:-]+$", max_length=100)]
Cwe = Annotated[str, Field(pattern=r"^CWE-[0-9]+$")]

Status = Literal[
    "open", "mitigated", "false_positive", "risk_accepted", "out_of_scope", "duplicate"
]
_CLOSED_STATES = get_args(Status)[1:]

# Chains of timestamps that must not go backwards, where present.
ORDER = (
    ("first_seen", "last_seen"),
    ("first_seen", "mitigated_at"),
    ("sla.start", "sla.due"),
)

LIFECYCLE = Lifecycle(
    states=get_args(Status),
    initial="open",
    transitions=(
        *fan("open", *_CLOSED_STATES),
        # A rescan that sees it again, or an expired waiver, reopens it.
        *(fan(state, "open")[0] for state in _CLOSED_STATES),
    ),
    requires={
        "mitigated": (need("mitigated_at"),),
        "risk_accepted": (need("waiver"),),
        "false_positive": (need("justification"), need("decided_by")),
        "out_of_scope": (need("justification"), need("decided_by")),
        "duplicate": (need("duplicate_of"),),
    },
)


class Tool(Strict):
    """Which scanner reported it (or `manual`)."""

    name: Line
    version: Line | None = None
    rule_id: Line | None = None


class Package(Strict):
    ecosystem: Line
    name: Line
    version: Line | None = None


class Location(Strict):
    path: Line | None = None
    start_line: PositiveInt | None = None
    end_line: PositiveInt | None = None
    package: Package | None = None
    manifest: Line | None = None


class Cvss(Strict):
    version: Literal["3.0", "3.1", "4.0"]
    vector: Line
    score: float = Field(ge=0, le=10)


class Sla(Strict):
    start: Timestamp
    due: Timestamp


class SecurityFinding(Record):
    """One finding of a scanner or a person, with its remediation deadline."""

    id: FindingId
    kind: Literal["finding"]
    status: Status
    category: Literal["dependency", "code", "workflow", "config", "secret"]
    tool: Tool
    # sha256 of the stable parts (never the line number or installed version).
    fingerprint: str = Field(pattern=r"^[0-9a-f]{64}$")
    severity: Literal["critical", "high", "medium", "low", "info"]
    severity_source: (
        Literal["cvss_v4", "cvss_v3", "security_severity", "tool", "advisory", "manual"] | None
    ) = None
    vulnerability_ids: UniqueList[VulnId] = []
    cwe: UniqueList[Cwe] = []
    cvss: list[Cvss] = []
    location: Location | None = None
    fix_versions: UniqueList[Line] = []
    service: ServiceId | None = None
    # What imported it (`maintain findings import`): one tool (and service) scanning one
    # target. A full scan of the scope that no longer reports it marks it mitigated.
    scope: Line | None = None
    # Every tool that reported this problem (the same advisory from pip-audit, Trivy and
    # Dependabot is one finding), `tool` among them.
    reported_by: UniqueList[Line] = []
    first_seen: Timestamp
    last_seen: Timestamp | None = None
    mitigated_at: Timestamp | None = None
    sla: Sla | None = None
    waiver: WaiverId | None = None
    duplicate_of: FindingId | None = None
    justification: Text | None = None
    decided_by: Handle | None = None

    def extra_facts(self) -> dict[str, Any] | None:
        return {"severity": self.severity, "waiver": self.waiver, "fingerprint": self.fingerprint}

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        if self.service:
            yield Reference(("service",), self.service, ("service",))
        if self.waiver:
            yield Reference(("waiver",), self.waiver, ("waiver",), "finding-waiver")
        if self.duplicate_of:
            yield Reference(("duplicate_of",), self.duplicate_of, ("finding",))


MODEL = SecurityFinding
