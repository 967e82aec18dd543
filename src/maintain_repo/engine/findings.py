"""`maintain findings list`: the security findings, with where their SLA stands.

Each finding is listed with its remediation deadline as `maintain sla` computes it (the
SLA policy's target for its severity from `sla.start`, else `first_seen`, or the record's
own earlier `sla.due`) and that deadline's state (ok, at_risk, breached); a finding with
no open obligation (closed, or no target for its severity) has none.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import cast

from maintain_repo.engine.load import load_records, worktree_policies
from maintain_repo.model.finding import SecurityFinding
from maintain_repo.policy.sla import Clock, Listed, Obligation, obligations


def listed(
    root: Path,
    now: datetime,
    *,
    statuses: Collection[str] = (),
    severities: Collection[str] = (),
    overdue: bool = False,
) -> list[Listed]:
    """The findings that pass the filters (none given: all), most urgent first."""
    records = [
        (path, cast(SecurityFinding, record)) for path, record in load_records(root, ["finding"])
    ]
    policies = worktree_policies(root)
    due: dict[str, Obligation] = {}
    if policies.sla is not None:
        clock = Clock(now, policies.calendar, policies.sla)
        for obligation in obligations(records, clock, {}):
            if obligation.kind == "remediation" and not obligation.met_late:
                due[obligation.path] = obligation
    found = [
        Listed(path, finding, due.get(path))
        for path, finding in records
        if (not statuses or finding.status in statuses)
        and (not severities or finding.severity in severities)
    ]
    if overdue:
        found = [item for item in found if item.overdue]
    return sorted(found, key=Listed.sort_key)
