"""Approval of a pull request by the `ApprovalPolicy`: palantir/policy-bot's semantics.

Pure: facts gathered from GitHub (`PullRequestFacts`), the change records the
pull request touches and the freeze windows come in; a `Verdict` comes out.

- A rule is *skipped* when one of its `if` predicates does not hold, *pending*
  while it lacks approvals or a `requires.conditions` predicate does not hold,
  *approved* otherwise, and *error* when it cannot be judged (the members of a
  team it names are not in the facts).
- One vote per user: the latest review that approves or requests changes
  counts (a comment changes nothing; a dismissed review no longer counts, so
  the user's previous vote does). With `invalidate_on_push` (the default) an
  approval counts only if it was given to the head commit: SHAs are
  compared, never push times. The author's approval counts only with
  `allow_author`. Every approval that did not count is listed with why.
- `or` is approved when a child is approved, else pending when one is
  pending; `and` is approved when no child is pending and one is approved.
  Skipped children are left out, and a block of skipped children is
  skipped: when *everything* is skipped the verdict is an error, never a
  pass ("no approval rule applies to this pull request").
- A veto (the latest review of someone `disapproval.requires` names asks for
  changes) beats any approval, and so does a change record scheduled in a
  freeze window. A policy with problems (`policy.approval_problems`) judges
  nothing: it is an error.

The verdict explains every rule the policy uses, skipped ones included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from maintain_repo.model.change import Change
from maintain_repo.model.facts import PERMISSION_RANK, PullRequestFacts, ReviewFact
from maintain_repo.model.findings import dotted
from maintain_repo.model.policies import (
    Actors,
    ApprovalItem,
    ApprovalPolicy,
    ApprovalRule,
    Approvers,
    FreezeWindow,
    Predicates,
)
from maintain_repo.policy.approval_problems import (
    DISAPPROVAL,
    FREEZE,
    INVALID,
    children,
    policy_problems,
)
from maintain_repo.policy.freeze import freeze_findings

Status = Literal["skipped", "pending", "approved", "error", "disapproved"]
VerdictStatus = Literal["approved", "pending", "disapproved", "error"]

DESCRIPTION_LIMIT = 140  # a commit status description
NO_RULE_APPLIES = "no approval rule applies to this pull request"

_VOTES = ("APPROVED", "CHANGES_REQUESTED")


@dataclass(frozen=True, slots=True)
class RuleResult:
    """How one rule (or the veto, or the freeze windows) judged the pull request."""

    name: str
    status: Status
    reason: str  # a sentence for people
    approvers: tuple[str, ...] = ()  # whose approvals counted
    dismissed: tuple[tuple[str, str], ...] = ()  # (login, why it did not count)


@dataclass(frozen=True, slots=True)
class Verdict:
    status: VerdictStatus
    description: str  # at most 140 characters: the commit status
    rules: tuple[RuleResult, ...]
    approvers: tuple[str, ...]  # who approved the rules that are approved
    policy_name: str


class _Unknown(Exception):
    """A fact the policy needs is missing (a team's members)."""


# -- the verdict -------------------------------------------------------------------------


def evaluate(
    policy: ApprovalPolicy,
    facts: PullRequestFacts,
    changes: Sequence[tuple[str, Change]],
    freezes: Sequence[tuple[str, FreezeWindow]],
) -> Verdict:
    """The policy's verdict on one pull request (`changes`: the change records it
    touches, as in its head commit)."""
    frozen = _freeze(changes, freezes)
    extra = (frozen,) if frozen is not None else ()
    issues = policy_problems(policy)
    if issues:
        pointer, message = issues[0]
        more = f" (and {len(issues) - 1} more problems)" if len(issues) > 1 else ""
        broken = RuleResult(INVALID, "error", f"{dotted(pointer)}: {message}{more}")
        status: VerdictStatus = "disapproved" if frozen else "error"
        text = frozen.reason if frozen else f"approval policy is invalid: {broken.reason}"
        return Verdict(status, _clip(f"{status}: {text}"), (broken, *extra), (), policy.name)
    context = _Context.of(facts, [change for _, change in changes])
    used = _used(policy.policy.approval)
    results = {r.name: _rule(r, context) for r in policy.rules if r.name in used}
    tree, blockers = _block("and", policy.policy.approval, results)
    veto = _veto(policy, context)
    shown = (*results.values(), *((veto,) if veto is not None else ()), *extra)
    approvers = _approvers(results.values())
    status, text = _decide(tree, blockers, results, veto, frozen, approvers)
    return Verdict(status, _clip(text), shown, approvers, policy.name)


def _decide(
    tree: Status,
    blockers: tuple[str, ...],
    results: Mapping[str, RuleResult],
    veto: RuleResult | None,
    frozen: RuleResult | None,
    approvers: tuple[str, ...],
) -> tuple[VerdictStatus, str]:
    """Disapproval first, then errors, then the approval tree."""
    if frozen is not None:
        return "disapproved", f"disapproved: {frozen.reason}"
    if veto is not None and veto.status in ("disapproved", "error"):
        status: VerdictStatus = "disapproved" if veto.status == "disapproved" else "error"
        return status, f"{status}: {veto.reason}"
    if tree == "skipped":
        return "error", f"error: {NO_RULE_APPLIES}"
    if tree in ("error", "pending"):
        details = " | ".join(f"{n}: {results[n].reason}" for n in dict.fromkeys(blockers))
        return ("error" if tree == "error" else "pending"), f"{tree}: {details}"
    if approvers:
        return "approved", f"approved by {', '.join(approvers)}"
    approved = [r.name for r in results.values() if r.status == "approved"]
    return "approved", f"approved: no approval needed ({', '.join(approved)})"


def _approvers(results: Iterable[RuleResult]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for result in results:
        if result.status == "approved":
            for login in result.approvers:
                seen.setdefault(login.lower(), login)
    return tuple(seen.values())


def _clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the approval tree ---------------------------------------------------------------------


def _used(items: Iterable[ApprovalItem]) -> set[str]:
    """The names of the rules the tree refers to."""
    names: set[str] = set()
    for item in items:
        if isinstance(item, str):
            names.add(item)
        else:
            names |= _used(children(item)[1])
    return names


def _node(item: ApprovalItem, results: Mapping[str, RuleResult]) -> tuple[Status, tuple[str, ...]]:
    """A rule's or a block's status, and the rules that hold it up (pending or error)."""
    if isinstance(item, str):
        status = results[item].status
        return status, ((item,) if status in ("pending", "error") else ())
    return _block(*children(item), results)


def _block(
    kind: str, items: Sequence[ApprovalItem], results: Mapping[str, RuleResult]
) -> tuple[Status, tuple[str, ...]]:
    judged = [_node(item, results) for item in items]
    by_status: dict[Status, tuple[str, ...]] = {}
    for status, blockers in judged:
        by_status[status] = by_status.get(status, ()) + blockers
    order: tuple[Status, ...] = (
        ("approved", "pending", "error") if kind == "or" else ("error", "pending", "approved")
    )
    for status in order:
        if status in by_status:
            return status, by_status[status]
    return "skipped", ()


# -- one rule ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    """The facts, indexed for lookups that ignore case as GitHub does."""

    facts: PullRequestFacts
    changes: tuple[Change, ...]
    votes: tuple[ReviewFact, ...]  # each user's latest vote, in the order they were cast
    permissions: Mapping[str, str]
    teams: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, facts: PullRequestFacts, changes: Iterable[Change]) -> _Context:
        return cls(
            facts,
            tuple(changes),
            latest_votes(facts.reviews),
            {login.lower(): level for login, level in facts.permissions.items()},
            {
                team.lower(): frozenset(m.lower() for m in members)
                for team, members in facts.teams.items()
            },
        )

    def permission(self, login: str) -> str:
        return self.permissions.get(login.lower(), "none")

    def members(self, team: str) -> frozenset[str]:
        found = self.teams.get(_bare(team).lower())
        if found is None:
            raise _Unknown(f"the members of {_bare(team)} are not known")
        return found


def latest_votes(reviews: Iterable[ReviewFact]) -> tuple[ReviewFact, ...]:
    """Each user's latest review that approves or requests changes (reviews oldest
    first): comments change no vote, and a dismissed review no longer counts."""
    latest: dict[str, ReviewFact] = {}
    for review in reviews:
        if review.state in _VOTES:
            latest.pop(review.user.lower(), None)
            latest[review.user.lower()] = review
    return tuple(latest.values())


def _rule(rule: ApprovalRule, context: _Context) -> RuleResult:
    try:
        unmet = list(_unmet(rule.if_, context))
        if unmet:
            return RuleResult(rule.name, "skipped", f"skipped: {'; '.join(unmet)}")
        counted, dismissed = _approvals(rule, context)
        waiting = list(_unmet(rule.requires.conditions, context))
    except _Unknown as e:
        return RuleResult(rule.name, "error", f"cannot judge: {e}")
    missing = rule.requires.count - len(counted)
    if missing <= 0 and not waiting:
        return RuleResult(rule.name, "approved", _approved(rule, counted), counted, dismissed)
    needs = [_needs(rule.requires, counted, missing)] if missing > 0 else []
    return RuleResult(rule.name, "pending", "; ".join(needs + waiting), counted, dismissed)


def _approved(rule: ApprovalRule, counted: tuple[str, ...]) -> str:
    said = f"approved by {', '.join(counted)}" if counted else "no approval needed"
    return said + (", and the conditions hold" if _given(rule.requires.conditions) else "")


def _needs(requires: Approvers, counted: tuple[str, ...], missing: int) -> str:
    count = len(counted) + missing
    has = f"has {len(counted)} of {count}" + (f": {', '.join(counted)}" if counted else "")
    plural = "s" if missing != 1 else ""
    return f"needs {missing} more approval{plural} from {_who(requires)} ({has})"


def _approvals(
    rule: ApprovalRule, context: _Context
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Whose approvals count, and the approvals that do not with why."""
    if rule.requires.count <= 0:
        return (), ()
    counted: list[str] = []
    dismissed: list[tuple[str, str]] = []
    for vote in context.votes:
        if vote.state != "APPROVED":
            continue
        why = _disqualified(rule, vote, context)
        if why is None:
            counted.append(vote.user)
        else:
            dismissed.append((vote.user, why))
    return tuple(counted), tuple(dismissed)


def _disqualified(rule: ApprovalRule, vote: ReviewFact, context: _Context) -> str | None:
    if rule.options.invalidate_on_push and vote.commit_id != context.facts.head_sha:
        return f"approved an older commit {vote.commit_id[:7]}"
    if not rule.options.allow_author and vote.user.lower() == context.facts.author.lower():
        return "is the author"
    return _not_among(rule.requires, vote.user, context, default_write=True)


# -- who ------------------------------------------------------------------------------------


def _not_among(actors: Actors, login: str, context: _Context, *, default_write: bool) -> str | None:
    """None when `login` is one of `actors`, else why not. With `default_write`, naming
    nobody means anyone with write permission (an approval rule); without, no one."""
    permissions = list(getattr(actors, "permissions", ()))
    if default_write and not (actors.users or actors.teams or permissions):
        permissions = ["write"]
    needed = min((PERMISSION_RANK[p] for p in permissions), default=None)
    has = context.permission(login)
    if login.lower() in {_bare(u).lower() for u in actors.users}:
        return None
    if needed is not None and PERMISSION_RANK.get(has, 0) >= needed:
        return None
    if any(login.lower() in context.members(team) for team in actors.teams):
        return None
    reasons = []
    if actors.users:
        reasons.append(f"not {_either([_bare(u) for u in actors.users])}")
    if actors.teams:
        reasons.append(f"not in {_either([_bare(t) for t in actors.teams])}")
    if needed is not None:
        level = "no" if has == "none" else has
        reasons.append(f"has {level} permission, needs {_level(needed)}")
    return "; ".join(reasons) or "not listed (none are)"


def _who(actors: Actors, *, default_write: bool = True) -> str:
    """Who `actors` are, in words."""
    permissions = list(getattr(actors, "permissions", ()))
    if default_write and not (actors.users or actors.teams or permissions):
        permissions = ["write"]
    named = [_bare(t) for t in actors.teams] + [_bare(u) for u in actors.users]
    if permissions:
        named.append(
            f"anyone with {_level(min(PERMISSION_RANK[p] for p in permissions))} permission"
        )
    return _either(named) if named else "nobody"


def _level(rank: int) -> str:
    return next(name for name, value in PERMISSION_RANK.items() if value == rank)


def _bare(handle: str) -> str:
    return handle.removeprefix("@")


def _either(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


# -- predicates -------------------------------------------------------------------------------


def _given(predicates: Predicates) -> bool:
    return any(getattr(predicates, name) for name in Predicates.model_fields)


def _unmet(predicates: Predicates, context: _Context) -> Iterator[str]:
    """Why each predicate that does not hold does not (nothing: they all hold)."""
    facts = context.facts
    if predicates.changed_files is not None:
        yield from _changed(predicates.changed_files.paths, predicates.changed_files.ignore, facts)
    if predicates.only_changed_files is not None:
        yield from _only(predicates.only_changed_files.paths, facts)
    missing = [
        label
        for label in predicates.has_labels
        if label.lower() not in {had.lower() for had in facts.labels}
    ]
    if missing:
        yield f"missing label{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    branch = predicates.targets_branch
    if branch is not None and not re.search(branch.pattern, facts.base_ref):
        yield f"targets {facts.base_ref}, which does not match {branch.pattern}"
    authors = predicates.has_author_in
    why = _not_among(authors, facts.author, context, default_write=False) if authors else None
    if why is not None:
        yield f"the author {facts.author} is {why}"
    if predicates.change is not None:
        yield from _change(predicates.change.types, predicates.change.risk, context.changes)
    if predicates.has_status is not None:
        yield from _statuses(
            predicates.has_status.statuses, predicates.has_status.conclusions, facts
        )


def _changed(paths: list[str], ignore: list[str], facts: PullRequestFacts) -> Iterator[str]:
    considered = [f for f in facts.changed_files if not any(re.search(i, f) for i in ignore)]
    if not any(re.search(p, f) for f in considered for p in paths):
        ignoring = f" (ignoring {_either(ignore)})" if ignore else ""
        yield f"no changed file matches {_either(paths)}{ignoring}"


def _only(paths: list[str], facts: PullRequestFacts) -> Iterator[str]:
    if not facts.changed_files:
        yield "no files changed"
        return
    outside = [f for f in facts.changed_files if not any(re.search(p, f) for p in paths)]
    if outside:
        more = f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""
        yield f"{outside[0]}{more} does not match {_either(paths)}"


def _change(types: Sequence[str], risks: Sequence[str], changes: Sequence[Change]) -> Iterator[str]:
    if not changes:
        yield "touches no change record"
        return
    if any(_change_matches(change, types, risks) for change in changes):
        return
    wanted = ([f"of type {_either(types)}"] if types else []) + (
        [f"of {_either(risks)} risk"] if risks else []
    )
    yield f"no change record it touches is {' and '.join(wanted) or 'known'}"


def _change_matches(change: Change, types: Sequence[str], risks: Sequence[str]) -> bool:
    level = change.risk.level if change.risk is not None else None
    return (not types or change.type in types) and (not risks or level in risks)


def _statuses(names: list[str], conclusions: list[str], facts: PullRequestFacts) -> Iterator[str]:
    for name in names:
        state = facts.statuses.get(name)
        if state not in conclusions:
            yield f"waiting for status {name} (is {state or 'missing'})"


# -- disapproval and freezes -------------------------------------------------------------------


def _veto(policy: ApprovalPolicy, context: _Context) -> RuleResult | None:
    disapproval = policy.policy.disapproval
    if disapproval is None:
        return None
    who = _who(disapproval.requires, default_write=False)
    vetoes, ignored = [], []
    try:
        for vote in context.votes:
            if vote.state != "CHANGES_REQUESTED":
                continue
            why = _not_among(disapproval.requires, vote.user, context, default_write=False)
            if why is None:
                vetoes.append(vote.user)
            else:
                ignored.append((vote.user, f"requested changes but {why}"))
    except _Unknown as e:
        return RuleResult(DISAPPROVAL, "error", f"cannot judge the veto: {e}")
    if vetoes:
        return RuleResult(
            DISAPPROVAL,
            "disapproved",
            f"changes requested by {', '.join(vetoes)}",
            (),
            tuple(ignored),
        )
    return RuleResult(DISAPPROVAL, "skipped", f"no veto from {who}", (), tuple(ignored))


def _freeze(
    changes: Sequence[tuple[str, Change]], freezes: Sequence[tuple[str, FreezeWindow]]
) -> RuleResult | None:
    found = [f for path, change in changes for f in freeze_findings(path, change, freezes)]
    if not found:
        return None
    return RuleResult(FREEZE, "disapproved", "; ".join(f"{f.record} is {f.message}" for f in found))
