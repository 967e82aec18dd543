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

    paths: list[Regex] = Field(
        min_length=1,
        description=(
            "Regular expressions searched in each changed path (for a rename, the new path); "
            "anchor them with `^...$`. Holds when one is found in a file not ignored."
        ),
    )
    ignore: list[Regex] = Field(
        [],
        description="Regular expressions for changed paths to leave out before `paths` is tried.",
    )


class OnlyFilePatterns(Strict):
    """Every changed path matches one of the regular expressions."""

    paths: list[Regex] = Field(
        min_length=1,
        description=(
            "Regular expressions searched in each changed path (anchor them with `^...$`); "
            "every changed file must match one. No changed file: does not hold."
        ),
    )


class BranchPattern(Strict):
    """A branch name matched by a regular expression."""

    pattern: Regex = Field(
        description=(
            "Regular expression searched in the branch name, e.g. `^main$` (without anchors "
            "it matches anywhere in the name)."
        )
    )


class Actors(Strict):
    """Users (logins), teams (`org/slug`) and organizations (their members)."""

    users: UniqueList[Actor] = Field(
        [],
        description=(
            "GitHub logins, e.g. `mira-okafor` (a leading `@` is allowed); a GitHub App by "
            "its bot login, e.g. `dependabot[bot]`."
        ),
    )
    teams: UniqueList[Actor] = Field(
        [],
        description=(
            "GitHub teams written `org/team-slug`, e.g. `parcelpoint/sre`; each member is "
            "included. Reading members needs a token with `members: read`."
        ),
    )
    organizations: UniqueList[Actor] = Field(
        [],
        description=(
            "GitHub organizations by name; each member is included. Reading members needs a "
            "token with `members: read`."
        ),
    )


class Approvers(Actors):
    """Whose vote counts: a listed user, a member of a listed team or organization, or
    someone with at least one of the permissions. In a rule's `requires`, naming none of
    them means anyone with write or more; elsewhere it means nobody."""

    permissions: UniqueList[Permission] = Field(
        [],
        description=(
            "Permissions on the repository: anyone with the lowest one listed or a higher one "
            "is included (`write` also takes in `maintain` and `admin`)."
        ),
    )


class ChangeMatch(Strict):
    """A change record the pull request touches has one of these types and risk levels."""

    types: UniqueList[ChangeType] = Field(
        [], description="Change types (the record's `type`) that match; empty: any type."
    )
    risk: UniqueList[RiskLevel] = Field(
        [],
        description=(
            "Risk levels (the record's `risk.level`) that match; empty: any. When given, a "
            "change record without a risk does not match."
        ),
    )


class StatusMatch(Strict):
    """Commit statuses (or check runs) of the head commit with one of these conclusions."""

    statuses: UniqueList[Line] = Field(
        min_length=1,
        description=(
            "Names of commit statuses (their context) or check runs, e.g. `maintain check`; "
            "each one must be there with one of `conclusions`."
        ),
    )
    conclusions: UniqueList[Line] = Field(
        ["success"],
        description=(
            "States that count: a commit status's `success`, `failure`, `pending` or `error`, "
            "or a check run's conclusion (e.g. `neutral`, `skipped`)."
        ),
    )


class TextPatterns(Strict):
    """Holds when some `matches` pattern is found in the text, or when no `not_matches`
    pattern is (each side only when given; policy-bot's `title`)."""

    matches: list[Regex] = Field(
        [], description="Regular expressions; holds when one is found in the text."
    )
    not_matches: list[Regex] = Field(
        [],
        description="Regular expressions; holds when none is found in the text (when given).",
    )

    @model_validator(mode="after")
    def _some(self) -> TextPatterns:
        if not self.matches and not self.not_matches:
            raise ValueError("give matches, not_matches or both")
        return self


