"""`ApprovalPolicy`: who approves a pull request (palantir/policy-bot's format).

The policy's regular expressions, rule references and team names are checked by
`maintain policy validate` (see `maintain_repo.policy.approval_problems`), so
one run reports all of them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from maintain_repo.model.common import LINE, Line, Strict, Text, UniqueList
from maintain_repo.model.policies import ChangeType, PolicyName

Permission = Literal["admin", "maintain", "write", "triage", "read"]
RiskLevel = Literal["low", "medium", "high", "critical"]
# Checked by `maintain policy validate` (a regex that compiles, a known rule, org/team),
# so that one run reports every problem of an approval policy, with a clear message.
Regex = Annotated[str, Field(min_length=1, max_length=1000)]
# A rule's name is free text on one line, as in policy-bot ("two approvals from SRE").
RuleName = Annotated[str, Field(min_length=1, max_length=100, pattern=LINE)]
Actor = Annotated[str, Field(min_length=1, max_length=140)]


class FilePatterns(Strict):
    """Changed paths matched by regular expressions (searched anywhere in the path)."""

    paths: list[Regex] = Field(min_length=1)
    ignore: list[Regex] = []


class OnlyFilePatterns(Strict):
    paths: list[Regex] = Field(min_length=1)


class BranchPattern(Strict):
    pattern: Regex


class Actors(Strict):
    """Users (logins), teams (`org/slug`) and organizations (their members)."""

    users: UniqueList[Actor] = []
    teams: UniqueList[Actor] = []
    organizations: UniqueList[Actor] = []


class Approvers(Actors):
    """Whose vote counts: a listed user, a member of a listed team or organization, or
    someone with at least one of the permissions. In a rule's `requires`, naming none of
    them means anyone with write or more; elsewhere it means nobody."""

    permissions: UniqueList[Permission] = []


class ChangeMatch(Strict):
    """A change record the pull request touches has one of these types and risk levels."""

    types: UniqueList[ChangeType] = []
    risk: UniqueList[RiskLevel] = []


class StatusMatch(Strict):
    """Commit statuses (or check runs) of the head commit with one of these conclusions."""

    statuses: UniqueList[Line] = Field(min_length=1)
    conclusions: UniqueList[Line] = ["success"]


class TextPatterns(Strict):
    """Holds when some `matches` pattern is found in the text, or when no `not_matches`
    pattern is (each side only when given; policy-bot's `title`)."""

    matches: list[Regex] = []
    not_matches: list[Regex] = []

    @model_validator(mode="after")
    def _some(self) -> TextPatterns:
        if not self.matches and not self.not_matches:
            raise ValueError("give matches, not_matches or both")
        return self


class Predicates(Strict):
    """Facts about a pull request; all given ones must hold (none given: they hold)."""

    changed_files: FilePatterns | None = None
    only_changed_files: OnlyFilePatterns | None = None
    has_labels: UniqueList[Line] = []
    targets_branch: BranchPattern | None = None
    from_branch: BranchPattern | None = None
    title: TextPatterns | None = None
    has_author_in: Approvers | None = None
    # Contributors: the author and every author and committer of its commits.
    has_contributor_in: Approvers | None = None
    only_has_contributors_in: Approvers | None = None
    author_is_only_contributor: bool | None = None
    change: ChangeMatch | None = None
    has_status: StatusMatch | None = None


class Requires(Approvers):
    count: int = Field(default=0, ge=0, le=100)
    conditions: Predicates = Predicates()  # the rule applies but stays pending until they hold


DEFAULT_APPROVE_COMMENTS = (":+1:", "\U0001f44d")
DEFAULT_DISAPPROVE_COMMENTS = (":-1:", "\U0001f44e")


class Methods(Strict):
    """How people say yes (or no): comments containing a text or matching a pattern,
    GitHub reviews (optionally only those whose body matches), the pull request's body."""

    comments: list[Line] | None = None  # None: the default (:+1: and the thumbs-up emoji)
    comment_patterns: list[Regex] = []
    github_review: bool | None = None  # None: true
    github_review_comment_patterns: list[Regex] = []
    body_patterns: list[Regex] = []


class RuleOptions(Strict):
    allow_author: bool = False  # the author's own approval (by comment or body) counts
    # Anyone who pushed a commit counts (the author included); by default nobody who
    # authored or committed a commit of the pull request may approve it.
    allow_contributor: bool = False
    allow_non_author_contributor: bool = False  # contributors other than the author count
    invalidate_on_push: bool = True  # only approvals given after the latest push count
    ignore_edited_comments: bool = False
    ignore_update_merges: bool = False  # merges of the base made on GitHub are no push
    ignore_commits_by: Approvers = Approvers()  # their commits are no push, no contribution
    methods: Methods = Methods()


class ApprovalRule(Strict):
    """Applies when its `if` predicates hold; approved when `requires` is met."""

    name: RuleName
    description: Text | None = None
    if_: Predicates = Field(default=Predicates(), alias="if")
    requires: Requires = Requires()
    options: RuleOptions = RuleOptions()


class AndBlock(Strict):
    """Approved when no child is pending and at least one is approved."""

    and_: list[ApprovalItem] = Field(alias="and")


class OrBlock(Strict):
    """Approved when any child is approved."""

    or_: list[ApprovalItem] = Field(alias="or")


def _item_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "rule"
    if isinstance(value, (AndBlock, OrBlock)):  # serializing a validated policy
        return "and" if isinstance(value, AndBlock) else "or"
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("and", "or"):
        return str(next(iter(value)))
    return None


# A rule's name, or a block of items (the discriminator gives one clear message for
# anything else, instead of one per alternative).
ApprovalItem = Annotated[
    Annotated[RuleName, Tag("rule")]
    | Annotated[AndBlock, Tag("and")]
    | Annotated[OrBlock, Tag("or")],
    Discriminator(
        _item_kind,
        custom_error_type="approval_item",
        custom_error_message="expected a rule name, or a block {and: [...]} or {or: [...]}",
    ),
]


class DisapprovalMethods(Strict):
    """How a veto is cast (default: a changes-requested review, or a :-1: comment) and
    lifted (default: an approving review, or a :+1: comment)."""

    disapprove: Methods | None = None
    revoke: Methods | None = None


class DisapprovalOptions(Strict):
    methods: DisapprovalMethods = DisapprovalMethods()


class Disapproval(Strict):
    """Who may veto: the latest disapproval by one of them, unless one of them approved
    after it, disapproves the pull request; so do `if` predicates that hold."""

    if_: Predicates = Field(default=Predicates(), alias="if")
    options: DisapprovalOptions = DisapprovalOptions()
    requires: Approvers = Approvers()


class ApprovalTree(Strict):
    approval: list[ApprovalItem]  # every item must be approved (an implicit `and`)
    disapproval: Disapproval | None = None  # no veto when omitted


class ApprovalPolicy(Strict):
    """Who must approve a pull request, by rules over its files, labels and change records."""

    kind: Literal["ApprovalPolicy"]
    name: PolicyName
    description: Text | None = None
    policy: ApprovalTree
    rules: list[ApprovalRule] = []
