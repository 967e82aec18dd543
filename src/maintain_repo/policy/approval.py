"""Approval of a pull request by the `ApprovalPolicy`: palantir/policy-bot's semantics.

Pure: facts gathered from GitHub (`PullRequestFacts`), the change records the
pull request touches and the freeze windows come in; a `Verdict` comes out.

- A rule is *skipped* when one of its `if` predicates does not hold, *pending*
  while it lacks approvals or a `requires.conditions` predicate does not hold,
  *approved* otherwise, and *error* when it cannot be judged (the members of a
  team it names are not in the facts).
- Votes are counted as policy-bot counts them (`policy.approval_votes`):
  each user's latest approval by the rule's methods (an approving review, a
  :+1: comment, ...) is a candidate; a later request for changes does not
  cancel it, a dismissed review is none. Contributors other than the author
  never count unless allowed, nor does the author without `allow_author`.
  With `invalidate_on_push` (the default here; policy-bot's default is off)
  only approvals given after the latest push count. Every approval that did
  not count is listed with why.
- `or` is approved when a child is approved, else pending when one is
  pending; `and` is approved when no child is pending and one is approved.
  Skipped children are left out, and a block of skipped children is
  skipped: when *everything* is skipped the verdict is an error, never a
  pass ("no approval rule applies to this pull request").
- A veto beats any approval: a `disapproval.if` predicate that holds, or the
  latest disapproval (a changes-requested review, a :-1: comment) by someone
  `disapproval.requires` names, unless one of them approved after it. So does
  a change record scheduled in a freeze window. A policy with problems
  (`policy.approval_problems`) judges nothing: it is an error.

The verdict explains every rule the policy uses, skipped ones included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from maintain_repo.model.approval import (
    DEFAULT_APPROVE_COMMENTS,
    DEFAULT_DISAPPROVE_COMMENTS,
    ApprovalItem,
    ApprovalPolicy,
    ApprovalRule,
    Approvers,
    Methods,
)
from maintain_repo.model.change import Change
from maintain_repo.model.findings import dotted
from maintain_repo.model.policies import FreezeWindow
from maintain_repo.model.pull_facts import PullRequestFacts
from maintain_repo.policy.approval_people import Context, Unknown, named, not_among, who
from maintain_repo.policy.approval_predicates import given, judge, unmet
from maintain_repo.policy.approval_problems import (
    DISAPPROVAL,
    FREEZE,
    INVALID,
    children,
    policy_problems,
)
from maintain_repo.policy.approval_votes import (
    Candidate,
    approval_candidates,
    banned,
    candidates,
    counted_commits,
    last_push,
    stale,
)
from maintain_repo.policy.freeze import freeze_findings

Status = Literal["skipped", "pending", "approved", "error", "disapproved"]
VerdictStatus = Literal["approved", "pending", "disapproved", "error"]

DESCRIPTION_LIMIT = 140  # a commit status description
NO_RULE_APPLIES = "no approval rule applies to this pull request"


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
        return Verdict(status, clip(f"{status}: {text}"), (broken, *extra), (), policy.name)
    context = Context.of(facts, [change for _, change in changes])
    used = _used(policy.policy.approval)
    results = {r.name: _rule(r, context) for r in policy.rules if r.name in used}
    tree, blockers = _block("and", policy.policy.approval, results)
    veto = _veto(policy, context)
    shown = (*results.values(), *((veto,) if veto is not None else ()), *extra)
    approvers = _approvers(results.values())
    status, text = _decide(tree, blockers, results, veto, frozen, approvers)
    return Verdict(status, clip(text), shown, approvers, policy.name)


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


def clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
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


def _rule(rule: ApprovalRule, context: Context) -> RuleResult:
    try:
        skipped = list(unmet(rule.if_, context))
        if skipped:
            return RuleResult(rule.name, "skipped", f"skipped: {'; '.join(skipped)}")
        counted, dismissed = _approvals(rule, context)
        waiting = list(unmet(rule.requires.conditions, context))
    except Unknown as e:
        return RuleResult(rule.name, "error", f"cannot judge: {e}")
    missing = rule.requires.count - len(counted)
    if missing <= 0 and not waiting:
        return RuleResult(rule.name, "approved", _approved(rule, counted), counted, dismissed)
    needs = [_needs(rule.requires, counted, missing)] if missing > 0 else []
    return RuleResult(rule.name, "pending", "; ".join(needs + waiting), counted, dismissed)


def _approved(rule: ApprovalRule, counted: tuple[str, ...]) -> str:
    said = f"approved by {', '.join(counted)}" if counted else "no approval needed"
    return said + (", and the conditions hold" if given(rule.requires.conditions) else "")


def _needs(requires: Approvers, counted: tuple[str, ...], missing: int) -> str:
    count = len(counted) + missing
    has = f"has {len(counted)} of {count}" + (f": {', '.join(counted)}" if counted else "")
    plural = "s" if missing != 1 else ""
    return f"needs {missing} more approval{plural} from {who(requires)} ({has})"


def _approvals(
    rule: ApprovalRule, context: Context
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Whose approvals count, and the approvals that do not with why."""
    if rule.requires.count <= 0:
        return (), ()
    options = rule.options
    commits = counted_commits(options, context)
    push = last_push(context.facts, commits) if options.invalidate_on_push else None
    bans = banned(options, context, commits)
    counted: list[str] = []
    dismissed: list[tuple[str, str]] = []
    for candidate in approval_candidates(options, context.facts):
        why = (
            ("edited the comment" if options.ignore_edited_comments and candidate.edited else None)
            or (stale(candidate, push) if push is not None else None)
            or bans.get(candidate.user.lower())
            or not_among(rule.requires, candidate.user, context, default_write=True)
        )
        if why is None:
            counted.append(candidate.user)
        else:
            dismissed.append((candidate.user, why))
    return tuple(counted), tuple(dismissed)


