"""What stops an ApprovalPolicy from judging anything (`maintain policy validate`).

A rule referenced but not defined, two rules of one name, a reserved name,
an empty or too deeply nested and/or block, a regular expression that does
not compile, a team not written org/team: each is a `policy-error` finding
at the offending field. The evaluator (`policy.approval`) refuses to judge
with a policy that has any of them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence

from maintain_repo.model.approval import (
    Actors,
    AndBlock,
    ApprovalItem,
    ApprovalPolicy,
    ApprovalRule,
    Methods,
    OrBlock,
    Predicates,
)
from maintain_repo.model.findings import Finding, Pointer, Severity
from maintain_repo.policy.patterns import problem as pattern_problem

ERROR_RULE = "policy-error"
FREEZE = "freeze-windows"
DISAPPROVAL = "disapproval"
INVALID = "approval-policy"
# Names of the verdict's own results, which a rule may not take.
RESERVED = frozenset({FREEZE, DISAPPROVAL, INVALID})
MAX_DEPTH = 5  # nested and/or blocks (policy-bot's documented limit)
_NAME = r"@?[A-Za-z0-9][A-Za-z0-9-]{0,38}"
_LOGIN = re.compile(rf"^{_NAME}$")
# A GitHub App commits, reviews and comments as `name[bot]` (`dependabot[bot]`).
_USER = re.compile(rf"^{_NAME}(\[bot\])?$")
_TEAM = re.compile(r"^@?[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def children(block: AndBlock | OrBlock) -> tuple[str, list[ApprovalItem]]:
    """A block's key (`and` or `or`) and its items."""
    return ("and", block.and_) if isinstance(block, AndBlock) else ("or", block.or_)


def problems(path: str, policy: ApprovalPolicy) -> list[Finding]:
    """What stops the policy from judging anything, as `policy-error` findings at `path`."""
    return [
        Finding(ERROR_RULE, Severity.ERROR, message, path, pointer=pointer)
        for pointer, message in policy_problems(policy)
    ]


def policy_problems(policy: ApprovalPolicy) -> list[tuple[Pointer, str]]:
    found: list[tuple[Pointer, str]] = []
    if not policy.rules:
        found.append((("rules",), "the policy has no rules"))
    names = [rule.name for rule in policy.rules]
    for index, rule in enumerate(policy.rules):
        found.extend(_rule_problems(index, rule, names))
    approval = policy.policy.approval
    if not approval:
        found.append((("policy", "approval"), "approval lists nothing, so nothing can approve"))
    found.extend(_tree_problems(approval, ("policy", "approval"), 0, names))
    disapproval = policy.policy.disapproval
    if disapproval is not None:
        here: Pointer = ("policy", "disapproval")
        found.extend(_actor_problems(disapproval.requires, (*here, "requires")))
        found.extend(_predicate_problems(disapproval.if_, (*here, "if")))
        ways = disapproval.options.methods
        for key, methods in (("disapprove", ways.disapprove), ("revoke", ways.revoke)):
            found.extend(_methods_problems(methods, (*here, "options", "methods", key)))
    return found


def _rule_problems(
    index: int, rule: ApprovalRule, names: list[str]
) -> Iterator[tuple[Pointer, str]]:
    here: Pointer = ("rules", index)
    if rule.name in RESERVED:
        yield (*here, "name"), f"{rule.name!r} is reserved for the verdict's own results"
    if names.index(rule.name) != index:
        first = names.index(rule.name)
        yield (*here, "name"), f"rules[{first}] is also named {rule.name!r}; names are unique"
    yield from _predicate_problems(rule.if_, (*here, "if"))
    yield from _predicate_problems(rule.requires.conditions, (*here, "requires", "conditions"))
    yield from _actor_problems(rule.requires, (*here, "requires"))
    options: Pointer = (*here, "options")
    yield from _actor_problems(rule.options.ignore_commits_by, (*options, "ignore_commits_by"))
    yield from _methods_problems(rule.options.methods, (*options, "methods"))


def _tree_problems(
    items: Sequence[ApprovalItem], pointer: Pointer, depth: int, names: list[str]
) -> Iterator[tuple[Pointer, str]]:
    for index, item in enumerate(items):
        here: Pointer = (*pointer, index)
        if isinstance(item, str):
            if item not in names:
                guess = difflib.get_close_matches(item, names, n=1, cutoff=0.7)
                hint = f"; did you mean {guess[0]!r}?" if guess else ""
                yield here, f"no rule is called {item!r}{hint}"
            continue
        key, items_of_block = children(item)
        if depth + 1 > MAX_DEPTH:
            yield (*here, key), f"and/or blocks nest at most {MAX_DEPTH} deep"
            continue
        if not items_of_block:
            yield (*here, key), f"an empty {key} block"
        yield from _tree_problems(items_of_block, (*here, key), depth + 1, names)


def _predicate_problems(predicates: Predicates, pointer: Pointer) -> Iterator[tuple[Pointer, str]]:
    patterns: list[tuple[Pointer, str]] = []
    if predicates.changed_files is not None:
        for key in ("paths", "ignore"):
            values = getattr(predicates.changed_files, key)
            patterns += [((*pointer, "changed_files", key, i), v) for i, v in enumerate(values)]
    if predicates.only_changed_files is not None:
        values = predicates.only_changed_files.paths
        patterns += [
            ((*pointer, "only_changed_files", "paths", i), v) for i, v in enumerate(values)
        ]
    for key in ("targets_branch", "from_branch"):
        branch = getattr(predicates, key)
        if branch is not None:
            patterns.append(((*pointer, key, "pattern"), branch.pattern))
    if predicates.title is not None:
        for key in ("matches", "not_matches"):
            values = getattr(predicates.title, key)
            patterns += [((*pointer, "title", key, i), v) for i, v in enumerate(values)]
    for where, pattern in patterns:
        message = pattern_problem(pattern)
        if message is not None:
            yield where, message
    for key in ("has_author_in", "has_contributor_in", "only_has_contributors_in"):
        actors = getattr(predicates, key)
        if actors is not None:
            yield from _actor_problems(actors, (*pointer, key))


def _methods_problems(methods: Methods | None, pointer: Pointer) -> Iterator[tuple[Pointer, str]]:
    if methods is None:
        return
    if methods.github_review is False and methods.github_review_comment_patterns:
        yield (
            (*pointer, "github_review"),
            (
                "github_review is false, yet github_review_comment_patterns count reviews: "
                "remove one of them"
            ),
        )
    for key in ("comment_patterns", "github_review_comment_patterns", "body_patterns"):
        for index, pattern in enumerate(getattr(methods, key)):
            message = pattern_problem(pattern)
            if message is not None:
                yield (*pointer, key, index), message


def _actor_problems(actors: Actors, pointer: Pointer) -> Iterator[tuple[Pointer, str]]:
    for index, team in enumerate(actors.teams):
        if not _TEAM.match(team):
            yield (*pointer, "teams", index), f"{team!r} is not a team: write org/team-slug"
    for index, user in enumerate(actors.users):
        if _TEAM.match(user):
            yield (*pointer, "users", index), f"{user!r} is a team: list it under teams"
        elif not _USER.match(user):
            yield (*pointer, "users", index), f"{user!r} is not a GitHub login"
    for index, org in enumerate(actors.organizations):
        if _TEAM.match(org):
            yield (*pointer, "organizations", index), f"{org!r} is a team: list it under teams"
        elif not _LOGIN.match(org):
            yield (*pointer, "organizations", index), f"{org!r} is not an organization name"
