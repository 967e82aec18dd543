"""`maintain sla`: every open obligation with its due time and state."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from maintain_repo.engine.load import load_records, worktree_policies
from maintain_repo.errors import ConfigError
from maintain_repo.model.service import Service
from maintain_repo.policy.sla import Clock, Obligation, obligations


def open_obligations(root: Path, now: datetime) -> list[Obligation]:
    policies = worktree_policies(root)
    if policies.sla is None:
        raise ConfigError(
            "no valid SLAPolicy in policies/",
            hint="add policies/sla.yaml with kind: SLAPolicy (see the README); if there is "
            "one, `maintain policy validate` says what is wrong with it",
        )
    records = load_records(root, ("service", "incident", "improvement", "finding", "waiver"))
    tiers = {r.id: r.tier for _, r in records if isinstance(r, Service)}
    return obligations(records, Clock(now, policies.calendar, policies.sla), tiers)
