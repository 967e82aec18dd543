"""Machine-made record changes, proposed as pull requests.

Every automated change to a record lands on branch `maintain/<record-id>`
and reaches the default branch through a pull request, like a person's
would. While that pull request is open, later changes to the same record go
on top of it as new commits instead of opening a second one.

An edit is checked before it is committed: the record must still pass its
schema and its lifecycle's requirements, or nothing is pushed and the caller
gets a `Refused` with the reasons (a slash command answers with them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.errors import MaintainError
from maintain_repo.git.publish import Published, publish
from maintain_repo.github.api import GitHubApi, PullRef
from maintain_repo.model.findings import Severity
from maintain_repo.model.kinds import KINDS, Kind
from maintain_repo.store.files import write_atomic
from maintain_repo.store.repo import RECORDS
from maintain_repo.store.roundtrip import load, plain

BRANCH_PREFIX = "maintain/"

# Changes one record in place (a comment-keeping mapping); returns the commit
# message, or None when the record is already as wanted.
Change = Callable[[Any], str | None]


class Refused(MaintainError):
    """The change would leave the record invalid; nothing was written."""


@dataclass(frozen=True)
class Proposal:
    pull: PullRef | None  # None: nothing to change, and no pull request is open
    published: Published


def branch_of(record_id: str) -> str:
    return f"{BRANCH_PREFIX}{record_id}"


def propose(
    root: Path,
    api: GitHubApi,
    record_id: str,
    edit: Callable[[Path], str | None],
    *,
    base: str,
    title: str,
    body: str,
    token: str | None,
    say: Callable[[str], None],
) -> Proposal:
    """Make `edit` (on an ops-repository checkout) on the record's branch and open its PR."""
    branch = branch_of(record_id)
    open_pull = api.find_pull(branch)
    published = publish(
        root,
        branch,
        base,
        edit,
        continue_branch=open_pull is not None,
        token=token,
        dry_run=api.dry_run,
        say=say,
    )
    if not published.changed:
        return Proposal(open_pull, published)
    pull, _ = api.ensure_pull(branch, base, title, body)
    return Proposal(pull, published)


def record_path(checkout: Path, record_id: str) -> Path:
    """Where the record lives in an ops-repository checkout (its kind's folder)."""
    kind = kind_of(record_id)
    return checkout / RECORDS / kind.folder / f"{record_id}.yaml"


def kind_of(record_id: str) -> Kind:
    prefix = record_id.split("-", 1)[0]
    for kind in KINDS.values():
        if kind.prefix == prefix:
            return kind
    raise MaintainError(f"{record_id!r} is not the id of a record kind with an id prefix")


def edit_record(checkout: Path, record_id: str, change: Change) -> str | None:
    """Apply `change` to the record in `checkout`, keeping its comments and layout."""
    path = record_path(checkout, record_id)
    if not path.is_file():
        raise Refused(f"{record_id} is not in the repository ({path.relative_to(checkout)})")
    document = load(path.read_text(encoding="utf-8"))
    message = change(document.data)
    if message is None:
        return None
    refuse_invalid(checkout, path, plain(document.data))
    write_atomic(path, document.dump(), overwrite=True)
    return message


def refuse_invalid(checkout: Path, path: Path, data: dict[str, Any]) -> None:
    """Raise `Refused` when `data` would not pass its schema and lifecycle rules."""
    from maintain_repo.engine.files import record_findings

    rel = path.relative_to(checkout).as_posix()
    kind = kind_of(path.stem)
    _, findings = record_findings(kind, rel, data, None)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        reasons = "; ".join(f.message for f in errors)
        raise Refused(f"{path.stem} would not pass `maintain check`: {reasons}")
