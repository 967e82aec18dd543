"""Record policies that read the clock (`now`) or other records (`lookup()`).

Their answers change without the record changing, so they are not cached:
on every run, each valid record of the kinds they match is read again and
evaluated, with `lookup` answering from the facts of every record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding
from maintain_repo.policy.cel import Context, lookup_entry
from maintain_repo.policy.policyset import Policies
from maintain_repo.policy.records import evaluate_all
from maintain_repo.store.yaml import read_mapping


def dynamic_findings(
    root: Path, policies: Policies, facts: Sequence[RecordFacts], now: datetime
) -> list[Finding]:
    if not policies.dynamic:
        return []
    kinds = {kind for policy in policies.dynamic for kind in policy.policy.match.kinds}
    table = {
        fact.id: lookup_entry(fact.id, fact.kind, fact.status, fact.path)
        for fact in facts
        if fact.id is not None and fact.valid
    }
    found: list[Finding] = []
    for fact in facts:
        kind = fact.kind
        if not fact.valid or kind is None or kind not in kinds:
            continue
        data = read_mapping(str(root / fact.path))
        if data is None:
            continue
        context = Context.of(data, now, policies.settings_map, table.get)
        found.extend(evaluate_all(policies.dynamic, fact.path, kind, data, context))
    return found
