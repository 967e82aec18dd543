"""`maintain sla`: every open obligation (and those met late), with its due time and state.

Records come from the checkout and, given `proposals`, from the open record pull
requests' branches (engine.in_flight): an incident opened a minute ago is tracked
before its record is merged, and its obligations say so (`Obligation.proposed`).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from maintain_repo.engine.in_flight import Proposals
from maintain_repo.engine.load import load_records, worktree_policies
from maintain_repo.errors import ConfigError
from maintain_repo.model.service import Service
from maintain_repo.policy.sla import Clock, Obligation, obligations

KINDS = ("service", "incident", "improvement", "finding", "waiver")


def open_obligations(
    root: Path, now: datetime, proposals: Proposals | None = None
) -> list[Obligation]:
    policies = worktree_policies(root)
    if policies.sla is None:
        raise ConfigError(
            "no valid SLAPolicy in policies/",
            hint="add policies/sla.yaml with kind: SLAPolicy (see the docs, Policies); if there is "
            "one, `maintain policy validate` says what is wrong with it",
        )
    records = load_records(root, KINDS)
    flying = proposals.of(KINDS) if proposals is not None else []
    records += [(item.path, item.record) for item in flying]
    tiers = {r.id: r.tier for _, r in records if isinstance(r, Service)}
    found = obligations(records, Clock(now, policies.calendar, policies.sla), tiers)
    branches = {item.record.id: item.branch for item in flying}
    return [
        dataclasses.replace(o, proposed=branches[o.record]) if o.record in branches else o
        for o in found
    ]
