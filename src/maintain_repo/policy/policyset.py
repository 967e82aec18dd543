"""The policies in effect for a check, and what they find in one record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from maintain_repo.model.change import Change
from maintain_repo.model.common import Record
from maintain_repo.model.durations import Calendar
from maintain_repo.model.findings import Finding
from maintain_repo.model.policies import FreezeWindow, RecordPolicy, SLAPolicy
from maintain_repo.model.settings import Settings
from maintain_repo.policy.freeze import freeze_findings
from maintain_repo.policy.sla import due_findings


@dataclass
class Policies:
    """The repository's policy documents, by kind (invalid ones left out)."""

    settings: Settings
    sla: SLAPolicy | None = None
    records: list[tuple[str, RecordPolicy]] = field(default_factory=list)
    freezes: list[tuple[str, FreezeWindow]] = field(default_factory=list)

    @property
    def calendar(self) -> Calendar:
        return Calendar(self.settings.time_zone, tuple(self.settings.business_days))

    def findings(self, path: str, record: Record, data: dict[str, Any]) -> list[Finding]:
        """What the policies find in one valid record."""
        found: list[Finding] = []
        if isinstance(record, Change):
            found.extend(freeze_findings(path, record, self.freezes))
        if self.sla is not None:
            found.extend(due_findings(path, record, self.sla, self.calendar))
        return found
