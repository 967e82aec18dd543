"""Rules that compare records with the base of a pull request (`--base REF`).

Records are an audit trail: they are never deleted, ids are never reused,
statuses move only along lifecycle edges, timelines are append-only, and a
record that reached a final state changes only in its labels, links and
timeline, and in the list sides of its two-way links, which only grow (unless it is
reopened along a lifecycle edge). The engine gathers
both versions with git; these functions only compare plain data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from maintain_repo.model.findings import Finding, Pointer, Severity, dotted
from maintain_repo.model.lifecycle import Lifecycle
from maintain_repo.model.timestamps import parse_timestamp

# Fields that may change after a record reached a final state.
EDITABLE_WHEN_FINAL = frozenset({"labels", "links", "timeline"})
# The list sides of two-way links, which may only grow then: an incident found later to
# have been caused by a closed change is listed in its caused_incidents (`maintain`
# writes these back-links itself). A waiver's coverage is not among them.
GROWING_WHEN_FINAL = {
    "change": frozenset({"caused_incidents"}),
    "problem": frozenset({"incidents"}),
    "incident": frozenset({"action_items"}),
}


@dataclass(frozen=True, slots=True)
class Revision:
    """One record file as it is on the base and in the working tree."""

    path: str
    record: str | None
    lifecycle: Lifecycle
    before: Mapping[str, Any]
    after: Mapping[str, Any]


def compare(revision: Revision) -> Iterator[Finding]:
    """Findings about how a record changed since the base."""
    if not same_record(revision.before, revision.after):
        # Not an edit: another record has taken this file and its id.
        yield _finding(
            "id-reused",
            revision,
            ("created_at",),
            f"created_at changed from {revision.before.get('created_at')}: this is a different "
            f"record reusing id {revision.record}; give it a new id and keep the old record",
        )
        return
    yield from _transition(revision)
    yield from _timeline(revision)
    yield from _final(revision)


def same_record(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Two versions of one record, not a new record under an old id: created at the same
    instant (written with the same or another offset, `10:00Z` or `12:00+02:00`)."""
    return _same_moment(before.get("created_at"), after.get("created_at"))


def _same_moment(before: Any, after: Any) -> bool:
    if before == after:
        return True
    if not (isinstance(before, str) and isinstance(after, str)):
        return False
    try:
        return parse_timestamp(before) == parse_timestamp(after)
    except ValueError:
        return False


def deleted(path: str, record: str) -> Finding:
    return Finding(
        "record-deleted",
        Severity.ERROR,
        f"record {record} was deleted; records are never deleted (move it to a final status "
        "such as closed, declined, retired or wont_do instead)",
        path,
        1,
        1,
        record=record,
    )


def reused(path: str, record: str, base_path: str, moved: bool) -> Finding:
    detail = (
        f"it belonged to {base_path}, a different record deleted in this change"
        if moved
        else f"{base_path} has it on the base"
    )
    return Finding(
        "id-reused",
        Severity.ERROR,
        f"id {record} is already taken: {detail}; give this record a new id",
        path,
        record=record,
        pointer=("id",),
        related=(base_path,),
    )


def _transition(revision: Revision) -> Iterator[Finding]:
    before, after = revision.before.get("status"), revision.after.get("status")
    if not (isinstance(before, str) and isinstance(after, str)) or before == after:
        return
    if revision.lifecycle.reaches(before, after, revision.after):
        return
    nexts = sorted({t.target for t in revision.lifecycle.transitions if t.source == before})
    yield _finding(
        "status-transition",
        revision,
        ("status",),
        f"status moved from {before} to {after}, which is not a lifecycle edge "
        f"(from {before}: {', '.join(nexts) or 'nowhere'})",
    )


def _timeline(revision: Revision) -> Iterator[Finding]:
    before = revision.before.get("timeline") or []
    after = revision.after.get("timeline") or []
    if not isinstance(before, list) or not isinstance(after, list):
        return
    for index, entry in enumerate(before):
        if index >= len(after):
            yield _finding(
                "timeline-append-only",
                revision,
                ("timeline",),
                f"timeline entry {index + 1} (and any after it) was removed; timelines are "
                "append-only",
            )
            return
        if after[index] != entry:
            yield _finding(
                "timeline-append-only",
                revision,
                ("timeline", index),
                f"timeline entry {index + 1} was edited; timelines are append-only (add a "
                "new entry that corrects it)",
            )
            return


def _final(revision: Revision) -> Iterator[Finding]:
    status = revision.before.get("status")
    lifecycle = revision.lifecycle
    if not isinstance(status, str) or status not in lifecycle.final:
        return
    new_status = revision.after.get("status")
    # Reopening (judged by _transition) changes the status and nothing else: what a
    # final record says is rewritten only after it is open again, in a change of its own.
    reopened = new_status != status and isinstance(new_status, str)
    editable = EDITABLE_WHEN_FINAL | {"status"} if reopened else EDITABLE_WHEN_FINAL
    growing = GROWING_WHEN_FINAL.get(str(revision.before.get("kind")), frozenset())
    for key in sorted(set(revision.before) | set(revision.after)):
        if key in editable or (key in growing and _grew(revision.before, revision.after, key)):
            continue
        if revision.before.get(key) != revision.after.get(key):
            changed = _first_difference(revision.before.get(key), revision.after.get(key), (key,))
            yield _finding(
                "closed-immutable",
                revision,
                changed if key in revision.after else (),
                f"{dotted(changed)} changed while reopening a {status} record; reopen it in "
                "a change of its own (status and a timeline entry), then edit it"
                if reopened
                else f"{dotted(changed)} changed in a {status} record; only labels, links and "
                "new timeline entries may change (reopen it along a lifecycle edge first)",
            )


def _grew(before: Mapping[str, Any], after: Mapping[str, Any], key: str) -> bool:
    """Whether list `key` only had items appended (or is unchanged)."""
    old, new = before.get(key) or [], after.get(key) or []
    return isinstance(old, list) and isinstance(new, list) and new[: len(old)] == old


def _first_difference(before: Any, after: Any, pointer: Pointer) -> Pointer:
    """The deepest pointer at which two values first differ (for the position)."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in list(after) + [k for k in before if k not in after]:
            if before.get(key) != after.get(key):
                if key not in after:
                    return pointer
                return _first_difference(before.get(key), after[key], (*pointer, key))
    if isinstance(before, list) and isinstance(after, list):
        for index, item in enumerate(after):
            if index >= len(before) or before[index] != item:
                return _first_difference(
                    before[index] if index < len(before) else None, item, (*pointer, index)
                )
    return pointer


def _finding(rule: str, revision: Revision, pointer: Pointer, message: str) -> Finding:
    return Finding(
        rule, Severity.ERROR, message, revision.path, record=revision.record, pointer=pointer
    )