class Predicates(Strict):
    """Facts about a pull request; all given ones must hold (none given: they hold)."""

    changed_files: FilePatterns | None = Field(
        None,
        description=(
            "Holds when a changed file, other than those `ignore` leaves out, matches one of "
            "`paths`."
        ),
    )
    only_changed_files: OnlyFilePatterns | None = Field(
        None, description="Holds when every changed file matches one of `paths`."
    )
    has_labels: UniqueList[Line] = Field(
        [],
        description="Labels the pull request must all carry (case is ignored); empty: no check.",
    )
    targets_branch: BranchPattern | None = Field(
        None, description="Holds when the base branch (the one merged into) matches `pattern`."
    )
    from_branch: BranchPattern | None = Field(
        None, description="Holds when the head branch (the one merged from) matches `pattern`."
    )
    title: TextPatterns | None = Field(
        None,
        description=(
            "Holds when the pull request's title matches a `matches` pattern, or matches no "
            "`not_matches` pattern."
        ),
    )
    has_author_in: Approvers | None = Field(
        None,
        description=(
            "Holds when the pull request's author is one of these users, team or organization "
            "members, or has one of these permissions. Naming nobody: never holds."
        ),
    )
    has_contributor_in: Approvers | None = Field(
        None,
        description=(
            "Holds when a contributor is one of these: the author, or an author or committer "
            "of one of its commits. Naming nobody: never holds."
        ),
    )
    only_has_contributors_in: Approvers | None = Field(
        None,
        description=(
            "Holds when every contributor (the author, and every author and committer of its "
            "commits) is one of these."
        ),
    )
    author_is_only_contributor: bool | None = Field(
        None,
        description=(
            "`true`: holds when the author authored and committed every commit (commits made "
            "on GitHub's website by their author alone); `false`: holds when not."
        ),
    )
    change: ChangeMatch | None = Field(
        None,
        description=(
            "Holds when a change record the pull request touches (as in its head commit) "
            "matches `types` and `risk`. Touching none: does not hold."
        ),
    )
    has_status: StatusMatch | None = Field(
        None,
        description=(
            "Holds when each of `statuses` on the pull request's head commit has one of "
            "`conclusions`, e.g. a green `maintain check`."
        ),
    )


class Requires(Approvers):
    """How many approvals a rule needs, from whom, and what else must hold."""

    count: int = Field(
        default=0,
        ge=0,
        le=100,
        description=(
            "Approvals needed from people named here (0 to 100); naming nobody means anyone "
            "with write or more. 0: approved once `conditions` hold."
        ),
    )
    conditions: Predicates = Field(
        Predicates(),
        description=(
            "Predicates that must all hold as well: the rule applies but stays pending until "
            "they do (e.g. `has_status` for a green check)."
        ),
    )


DEFAULT_APPROVE_COMMENTS = (":+1:", "\U0001f44d")
DEFAULT_DISAPPROVE_COMMENTS = (":-1:", "\U0001f44e")


class Methods(Strict):
    """How people say yes (or no): comments containing a text or matching a pattern,
    GitHub reviews (optionally only those whose body matches), the pull request's body."""

    comments: list[Line] | None = Field(
        None,
        description=(
            "Texts a comment must contain to count (case matters). Omitted: `:+1:` and the "
            "thumbs-up emoji (`:-1:` and thumbs-down to veto); `[]`: no text counts."
        ),
    )
    comment_patterns: list[Regex] = Field(
        [],
        description=(
            "Regular expressions; a comment (or a review left as a comment) in which one is "
            "found counts."
        ),
    )
    github_review: bool | None = Field(
        None,
        description=(
            "Whether reviews count: approving ones (changes-requested ones to veto). Omitted: "
            "`true`; `false` together with `github_review_comment_patterns` is an error."
        ),
    )
    github_review_comment_patterns: list[Regex] = Field(
        [],
        description="Regular expressions; when given, only reviews whose body matches one count.",
    )
    body_patterns: list[Regex] = Field(
        [],
        description=(
            "Regular expressions searched in the pull request's description; a match is the "
            "author's vote as of its opening (in a rule it needs `allow_author`)."
        ),
    )


class RuleOptions(Strict):
    """Whose approvals count, which pushes invalidate them, and how people approve."""

    allow_author: bool = Field(
        False,
        description=(
            "Count the pull request author's own approval (by comment or the description: "
            "GitHub refuses self-reviews)."
        ),
    )
    allow_contributor: bool = Field(
        False,
        description=(
            "Count approvals of anyone who authored or committed one of its commits, the "
            "author included. By default none of them may approve."
        ),
    )
    allow_non_author_contributor: bool = Field(
        False,
        description=(
            "Count approvals of authors and committers of its commits other than the pull "
            "request's author."
        ),
    )
    invalidate_on_push: bool = Field(
        True,
        description=(
            "Count only approvals given after the latest push (default `true`; policy-bot's is "
            "`false`). With no push time known, only reviews of the pushed commit or later count."
        ),
    )
    ignore_edited_comments: bool = Field(
        False,
        description=(
            "Do not count approvals by comments that were edited (an edited pull request "
            "description still counts)."
        ),
    )
    ignore_update_merges: bool = Field(
        False,
        description=(
            'Treat merges of the base branch made on GitHub ("Update branch") as neither a '
            "push nor a contribution."
        ),
    )
    ignore_commits_by: Approvers = Field(
        Approvers(),
        description=(
            "Commits whose author and committer are all among these are neither a push nor "
            "a contribution. Naming nobody ignores nothing."
        ),
    )
    methods: Methods = Field(
        Methods(),
        description=(
            "How people approve under this rule. Default: an approving review, or a comment "
            "containing `:+1:` or the thumbs-up emoji."
        ),
    )


