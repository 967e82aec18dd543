"""The record kinds: folder, id prefix, and (loaded on first use) model and lifecycle.

A literal registry: a new kind is one model module (defining `MODEL`,
`LIFECYCLE` and `ORDER`) plus one entry here. Models are imported only when a
kind is used, so a check of one incident never builds the other models.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

    from maintain_repo.model.common import Record
    from maintain_repo.model.lifecycle import Lifecycle


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    folder: str
    prefix: str | None  # None: the id is a slug (services)
    module: str  # maintain_repo.model.<module> defines MODEL, LIFECYCLE, ORDER
    summary: str

    @property
    def schema_file(self) -> str:
        return f"{self.name}.schema.json"

    @property
    def model(self) -> type[Record]:
        return _module(self.module).MODEL  # type: ignore[no-any-return]  # checked by tests

    @property
    def lifecycle(self) -> Lifecycle:
        return _module(self.module).LIFECYCLE  # type: ignore[no-any-return]  # checked by tests

    @property
    def order(self) -> tuple[tuple[str, ...], ...]:
        """Chains of timestamps that must not go backwards, where present."""
        return _module(self.module).ORDER  # type: ignore[no-any-return]  # checked by tests


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"maintain_repo.model.{name}")


KINDS: dict[str, Kind] = {
    "service": Kind("service", "services", None, "service", "A service of the catalog"),
    "incident": Kind("incident", "incidents", "INC", "incident", "Something broke for users"),
    "problem": Kind("problem", "problems", "PRB", "problem", "The root cause behind incidents"),
    "change": Kind("change", "changes", "CHG", "change", "An update to production"),
    "improvement": Kind(
        "improvement", "improvements", "IMP", "improvement", "An action item or enhancement"
    ),
    "finding": Kind("finding", "findings", "SF", "finding", "A security finding"),
    "waiver": Kind("waiver", "waivers", "WV", "waiver", "An approved exception"),
}

FOLDERS: dict[str, str] = {kind.folder: kind.name for kind in KINDS.values()}

# Documents in policies/ that have a schema: kind -> (module, class, schema file stem).
DOCUMENTS: dict[str, tuple[str, str, str]] = {
    "Settings": ("settings", "Settings", "settings"),
    "RecordPolicy": ("policies", "RecordPolicy", "record-policy"),
    "SLAPolicy": ("policies", "SLAPolicy", "sla-policy"),
    "FreezeWindow": ("policies", "FreezeWindow", "freeze-window"),
    "ApprovalPolicy": ("approval", "ApprovalPolicy", "approval-policy"),
    "PolicyTest": ("policy_test", "PolicyTest", "policy-test"),
}


def document_model(kind: str) -> type[BaseModel] | None:
    entry = DOCUMENTS.get(kind)
    return getattr(_module(entry[0]), entry[1]) if entry else None


def schema_models() -> dict[str, type[BaseModel]]:
    """Schema file stem -> model, for every schema we publish."""
    models: dict[str, type[BaseModel]] = {k.name: k.model for k in KINDS.values()}
    for module, name, stem in DOCUMENTS.values():
        models[stem] = getattr(_module(module), name)
    return models
