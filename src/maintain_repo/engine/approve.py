"""`maintain approve --pr N`: the change approval verdict, posted to the pull request.

The ApprovalPolicy and the freeze windows are read from the pull request's
base branch (a pull request cannot weaken the policy that judges it). The
facts come from GitHub (reviews, teams, permissions, labels, statuses, files)
and the change records from the pull request's head commit. The verdict is
posted as the commit status `maintain/approval` on the head commit and as
one comment on the pull request, edited in place on later runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from maintain_repo.engine.incidents import Ops
from maintain_repo.github.markers import marker
from maintain_repo.github.pull_facts import Wanted
from maintain_repo.store.repo import RECORDS

if TYPE_CHECKING:
    from maintain_repo.model.change import Change
    from maintain_repo.model.policies import ApprovalPolicy
    from maintain_repo.policy.approval import Verdict

CONTEXT = "maintain/approval"
STATES = {"approved": "success", "pending": "pending", "disapproved": "failure", "error": "error"}
COMMENT = marker("approval", "verdict")


@dataclass(frozen=True)
class Approved:
    verdict: Verdict
    head_sha: str
    state: str  # the commit status posted


def approve(ops: Ops, number: int, now: datetime) -> Approved:
    from maintain_repo.engine.load import load_policies
    from maintain_repo.git.snapshot import files_at, snapshot
    from maintain_repo.policy.approval import evaluate
    from maintain_repo.report.approval import render_comment

    pull = ops.api.pull(number)
    base = snapshot(ops.root, _base_ref(ops, pull.base_ref))
    policies = load_policies([(rel, base.read(rel)) for rel in sorted(base.policies)])
    if policies.approval is None:
        verdict = _no_policy(pull.base_ref)
        facts = ops.api.pull_facts(number, Wanted())
    else:
        _, policy = policies.approval
        facts = ops.api.pull_facts(number, wanted(policy))
        changed = [p for p in facts.changed_files if p.startswith(f"{RECORDS}/changes/")]
        changes = list(_changes(files_at(ops.root, facts.head_sha, changed)))
        verdict = evaluate(policy, facts, changes, policies.freezes)
    state = STATES[verdict.status]
    ops.api.set_status(facts.head_sha, state, CONTEXT, verdict.description)
    ops.api.upsert_comment(number, COMMENT, f"{render_comment(verdict, facts)}\n\n{COMMENT}")
    return Approved(verdict, facts.head_sha, state)


def _base_ref(ops: Ops, branch: str) -> str:
    """The base branch as fetched from origin, when the clone has it; else the local one."""
    import git

    repo = git.Repo(ops.root, search_parent_directories=True)
    remote = f"refs/remotes/origin/{branch}"
    try:
        repo.commit(remote)
    except (git.BadName, ValueError):
        return branch
    return remote


def wanted(policy: ApprovalPolicy) -> Wanted:
    """What to read from GitHub for the policy: the teams and organizations it names (in
    requirements, predicates, the veto, ignored committers), and the comments that could
    be votes."""
    from maintain_repo.policy.approval_votes import comment_test

    named = policy.model_dump(mode="json")
    return Wanted(
        teams=sorted(set(_walk(named, "teams"))),
        organizations=sorted(set(_walk(named, "organizations"))),
        comment=comment_test(policy),
    )


def _walk(value: Any, key: str) -> Iterator[str]:
    if isinstance(value, dict):
        for name, item in value.items():
            if name == key and isinstance(item, list):
                # GitHub's URLs take org/slug without the `@` people write.
                yield from (str(t).lstrip("@") for t in item)
            else:
                yield from _walk(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)


def _changes(files: dict[str, bytes]) -> Iterator[tuple[str, Change]]:
    from maintain_repo.model.change import Change
    from maintain_repo.store.yaml import mapping_of

    for rel, raw in sorted(files.items()):
        data = mapping_of(raw)
        if data is None:
            continue
        try:
            yield rel, Change.model_validate(data)
        except ValueError:
            continue  # `maintain check` on the pull request reports it


def _no_policy(branch: str) -> Verdict:
    from maintain_repo.policy.approval import Verdict

    return Verdict(
        status="error",
        description=f"no valid ApprovalPolicy in policies/ on {branch}"[:140],
        rules=(),
        approvers=(),
        policy_name="",
    )
