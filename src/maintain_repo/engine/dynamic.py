"""Record policies that read the clock (`now`) or other records (`lookup()`).

Their answers change without the record changing, so their findings are not
cached; what they need of each record is. When a file is checked, the policies
of this kind are sorted once: a policy whose `match.condition` reads neither the
clock nor other records and is false on the record never applies to it until
the file changes (an incident that is resolved is not in triage), so it is not
evaluated again. For the others the cache keeps the record's parsed data and
where it starts (`engine.files`), and every run evaluates them from there:
a warm run parses no YAML, and evaluates only the records that may be found
at fault (`Subject`). The expressions come from the repository, so they run in
sandboxed children (`maintain_repo.sandbox`), in parallel when there are many.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from maintain_repo.model.findings import Finding
from maintain_repo.policy.cel import Context, lookup_entry
from maintain_repo.policy.policyset import Policies
from maintain_repo.policy.records import evaluate_all
from maintain_repo.sandbox.machine import PARALLEL_THRESHOLD, cpus
from maintain_repo.sandbox.pool import imap
from maintain_repo.store.yaml import read_mapping

LookupTable = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Subject:
    """A record the dynamic policies are evaluated on in this run."""

    path: str
    kind: str
    policies: tuple[str, ...] | None  # by path; None: every dynamic policy of its kind
    data: dict[str, Any] | None = None  # None: read and parse the file
    root: tuple[int, int] | None = None  # where the record starts


def subject_of(path: str, kind: str, stored: Any) -> Subject | None:
    """The subject from what the per-file stage stored (`engine.files._dynamic`); None
    when that is not of the expected shape (the caller then reads the file)."""
    if not isinstance(stored, dict):
        return None
    names, data, root = stored.get("policies"), stored.get("data"), stored.get("root")
    if not (
        isinstance(names, list)
        and all(isinstance(n, str) for n in names)
        and (data is None or isinstance(data, dict))
        and isinstance(root, list)
        and len(root) == 2
        and all(type(n) is int for n in root)
    ):
        return None
    return Subject(path, kind, tuple(names), data, (root[0], root[1]))


def table_of(entries: Sequence[tuple[str, str | None, str | None, str | None]]) -> LookupTable:
    """`lookup(id)` over (path, id, kind, status) of every valid record."""
    table = {
        rid: lookup_entry(rid, kind, status, path) for path, rid, kind, status in entries if rid
    }
    return table.get


def dynamic_findings(
    root: Path,
    policies: Policies,
    subjects: Sequence[Subject],
    lookup: LookupTable,
    now: datetime,
) -> list[Finding]:
    if not policies.dynamic or not subjects:
        return []

    def evaluate(index: int) -> list[dict[str, Any]]:
        subject = subjects[index]
        data = subject.data
        if data is None:
            data = read_mapping(str(root / subject.path), shown=subject.path)
        if data is None:
            return []
        chosen = [
            p for p in policies.dynamic if subject.policies is None or p.path in subject.policies
        ]
        context = Context.of(data, now, policies.settings_map, lookup)
        found = evaluate_all(chosen, subject.path, subject.kind, data, context)
        if subject.root is not None:  # a finding about the whole record: where it starts
            found = [f.located(*subject.root) if f.pointer == () else f for f in found]
        return [finding.to_json() for finding in found]

    # Repository expressions: evaluated in sandboxed children (limited in time and memory).
    workers = cpus() if len(subjects) >= PARALLEL_THRESHOLD else 1
    chunk = max(1, math.ceil(len(subjects) / (workers * 4)))
    results: list[list[dict[str, Any]]] = [[] for _ in subjects]
    named = lambda index: subjects[index].path  # noqa: E731
    for index, found in imap(evaluate, len(subjects), workers=workers, chunk=chunk, name=named):
        results[index] = found
    return [Finding.from_json(raw) for found in results for raw in found]
