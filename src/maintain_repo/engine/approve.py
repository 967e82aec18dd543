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
    from maintain_repo.model.approval import ApprovalPolicy
    from maintain_repo.model.change import Change
    from maintain_repo.model.pull_facts import PullRequestFacts
    from maintain_repo.policy.approval import Verdict
    from maintain_repo.policy.approval_source import Source

CONTEXT = "maintain/approval"
STATES = {"approved": "success", "pending": "pending", "disapproved": "failure", "error": "error"}
COMMENT = marker("approval", "verdict")


@dataclass(frozen=True)
class Approved:
    verdict: Verdict
    head_sha: str
    state: str  # the commit status posted


def approve(ops: Ops, number: int, now: datetime) -> Approved:
    from maintain_repo.report.approval import render_comment

    verdict, facts = judge(ops, number)
    state = STATES[verdict.status]
    ops.api.set_status(facts.head_sha, state, CONTEXT, verdict.description)
    ops.api.upsert_comment(number, COMMENT, f"{render_comment(verdict, facts)}\n\n{COMMENT}")
    return Approved(verdict, facts.head_sha, state)


def judge(ops: Ops, number: int) -> tuple[Verdict, PullRequestFacts]:
    """The base branch's ApprovalPolicy's verdict on pull request `number`, and the facts
    it was judged on (nothing is posted)."""
    from maintain_repo.engine.load import load_policies
    from maintain_repo.git.snapshot import files_at, snapshot
    from maintain_repo.policy.approval import evaluate
    from maintain_repo.policy.approval_source import choose
    from maintain_repo.policy.policybot import DEFAULT_PATH as POLICY_BOT

    pull = ops.api.pull(number)
    ref = _base_ref(ops, pull.base_ref)
    base = snapshot(ops.root, ref)
    documents = [(rel, base.read(rel)) for rel in sorted(base.policies)]
    policies = load_policies(documents)
    source = choose(documents, files_at(ops.root, ref, [POLICY_BOT]).get(POLICY_BOT))
    if source is None or source.policy is None:
        return _unusable(pull.base_ref, source), ops.api.pull_facts(number, Wanted())
    facts = ops.api.pull_facts(number, wanted(source.policy))
    changed = [p for p in facts.changed_files if p.startswith(f"{RECORDS}/changes/")]
    changes = list(_changes(_head_files(ops, number, facts.head_sha, changed)))
    return evaluate(source.policy, facts, changes, policies.freezes), facts


def _head_files(ops: Ops, number: int, sha: str, rels: list[str]) -> dict[str, bytes]:
    """The change records as the head commit holds them; a head the clone lacks (a run
    on a comment checks out the default branch; a fork's commits) is fetched first."""
    from maintain_repo.errors import UsageError
    from maintain_repo.git.branches import fetch_pull_head
    from maintain_repo.git.snapshot import files_at

    if not rels:
        return {}
    try:
        return files_at(ops.root, sha, rels)
    except UsageError:
        problem = fetch_pull_head(ops.root, number, ops.token)
        if problem is not None:
            ops.say(problem)
    return files_at(ops.root, sha, rels)


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


def _unusable(branch: str, source: Source | None) -> Verdict:
    """The verdict when there is no approval policy on the base branch, or it has
    problems: an error that names each one at its file, line and column."""
    from maintain_repo.policy.approval import RuleResult, Verdict, clip
    from maintain_repo.policy.approval_problems import INVALID

    if source is None:
        text = f"error: no ApprovalPolicy in policies/ (nor a .policy.yml) on {branch}"
        return Verdict("error", clip(text), (), (), "")
    problems = tuple(
        RuleResult(INVALID, "error", f"{f.path}:{f.line}:{f.column}: {f.message}")
        for f in source.problems
    )
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    text = f"error: the approval policy on {branch} cannot judge: {problems[0].reason}{more}"
    return Verdict("error", clip(text), problems, (), source.path)
