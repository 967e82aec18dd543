"""`maintain check --online`: what records claim about GitHub, checked against GitHub.

A change record's `approval` block is evidence written by `maintain approve`:
the pull request, the head commit it approved, and the approvers. Online,
each claim is compared with what GitHub says: the pull request exists, the
commit status `maintain/approval` on that commit is `success`, and every
approver's latest review of that commit approves it. A block written by hand
(or copied from another change) fails one of these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from maintain_repo.errors import GitHubError
from maintain_repo.github.api import GitHubApi
from maintain_repo.model.change import Approval, Change
from maintain_repo.model.findings import Finding, Severity

RULE = "approval-unverified"
CONTEXT = "maintain/approval"


def approval_findings(root: Path, api: GitHubApi) -> list[Finding]:
    from maintain_repo.engine.load import load_records

    found: list[Finding] = []
    for rel, record in load_records(root, ("change",)):
        if isinstance(record, Change) and record.approval is not None:
            found.extend(_check(api, rel, record, record.approval))
    return found


def _check(api: GitHubApi, rel: str, change: Change, approval: Approval) -> Iterator[Finding]:
    number = approval.pull_request
    try:
        pull = api.pull(number)
    except GitHubError:
        yield _finding(rel, change, ("pull_request",), f"pull request #{number} does not exist")
        return
    statuses = api.commit_statuses(approval.head_sha)
    state = statuses.get(CONTEXT)
    if state != "success":
        yield _finding(
            rel,
            change,
            ("head_sha",),
            f"commit {approval.head_sha[:12]} has no successful {CONTEXT} status "
            f"({state or 'none'}); maintain approve never approved it",
        )
    latest: dict[str, tuple[str, str]] = {}
    for review in api.reviews(number):
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.user.lower()] = (review.state, review.commit_id)
    for index, approver in enumerate(approval.approvers):
        login = approver.login.lstrip("@")
        state_and_commit = latest.get(login.lower())
        if state_and_commit is None or state_and_commit[0] != "APPROVED":
            why = "never approved it" if state_and_commit is None else "did not approve it last"
        elif not state_and_commit[1].startswith(approval.head_sha):
            why = f"approved {state_and_commit[1][:12]}, not {approval.head_sha[:12]}"
        else:
            continue
        yield _finding(
            rel,
            change,
            ("approvers", index, "login"),
            f"{login} is listed as approver of pull request #{pull.number}, but {why}",
        )


def _finding(rel: str, change: Change, pointer: tuple[str | int, ...], message: str) -> Finding:
    return Finding(
        RULE,
        Severity.ERROR,
        message,
        rel,
        record=change.id,
        pointer=("approval", *pointer),
    )
