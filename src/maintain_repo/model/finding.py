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

    name: Line = Field(
        description=(
            "Scanner name, e.g. `trivy`, `CodeQL` or `pip-audit`; `manual` when a person "
            "reported it."
        )
    )
    version: Line | None = Field(None, description="Scanner version, e.g. `0.58.1`.")
    rule_id: Line | None = Field(
        None,
        description="Scanner's rule or advisory id, e.g. `py/sql-injection` or `KSV017`.",
    )


class Package(Strict):
    """The vulnerable package of a dependency finding."""

    ecosystem: Line = Field(
        description=(
            "Package ecosystem as OSV names it: `PyPI`, `npm`, `Maven`, `Go`, `crates.io`, ..."
        )
    )
    name: Line = Field(description="Package name, as the ecosystem spells it.")
    version: Line | None = Field(
        None, description="Installed version the scan found (not part of the fingerprint)."
    )


class Location(Strict):
    """Where the problem is: a place in a file, or a package and its manifest."""

    path: Line | None = Field(None, description="File the problem is in, as the scanner names it.")
    start_line: PositiveInt | None = Field(
        None, description="First line of the problem in `path`, counting from 1."
    )
    end_line: PositiveInt | None = Field(
        None, description="Last line of the problem in `path`, when it spans several."
    )
    package: Package | None = Field(None, description="Vulnerable package, for a dependency.")
    manifest: Line | None = Field(
        None,
        description="Lock file or manifest the dependency comes from, e.g. `requirements.lock`.",
    )


class Cvss(Strict):
    """A CVSS vector of the vulnerability, and its base score."""

    version: Literal["3.0", "3.1", "4.0"] = Field(
        description="CVSS version: `3.0`, `3.1` or `4.0`."
    )
    vector: Line = Field(
        description="Vector string with its prefix, e.g. `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/...`."
    )
    score: float = Field(
        ge=0, le=10, description="Base score from 0 to 10, computed from the vector."
    )


class Sla(Strict):
    """The remediation deadline."""

    start: Timestamp = Field(
        description=(
            "When the remediation clock started, ISO 8601 timestamp with a UTC offset; "
            "normally `first_seen`."
        )
    )
    due: Timestamp = Field(
        description=(
            "Remediation deadline, ISO 8601 timestamp with a UTC offset. A date later than the "
            "SLA policy allows for the severity is an `sla-due` finding."
        )
    )


class SecurityFinding(Record):
    """One finding of a scanner or a person, with its remediation deadline."""

    id: FindingId = Field(
        description=(
            "Finding id `SF-YYYYMMDD-XXXX`: the UTC date and four random Crockford "
            "base32 characters. Equals the file name."
        )
    )
    kind: Literal["finding"] = Field(description="Always `finding`.")
    status: Status = Field(
        description=(
            "`open`, or decided: `mitigated`, `false_positive`, `risk_accepted`, "
            "`out_of_scope` or `duplicate` (each can be reopened). Each state requires its fields."
        )
    )
    category: Literal["dependency", "code", "workflow", "config", "secret"] = Field(
        description=(
            "`dependency` (a vulnerable package), `code`, `workflow` (CI workflows), "
            "`config` (a misconfiguration) or `secret` (an exposed credential)."
        )
    )
    tool: Tool = Field(
        description="Scanner that reported it, with its rule; `name: manual` when a person did."
    )
    fingerprint: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description=(
            "SHA-256 (64 lowercase hex digits) of the problem's stable parts, never the "
            "line number or installed version. Written by maintain; imports find the record by it."
        ),
    )
    severity: Literal["critical", "high", "medium", "low", "info"] = Field(
        description=(
            "`critical`, `high`, `medium`, `low` or `info`. The SLA policy's `finding` "
            "target for it sets the remediation deadline."
        )
    )
    severity_source: (
        Literal["cvss_v4", "cvss_v3", "security_severity", "tool", "advisory", "manual"] | None
    ) = Field(
        None,
        description=(
            "Where the severity comes from: a CVSS v4 or v3 vector, GitHub's "
            "`security_severity`, the `tool`, the `advisory`, or `manual` (imports then keep it)."
        ),
    )
    vulnerability_ids: UniqueList[VulnId] = Field(
        [],
        description=(
            "Advisory ids and their aliases, e.g. `CVE-2024-37891`, "
            "`GHSA-34jh-p97f-mpxf`. Imports add new ones."
        ),
    )
    cwe: UniqueList[Cwe] = Field([], description="CWE ids of the weakness, e.g. `CWE-89`.")
    cvss: list[Cvss] = Field([], description="CVSS vectors given for it, each with its base score.")
    location: Location | None = Field(
        None, description="Where it is: a file and lines, or a package and its manifest."
    )
    fix_versions: UniqueList[Line] = Field(
        [], description="Package versions that fix it, e.g. `2.2.2`."
    )
    service: ServiceId | None = Field(None, description="Id of the affected service.")
    scope: Line | None = Field(
        None,
        description=(
            "Scan that imported it: one tool (and service) scanning one target, e.g. "
            "`pip-audit@checkout-api`. A full scan of it that no longer reports the finding "
            "mitigates it."
        ),
    )
    reported_by: UniqueList[Line] = Field(
        [],
        description=(
            "Every tool that reported this problem, `tool` among them: the same "
            "advisory from pip-audit, Trivy and Dependabot is one finding."
        ),
    )
    first_seen: Timestamp = Field(
        description=(
            "When it was first reported, ISO 8601 timestamp with a UTC offset; the "
            "remediation clock starts here when there is no `sla`."
        )
    )
    last_seen: Timestamp | None = Field(
        None,
        description="When a scan last reported it, ISO 8601 timestamp with a UTC offset.",
    )
    mitigated_at: Timestamp | None = Field(
        None,
        description=(
            "When it was fixed or a full scan stopped reporting it, ISO 8601 timestamp "
            "with a UTC offset. Required when `mitigated`."
        ),
    )
    sla: Sla | None = Field(
        None,
        description=(
            "Remediation deadline; imports set it from the SLA policy's target for the "
            "severity. Without it the deadline counts from `first_seen`."
        ),
    )
    waiver: WaiverId | None = Field(
        None,
        description=(
            "Id of the waiver accepting the risk; it lists this finding in "
            "`covers.findings`. Required when `risk_accepted`."
        ),
    )
    duplicate_of: FindingId | None = Field(
        None, description="Id of the finding this one duplicates. Required when `duplicate`."
    )
    justification: Text | None = Field(
        None,
        description="Why it is a false positive or out of scope. Required for those statuses.",
    )
    decided_by: Handle | None = Field(
        None,
        description=(
            "Who decided it is a false positive or out of scope: a GitHub login or "
            "`org/team`. Required for those statuses."
        ),
    )

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