class ApprovalRule(Strict):
    """Applies when its `if` predicates hold; approved when `requires` is met."""

    name: RuleName = Field(
        description=(
            "Unique name that `policy` refers to; one line, at most 100 characters. "
            "`freeze-windows`, `disapproval` and `approval-policy` are reserved."
        )
    )
    description: Text | None = Field(
        None, description="What the rule is for and why, for people reading the policy."
    )
    if_: Predicates = Field(
        default=Predicates(),
        alias="if",
        description=(
            "Predicates that must all hold for the rule to apply; otherwise it is skipped. "
            "None given: it always applies."
        ),
    )
    requires: Requires = Field(
        Requires(),
        description=(
            "How many approvals the rule needs (`count`), from whom, and `conditions` that "
            "must hold. Omitted: approved as soon as it applies."
        ),
    )
    options: RuleOptions = Field(
        RuleOptions(),
        description=(
            "Whose approvals count (author, contributors), which pushes invalidate them, and "
            "how people approve (`methods`)."
        ),
    )


class AndBlock(Strict):
    """Approved when no child is pending and at least one is approved."""

    and_: list[ApprovalItem] = Field(
        alias="and",
        description=(
            "Rule names and nested `and`/`or` blocks (at most 5 deep); skipped ones drop out, "
            "and a block of only skipped ones is skipped."
        ),
    )


class OrBlock(Strict):
    """Approved when any child is approved."""

    or_: list[ApprovalItem] = Field(
        alias="or",
        description=(
            "Rule names and nested `and`/`or` blocks (at most 5 deep); skipped ones drop out, "
            "and a block of only skipped ones is skipped."
        ),
    )


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

    disapprove: Methods | None = Field(
        None,
        description=(
            "How a veto is cast. Omitted: a changes-requested review, or a comment containing "
            "`:-1:` or the thumbs-down emoji."
        ),
    )
    revoke: Methods | None = Field(
        None,
        description=(
            "How a veto is lifted, by anyone `requires` names. Omitted: an approving review, "
            "or a comment containing `:+1:` or the thumbs-up emoji."
        ),
    )


class DisapprovalOptions(Strict):
    """Options of the veto."""

    methods: DisapprovalMethods = Field(
        DisapprovalMethods(), description="How a veto is cast (`disapprove`) and lifted (`revoke`)."
    )


class Disapproval(Strict):
    """Who may veto: the latest disapproval by one of them, unless one of them approved
    after it, disapproves the pull request; so do `if` predicates that hold."""

    if_: Predicates = Field(
        default=Predicates(),
        alias="if",
        description=(
            "Predicates that disapprove by themselves: any one given that holds is a veto "
            "(unlike a rule's `if`, where all must hold)."
        ),
    )
    options: DisapprovalOptions = Field(
        DisapprovalOptions(), description="How a veto is cast and lifted."
    )
    requires: Approvers = Field(
        Approvers(),
        description=(
            "Who may veto, and lift a veto (anyone named may lift another's). Naming nobody: "
            "only `if` predicates can disapprove."
        ),
    )


class ApprovalTree(Strict):
    """Which rules must approve the pull request, and who may veto it."""

    approval: list[ApprovalItem] = Field(
        description=(
            "Rule names and `and`/`or` blocks, combined as an implicit `and`. A pull request "
            "to which every rule is skipped is an error, not approved."
        )
    )
    disapproval: Disapproval | None = Field(
        None,
        description=(
            "Who may veto the pull request, and predicates that veto it. Omitted: no veto "
            "(a change scheduled in a freeze window still disapproves)."
        ),
    )


class ApprovalPolicy(Strict):
    """Who must approve a pull request, by rules over its files, labels and change records."""

    kind: Literal["ApprovalPolicy"] = Field(
        description=(
            "Always `ApprovalPolicy`. A repository has one, in `policies/`; `maintain approve` "
            "reads it from the pull request's base branch."
        )
    )
    name: PolicyName = Field(
        description=(
            "Lower-case letters, digits and hyphens, at most 100 characters. Named in "
            "`maintain approve`'s comment and in a change record's `approval` block."
        )
    )
    description: Text | None = Field(
        None, description="What the policy asks for and why, for people reading it."
    )
    policy: ApprovalTree = Field(
        description="Which rules must approve a pull request (`approval`) and who may veto it."
    )
    rules: list[ApprovalRule] = Field(
        [],
        description=(
            "The rules, which `policy` names. A policy without rules is an error; rules it "
            "does not name are not evaluated."
        ),
    )
