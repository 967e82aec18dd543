"""`maintain history ID`: a record's life from git, with field-level changes.

The commits of the checkout's history, then (unless told not to) those on the
record's branch `maintain/<id>` on origin that are not merged yet: an incident
a probe opened a minute ago has a history before its pull request is merged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from maintain_repo.errors import UsageError
from maintain_repo.git.branches import PREFIX, fetch_proposals, record_branches
from maintain_repo.git.history import versions
from maintain_repo.model.findings import dotted
from maintain_repo.model.history import Change, Step
from maintain_repo.store.problems import YamlError
from maintain_repo.store.source import decode
from maintain_repo.store.yaml import parse


def history(
    root: Path,
    record_id: str,
    *,
    proposed: bool = True,
    token: str | None = None,
    note: Callable[[str], None] = lambda _: None,
) -> list[Step]:
    """Each commit that touched the record, with what it changed; with `proposed`, the
    record branch is fetched from origin and its unmerged commits follow."""
    branch = None
    if proposed:
        problem = fetch_proposals(root, token)
        if problem is not None:
            note(f"{problem}; reading the record branches this clone already has")
        branch = PREFIX + record_id if PREFIX + record_id in record_branches(root) else None
    found = versions(root, record_id, branch)
    if not found:
        raise UsageError(
            f"no commits touch a record with id {record_id}",
            hint="ids look like INC-20260301-7K2M (services: their slug); is it committed?",
        )
    steps = []
    previous: dict[str, Any] = {}
    for version in found:
        current, problem = _data(version.content)
        changes = tuple(diff(previous, current)) if problem is None else ()
        steps.append(Step(version, changes, problem, created=not previous and bool(current)))
        if problem is None:
            previous = current
    return steps


def _data(content: bytes | None) -> tuple[dict[str, Any], str | None]:
    if content is None:
        return {}, None  # deleted: every field is removed
    text = decode(content)
    if not isinstance(text, str):
        return {}, text.message
    try:
        data = parse(text).data
    except YamlError as e:
        return {}, f"{e.problem.message} (line {e.problem.line})"
    return (data, None) if isinstance(data, dict) else ({}, "not a mapping of fields")


def diff(before: Any, after: Any, pointer: tuple[str | int, ...] = ()) -> Iterator[Change]:
    """Field-level differences between two versions of a record, in field order."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(after) + [k for k in before if k not in after]:
            here = (*pointer, key)
            if key not in before:
                yield Change(dotted(here), "added", after=after[key])
            elif key not in after:
                yield Change(dotted(here), "removed", before=before[key])
            else:
                yield from diff(before[key], after[key], here)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            here = (*pointer, index)
            if index >= len(before):
                yield Change(dotted(here), "added", after=after[index])
            elif index >= len(after):
                yield Change(dotted(here), "removed", before=before[index])
            else:
                yield from diff(before[index], after[index], here)
    elif before != after or type(before) is not type(after):
        yield Change(dotted(pointer), "changed", before, after)
