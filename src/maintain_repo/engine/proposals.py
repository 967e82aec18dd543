"""Machine-made record changes, proposed as pull requests.

Every automated change to a record lands on branch `maintain/<record-id>`
and reaches the default branch through a pull request, like a person's
would. While that pull request is open, later changes to the same record go
on top of it as new commits instead of opening a second one.

An edit is checked before it is committed, as `maintain check` would check
the file: its schema, its lifecycle's requirements, the per-record rules, and
its references to other records against the records of the branch it lands
on (a service it names must exist). If the edit adds a problem, nothing is
pushed and the caller gets a `Refused` with the check's messages (a slash
command answers with them). `preflight` runs the same edit and check without
writing anything, for commands that write to GitHub before they propose a
record (an incident's issue comes before its record's pull request).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maintain_repo.errors import MaintainError
from maintain_repo.git.branches import PREFIX
from maintain_repo.git.publish import Published, publish
from maintain_repo.github.api import GitHubApi, PullRef
from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding, Severity
from maintain_repo.model.kinds import KINDS, Kind
from maintain_repo.store.files import write_atomic
from maintain_repo.store.repo import RECORDS
from maintain_repo.store.roundtrip import load
from maintain_repo.store.yaml import locate_findings, read_mapping

# Changes one record in place (a comment-keeping mapping); returns the commit
# message, or None when the record is already as wanted.
Change = Callable[[Any], str | None]


class Refused(MaintainError):
    """The change would leave the record invalid; nothing was written."""


class Missing(Refused):
    """The record to edit is on neither its branch nor the base (its pull request was
    closed without merging, say); nothing was written."""


@dataclass(frozen=True)
class Proposal:
    pull: PullRef | None  # None: nothing to change, and no pull request is open
    published: Published


def branch_of(record_id: str) -> str:
    return f"{PREFIX}{record_id}"


def propose(
    root: Path,
    api: GitHubApi,
    record_id: str,
    edit: Callable[[Path], str | None],
    *,
    base: str,
    title: str,
    body: str | Callable[[], str],
    token: str | None,
    say: Callable[[str], None],
) -> Proposal:
    """Make `edit` (on an ops-repository checkout) on the record's branch and open its PR;
    `body` may be a function, called once the edit is made (a body that describes it)."""
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
    pull, _ = api.ensure_pull(branch, base, title, body if isinstance(body, str) else body())
    return Proposal(pull, published)


def preflight(
    root: Path,
    api: GitHubApi,
    record_id: str,
    edit: Callable[[Path], str | None],
    *,
    base: str,
    token: str | None,
) -> None:
    """Make `edit` where `propose` would, and check it; push nothing, write nothing.

    Raises `Refused` (with the check's messages) when the record would not pass."""
    branch = branch_of(record_id)
    publish(
        root,
        branch,
        base,
        edit,
        continue_branch=api.find_pull(branch) is not None,
        token=token,
        dry_run=True,
    )


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


def edit_record(
    checkout: Path, record_id: str, change: Change, *, tolerated: Collection[str] = ()
) -> str | None:
    """Apply `change` to the record in `checkout`, keeping its comments and layout
    (findings of the `tolerated` rules do not stop it: see `refuse_invalid`)."""
    path = record_path(checkout, record_id)
    if not path.is_file():
        raise Missing(f"{record_id} is not in the repository ({path.relative_to(checkout)})")
    before = path.read_text(encoding="utf-8")
    document = load(before)
    message = change(document.data)
    if message is None:
        return None
    after = document.dump()
    refuse_invalid(checkout, path, after, before, tolerated=tolerated)
    write_atomic(path, after, overwrite=True)
    return message


def refuse_invalid(
    checkout: Path,
    path: Path,
    text: str,
    before: str | None = None,
    *,
    tolerated: Collection[str] = (),
) -> None:
    """Raise `Refused` when the record `text` (at `path` in `checkout`) has errors
    `maintain check` would report, other than those its `before` text had already and
    those of the `tolerated` rules (a fact that happened is written even when a rule
    objects to it: a deployment of a commit nobody tested is recorded, and reported)."""
    rel = path.relative_to(checkout).as_posix()
    errors = [f for f in check_record(checkout, rel, text) if f.rule not in tolerated]
    if before is not None:
        known = {(f.rule, f.message) for f in check_record(checkout, rel, before)}
        errors = [f for f in errors if (f.rule, f.message) not in known]
    if errors:
        reasons = "; ".join(
            f"{f.path}:{f.line or 1}:{f.column or 1}: {f.rule} {f.message}" for f in errors
        )
        raise Refused(f"{path.stem} would not pass `maintain check`: {reasons}")


def check_record(checkout: Path, rel: str, text: str) -> list[Finding]:
    """The errors of one record file: the per-file check, and its references checked
    against the records in `checkout`."""
    from maintain_repo.engine.files import check_bytes
    from maintain_repo.rules.references import check_repo

    result = check_bytes(rel, text.encode("utf-8"))
    findings = [Finding.from_json(f) for f in result["findings"]]
    facts = RecordFacts.from_json(rel, result["facts"]) if result["facts"] else None
    if facts is not None and facts.valid:
        targets = {ref.target for ref in facts.references}
        others = [found for target in sorted(targets) for found in _records_named(checkout, target)]
        related = [f for f in check_repo([facts, *others]) if f.path == rel]
        findings += locate_findings(related, text)
    return [f for f in findings if f.severity is Severity.ERROR]


def _records_named(checkout: Path, record_id: str) -> list[RecordFacts]:
    """The records in `checkout` whose file is named `record_id` (ids name their files),
    as the reference rules see a record they only point at."""
    found = []
    for kind in KINDS.values():
        path = checkout / RECORDS / kind.folder / f"{record_id}.yaml"
        if path.is_file():
            rel = path.relative_to(checkout).as_posix()
            data = read_mapping(str(path), shown=rel) or {}
            status = data.get("status") if isinstance(data.get("status"), str) else None
            found.append(RecordFacts(rel, kind.name, record_id, status, False))
    return found
