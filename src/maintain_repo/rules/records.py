"""Per-record rules: what one valid record must satisfy on its own.

Each rule is a function `(kind, record, path) -> findings`; `RECORD_RULES`
lists them. They see one validated model and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, cast

from maintain_repo.model.common import Record
from maintain_repo.model.findings import Finding, Pointer, Severity
from maintain_repo.model.kinds import Kind
from maintain_repo.model.lifecycle import lookup

if TYPE_CHECKING:
    from maintain_repo.model.change import Change

RecordRule = Callable[[Kind, Record, str], Iterator[Finding]]


def lifecycle_required(kind: Kind, record: Record, path: str) -> Iterator[Finding]:
    """Each status requires its fields (e.g. a mitigated incident names its workaround)."""
    for requirement in kind.lifecycle.missing(record, record.status):
        yield Finding(
            "lifecycle-required",
            Severity.ERROR,
            f"status {record.status!r} requires {requirement.describe()}",
            path,
            record=record.id,
            pointer=("status",),
        )


def timestamp_order(kind: Kind, record: Record, path: str) -> Iterator[Finding]:
    """Timestamps along each chain never go backwards; timeline entries are in order."""
    for chain in kind.order:
        previous: tuple[str, datetime] | None = None
        for name in chain:
            value = lookup(record, name)
            if not isinstance(value, datetime):
                continue
            if previous is not None and value < previous[1]:
                yield _order(record, path, _pointer(name), f"{name} is before {previous[0]}")
            previous = (name, value)
    for index in range(1, len(record.timeline)):
        if record.timeline[index].at < record.timeline[index - 1].at:
            yield _order(
                record,
                path,
                ("timeline", index, "at"),
                f"timeline entry {index + 1} is dated before the entry above it",
            )


def change_tested_commit(kind: Kind, record: Record, path: str) -> Iterator[Finding]:
    """A deployed change has a passing test on the exact commit it deployed."""
    if record.kind != "change":
        return
    record = cast("Change", record)
    if record.deployment is None:
        return
    deployed = record.deployment.commit_sha
    if any(
        evidence.result == "pass" and _same_commit(evidence.commit_sha, deployed)
        for evidence in record.test_evidence
    ):
        return
    yield Finding(
        "change-tested-commit",
        Severity.ERROR,
        f"deployed commit {deployed} has no passing test evidence (test_evidence with "
        f"result: pass and commit_sha: {deployed})",
        path,
        record=record.id,
        pointer=("deployment", "commit_sha"),
    )


RECORD_RULES: dict[str, RecordRule] = {
    "lifecycle-required": lifecycle_required,
    "timestamp-order": timestamp_order,
    "change-tested-commit": change_tested_commit,
}


def _same_commit(a: str, b: str) -> bool:
    """Equal, or one an abbreviation (at least 7 hex digits) of the other."""
    return a.startswith(b) or b.startswith(a)


def _pointer(dotted: str) -> Pointer:
    return tuple(dotted.split("."))


def _order(record: Record, path: str, pointer: Pointer, message: str) -> Finding:
    return Finding(
        "timestamp-order", Severity.ERROR, message, path, record=record.id, pointer=pointer
    )
