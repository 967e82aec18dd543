"""The record kinds: folder, id prefix, model and lifecycle of each.

A literal registry: a new kind is one model module plus one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from maintain_repo.model import change, finding, improvement, incident, problem, service, waiver
from maintain_repo.model.common import Record
from maintain_repo.model.lifecycle import Lifecycle
from maintain_repo.model.settings import Settings


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    folder: str
    prefix: str | None  # None: the id is a slug (services)
    model: type[Record]
    lifecycle: Lifecycle
    order: tuple[tuple[str, ...], ...]
    summary: str

    @property
    def schema_file(self) -> str:
        return f"{self.name}.schema.json"


KINDS: dict[str, Kind] = {
    "service": Kind(
        "service",
        "services",
        None,
        service.Service,
        service.LIFECYCLE,
        service.ORDER,
        "A service of the catalog",
    ),
    "incident": Kind(
        "incident",
        "incidents",
        "INC",
        incident.Incident,
        incident.LIFECYCLE,
        incident.ORDER,
        "Something broke for users",
    ),
    "problem": Kind(
        "problem",
        "problems",
        "PRB",
        problem.Problem,
        problem.LIFECYCLE,
        problem.ORDER,
        "The root cause behind incidents",
    ),
    "change": Kind(
        "change",
        "changes",
        "CHG",
        change.Change,
        change.LIFECYCLE,
        change.ORDER,
        "An update to production",
    ),
    "improvement": Kind(
        "improvement",
        "improvements",
        "IMP",
        improvement.Improvement,
        improvement.LIFECYCLE,
        improvement.ORDER,
        "An action item, enhancement or feature",
    ),
    "finding": Kind(
        "finding",
        "findings",
        "SF",
        finding.SecurityFinding,
        finding.LIFECYCLE,
        finding.ORDER,
        "A security finding",
    ),
    "waiver": Kind(
        "waiver",
        "waivers",
        "WV",
        waiver.Waiver,
        waiver.LIFECYCLE,
        waiver.ORDER,
        "An approved exception",
    ),
}

KIND_BY_FOLDER: dict[str, Kind] = {k.folder: k for k in KINDS.values()}
KIND_BY_PREFIX: dict[str, Kind] = {k.prefix: k for k in KINDS.values() if k.prefix}

# Documents outside records/ that have a schema (policies/*.yaml).
DOCUMENTS: dict[str, type[BaseModel]] = {"Settings": Settings}


def schema_models() -> dict[str, type[BaseModel]]:
    """Schema file stem -> model, for every schema we publish."""
    models: dict[str, type[BaseModel]] = {k.name: k.model for k in KINDS.values()}
    models["settings"] = Settings
    return models
