"""Record policies that read the clock (`now`) or other records (`lookup()`).

Their answers change without the record changing, so they are not cached:
on every run, each valid record of the kinds they match is read again and
evaluated, with `lookup` answering from the facts of every record. The
expressions come from the repository, so they run in sandboxed children
(`maintain_repo.sandbox`), in parallel when there are many records.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding
from maintain_repo.policy.cel import Context, lookup_entry
from maintain_repo.policy.policyset import Policies
from maintain_repo.policy.records import evaluate_all
from maintain_repo.sandbox.machine import PARALLEL_THRESHOLD, cpus
from maintain_repo.sandbox.pool import imap
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
    chosen = [fact for fact in facts if fact.valid and fact.kind is not None and fact.kind in kinds]

    def evaluate(index: int) -> list[dict[str, Any]]:
        fact = chosen[index]
        data = read_mapping(str(root / fact.path), shown=fact.path)
        if data is None or fact.kind is None:
            return []
        context = Context.of(data, now, policies.settings_map, table.get)
        found = evaluate_all(policies.dynamic, fact.path, fact.kind, data, context)
        return [finding.to_json() for finding in found]

    # Repository expressions: evaluated in sandboxed children (limited in time and memory).
    workers = cpus() if len(chosen) >= PARALLEL_THRESHOLD else 1
    chunk = max(1, math.ceil(len(chosen) / (workers * 4)))
    results: list[list[dict[str, Any]]] = [[] for _ in chosen]
    named = lambda index: chosen[index].path  # noqa: E731
    for index, found in imap(evaluate, len(chosen), workers=workers, chunk=chunk, name=named):
        results[index] = found
    return [Finding.from_json(raw) for found in results for raw in found]