# -- disapproval and freezes -------------------------------------------------------------------


def _veto(policy: ApprovalPolicy, context: Context) -> RuleResult | None:
    """policy-bot's disapproval: an `if` predicate that holds disapproves; otherwise the
    latest disapproval by one of `requires` stands unless one of them approved later."""
    disapproval = policy.policy.disapproval
    if disapproval is None:
        return None
    methods = disapproval.options.methods
    try:
        holding = next((j for j in judge(disapproval.if_, context) if j.holds), None)
        if holding is not None:
            return RuleResult(DISAPPROVAL, "disapproved", f"{holding.name}: {holding.why}")
        if not named(disapproval.requires):
            return RuleResult(DISAPPROVAL, "skipped", "nobody may disapprove")
        noes, ignored = _among(
            candidates(
                methods.disapprove or Methods(),
                "CHANGES_REQUESTED",
                DEFAULT_DISAPPROVE_COMMENTS,
                context.facts,
            ),
            disapproval.requires,
            context,
        )
        yeses, _ = _among(
            candidates(
                methods.revoke or Methods(), "APPROVED", DEFAULT_APPROVE_COMMENTS, context.facts
            ),
            disapproval.requires,
            context,
        )
    except Unknown as e:
        return RuleResult(DISAPPROVAL, "error", f"cannot judge the veto: {e}")
    whom = who(disapproval.requires, default_write=False)
    if not noes:
        return RuleResult(DISAPPROVAL, "skipped", f"no veto from {whom}", (), ignored)
    no, yes = noes[-1], (yeses[-1] if yeses else None)
    said = "changes requested by" if no.how == "review" else "disapproved by"
    if yes is None or no.after(yes):
        return RuleResult(DISAPPROVAL, "disapproved", f"{said} {no.user}", (), ignored)
    lifted = f"{said} {no.user}, lifted by {yes.user}'s approval"
    return RuleResult(DISAPPROVAL, "skipped", lifted, (), ignored)


def _among(
    found: list[Candidate], actors: Approvers, context: Context
) -> tuple[list[Candidate], tuple[tuple[str, str], ...]]:
    """The candidates who are among `actors` (oldest first), and the others with why not."""
    kept, others = [], []
    for candidate in found:
        why = not_among(actors, candidate.user, context, default_write=False)
        if why is None:
            kept.append(candidate)
        elif candidate.how == "review":
            others.append((candidate.user, f"requested changes but {why}"))
        else:
            others.append((candidate.user, f"disapproved but {why}"))
    return kept, tuple(others)


def _freeze(
    changes: Sequence[tuple[str, Change]], freezes: Sequence[tuple[str, FreezeWindow]]
) -> RuleResult | None:
    found = [f for path, change in changes for f in freeze_findings(path, change, freezes)]
    if not found:
        return None
    return RuleResult(FREEZE, "disapproved", "; ".join(f"{f.record} is {f.message}" for f in found))
