"""Policy documents in `policies/*.yaml`: record policies, SLAs, freeze windows,
the approval policy.

Each is one YAML document with a `kind`; their JSON Schemas are generated and
committed like the record schemas. Expressions are CEL text here; the policy
layer compiles them. The approval policy's regular expressions, rule
references and team names are checked by `maintain policy validate` (see
`maintain_repo.policy.approval_problems`), so one run reports all of them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag, model_validator

from maintain_repo.model.common import (
    LINE,
    Handle,
    Line,
    ServiceId,
    Strict,
    Text,
    TierNumber,
    Timestamp,
    UniqueList,
)
from maintain_repo.model.durations import DURATION, check_duration
from maintain_repo.model.settings import TimeZoneName, Weekday

DurationText = Annotated[str, Field(pattern=DURATION), AfterValidator(check_duration)]
PolicyName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
Expression = Annotated[str, Field(min_length=1, max_length=4000)]
KindName = Literal["service", "incident", "problem", "change", "improvement", "finding", "waiver"]
IncidentSeverity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
FindingSeverity = Literal["critical", "high", "medium", "low", "info"]
Priority = Literal["P1", "P2", "P3", "P4"]
ChangeType = Literal["standard", "normal", "emergency"]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
RiskLevel = Literal["low", "medium", "high", "critical"]
Permission = Literal["admin", "maintain", "write", "triage", "read"]
# Checked by `maintain policy validate` (a regex that compiles, a known rule, org/team),
# so that one run reports every problem of an approval policy, with a clear message.
Regex = Annotated[str, Field(min_length=1, max_length=1000)]
# A rule's name is free text on one line, as in policy-bot ("two approvals from SRE").
RuleName = Annotated[str, Field(min_length=1, max_length=100, pattern=LINE)]
Actor = Annotated[str, Field(min_length=1, max_length=140)]


class Match(Strict):
    """Which records a policy applies to: kinds, then an optional CEL condition."""

    kinds: UniqueList[KindName] = Field(min_length=1)
    condition: Expression | None = None


class Validation(Strict):
    """A CEL expression every matching record must make true."""

    expression: Expression
    message: Line | None = None
    messageExpression: Expression | None = None  # the Kubernetes spelling


class RecordPolicy(Strict):
    """A rule about records, written in CEL (the shape of Kubernetes admission policies)."""

    kind: Literal["RecordPolicy"]
    name: PolicyName
    description: Text | None = None
    severity: Literal["error", "warning"] = "error"
    match: Match
    validations: list[Validation] = Field(min_length=1)


class IncidentTargets(Strict):
    """How long an incident of each severity may take to be acknowledged and resolved."""

    acknowledge: dict[IncidentSeverity, DurationText] = {}
    resolve: dict[IncidentSeverity, DurationText] = {}


class TierTargets(IncidentTargets):
    """Targets for incidents on services of one tier (replacing the defaults)."""

    tier: TierNumber


class IncidentSla(IncidentTargets):
    tiers: list[TierTargets] = []
    postmortem: dict[IncidentSeverity, DurationText] = {}


class WaiverLimits(Strict):
    """The longest a waiver may run, by the severity of what it covers."""

    finding: dict[FindingSeverity, DurationText] = {}
    policy: DurationText | None = None  # for waivers of policy violations


class SLAPolicy(Strict):
    """Deadlines: incident response, postmortems, action items, findings, waivers."""

    kind: Literal["SLAPolicy"]
    name: PolicyName
    description: Text | None = None
    incident: IncidentSla = IncidentSla()
    improvement: dict[Priority, DurationText] = {}
    finding: dict[FindingSeverity, DurationText] = {}
    waiver: WaiverLimits = WaiverLimits()
    # An obligation is at risk once this share of its time has passed.
    at_risk_after: float = Field(default=0.75, gt=0, lt=1)


class Weekly(Strict):
    """A window that recurs every week, from one local day and time to another."""

    time_zone: TimeZoneName = "UTC"
    start_day: Weekday
    start_time: ClockTime = "00:00"
    end_day: Weekday
    end_time: ClockTime = "23:59"


class FreezeWindow(Strict):
    """A change freeze (`deny`) or a permitted window (`allow`); deny beats allow."""

    kind: Literal["FreezeWindow"]
    name: PolicyName
    description: Text | None = None
    action: Literal["deny", "allow"] = "deny"
    services: UniqueList[ServiceId] = []  # empty: every service
    change_types: UniqueList[ChangeType] = []  # empty: every type
    start: Timestamp | None = None
    end: Timestamp | None = None
    weekly: Weekly | None = None
    approvers: UniqueList[Handle] = []  # who may approve an emergency override

    @model_validator(mode="after")
    def _one_shape(self) -> FreezeWindow:
        one_off = self.start is not None or self.end is not None
        if one_off == (self.weekly is not None):
            raise ValueError("a window is either one-off (start and end) or weekly, not both")
        if one_off and (self.start is None or self.end is None or self.end <= self.start):
            raise ValueError("a one-off window needs a start before its end")
        return self


class TestRecord(Strict):
    """A record for a policy test: a file of the repository (with changes), or inline."""

    path: Line | None = None
    set: dict[str, Any] = {}  # dotted field -> value, applied to the file's record
    record: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> TestRecord:
        if (self.path is None) == (self.record is None):
            raise ValueError("give either path (with optional set) or record")
        if self.record is not None and self.set:
            raise ValueError("set only applies to a record read from path")
        return self


class Expected(Strict):
    rule: Line  # a policy name or a built-in rule id
    record: Line
    message: Line | None = None  # when given, the message must match exactly


class PolicyTest(Strict):
    """Records in, expected findings out: a unit test for the repository's policies."""

    kind: Literal["PolicyTest"]
    name: Line
    description: Text | None = None
    now: Timestamp | None = None
    records: list[TestRecord] = Field(min_length=1)
    expect: list[Expected] = []


# -- ApprovalPolicy: who approves a pull request (palantir/policy-bot's format) ----------


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
